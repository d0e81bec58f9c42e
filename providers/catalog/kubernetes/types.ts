/** One Kubernetes minor version as a managed cloud supports it. */
export interface KubernetesRelease {
    /** Minor version, e.g. `1.35`. */
    minor: string;
    /** Day (YYYY-MM-DD, UTC) the cloud's standard support ends; after it the cloud upgrades or charges extra. */
    endOfStandardSupport: string;
}

/** The minor versions one cloud offers, with where the dates come from. */
export interface CloudKubernetesVersions {
    /** Supported minors, oldest first. */
    releases: readonly KubernetesRelease[];
    /** The minor a stack gets when it sets none: one with months of standard support left. */
    defaultMinor: string;
    /** Page the dates were read from. */
    source: string;
    /** Month the dates were read (YYYY-MM). */
    asOf: string;
}
