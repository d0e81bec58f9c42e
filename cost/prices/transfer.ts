/**
 * What a cloud charges to send data out to the internet: the price of a move between clouds, which the source
 * cloud bills once for every GB the target's transfer Job reads (ingress into the target is free on all three).
 */
export interface EgressPrice {
    /** USD per GB in the first paid tier (the tier a workbench's bucket falls in: up to 1 or 10 TB a month). */
    usd: number;
    /** GB a month the cloud sends free, across the account (AWS and Azure: 100 GB; GCP Cloud Storage: none counted). */
    freeGBMonthly: number;
    /** The first paid tier's upper bound, GB a month: past it the price per GB drops (the estimate stays on the high side). */
    tierGB: number;
    /** Page the figure was read from, and who quoted it when not the cloud itself. */
    source: string;
    /** Month the figure was read (YYYY-MM). */
    asOf: string;
}

/** The cost of sending `gb` out of a cloud at `price`, the month's free allowance first. */
export function egressUsd(price: EgressPrice, gb: number): number {
    return Math.max(0, gb - price.freeGBMonthly) * price.usd;
}
