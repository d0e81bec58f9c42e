import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PrivateDestination } from "../../providers/contract";
import { API_CLIENT_LABELS, USER_CODE_LABELS } from "../labels";
import { egressToAddresses, ServiceConnection } from "../service-connection";

/*
 * NetworkPolicies of the user namespace, where every pod runs users' code (notebooks, Dask schedulers and
 * workers, Spark drivers and executors, Ray). One fence for all of them (egress: DNS, the enabled services in
 * the platform namespace, the bucket, the internet without private ranges) and, per workload, the only
 * ingress each port admits (DESIGN §5b.5): a notebook its hub and proxy; a Dask cluster's pods Dask pods
 * and the gateway; executors their drivers; Ray its own pods and notebooks on the client and dashboard
 * ports. Nothing else reaches a user-code pod. Policies add up: a pod may do what any rule selecting it allows.
 */

type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;
type PolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** Private (RFC 1918) and link-local ranges: cluster nodes, VPC services, cloud metadata endpoints. */
export const PRIVATE_RANGES: readonly string[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"];

/**
 * The cloud metadata server, where a platform's workload identity is served (GKE): pods call
 * 169.254.169.254:80; GKE's server itself listens on 169.254.169.252:988, which a datapath that applies
 * policy after DNAT sees (notes/gke-facts.md).
 */
export const METADATA_SERVER_EGRESS: readonly PrivateDestination[] = [
    { cidr: "169.254.169.254/32", ports: [80] },
    { cidr: "169.254.169.252/32", ports: [988] },
];

/** On the user-code fence where the platform's identity lives on the metadata server (GKE): the policy pack reads it. */
export const METADATA_SERVES_IDENTITY_ANNOTATION: Readonly<Record<string, string>> = { "workbench.io/metadata-server": "serves-identity" };

/** DNS to any resolver (cluster DNS, or the metadata server's resolver with Cloud DNS for GKE). */
const DNS_EGRESS: EgressRule = { ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] };

/** The internet without private and link-local ranges. */
const PUBLIC_EGRESS: EgressRule = { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...PRIVATE_RANGES] } }] };

/** What the fences are made of. */
export interface WorkloadFenceInput {
    /** The enabled services' connections: their egress rules are opened (toward the platform namespace unless they name one). */
    services: readonly ServiceConnection[];
    /** Private addresses the bucket is reached at (an S3-compatible store on a private network). */
    objectStoreEgress: readonly PrivateDestination[];
    /** The platform's identity lives on the metadata server (GKE): it stays reachable. */
    podsNeedMetadataServer: boolean;
    /** Where API clients reach the Kubernetes API server at private addresses (the contract's `apiServerEgress`). */
    apiServerEgress: readonly PrivateDestination[];
    /** The platform namespace (hub, proxy, gateway, data services). */
    platformNamespace: string;
}

/** Selects a namespace by the name label the API server puts on every namespace (Kubernetes 1.22+). */
export function namespaceSelector(namespace: string): k8s.types.input.meta.v1.LabelSelector {
    return { matchLabels: { "kubernetes.io/metadata.name": namespace } };
}

/**
 * A service's egress rule as seen from the user namespace: a peer chosen by pod labels alone means the
 * service's pods in the platform namespace, where data services run. Peers that name a namespace or an
 * address block are kept as they are (Ray, in the user namespace, names its own).
 */
export function towardNamespace(rule: EgressRule, namespace: string): EgressRule {
    const to = rule.to as k8s.types.input.networking.v1.NetworkPolicyPeer[] | undefined;
    if (!to) return rule;
    return {
        ...rule,
        to: to.map((peer) => (peer.podSelector && !peer.namespaceSelector && !peer.ipBlock ? { ...peer, namespaceSelector: namespaceSelector(namespace) } : peer)),
    };
}

/**
 * The user-code fence: no ingress of its own (the per-workload policies admit what each port needs);
 * egress to DNS, pods of the user namespace (their own ingress decides), the enabled services, the bucket's
 * private addresses, and the internet without private ranges (so without the metadata server unless it serves identity).
 */
export function userCodePolicySpec(input: WorkloadFenceInput): PolicySpec {
    const metadata = input.podsNeedMetadataServer ? METADATA_SERVER_EGRESS.map(egressToAddresses) : [];
    return {
        podSelector: { matchLabels: { ...USER_CODE_LABELS } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [],
        egress: [
            DNS_EGRESS,
            { to: [{ podSelector: {} }] },
            ...input.services.flatMap((service) => service.egress).map((rule) => towardNamespace(rule, input.platformNamespace)),
            ...input.objectStoreEgress.map(egressToAddresses),
            ...metadata,
            PUBLIC_EGRESS,
        ],
    };
}

/**
 * API clients (Spark drivers) reach exactly the API server's private addresses the platform publishes;
 * where it publishes none the API server is at a public address, which the public rule covers (as the
 * user-code fence's own does). The same policy exists on every platform.
 */
export function apiClientPolicySpec(input: Pick<WorkloadFenceInput, "apiServerEgress">): PolicySpec {
    return {
        podSelector: { matchLabels: { ...API_CLIENT_LABELS } },
        policyTypes: ["Egress"],
        egress: [DNS_EGRESS, ...(input.apiServerEgress.length > 0 ? input.apiServerEgress.map(egressToAddresses) : [PUBLIC_EGRESS])],
    };
}

/** Labels KubeSpawner puts on every notebook pod through z2jh (zero-to-jupyterhub-k8s@4.4.0 files/hub/jupyterhub_config.py, `component`). */
export const NOTEBOOK_POD_LABELS: Readonly<Record<string, string>> = { component: "singleuser-server" };

/** The port jupyterhub-singleuser listens on in z2jh (`singleuser` port 8888). */
export const NOTEBOOK_PORT = 8888;

/** The hub's API port (z2jh's `hub` Service). */
export const HUB_API_PORT = 8081;

/** The hub's and proxy's pods (z2jh labels them `component: hub` / `component: proxy`). */
const HUB_COMPONENTS = ["hub", "proxy"];

/** Notebooks: ingress from the hub and the proxy only (z2jh's own singleuser policy lives in the platform namespace and cannot select them); egress to the hub's API. */
export function notebookPolicySpec(platformNamespace: string): PolicySpec {
    const platform = namespaceSelector(platformNamespace);
    return {
        podSelector: { matchLabels: { ...NOTEBOOK_POD_LABELS } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
            {
                from: [{ namespaceSelector: platform, podSelector: { matchExpressions: [{ key: "component", operator: "In", values: HUB_COMPONENTS }] } }],
                ports: [{ port: NOTEBOOK_PORT, protocol: "TCP" }],
            },
        ],
        egress: [{ to: [{ namespaceSelector: platform, podSelector: { matchLabels: { component: "hub" } } }], ports: [{ port: HUB_API_PORT, protocol: "TCP" }] }],
    };
}

/**
 * Dask cluster pods (dask-gateway's KubeBackend labels each `gateway.dask.org/cluster: <cluster>`): Dask pods
 * and the gateway's pods (API server, controller, Traefik) only; their egress reaches the gateway's API for
 * heartbeats. One policy cannot say "the same cluster": scheduler and workers of one cluster authenticate each
 * other with that cluster's own TLS credentials (dask-gateway generates them per cluster), which stops the rest.
 */
export function daskPolicySpec(platformNamespace: string, gatewayLabels: Record<string, string>): PolicySpec {
    const daskPods = { matchExpressions: [{ key: "gateway.dask.org/cluster", operator: "Exists" }] };
    const gateway = { namespaceSelector: namespaceSelector(platformNamespace), podSelector: { matchLabels: gatewayLabels } };
    return {
        podSelector: daskPods,
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [{ podSelector: daskPods }, gateway] }],
        egress: [{ to: [gateway] }],
    };
}

/** Spark's own pod labels (apache/spark resource-managers/kubernetes Constants: `spark-role` is `driver` or `executor`). */
export const SPARK_ROLE_LABEL = "spark-role";

/**
 * Spark: executors admit their drivers and fellow executors (block transfers), drivers admit executors; no
 * other user-code pod reaches either. Driver and executors of one application authenticate each other with
 * the secret the driver generates (`spark.authenticate`), which stops other applications' pods.
 */
export function sparkPolicySpecs(personalDrivers?: { labels: Record<string, string>; ports: readonly number[] }): Array<[string, PolicySpec]> {
    const role = (...values: string[]) => ({ matchExpressions: [{ key: SPARK_ROLE_LABEL, operator: "In", values }] });
    const drivers: k8s.types.input.meta.v1.LabelSelector[] = [role("driver")];
    const specs: Array<[string, PolicySpec]> = [
        ["spark-drivers", { podSelector: role("driver"), policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: role("executor") }] }] }],
    ];
    if (personalDrivers) {
        // a notebook with its own Connect server is a driver: its executors reach the driver's ports, nothing else;
        // the Connect port itself is bound to the pod's loopback and never on the network
        drivers.push({ matchLabels: { ...personalDrivers.labels } });
        specs.push([
            "spark-connect-drivers",
            {
                podSelector: { matchLabels: { ...personalDrivers.labels } },
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ podSelector: role("executor") }], ports: personalDrivers.ports.map((port) => ({ port, protocol: "TCP" })) }],
            },
        ]);
    }
    return [
        ["spark-executors", { podSelector: role("executor"), policyTypes: ["Ingress"], ingress: [{ from: [...drivers, role("executor")].map((podSelector) => ({ podSelector })) }] }],
        ...specs,
    ];
}

/** What Ray's fence needs. */
export interface RayFenceInput {
    /** Labels on every pod of the Ray cluster. */
    podLabels: Record<string, string>;
    /** The head's ports notebooks use (Ray Client, dashboard and Jobs API). */
    headPorts: number[];
    /** KubeRay operator's pods in the platform namespace (it reads the head's dashboard). */
    operatorLabels: Record<string, string>;
    /** The dashboard port the operator reads. */
    dashboardPort: number;
}

/** Ray: its own pods on every port; notebooks on the head's client and dashboard ports; the operator on the dashboard. */
export function rayPolicySpec(input: RayFenceInput, platformNamespace: string): PolicySpec {
    return {
        podSelector: { matchLabels: input.podLabels },
        policyTypes: ["Ingress"],
        ingress: [
            { from: [{ podSelector: { matchLabels: input.podLabels } }] },
            {
                from: [{ podSelector: { matchLabels: { ...NOTEBOOK_POD_LABELS } } }],
                ports: input.headPorts.map((port) => ({ port, protocol: "TCP" })),
            },
            {
                from: [{ namespaceSelector: namespaceSelector(platformNamespace), podSelector: { matchLabels: input.operatorLabels } }],
                ports: [{ port: input.dashboardPort, protocol: "TCP" }],
            },
        ],
    };
}

/** Arguments of {@link WorkloadNetworkPolicies}. */
export interface WorkloadNetworkPoliciesArgs extends WorkloadFenceInput {
    /** The user namespace: the policies select pods there. */
    namespace: string;
    /** Per-workload policies of the enabled engines, by name (Dask, Spark, Ray). */
    workloads: ReadonlyArray<[string, PolicySpec]>;
    /** Kubernetes provider of the cluster. */
    provider: k8s.Provider;
    /** The namespace, at least. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** The NetworkPolicies of the user namespace: the user-code fence, the API-client fence, notebooks, and each workload's ingress. */
export class WorkloadNetworkPolicies extends pulumi.ComponentResource {
    /** Names of the policies created. */
    readonly policyNames: string[];

    constructor(name: string, args: WorkloadNetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:network:WorkloadPolicies", name, {}, opts);
        const resourceOpts = { parent: this, provider: args.provider, dependsOn: args.dependsOn };
        const specs: Array<[string, PolicySpec]> = [
            [`${name}-user-code`, userCodePolicySpec(args)],
            [`${name}-api-clients`, apiClientPolicySpec(args)],
            [`${name}-notebooks`, notebookPolicySpec(args.platformNamespace)],
            ...args.workloads.map(([workload, spec]): [string, PolicySpec] => [`${name}-${workload}`, spec]),
        ];
        // the fence says why it opens the metadata server, so a policy can tell the platform's choice from a mistake
        const annotations: Record<string, Record<string, string>> = args.podsNeedMetadataServer ? { [`${name}-user-code`]: { ...METADATA_SERVES_IDENTITY_ANNOTATION } } : {};
        this.policyNames = [];
        for (const [policyName, spec] of specs) {
            new k8s.networking.v1.NetworkPolicy(
                policyName,
                { metadata: { name: policyName, namespace: args.namespace, ...(annotations[policyName] ? { annotations: annotations[policyName] } : {}) }, spec },
                resourceOpts,
            );
            this.policyNames.push(policyName);
        }
        this.registerOutputs({ policyNames: this.policyNames });
    }
}
