/*
 * EC2 GPU quotas, checked before the first GPU server: new accounts usually have none, and without quota a
 * GPU notebook waits until the autoscaler gives up, with the reason only in the Auto Scaling group's activity.
 * EC2 counts these quotas in vCPUs per region, one quota per instance family group and purchase option
 * (Service Quotas, service code `ec2`; the codes as docs/aws.md lists them and as the AWS CLI returns them).
 */

/** One Service Quotas quota of EC2. */
export interface Ec2Quota {
    /** The quota code, e.g. `L-3819A6DF`. */
    code: string;
    /** The quota's name as Service Quotas shows it. */
    name: string;
}

/** The GPU quotas by family group (G and VT; P) and purchase option. */
export const GPU_QUOTAS: Readonly<Record<"G" | "P", Readonly<Record<"onDemand" | "spot", Ec2Quota>>>> = {
    G: {
        onDemand: { code: "L-DB2E81BA", name: "Running On-Demand G and VT instances" },
        spot: { code: "L-3819A6DF", name: "All G and VT Spot Instance Requests" },
    },
    P: {
        onDemand: { code: "L-417A185B", name: "Running On-Demand P instances" },
        spot: { code: "L-7212CCBC", name: "All P Spot Instance Requests" },
    },
};

/** A GPU pool as the quota check sees it. */
export interface GpuPoolDemand {
    /** The pool's name (`workbench:gpuPools[i].name`). */
    name: string;
    /** Its config key, for messages. */
    key: string;
    /** The instance type it launches (the first; a pool's types share one shape). */
    instanceType: string;
    /** vCPUs of one node: what one node counts against the quota. */
    vcpu: number;
    spot: boolean;
}

/** The quota a pool's nodes count against; undefined for a family without a GPU quota here. */
export function quotaOf(pool: Pick<GpuPoolDemand, "instanceType" | "spot">): Ec2Quota | undefined {
    const family = pool.instanceType[0]?.toUpperCase();
    if (family !== "G" && family !== "P") return undefined;
    return GPU_QUOTAS[family][pool.spot ? "spot" : "onDemand"];
}

/** What Service Quotas answered for a quota: its current value (vCPUs) and name, or the lookup's failure. */
export type QuotaAnswer = { value: number; name: string } | { error: string };

/**
 * One warning per GPU pool whose quota does not hold even one of its nodes, naming the quota, its value, what
 * one node needs and how to ask for more; one per quota that could not be read, saying it could not check.
 * Silent when every pool's node fits its quota.
 */
export function gpuQuotaWarnings(pools: readonly GpuPoolDemand[], region: string, answers: ReadonlyMap<string, QuotaAnswer>): string[] {
    const warnings: string[] = [];
    const unreadable = new Set<string>();
    for (const pool of pools) {
        const quota = quotaOf(pool);
        if (!quota) continue;
        const answer = answers.get(quota.code);
        if (!answer) continue;
        const ask =
            `Ask for at least ${pool.vcpu} in the Service Quotas console (Amazon EC2 → "${quota.name}", region ${region}) or with: aws service-quotas ` +
            `request-service-quota-increase --service-code ec2 --quota-code ${quota.code} --desired-value ${pool.vcpu} --region ${region}`;
        if ("error" in answer) {
            if (unreadable.has(quota.code)) continue;
            unreadable.add(quota.code);
            warnings.push(
                `Could not check the EC2 quota "${quota.name}" (${quota.code}) in ${region} that GPU pool ${pool.name} (${pool.spot ? "spot " : ""}${pool.instanceType}, ` +
                    `${pool.vcpu} vCPUs per node) needs: ${answer.error}. Check it with: aws service-quotas get-service-quota --service-code ec2 --quota-code ${quota.code} --region ${region}. ${ask}`,
            );
        } else if (answer.value < pool.vcpu) {
            warnings.push(
                `GPU pool ${pool.name} (${pool.key}: ${pool.spot ? "spot " : ""}${pool.instanceType}) cannot start a node: the EC2 quota "${answer.name}" (${quota.code}) ` +
                    `is ${answer.value} vCPUs in ${region}, and one node needs ${pool.vcpu}. GPU notebooks would wait until the autoscaler gives up. ${ask}.`,
            );
        }
    }
    return warnings;
}
