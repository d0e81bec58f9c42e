import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PrivateDestination } from "../../providers/contract";
import { API_CLIENT_LABELS, USER_CODE_LABELS } from "../labels";
import { egressToAddresses, ServiceConnection } from "../service-connection";

/*
 * NetworkPolicies for the pods that run users' code outside the notebooks (Dask schedulers and workers,
 * Spark drivers and executors, a Spark Connect server, Ray): fenced like z2jh fences notebooks. Notebooks
 * keep z2jh's own policy. Policies add up: a pod selected here may do what any rule selecting it allows.
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

/** DNS to any resolver (cluster DNS, or the metadata server's resolver with Cloud DNS for GKE). */
const DNS_EGRESS: EgressRule = { ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] };

/** The internet without private and link-local ranges. */
const PUBLIC_EGRESS: EgressRule = { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...PRIVATE_RANGES] } }] };

/** What the fences are made of. */
export interface WorkloadFenceInput {
    /** The enabled services' connections: their egress rules are opened. */
    services: readonly ServiceConnection[];
    /** Private addresses the bucket is reached at (an S3-compatible store on a private network). */
    objectStoreEgress: readonly PrivateDestination[];
    /** The platform's identity lives on the metadata server (GKE): it stays reachable. */
    podsNeedMetadataServer: boolean;
    /** Where API clients reach the Kubernetes API server at private addresses (the contract's `apiServerEgress`). */
    apiServerEgress: readonly PrivateDestination[];
}

/**
 * The user-code fence: ingress from the workbench's own pods only; egress to DNS, the workbench's own pods
 * (scheduler and workers, driver and executors, the gateway), the enabled services, the bucket's private
 * addresses, and the internet without private ranges (so without the metadata server unless it serves identity).
 */
export function userCodePolicySpec(input: WorkloadFenceInput): PolicySpec {
    const metadata = input.podsNeedMetadataServer ? METADATA_SERVER_EGRESS.map(egressToAddresses) : [];
    return {
        podSelector: { matchLabels: { ...USER_CODE_LABELS } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [{ podSelector: {} }] }],
        egress: [
            DNS_EGRESS,
            { to: [{ podSelector: {} }] },
            ...input.services.flatMap((service) => service.egress),
            ...input.objectStoreEgress.map(egressToAddresses),
            ...metadata,
            PUBLIC_EGRESS,
        ],
    };
}

/**
 * API clients (Spark drivers, a Spark Connect server) reach exactly the API server's private addresses the
 * platform publishes; where it publishes none the API server is at a public address, which the public rule
 * covers (as the user-code fence's own does). On a pod without the user-code label this fence alone applies:
 * DNS and the API server, nothing private besides. The same policy exists on every platform.
 */
export function apiClientPolicySpec(input: Pick<WorkloadFenceInput, "apiServerEgress">): PolicySpec {
    return {
        podSelector: { matchLabels: { ...API_CLIENT_LABELS } },
        policyTypes: ["Egress"],
        egress: [DNS_EGRESS, ...(input.apiServerEgress.length > 0 ? input.apiServerEgress.map(egressToAddresses) : [PUBLIC_EGRESS])],
    };
}

/** Arguments of {@link WorkloadNetworkPolicies}. */
export interface WorkloadNetworkPoliciesArgs extends WorkloadFenceInput {
    /** The workbench namespace: the policies select pods there. */
    namespace: string;
    /** Kubernetes provider of the cluster. */
    provider: k8s.Provider;
    /** The namespace, at least. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** The NetworkPolicies fencing every pod labelled as user code or API client in the workbench namespace. */
export class WorkloadNetworkPolicies extends pulumi.ComponentResource {
    /** Names of the policies created. */
    readonly policyNames: string[];

    constructor(name: string, args: WorkloadNetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:network:WorkloadPolicies", name, {}, opts);
        const resourceOpts = { parent: this, provider: args.provider, dependsOn: args.dependsOn };
        const specs: Array<[string, PolicySpec]> = [
            [`${name}-user-code`, userCodePolicySpec(args)],
            [`${name}-api-clients`, apiClientPolicySpec(args)],
        ];
        this.policyNames = [];
        for (const [policyName, spec] of specs) {
            new k8s.networking.v1.NetworkPolicy(policyName, { metadata: { name: policyName, namespace: args.namespace }, spec }, resourceOpts);
            this.policyNames.push(policyName);
        }
        this.registerOutputs({ policyNames: this.policyNames });
    }
}
