import { Finding, finding, HELM_RELEASE, known, leaves, ofTypes, UNKNOWN, WorkbenchPolicy } from "./subject";

/*
 * Reproducible: every chart at an exact version, every image the program names at an explicit tag or digest,
 * never `latest`. A chart's own default images are pinned by its version.
 */

const EXACT_VERSION = /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/;

/** Why an image reference is not pinned, if it is not. */
function imageProblem(image: string): string | undefined {
    if (/@sha256:[a-f0-9]{64}$/.test(image)) return undefined;
    const lastSegment = image.split("/").pop() ?? image;
    if (!lastSegment.includes(":")) return `image ${image} has no tag: pin a version`;
    if (/:latest$/.test(image)) return `image ${image} is tagged latest: pin a version`;
    return undefined;
}

/** Every image a value names: `image` strings must carry a tag or digest; no `tag` may be latest. */
function imageProblems(value: unknown): string[] {
    const problems: string[] = [];
    for (const [path, leaf] of leaves(value)) {
        const key = path[path.length - 1];
        if (typeof leaf !== "string" || !known(leaf)) continue;
        if (key === "image" && leaf !== "") {
            const problem = imageProblem(leaf);
            if (problem) problems.push(`${path.join(".")}: ${problem}`);
        }
        if (key === "tag" && leaf === "latest") problems.push(`${path.join(".")}: tag latest: pin a version`);
    }
    return problems;
}

/** Pinned chart versions and image tags. */
export const pinnedVersions: WorkbenchPolicy = {
    name: "pinned-versions",
    description: "Every Helm chart is installed at an exact version and every image the program names has an explicit tag or digest, never latest.",
    check: (stack) => {
        const findings: Finding[] = [];
        for (const release of ofTypes(stack, HELM_RELEASE)) {
            const version = release.props.version;
            // unset installs whatever the repository serves today: as unpinned as a range
            if (version !== UNKNOWN && (typeof version !== "string" || !EXACT_VERSION.test(version))) {
                findings.push(finding(release, `chart ${String(release.props.chart)} has no exact version (${String(version ?? "unset")}): pin one in components/versions.ts`));
            }
            for (const problem of imageProblems(release.props.values)) findings.push(finding(release, `value ${problem}`));
        }
        for (const resource of stack.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== HELM_RELEASE)) {
            for (const problem of imageProblems(resource.props)) findings.push(finding(resource, problem));
        }
        return findings;
    },
};
