import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { HUB_DB_GIB } from "../../providers/catalog";
import { HubServiceExposure } from "../../providers/contract";
import { GETTING_STARTED_DIR, GETTING_STARTED_VOLUME, GettingStartedMount, postStartCommand } from "./getting-started";
import type { HubTls } from "../../stacks/rules";
import type { WorkbenchConfig } from "../../stacks/schema";
import { HubAuthValues, HubEnvVar } from "./hub-auth";
import { helmMerge } from "../helm/merge";
import { notebookEnvironments, splitImage } from "./images";
import { cpuProfiles, profileList } from "./profiles";
import { SPARK_PROFILE } from "../spark/personal-connect";
import { ServiceConnection } from "../service-connection";
import { USER_CODE_LABELS } from "../labels";
import { HUB_API_PORT, namespaceSelector, NOTEBOOK_POD_LABELS, NOTEBOOK_PORT } from "../tenancy/network-policies";
import { RESTRICTED_CONTAINER_SECURITY, RESTRICTED_POD_SECURITY } from "../tenancy/zones";
import { WorkloadInput } from "../workload";

/*
 * Values of the z2jh chart: a pure function of the contract, the workload account, the stack's
 * settings and the services' connections.
 */

/** The hub's Helm release name; z2jh names its objects `hub`, `proxy-public`, … regardless. */
export const JUPYTERHUB_RELEASE = "jupyterhub";

/** The public Service of the hub's proxy (z2jh's fixed name). */
export const PROXY_PUBLIC_SERVICE = "proxy-public";

/** A scale-from-zero start (node boot, image pull of a few GB) takes longer than z2jh's 300 s default. */
const NOTEBOOK_START_TIMEOUT_SECONDS = 900;

/** The label z2jh's hub NetworkPolicy admits notebooks by. */
const HUB_ACCESS_LABEL = { "hub.jupyter.org/network-access-hub": "true" };

/** Scopes JupyterHub gives a notebook's own token by default (its `server` role). */
const DEFAULT_SERVER_TOKEN_SCOPES = ["users:activity!user", "access:servers!server"];

/** How the hub is reached, resolved from `workbench:hub` and the domain. */
export interface HubAccess {
    /** The proxy's Service type. */
    service: WorkbenchConfig["hub"]["service"];
    /** CIDRs a LoadBalancer admits (empty: any). */
    sourceRanges: readonly string[];
    /** The TLS the proxy serves. */
    tls: HubTls;
    /** With self-signed TLS: the `kubernetes.io/tls` Secret holding the generated certificate and key. */
    certificateSecret?: string;
}

/** Everything the hub's values are made of. */
export interface JupyterHubInput extends WorkloadInput {
    /** Storage class for homes and the hub database; its volumes outlive the release. */
    retainedStorageClass: pulumi.Input<string>;
    /** What the platform adds to the hub's proxy Service (load balancer annotations). */
    hubService: HubServiceExposure;
    /** How the hub is reached: Service type, source ranges, TLS. */
    access: HubAccess;
    /** Size of each user's home volume. */
    homeSizeGiB: number;
    /** Stop servers idle this long. */
    cullIdleMinutes: number;
    /** Stop servers after this many hours regardless of activity (0: never). */
    maxAgeHours: number;
    /** Stop servers on GPU profiles this many hours after they start, busy or not (0: never). */
    gpuMaxAgeHours: number;
    /** Shut down kernels idle this long inside a server, minutes (0: never). */
    kernelCullIdleMinutes: number;
    /** The getting-started notebook and first-start installer to mount, when built. */
    gettingStarted?: GettingStartedMount;
    /** The sign-in part of the values. */
    auth: HubAuthValues;
    /** With a domain the proxy serves HTTPS with a Let's Encrypt certificate. */
    domain?: string;
    /** Let's Encrypt's contact address (with a domain). */
    tlsEmail?: string;
    /** The enabled services' connections. */
    services: readonly ServiceConnection[];
    /** With Spark from notebooks: the hub's hook that gives the Spark profile's servers their own Connect server (components/spark/personal-connect.ts). */
    sparkConnectHook?: pulumi.Input<string>;
}

/** The hub's API as notebooks in the user namespace reach it (z2jh's default `http://hub:8081` resolves only in the hub's namespace). */
export function hubConnectUrl(platformNamespace: string): string {
    return `http://hub.${platformNamespace}.svc.cluster.local:${HUB_API_PORT}`;
}

/** Egress of the hub and the proxy to notebooks in the user namespace (z2jh's own rule selects its namespace only). */
function toNotebooks(userNamespace: string): Record<string, unknown> {
    return {
        to: [{ namespaceSelector: namespaceSelector(userNamespace), podSelector: { matchLabels: { ...NOTEBOOK_POD_LABELS } } }],
        ports: [{ port: NOTEBOOK_PORT, protocol: "TCP" }],
    };
}

/**
 * The Spark profile: the PySpark environment on the user pool with room for its own Spark Connect server
 * beside the notebook (the hub's hook adds it for this slug); the smallest CPU size plus the sidecar's share.
 */
export function sparkProfile(input: Pick<JupyterHubInput, "userPool" | "images">): Record<string, unknown> {
    const [smallest] = cpuProfiles(input.userPool);
    const environment = notebookEnvironments(input.images).cpu.find((e) => e.image === input.images.spark);
    return {
        display_name: "Spark · your own Spark Connect server beside the notebook",
        slug: SPARK_PROFILE,
        description: `${environment ? `${environment.title}: ${environment.description}. ` : ""}A Spark Connect server only this server reaches (SparkSession.builder.getOrCreate()); executors start on the user pool and stop when idle.`,
        kubespawner_override: { ...smallest.kubespawner_override, image: input.images.spark },
    };
}

/** The environment variable the hub reads a registered service's token from. */
export function serviceTokenEnv(service: string): string {
    return `WORKBENCH_SERVICE_TOKEN_${service.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** z2jh reads service tokens from its own Secret; this makes registered services use the tokens their Secrets hold. */
const SERVICE_TOKENS_CONFIG = `import os
for _service in c.JupyterHub.services:
    _token = os.environ.get("WORKBENCH_SERVICE_TOKEN_" + "".join(ch if ch.isalnum() else "_" for ch in _service["name"].upper()))
    if _token:
        _service["api_token"] = _token
`;

/** The environment as z2jh's mapping form (`NAME: {name, value|valueFrom}`), later entries winning. */
function envMapping(env: readonly k8s.types.input.core.v1.EnvVar[]): Record<string, k8s.types.input.core.v1.EnvVar> {
    const mapping: Record<string, k8s.types.input.core.v1.EnvVar> = {};
    for (const variable of env) mapping[String(variable.name)] = variable;
    return mapping;
}

/** Registrations with the hub: `hub.services`, the token of each (by Secret reference) and the scopes users need. */
function hubServicesValues(services: readonly ServiceConnection[]) {
    const registered = services.flatMap((service) => (service.hubService ? [{ name: service.name, ...service.hubService }] : []));
    return {
        services: Object.fromEntries(registered.map((service) => [service.name, { url: service.url, display: false }])),
        tokenEnv: Object.fromEntries(
            registered.map((service): [string, HubEnvVar] => {
                const name = serviceTokenEnv(service.name);
                return [name, { name, valueFrom: { secretKeyRef: service.token } }];
            }),
        ),
        userScopes: registered.flatMap((service) => service.userScopes),
        // a role per service whose own token needs scopes (served models read MLflow's registry)
        serviceRoles: Object.fromEntries(registered.filter((s) => (s.serviceScopes ?? []).length > 0).map((s) => [`service-${s.name}`, { scopes: s.serviceScopes, services: [s.name] }])),
    };
}

/** Where jupyter_server reads system-wide JSON config in every image (a path of `jupyter --paths` that images leave empty). */
export const KERNEL_CULLING_CONFIG_PATH = "/usr/local/etc/jupyter/jupyter_server_config.json";

/**
 * Kernel culling inside each server (jupyter_server's MappingKernelManager): idle kernels shut down
 * even with a browser tab open; busy ones are left to the GPU maximum age and the hub's culler.
 */
export function kernelCullingConfig(idleMinutes: number): Record<string, unknown> {
    return {
        MappingKernelManager: {
            cull_idle_timeout: idleMinutes * 60,
            cull_interval: Math.min(300, Math.max(60, idleMinutes * 30)),
            cull_connected: true,
            cull_busy: false,
        },
    };
}

/** The singleuser values that put the getting-started files into each home (first start) and run the installer. */
function gettingStartedValues(mount: GettingStartedMount | undefined): Record<string, unknown> {
    if (!mount) return {};
    return {
        lifecycleHooks: { postStart: { exec: { command: postStartCommand() } } },
    };
}

/** The proxy's public Service: the configured type, the platform's load balancer annotations, the source ranges. */
function proxyServiceValues(access: HubAccess, platform: HubServiceExposure): Record<string, unknown> {
    const loadBalancer = access.service === "LoadBalancer";
    return {
        type: access.service,
        annotations: loadBalancer ? platform.annotations : {},
        ...(loadBalancer && access.sourceRanges.length > 0 ? { loadBalancerSourceRanges: [...access.sourceRanges] } : {}),
    };
}

/**
 * z2jh's `proxy.https`: Let's Encrypt through its autohttps pod, or the generated certificate from a Secret
 * (the proxy then serves HTTPS on 443 and redirects port 80 there), or nothing on a port-forwarded hub.
 */
function proxyHttpsValues(input: JupyterHubInput): Record<string, unknown> {
    switch (input.access.tls) {
        case "letsencrypt":
            if (!input.domain) throw new Error("Let's Encrypt needs workbench:domain (validation requires it)");
            return { enabled: true, type: "letsencrypt", hosts: [input.domain], letsencrypt: { contactEmail: input.tlsEmail } };
        case "self-signed":
            if (!input.access.certificateSecret) throw new Error("self-signed TLS needs the certificate's Secret");
            return { enabled: true, type: "secret", secret: { name: input.access.certificateSecret, key: "tls.key", crt: "tls.crt" } };
        case "none":
            return { enabled: false };
    }
}

/** The z2jh chart's values. */
export function jupyterHubValues(input: JupyterHubInput): Record<string, unknown> {
    const system = { nodeSelector: input.systemPlacement.nodeSelector, tolerations: input.systemPlacement.tolerations };
    const registered = hubServicesValues(input.services);
    const spawner = {
        // notebooks start in the user namespace (DESIGN §5b.1); they reach the hub across namespaces by its full name
        JupyterHub: { hub_connect_url: hubConnectUrl(input.namespace) },
        KubeSpawner: {
            namespace: input.userNamespace,
            // workload identity reaches pods through its own projected token; notebooks need no Kubernetes API token
            automount_service_account_token: false,
            // Pod Security `restricted` in the user namespace: KubeSpawner merges these over z2jh's uid/fsGid settings
            pod_security_context: { ...RESTRICTED_POD_SECURITY },
            container_security_context: { ...RESTRICTED_CONTAINER_SECURITY, capabilities: { drop: [...RESTRICTED_CONTAINER_SECURITY.capabilities.drop] } },
            ...(registered.userScopes.length > 0 ? { server_token_scopes: [...DEFAULT_SERVER_TOKEN_SCOPES, ...registered.userScopes] } : {}),
        },
    };
    const cullTimeout = input.cullIdleMinutes * 60;
    return {
        hub: {
            ...system,
            config: helmMerge(input.auth.config, spawner),
            extraEnv: { ...input.auth.extraEnv, ...registered.tokenEnv },
            extraConfig: {
                ...input.auth.extraConfig,
                ...(Object.keys(registered.tokenEnv).length > 0 ? { "20-service-tokens": SERVICE_TOKENS_CONFIG } : {}),
                ...(input.sparkConnectHook ? { "30-spark-connect": input.sparkConnectHook } : {}),
            },
            services: registered.services,
            ...(Object.keys(input.auth.extraFiles).length > 0 ? { extraFiles: input.auth.extraFiles } : {}),
            // every user may use the registered services (e.g. create Dask clusters)
            ...(registered.userScopes.length > 0 || Object.keys(registered.serviceRoles).length > 0 ? { loadRoles: { ...(registered.userScopes.length > 0 ? { user: { scopes: ["self", ...registered.userScopes] } } : {}), ...registered.serviceRoles } } : {}),
            db: { type: "sqlite-pvc", pvc: { storageClassName: input.retainedStorageClass, storage: `${HUB_DB_GIB}Gi` } },
            networkPolicy: {
                // notebooks live in the user namespace: z2jh's same-namespace rules do not see them
                ingress: [{ from: [{ namespaceSelector: namespaceSelector(input.userNamespace), podSelector: { matchLabels: HUB_ACCESS_LABEL } }], ports: [{ port: HUB_API_PORT, protocol: "TCP" }] }],
                egress: [toNotebooks(input.userNamespace)],
            },
        },
        proxy: {
            service: proxyServiceValues(input.access, input.hubService),
            chp: { ...system, networkPolicy: { egress: [toNotebooks(input.userNamespace)] } },
            traefik: system,
            https: proxyHttpsValues(input),
        },
        singleuser: {
            image: splitImage(input.images.cpu),
            defaultUrl: "/lab",
            startTimeout: NOTEBOOK_START_TIMEOUT_SECONDS,
            serviceAccountName: input.serviceAccountName,
            // fenced as user code by the user namespace's policies (components/tenancy/network-policies.ts)
            extraLabels: { ...input.podLabels, ...USER_CODE_LABELS, ...HUB_ACCESS_LABEL },
            extraEnv: envMapping([
                ...input.env,
                ...input.services.flatMap((service) => [...service.env, ...(service.notebookEnv ?? [])]),
                ...(input.gettingStarted?.env ?? []),
            ]),
            ...gettingStartedValues(input.gettingStarted),
            ...(input.kernelCullIdleMinutes > 0
                ? { extraFiles: { "workbench-kernel-culling": { mountPath: KERNEL_CULLING_CONFIG_PATH, data: kernelCullingConfig(input.kernelCullIdleMinutes) } } }
                : {}),
            nodeSelector: input.userPool.placement.nodeSelector,
            extraTolerations: input.userPool.placement.tolerations,
            // z2jh's iptables init container needs NET_ADMIN, which `restricted` refuses; the user-code fence's
            // egress leaves the metadata server out already (unless it serves identity, GKE)
            cloudMetadata: { blockWithIptables: false },
            // z2jh's singleuser policy selects pods in the hub's namespace only: the user namespace's policies
            // fence notebooks instead (ingress from hub and proxy; egress to DNS, the hub and exactly the enabled services)
            networkPolicy: { enabled: false },
            storage: {
                type: "dynamic",
                capacity: `${input.homeSizeGiB}Gi`,
                dynamic: { storageClass: input.retainedStorageClass },
                ...(input.gettingStarted
                    ? {
                          // read-only; the postStart hook copies the notebook into the home only where none is
                          extraVolumes: [{ name: GETTING_STARTED_VOLUME, configMap: { name: input.gettingStarted.configMapName } }],
                          extraVolumeMounts: [{ name: GETTING_STARTED_VOLUME, mountPath: GETTING_STARTED_DIR, readOnly: true }],
                      }
                    : {}),
            },
            profileList: [
                ...profileList(input.userPool, input.gpuPools, input.images, input.gpuMaxAgeHours),
                ...(input.sparkConnectHook ? [sparkProfile(input)] : []),
            ],
        },
        scheduling: {
            // packs notebooks onto the fewest user nodes so the autoscaler can remove the rest
            userScheduler: { enabled: true, ...system },
            // placeholders would keep user nodes up: scale to zero wins over instant starts
            userPlaceholder: { enabled: false, replicas: 0 },
            // the contract's node selectors place user pods; z2jh's node-purpose label is not required of a platform
            userPods: { nodeAffinity: { matchNodePurpose: "ignore" } },
        },
        prePuller: {
            // user nodes scale from zero: pre-pulling would only slow every upgrade (hook) or pull
            // every profile's image, GPU images included, onto every user node (continuous)
            hook: { enabled: false },
            continuous: { enabled: false },
        },
        cull: {
            enabled: true,
            users: false,
            timeout: cullTimeout,
            every: Math.min(600, cullTimeout / 2),
            maxAge: input.maxAgeHours * 3600,
        },
    };
}
