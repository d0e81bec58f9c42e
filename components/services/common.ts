import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { PrivateDestination, WorkloadIdentity } from "../../providers/contract";
import { containerResources, ServerSize } from "../capacity/requests";
import { USER_CODE_LABELS } from "../labels";
import { egressToAddresses, NotebookExample, ServiceConnection } from "../service-connection";
import { METADATA_SERVER_EGRESS, PRIVATE_RANGES } from "../tenancy/network-policies";
import { ServiceContext } from "./catalog";

/*
 * What the data services share: generated credentials in a Secret (the superuser's in the platform
 * namespace, the ordinary account's notebooks use in the user namespace), fences that admit only user-code
 * pods and the named platform pods that need a service and let a server reach only DNS, its peers and what
 * it needs (the API server, the bucket), a one-server StatefulSet of an official image on the retained class,
 * and the connection notebooks get.
 */

type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/** The label Kubernetes sets on every Namespace to its own name (GA since 1.22), which policies select namespaces by. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** The ComponentResource each service's resources sit under. */
export class DataService extends pulumi.ComponentResource {
    constructor(type: string, name: string, opts?: pulumi.ComponentResourceOptions) {
        super(`workbench:services:${type}`, name, {}, opts);
    }

    /** Marks the component complete. */
    done(outputs: Record<string, unknown> = {}): void {
        this.registerOutputs(outputs);
    }
}

/** Labels a service's pods carry and its Service, policy and connection select on. */
export function serviceLabels(service: string): Record<string, string> {
    return { "app.kubernetes.io/name": service, "app.kubernetes.io/part-of": "workbench" };
}

/** Options for a child Kubernetes resource of a service. */
export function childOptions(context: ServiceContext, parent: pulumi.Resource, dependsOn: pulumi.Resource[] = []): pulumi.CustomResourceOptions {
    return { parent, provider: context.provider, dependsOn: [...context.dependsOn, ...dependsOn] };
}

/** Pods with these labels in this namespace, as a NetworkPolicy peer. */
export function podsIn(namespace: string, podLabels: Readonly<Record<string, string>>): NetworkPolicyPeer {
    return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } }, podSelector: { matchLabels: { ...podLabels } } };
}

/** Pods running users' code (notebooks, Dask, Spark, Ray: USER_CODE_LABELS) in the user namespace. */
export function userCodePeer(context: Pick<ServiceContext, "userNamespace">): NetworkPolicyPeer {
    return podsIn(context.userNamespace, USER_CODE_LABELS);
}

/**
 * URL-safe special characters for passwords a server's rule requires a special character in (OpenSearch's):
 * unreserved in RFC 3986, so they sit in a URL's userinfo, a JSON string and a shell word without escaping.
 */
export const URL_SAFE_SPECIALS = "-_.~";

/**
 * A generated password: letters and digits only, so it can sit in a URL and a shell line unescaped; with
 * `specials`, at least one of those characters too (for servers whose rule asks for one).
 */
export function password(name: string, parent: pulumi.Resource, length = 32, specials?: string, opts: pulumi.CustomResourceOptions = {}): random.RandomPassword {
    const special = specials ? { special: true, overrideSpecial: specials, minSpecial: 1 } : { special: false };
    return new random.RandomPassword(name, { length, ...special, minUpper: 2, minLower: 2, minNumeric: 2 }, { parent, ...opts });
}

/**
 * A Secret of generated credentials and the connection strings made from them. Every value is a secret
 * output, so neither the plan nor the state shows it; pods read it by reference only.
 */
export function credentialsSecret(
    name: string,
    secretName: string,
    context: ServiceContext,
    parent: pulumi.Resource,
    data: Record<string, pulumi.Input<string>>,
    type?: string,
): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
        name,
        {
            metadata: { name: secretName, namespace: context.namespace, labels: { "app.kubernetes.io/part-of": "workbench" } },
            ...(type ? { type } : {}),
            stringData: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, pulumi.secret(value)])),
        },
        childOptions(context, parent),
    );
}

/**
 * A Secret in the user namespace holding what notebooks use: the ordinary account's connection string, never
 * a superuser's. Its name differs from the server's own Secret, so both can share one namespace.
 */
export function clientSecret(
    name: string,
    secretName: string,
    context: ServiceContext,
    parent: pulumi.Resource,
    data: Record<string, pulumi.Input<string>>,
): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
        `${name}-client`,
        {
            metadata: { name: secretName, namespace: context.userNamespace, labels: { "app.kubernetes.io/part-of": "workbench" } },
            stringData: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, pulumi.secret(value)])),
        },
        childOptions(context, parent),
    );
}

/** Who else may reach a service's pods, besides user code: named platform pods (an operator, MLflow, the hub's proxy). */
export interface ExtraIngress {
    from: NetworkPolicyPeer[];
    ports: number[];
}

/** Named pods of the platform namespace, as a peer of a service there (the policy's own namespace). */
export function platformPods(podLabels: Readonly<Record<string, string>>): NetworkPolicyPeer {
    return { podSelector: { matchLabels: { ...podLabels } } };
}

/**
 * The service's own ingress NetworkPolicy: its pods admit user-code pods (USER_CODE_LABELS) of the user
 * namespace on its ports, and the named platform pods in `extra` on theirs; nothing else (DESIGN §5b.5).
 */
export function ingressPolicy(
    name: string,
    context: ServiceContext,
    parent: pulumi.Resource,
    podLabels: Record<string, string>,
    ports: number[],
    extra: ExtraIngress[] = [],
): k8s.networking.v1.NetworkPolicy {
    const tcp = (list: number[]) => list.map((port) => ({ port, protocol: "TCP" }));
    return new k8s.networking.v1.NetworkPolicy(
        `${name}-ingress`,
        {
            metadata: { name: `${name.replace(`${context.workbench}-`, "")}-ingress`, namespace: context.namespace },
            spec: {
                podSelector: { matchLabels: podLabels },
                policyTypes: ["Ingress"],
                ingress: [
                    // no ports: every port (Ray's workers and head talk over many)
                    { from: [userCodePeer(context)], ...(ports.length > 0 ? { ports: tcp(ports) } : {}) },
                    ...extra.map((rule) => ({ from: rule.from, ports: tcp(rule.ports) })),
                ],
            },
        },
        childOptions(context, parent),
    );
}

/** DNS to any resolver (cluster DNS; the metadata server's resolver with Cloud DNS for GKE). */
export const DNS_EGRESS: EgressRule = { ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] };

/** Public addresses (not private, not link-local), on these ports or on every port. */
export function publicEgress(ports?: number[]): EgressRule {
    return {
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...PRIVATE_RANGES] } }],
        ...(ports ? { ports: ports.map((port) => ({ port, protocol: "TCP" })) } : {}),
    };
}

/** Egress to named pods of the platform namespace on these TCP ports. */
export function toPlatformPods(podLabels: Readonly<Record<string, string>>, ports: number[]): EgressRule {
    return { to: [platformPods(podLabels)], ports: ports.map((port) => ({ port, protocol: "TCP" })) };
}

/**
 * Where a server reaches the Kubernetes API (CloudNativePG's instance manager): the platform's private
 * addresses for it, or, where it publishes none, public addresses on every port (the API server is public).
 */
export function apiServerEgress(context: Pick<ServiceContext, "apiServerEgress">): EgressRule[] {
    return context.apiServerEgress.length > 0 ? context.apiServerEgress.map(egressToAddresses) : [publicEgress()];
}

/**
 * Where a server reaches the bucket through its identity: the cloud's public endpoints on 443 (object
 * storage, token exchange), the identity's private addresses (an S3-compatible store on a private network),
 * and the metadata server where the platform's identity lives there (GKE).
 */
export function bucketEgress(context: Pick<ServiceContext, "podsNeedMetadataServer">, identity: Pick<WorkloadIdentity, "privateEgress"> | undefined): EgressRule[] {
    if (!identity) return [];
    const metadata: readonly PrivateDestination[] = context.podsNeedMetadataServer ? METADATA_SERVER_EGRESS : [];
    return [publicEgress([443]), ...identity.privateEgress.map(egressToAddresses), ...metadata.map(egressToAddresses)];
}

/**
 * The server's egress fence (DESIGN §5b.5): DNS and exactly the destinations given (its peers, the API
 * server, the bucket); a server that needs none may still resolve names, nothing else.
 */
export function egressPolicy(
    name: string,
    context: ServiceContext,
    parent: pulumi.Resource,
    podLabels: Record<string, string>,
    rules: EgressRule[],
): k8s.networking.v1.NetworkPolicy {
    return new k8s.networking.v1.NetworkPolicy(
        `${name}-egress`,
        {
            metadata: { name: `${name.replace(`${context.workbench}-`, "")}-egress`, namespace: context.namespace },
            spec: { podSelector: { matchLabels: podLabels }, policyTypes: ["Egress"], egress: [DNS_EGRESS, ...rules] },
        },
        childOptions(context, parent),
    );
}

/** One server of an official image, as a StatefulSet of one replica with its volume. */
export interface SingleServerSpec {
    /** Object names (StatefulSet, Service) and the app label. */
    service: string;
    image: string;
    /** Named TCP ports the server listens on. */
    ports: Record<string, number>;
    /** Container environment (Secrets by reference). */
    env: k8s.types.input.core.v1.EnvVar[];
    command?: string[];
    args?: string[];
    /** How Kubernetes knows the server accepts connections. */
    readinessProbe: k8s.types.input.core.v1.Probe;
    /** Restarts a server that stopped answering (slower than readiness). */
    livenessProbe?: k8s.types.input.core.v1.Probe;
    size: ServerSize;
    storageGiB: number;
    /** Where the volume is mounted. */
    dataPath: string;
    /** Group the volume is made writable for (the image's user). */
    fsGroup?: number;
    /** Extra volumes (ConfigMaps) and their mounts. */
    volumes?: k8s.types.input.core.v1.Volume[];
    volumeMounts?: k8s.types.input.core.v1.VolumeMount[];
    /** Resources the pods need first (their Secrets). */
    dependsOn: pulumi.Resource[];
}

/**
 * A StatefulSet of one server on the always-on pool, its volume on the retained class (kept when the
 * StatefulSet goes), and a ClusterIP Service of the same name.
 */
export function singleServer(name: string, spec: SingleServerSpec, context: ServiceContext, parent: pulumi.Resource): k8s.apps.v1.StatefulSet {
    const labels = serviceLabels(spec.service);
    const opts = childOptions(context, parent, spec.dependsOn);
    const ports = Object.entries(spec.ports).map(([portName, port]) => ({ name: portName, containerPort: port, protocol: "TCP" }));
    new k8s.core.v1.Service(
        name,
        {
            metadata: { name: spec.service, namespace: context.namespace, labels },
            spec: { type: "ClusterIP", selector: labels, ports: ports.map((p) => ({ name: p.name, port: p.containerPort, targetPort: p.name })) },
        },
        opts,
    );
    return new k8s.apps.v1.StatefulSet(
        name,
        {
            metadata: { name: spec.service, namespace: context.namespace, labels },
            spec: {
                serviceName: spec.service,
                replicas: 1,
                selector: { matchLabels: labels },
                // the claim outlives the StatefulSet; the class retains the volume even when the claim goes
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                template: {
                    metadata: { labels },
                    spec: {
                        nodeSelector: context.systemPlacement.nodeSelector,
                        tolerations: context.systemPlacement.tolerations,
                        // the server needs no Kubernetes API
                        automountServiceAccountToken: false,
                        ...(spec.fsGroup !== undefined ? { securityContext: { fsGroup: spec.fsGroup } } : {}),
                        terminationGracePeriodSeconds: 60,
                        containers: [
                            {
                                name: spec.service,
                                image: spec.image,
                                ...(spec.command ? { command: spec.command } : {}),
                                ...(spec.args ? { args: spec.args } : {}),
                                ports,
                                env: spec.env,
                                resources: containerResources(spec.size),
                                readinessProbe: spec.readinessProbe,
                                ...(spec.livenessProbe ? { livenessProbe: spec.livenessProbe } : {}),
                                volumeMounts: [{ name: "data", mountPath: spec.dataPath }, ...(spec.volumeMounts ?? [])],
                            },
                        ],
                        volumes: spec.volumes ?? [],
                    },
                },
                volumeClaimTemplates: [
                    {
                        metadata: { name: "data", labels },
                        spec: {
                            accessModes: ["ReadWriteOnce"],
                            storageClassName: context.retainedStorageClass,
                            resources: { requests: { storage: `${spec.storageGiB}Gi` } },
                        },
                    },
                ],
            },
        },
        opts,
    );
}

/** A readiness (or liveness) probe running a command in the container. */
export function execProbe(command: string, periodSeconds = 10, initialDelaySeconds = 10): k8s.types.input.core.v1.Probe {
    return { exec: { command: ["sh", "-c", command] }, periodSeconds, initialDelaySeconds, timeoutSeconds: 5, failureThreshold: 6 };
}

/** A probe that only checks the port accepts connections. */
export function tcpProbe(port: number, initialDelaySeconds = 20): k8s.types.input.core.v1.Probe {
    return { tcpSocket: { port }, periodSeconds: 10, initialDelaySeconds, timeoutSeconds: 5, failureThreshold: 6 };
}

/**
 * What a database publishes: one URL variable from its client Secret (the ordinary account's, in the user
 * namespace), egress to exactly its pods in the platform namespace and its port, its client and example.
 */
export function databaseConnection(args: {
    name: string;
    /** The platform namespace the server runs in. */
    namespace: string;
    variable: string;
    secretName: string;
    key: string;
    podLabels: Record<string, string>;
    ports: number[];
    pythonPackages: string[];
    example: NotebookExample;
}): ServiceConnection {
    return {
        name: args.name,
        env: [{ name: args.variable, valueFrom: { secretKeyRef: { name: args.secretName, key: args.key } } }],
        egress: [{ to: [podsIn(args.namespace, args.podLabels)], ports: args.ports.map((port) => ({ port, protocol: "TCP" })) }],
        pythonPackages: args.pythonPackages,
        notebookExample: args.example,
    };
}
