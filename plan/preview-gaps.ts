/*
 * What the offline plan still cannot know that a real `pulumi preview` does (DESIGN §6: where the plan cannot
 * reproduce the CLI, its output says what a real preview may add). Printed as the plan's footer and under each
 * pull request's diff.
 */

/** What a real preview may still add or change, one line each. */
export function previewGaps(preview: boolean): string[] {
    return [
        preview
            ? "planned as a first preview (--preview): an update of an existing stack knows the outputs the plan shows as [unknown]"
            : "planned as an up (every output known, every apply run); --preview plans as a first pulumi preview, with unknowns",
        "lookups (zones, versions, offerings, quotas) answer from the plan's dated catalogs, not from the cloud",
        "replacements are the plan's guess (plan/diff-replace.ts); the provider decides",
        "a Helm release shows its values, not the objects its chart renders (docs/pull-requests.md)",
        "remote components (@pulumi/eks Cluster) show their outputs only; their children are the provider's",
        "drift and refresh are unknown offline",
    ];
}
