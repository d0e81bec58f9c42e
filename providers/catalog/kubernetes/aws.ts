import { CloudKubernetesVersions } from "./types";

/**
 * EKS: 14 months of standard support per minor, then extended support at six times the fee, which
 * the workbench never opts into (the cluster's upgrade policy is STANDARD, so EKS upgrades instead).
 * Dates as EKS's release calendar lists them (1.33: 2026-07-29, 1.34: 2026-12-02, 1.35: 2027-03-27;
 * endoflife.date/amazon-eks agrees). 1.36: the stored calendar does not list it yet; its first AL2023 AMIs are
 * in awslabs/amazon-eks-ami release v20260610 (CHANGELOG.md), so EKS released it by 2026-06-10 and standard
 * support ends 14 months after release, by 2027-08-10 [unverified: replace with the calendar's date]. It is the
 * default: a cluster created now on 1.35 would have four months left, then be upgraded by EKS under the STANDARD
 * policy. 1.33 stays so that a stack pinned to it is told support ended rather than "unknown".
 */
export const EKS_VERSIONS: CloudKubernetesVersions = {
    releases: [
        { minor: "1.33", endOfStandardSupport: "2026-07-29" },
        { minor: "1.34", endOfStandardSupport: "2026-12-02" },
        { minor: "1.35", endOfStandardSupport: "2027-03-27" },
        { minor: "1.36", endOfStandardSupport: "2027-08-10" },
    ],
    defaultMinor: "1.36",
    source: "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html (release calendar)",
    asOf: "2026-12",
};
