import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/*
 * The two zones of DESIGN §5b.1: the platform namespace `<name>` (hub, proxy, gateway and operator
 * controllers, data servers, every credential) and the user namespace `<name>-users`, where everything
 * that runs users' code lives (notebooks, Dask clusters, Spark drivers and executors, Ray) under Pod
 * Security `restricted`. Nothing in the user namespace may create pods except the Spark driver account,
 * which the admission policy (admission.ts) shapes.
 */

/** The user namespace of a workbench. */
export function userNamespaceName(workbench: string): string {
    return `${workbench}-users`;
}

/** The notebooks' and Dask clusters' ServiceAccount (no role, no Kubernetes token; bound to the bucket). */
export function userAccountName(workbench: string): string {
    return `${workbench}-user`;
}

/** The Spark driver's ServiceAccount: the only user-code account that may create pods (executors), shaped by admission. */
export function sparkDriverAccountName(workbench: string): string {
    return `${workbench}-spark`;
}

/**
 * Pod Security Admission labels: `restricted` enforced, audited and warned at the cluster's own version
 * (https://kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces).
 */
export const RESTRICTED_NAMESPACE_LABELS: Readonly<Record<string, string>> = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/audit-version": "latest",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/warn-version": "latest",
};

/**
 * What the `restricted` profile requires of a pod (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted):
 * non-root and the runtime's default seccomp profile, set once on the pod.
 */
export const RESTRICTED_POD_SECURITY = {
    runAsNonRoot: true,
    seccompProfile: { type: "RuntimeDefault" },
} as const;

/**
 * The notebook images' user (jovyan, uid 1000, group users 100, as z2jh's `singleuser.uid`/`fsGid` defaults):
 * stated as numbers, because `runAsNonRoot` cannot verify an image's user given by name.
 */
export const NOTEBOOK_USER = { runAsUser: 1000, runAsGroup: 100, fsGroup: 100 } as const;

/** What `restricted` requires of every container, init containers included: no escalation, every capability dropped. */
export const RESTRICTED_CONTAINER_SECURITY = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    seccompProfile: { type: "RuntimeDefault" },
} as const;

/**
 * Bucket prefixes the platform keeps for itself (PostgreSQL's backups, MLflow's artifacts): users' identities
 * are bound with them excluded (each cloud enforces it with its IAM; DESIGN §5b.6).
 */
export const PLATFORM_BUCKET_PREFIXES: readonly string[] = ["backups/", "mlflow/"];

/** Marks objects of the platform kept in the user namespace (the getting-started ConfigMap): the admission policy refuses changes to them by user-code accounts. */
export const PLATFORM_OBJECT_LABELS: Readonly<Record<string, string>> = { "workbench.io/platform": "true" };

/** Arguments of {@link userNamespace}. */
export interface UserNamespaceArgs {
    /** The workbench's name: the namespace is `<name>-users`. */
    workbench: string;
    /** Kubernetes provider of the cluster. */
    provider: k8s.Provider;
    /** The cluster, first. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The user namespace: Pod Security `restricted`, retained when the stack forgets it, because users' homes
 * (PersistentVolumeClaims `claim-<user>`) live there and a refactor must never delete them (issue 19).
 */
export function userNamespace(args: UserNamespaceArgs, parent: pulumi.Resource): k8s.core.v1.Namespace {
    const name = userNamespaceName(args.workbench);
    return new k8s.core.v1.Namespace(
        name,
        { metadata: { name, labels: { ...RESTRICTED_NAMESPACE_LABELS } } },
        { parent, provider: args.provider, dependsOn: args.dependsOn, retainOnDelete: true },
    );
}
