import { CloudKubernetesVersions } from "./types";

/**
 * EKS: 14 months of standard support per minor, then extended support at six times the fee, which
 * the workbench never opts into (the cluster's upgrade policy is STANDARD, so EKS upgrades instead).
 */
export const EKS_VERSIONS: CloudKubernetesVersions = {
    releases: [
        { minor: "1.33", endOfStandardSupport: "2026-07-29" },
        { minor: "1.34", endOfStandardSupport: "2026-12-02" },
        { minor: "1.35", endOfStandardSupport: "2027-03-27" },
    ],
    defaultMinor: "1.35",
    source: "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html (release calendar)",
    asOf: "2026-11",
};
