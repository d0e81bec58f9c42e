import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/*
 * Every role an account holds in the user namespace, declared here (DESIGN §5b.2): the hub's, to start and
 * stop servers there; the Spark driver's, to start its executors. The notebooks' and Dask clusters' account
 * holds none. Charts are told not to create their own (the Spark operator's `spark.rbac.create: false`).
 */

/** A Role's rule, as declared. */
export type PolicyRule = k8s.types.input.rbac.v1.PolicyRule;

/**
 * z2jh's hub ServiceAccount: `hub.serviceAccount.name` unset, so the chart names it after the hub
 * (zero-to-jupyterhub-k8s@4.4.0 templates/_helpers-names.tpl `jupyterhub.hub-serviceaccount.fullname`).
 */
export const HUB_SERVICE_ACCOUNT = "hub";

/**
 * What KubeSpawner 7.0.0 (z2jh 4.4.0's hub image) does in the namespace it spawns into: create, watch and
 * delete pods and home claims, and watch events for the progress bar. z2jh's own Role in the hub's namespace
 * also grants Secrets and Services, which KubeSpawner needs only for internal SSL or `services_enabled`,
 * neither of which the workbench uses (zero-to-jupyterhub-k8s@4.4.0 templates/hub/rbac.yaml).
 */
export const HUB_USER_NAMESPACE_RULES: readonly PolicyRule[] = [
    { apiGroups: [""], resources: ["pods", "persistentvolumeclaims"], verbs: ["get", "watch", "list", "create", "delete"] },
    { apiGroups: [""], resources: ["events"], verbs: ["get", "watch", "list"] },
];

/**
 * What a Spark driver on Kubernetes does (apache/spark 4.0 resource-managers/kubernetes: ExecutorPodsAllocator
 * creates and deletes executor pods, ExecutorPodsWatchSnapshotSource/PollingSnapshotSource watch and list them,
 * KubernetesClusterSchedulerBackend creates the executors' ConfigMap and deletes it at stop). No Services, no
 * claims (the admission policy refuses volumes from claims anyway), no update or patch: labels cannot be changed.
 */
export const SPARK_DRIVER_RULES: readonly PolicyRule[] = [
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "create", "delete", "deletecollection"] },
    { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch", "create", "delete", "deletecollection"] },
];

/** Arguments of {@link namespaceRole}. */
export interface NamespaceRoleArgs {
    /** Where the Role applies. */
    namespace: pulumi.Input<string>;
    /** The Role's (and binding's) name. */
    roleName: string;
    /** The rules. */
    rules: readonly PolicyRule[];
    /** The ServiceAccount bound, by namespace and name. */
    subject: { namespace: string; name: string };
    /** Kubernetes provider of the cluster. */
    provider: k8s.Provider;
    /** The namespace, at least. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** A Role and its RoleBinding to exactly one ServiceAccount. */
export function namespaceRole(name: string, args: NamespaceRoleArgs, parent: pulumi.Resource): { role: k8s.rbac.v1.Role; binding: k8s.rbac.v1.RoleBinding } {
    const opts = { parent, provider: args.provider, dependsOn: args.dependsOn };
    const role = new k8s.rbac.v1.Role(name, { metadata: { name: args.roleName, namespace: args.namespace }, rules: [...args.rules] }, opts);
    const binding = new k8s.rbac.v1.RoleBinding(
        name,
        {
            metadata: { name: args.roleName, namespace: args.namespace },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: args.roleName },
            subjects: [{ kind: "ServiceAccount", namespace: args.subject.namespace, name: args.subject.name }],
        },
        { ...opts, dependsOn: [...args.dependsOn, role] },
    );
    return { role, binding };
}
