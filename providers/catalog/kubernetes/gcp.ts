import { CloudKubernetesVersions } from "./types";

/** GKE release channels the workbench offers (`workbench:gcp.releaseChannel`). */
export type GkeReleaseChannel = "RAPID" | "REGULAR" | "STABLE" | "EXTENDED";

/**
 * The Extended channel's surcharge on the cluster management fee while the cluster's minor is in extended
 * support (after its end of standard support): USD 0.50 per cluster-hour on top of the USD 0.10 fee (GKE pricing,
 * "for clusters in the Extended release channel, an additional cluster management fee applies"; the total of six
 * times the standard fee as reported in chkk.io "GKE extended support"). Not covered by the free tier.
 */
export const GKE_EXTENDED_SUPPORT_FEE_PER_HOUR = 0.5;

/**
 * GKE: about 14 months of standard support per minor from its availability in the Regular channel,
 * then (on the Extended channel only, at an extra fee) extended support, which the workbench never uses.
 * A release channel upgrades the cluster itself, so these dates matter for a pinned minor
 * (`workbench:kubernetesVersion`), and for the warning before GKE upgrades a cluster on its own.
 *
 * The dates are the release schedule's estimates (Regular availability + 14 months), read in 2026-11;
 * GKE revises them as minors move through the channels: update a line here when the schedule does.
 */
export const GKE_VERSIONS: CloudKubernetesVersions = {
    releases: [
        { minor: "1.33", endOfStandardSupport: "2026-09-30" },
        { minor: "1.34", endOfStandardSupport: "2027-01-31" },
        { minor: "1.35", endOfStandardSupport: "2027-05-31" },
        { minor: "1.36", endOfStandardSupport: "2027-09-30" },
        { minor: "1.37", endOfStandardSupport: "2028-01-31" },
    ],
    // the Regular channel's default, which an unpinned stack on the default channel gets
    defaultMinor: "1.35",
    source: "https://cloud.google.com/kubernetes-engine/docs/release-schedule (estimated end of standard support)",
    asOf: "2026-11",
};

/**
 * The minors each channel offers for new clusters, as the release schedule shows them (oldest, newest).
 * The lookup in the zone (`gcp.container.getEngineVersions`) has the final word on the newest; this
 * window is what a user is told to choose from.
 */
export const GKE_CHANNEL_WINDOWS: Readonly<Record<GkeReleaseChannel, { oldest: string; newest: string; default: string }>> = {
    RAPID: { oldest: "1.35", newest: "1.37", default: "1.36" },
    REGULAR: { oldest: "1.34", newest: "1.36", default: "1.35" },
    STABLE: { oldest: "1.33", newest: "1.35", default: "1.34" },
    // Regular's versions during standard support, and minors kept into extended support
    EXTENDED: { oldest: "1.33", newest: "1.36", default: "1.35" },
};
