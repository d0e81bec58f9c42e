import { CloudKubernetesVersions } from "./types";

/**
 * AKS: each GA minor is supported for about a year ("AKS release calendar", End of life column).
 * The calendar gives a month only; the first day of that month is recorded, so the plan warns and
 * refuses early rather than late. 1.33 is left out: AKS offers it only as long-term support, which
 * needs the Premium tier. Long-term support and the Premium tier are not used by the workbench.
 */
export const AKS_VERSIONS: CloudKubernetesVersions = {
    releases: [
        { minor: "1.34", endOfStandardSupport: "2026-11-01" },
        { minor: "1.35", endOfStandardSupport: "2027-03-01" },
        { minor: "1.36", endOfStandardSupport: "2027-06-01" },
    ],
    // the newest GA minor: the most months of support before the first upgrade
    defaultMinor: "1.36",
    source: "https://learn.microsoft.com/azure/aks/supported-kubernetes-versions (AKS Kubernetes release calendar; Azure/AKS CHANGELOG release 2026-07-17)",
    asOf: "2026-08",
};
