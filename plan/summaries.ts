/*
 * One-line summaries of a resource's key settings for the readable plan, by type token.
 * Types without a summary show only their type and name.
 */

type Inputs = Record<string, unknown>;
type Summary = (inputs: Inputs) => Array<string | undefined>;

const get = (value: unknown, ...path: string[]): unknown =>
    path.reduce<unknown>((v, key) => (v !== null && typeof v === "object" ? (v as Inputs)[key] : undefined), value);

const field = (label: string, value: unknown): string | undefined =>
    value === undefined || value === null || value === "" ? undefined : `${label}=${typeof value === "string" ? value : JSON.stringify(value)}`;

const kubernetesObject: Summary = (inputs) => [field("namespace", get(inputs, "metadata", "namespace")), field("name", get(inputs, "metadata", "name"))];

const SUMMARIES: Readonly<Record<string, Summary>> = {
    "kubernetes:helm.sh/v3:Release": (inputs) => [
        field("chart", `${String(inputs["chart"])}@${String(inputs["version"])}`),
        field("repo", get(inputs, "repositoryOpts", "repo")),
        field("namespace", inputs["namespace"]),
    ],
    "kubernetes:storage.k8s.io/v1:StorageClass": (inputs) => [
        field("name", get(inputs, "metadata", "name")),
        field("provisioner", inputs["provisioner"]),
        field("reclaimPolicy", inputs["reclaimPolicy"]),
    ],
    "kubernetes:core/v1:Namespace": kubernetesObject,
    "kubernetes:core/v1:ServiceAccount": (inputs) => [...kubernetesObject(inputs), field("annotations", get(inputs, "metadata", "annotations"))],
    "kubernetes:core/v1:Secret": kubernetesObject,
    "pulumi:providers:kubernetes": (inputs) => [field("context", inputs["context"])],
};

/** The key settings of a resource, as `key=value` pairs. */
export function summarize(type: string, inputs: Inputs): string {
    return (SUMMARIES[type]?.(inputs) ?? []).filter((part): part is string => part !== undefined).join(" ");
}
