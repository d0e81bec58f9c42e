/*
 * The project's speed budgets (issue 9 and 21), which `npm run bench` enforces: it exits non-zero when a
 * figure is over.
 */

/** The budgets. */
export const BUDGETS = {
    /** Median wall time of one offline plan of a stack, seconds. */
    planSeconds: 3,
    /** Peak resident memory of one offline plan, MiB. */
    planPeakMiB: 400,
    /** `npm test` (typecheck and the whole suite) on a 2-core machine with another core busy, seconds. */
    testSeconds: 90,
} as const;

/** What a stack's plan figures break, as lines of the bench's verdict (none when within budget). */
export function overBudget(figures: { stack: string; wall: number; peak: number }, budgets: { planSeconds: number; planPeakMiB: number } = BUDGETS): string[] {
    const over: string[] = [];
    if (figures.wall > budgets.planSeconds) over.push(`plan of ${figures.stack}: ${figures.wall.toFixed(2)} s wall, over ${budgets.planSeconds} s`);
    // a peak that could not be read (NaN) is not a pass
    if (!(figures.peak <= budgets.planPeakMiB)) over.push(`plan of ${figures.stack}: ${figures.peak} MiB peak RSS, over ${budgets.planPeakMiB} MiB`);
    return over;
}
