import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { containerResources, ServerSize } from "../capacity/requests";
import { egressToPods, NotebookExample, ServiceConnection } from "../service-connection";
import { ServiceContext } from "./catalog";

/*
 * What the data services share: generated credentials in a Secret, an ingress NetworkPolicy that admits
 * only the workbench's pods, a one-server StatefulSet of an official image on the retained class, and
 * the connection notebooks get.
 */

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

/** A generated password: letters and digits only, so it can sit in a URL and a shell line unescaped. */
export function password(name: string, parent: pulumi.Resource, length = 32): random.RandomPassword {
    return new random.RandomPassword(name, { length, special: false, minUpper: 2, minLower: 2, minNumeric: 2 }, { parent });
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

/** Who else may reach a service's pods, besides the workbench namespace's pods (an operator elsewhere). */
export interface ExtraIngress {
    from: k8s.types.input.networking.v1.NetworkPolicyPeer[];
    ports: number[];
}

/**
 * The service's own NetworkPolicy: its pods admit the workbench namespace's pods (notebooks, Dask, Spark,
 * Ray, the operators installed there) on its ports, and nothing else.
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
                // no ports: every port (Ray's workers and head talk over many)
                ingress: [
                    { from: [{ podSelector: {} }], ...(ports.length > 0 ? { ports: tcp(ports) } : {}) },
                    ...extra.map((rule) => ({ from: rule.from, ports: tcp(rule.ports) })),
                ],
            },
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

/** What a database publishes: one URL variable from its Secret, egress to exactly its port, its client and example. */
export function databaseConnection(args: {
    name: string;
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
        egress: [egressToPods(args.podLabels, args.ports)],
        pythonPackages: args.pythonPackages,
        notebookExample: args.example,
    };
}
