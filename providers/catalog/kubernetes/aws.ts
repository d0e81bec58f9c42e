import { CloudKubernetesVersions } from "./types";

/**
 * EKS: 14 months of standard support per minor, then extended support at six times the fee, which
 * the workbench never opts into (the cluster's upgrade policy is STANDARD, so EKS upgrades instead).
 * Dates as EKS's release calendar lists them (1.33: 2026-07-29, 1.34: 2026-12-02, 1.35: 2027-03-27;
 * endoflife.date/amazon-eks agrees). 1.36 is left out until its EKS release and end date can be read
 * from the calendar; 1.33 stays so that a stack pinned to it is told support ended rather than "unknown".
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
