/** The platforms a stack can target; `existing` is any Kubernetes cluster the user already has. */
export const CLOUDS = ["aws", "gcp", "azure", "existing"] as const;

/** One of {@link CLOUDS}. */
export type Cloud = (typeof CLOUDS)[number];

/** The clouds whose infrastructure this program creates (everything but `existing`). */
export type ManagedCloud = Exclude<Cloud, "existing">;
