import { PackageMocks, ResourceMock } from "./types";

type Metadata = { name?: string; namespace?: string };

/** Kubernetes names a resource from its logical name when metadata.name is unset. */
const withName: ResourceMock = (args) => {
    const metadata = (args.inputs.metadata ?? {}) as Metadata;
    return { metadata: { ...metadata, name: metadata.name ?? args.name } };
};

/** Answers for @pulumi/kubernetes. The addresses come from documentation ranges (RFC 5737). */
export const kubernetesMocks: PackageMocks = {
    prefix: "kubernetes:",
    resources: {
        "kubernetes:helm.sh/v3:Release": (args) => {
            const name = (args.inputs.name as string | undefined) ?? args.name;
            const namespace = (args.inputs.namespace as string | undefined) ?? "default";
            return {
                name,
                status: { name, namespace, chart: args.inputs.chart, version: args.inputs.version, status: "deployed", revision: 1 },
            };
        },
        "kubernetes:core/v1:Service": (args, context) => ({
            ...withName(args, context),
            status: { loadBalancer: { ingress: [{ ip: "203.0.113.10" }] } },
        }),
        "kubernetes:core/v1:Namespace": withName,
        "kubernetes:core/v1:ServiceAccount": withName,
        "kubernetes:core/v1:Secret": withName,
        "kubernetes:core/v1:ConfigMap": withName,
        "kubernetes:storage.k8s.io/v1:StorageClass": withName,
    },
    invokes: {},
};
