import { at, known, list, PolicyStack, PolicySubject, record, releasesOf } from "./subject";

/*
 * What the policies need to know about the workbench itself, read from the hub's Helm release (the z2jh
 * chart): its namespace, the ServiceAccount notebooks run as, how it is exposed and how people sign in.
 */

/** The labels this program puts on every pod running users' code (components/labels.ts, kept in step by a test). */
export const USER_CODE_SELECTOR: Readonly<Record<string, string>> = { "workbench.io/user-code": "true" };

/** The hub as its release's values describe it. */
export interface HubFacts {
    release: PolicySubject;
    values: Record<string, unknown>;
    /** Namespace of the release. */
    namespace?: string;
    /** Namespace the notebooks start in (KubeSpawner's `namespace`; the release's by default). */
    notebookNamespace?: string;
    /** The ServiceAccount notebooks run as, when known. */
    serviceAccount?: { namespace: string; name: string };
}

/** The hub's release (chart `jupyterhub`), if the stack has one. */
export function hubFacts(stack: PolicyStack): HubFacts[] {
    return releasesOf(stack, "jupyterhub").map((release) => {
        const values = record(release.props.values);
        const namespace = release.props.namespace;
        const account = at(values, "singleuser", "serviceAccountName");
        // notebooks may start in another namespace than the hub's (the user namespace, DESIGN §5b.1)
        const spawnNamespace = at(values, "hub", "config", "KubeSpawner", "namespace");
        const notebookNamespace = known(spawnNamespace) && typeof spawnNamespace === "string" ? spawnNamespace : known(namespace) && typeof namespace === "string" ? namespace : undefined;
        return {
            release,
            values,
            namespace: known(namespace) && typeof namespace === "string" ? namespace : undefined,
            notebookNamespace,
            serviceAccount: notebookNamespace !== undefined && known(account) && typeof account === "string" ? { namespace: notebookNamespace, name: account } : undefined,
        };
    });
}

/** The Kubernetes subject of a ServiceAccount in tokens (`system:serviceaccount:<ns>:<name>`). */
export function serviceAccountSubject(account: { namespace: string; name: string }): string {
    return `system:serviceaccount:${account.namespace}:${account.name}`;
}

/** The storage classes the hub puts user data on: homes and its database. */
export function hubStorageClasses(hub: HubFacts): string[] {
    return [at(hub.values, "singleuser", "storage", "dynamic", "storageClass"), at(hub.values, "hub", "db", "pvc", "storageClassName")].filter(
        (c): c is string => known(c) && typeof c === "string",
    );
}

/** The z2jh label the chart and this program put on user and GPU node pools. */
export const USER_NODE_PURPOSE = { key: "hub.jupyter.org/node-purpose", value: "user" } as const;

/**
 * The on-demand serving pool (`workbench:servingPool`, providers/placement.ts, kept in step by a test): labelled
 * so, and tainted so that only served models and apps land there. Its nodes are always on by the stack's choice.
 */
export const SERVING_POOL = {
    label: { key: "workbench/pool", value: "serving" },
    taint: { key: "workbench.io/serving", value: "true", effect: "NoSchedule" },
} as const;

/** The strings of a list value (empty where unknown). */
export function strings(value: unknown): string[] {
    return list(value).filter((v): v is string => typeof v === "string");
}
