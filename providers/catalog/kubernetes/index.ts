import type { ConfigProblem } from "../../../stacks/errors";
import { ManagedCloud } from "../clouds";
import { EKS_VERSIONS } from "./aws";
import { AKS_VERSIONS } from "./azure";
import { GKE_VERSIONS } from "./gcp";
import { CloudKubernetesVersions, KubernetesRelease } from "./types";

export * from "./types";

/**
 * The Kubernetes minors each managed cloud supports, with their end of standard support. A cloud
 * whose platform has not landed has no entry yet.
 */
export const KUBERNETES_VERSIONS: Readonly<Partial<Record<ManagedCloud, CloudKubernetesVersions>>> = {
    aws: EKS_VERSIONS,
    azure: AKS_VERSIONS,
    gcp: GKE_VERSIONS,
};

/** Days before the end of standard support from which the plan warns. */
export const END_OF_SUPPORT_WARNING_DAYS = 60;

const DAY_MS = 24 * 60 * 60 * 1000;

/** What the version check found: the minor to run, and what to tell the user. */
export interface KubernetesVersionCheck {
    /** The minor the cluster runs (the configured one, or the cloud's default). */
    minor: string;
    /** Problems naming `workbench:kubernetesVersion`; empty when the minor is supported. */
    problems: ConfigProblem[];
    /** Warnings, e.g. the end of standard support is near. */
    warnings: string[];
}

/** The catalog entry of a cloud; throws for a cloud whose versions are not recorded (a programming error). */
export function kubernetesVersionsOf(cloud: ManagedCloud): CloudKubernetesVersions {
    const versions = KUBERNETES_VERSIONS[cloud];
    if (!versions) throw new Error(`no Kubernetes versions recorded for ${cloud} in providers/catalog/kubernetes`);
    return versions;
}

/**
 * Checks the configured minor (or the default) against the cloud's supported window on `today`:
 * a minor the cloud does not offer, or whose standard support has ended, is a problem; one that
 * ends within {@link END_OF_SUPPORT_WARNING_DAYS} a warning naming the date and the minor to move to.
 */
export function checkKubernetesVersion(cloud: ManagedCloud, configured: string | undefined, today: Date): KubernetesVersionCheck {
    const versions = kubernetesVersionsOf(cloud);
    const minor = configured ?? versions.defaultMinor;
    const live = versions.releases.filter((release) => daysLeft(release, today) > 0);
    const offered = live.map((release) => release.minor).join(", ");
    const release = versions.releases.find((r) => r.minor === minor);
    const key = "workbench:kubernetesVersion";
    if (!release) {
        return { minor, problems: [{ key, given: configured, allowed: `${cloud} offers ${offered} (standard support; ${versions.source}, ${versions.asOf})` }], warnings: [] };
    }
    const left = daysLeft(release, today);
    if (left <= 0) {
        return {
            minor,
            problems: [{ key, given: minor, allowed: `standard support for ${minor} on ${cloud} ended on ${release.endOfStandardSupport}; choose ${offered}` }],
            warnings: [],
        };
    }
    const newer = live.filter((r) => compareMinors(r.minor, minor) > 0).map((r) => r.minor);
    const warnings =
        left <= END_OF_SUPPORT_WARNING_DAYS
            ? [
                  `Kubernetes ${minor} leaves ${cloud}'s standard support on ${release.endOfStandardSupport} (${left} day${left === 1 ? "" : "s"}): ` +
                      `upgrade one minor at a time${newer.length > 0 ? ` to ${newer[0]}` : ""} with pulumi config set workbench:kubernetesVersion ${newer[0] ?? "<next minor>"} and pulumi up (see the README's upgrade section).`,
              ]
            : [];
    return { minor, problems: [], warnings };
}

function daysLeft(release: KubernetesRelease, today: Date): number {
    const end = Date.parse(`${release.endOfStandardSupport}T00:00:00Z`);
    return Math.ceil((end - today.getTime()) / DAY_MS);
}

/** Orders minors numerically ("1.9" before "1.10"). */
export function compareMinors(a: string, b: string): number {
    const [aMajor, aMinor] = a.split(".").map(Number);
    const [bMajor, bMinor] = b.split(".").map(Number);
    return aMajor - bMajor || aMinor - bMinor;
}
