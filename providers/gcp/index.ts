import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../../stacks/load";
import type { WorkbenchConfig } from "../../stacks/schema";
import { gpuClassesOn, kubernetesVersionsOf } from "../catalog";
import { GKE_EXTENDED_SUPPORT_FEE_PER_HOUR } from "../catalog/kubernetes/gcp";
import { GpuPool, ObjectStore, Platform, PlatformCluster, PlatformModule } from "../contract";
import { systemPoolSizing } from "../system-pool";
import { BUDGET_APIS, enableApis, GPU_QUOTA_APIS, PLATFORM_APIS } from "./apis";
import { GKE_SNAPSHOT_CONTROLLER, PD_VOLUME_SNAPSHOTS, retainedStorageClass } from "./block-storage";
import { budgetProblems, createBudget, NO_BILLING_ACCOUNT_WARNING } from "./budget";
import { DataBucket } from "./bucket";
import { gcpFindings, zoneCatalogProblems } from "./checks";
import { gpuPoolWarnings } from "./gpu-notes";
import { GkeCluster } from "./cluster";
import { GcpContext, gcpContext, regionOfZone } from "./context";
import { GcsObjectStore } from "./identity";
import { Network } from "./network";
import { NodeAccount } from "./node-account";
import { createNodePool } from "./node-pools";
import { gpuPoolOf, nodePoolOf, PoolSpec, poolSpecs } from "./pools";
import { gkeSystemAgents } from "./system-agents";

/**
 * Annotations for the hub's public Service: GKE's backend-service-based external passthrough Network Load
 * Balancer, which GKE recommends for new LoadBalancer Services (one forwarding rule, what the estimate prices).
 */
export const LOAD_BALANCER_ANNOTATIONS: Readonly<Record<string, string>> = { "cloud.google.com/l4-rbs": "enabled" };

/** What the GCP platform's configuration check looked up, for the platform to build with. */
export interface GcpLookups {
    /** The minor the cluster runs: the pinned one, or the release channel's default in the location. */
    kubernetesVersion: string;
    /** The minor pinned by `workbench:kubernetesVersion`; undefined follows the channel. */
    pinnedMinor?: string;
    /** The project's number, for the budget's filter; empty when the project could not be read yet. */
    projectNumber: string;
    /** The billing account the budget goes to: `workbench:gcp.billingAccount`, else the project's own; undefined: no budget. */
    billingAccount?: string;
}

/**
 * The workbench on GCP: a VPC, a zonal GKE Standard cluster (free-tier fee) with Workload Identity and
 * Dataplane V2, node pools that scale from zero under GKE's own autoscaler, a retained pd-balanced
 * storage class, a private GCS bucket bound to the notebooks' ServiceAccount through Workload Identity,
 * and a budget alert when a billing account is configured.
 */
export class GcpPlatform extends pulumi.ComponentResource implements Platform {
    readonly cloud = "gcp" as const;
    readonly cluster: PlatformCluster;
    readonly gpuPools: GpuPool[];
    readonly objectStore: ObjectStore;
    readonly outputs: Record<string, pulumi.Input<unknown>>;

    constructor(name: string, settings: StackSettings, found: GcpLookups, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:gcp:Platform", name, {}, opts);
        const { config } = settings;
        const context: GcpContext = gcpContext(name, settings);
        const pools = poolSpecs(config);

        // a budget needs the account and the project's number (its filter): without either there is none, and the check said why
        const billingAccount = found.projectNumber ? found.billingAccount : undefined;
        const apis = config.gcp.manageApis ? enableApis(context, [...PLATFORM_APIS, ...(billingAccount ? BUDGET_APIS : []), ...(pools.gpu.length > 0 ? GPU_QUOTA_APIS : [])], this) : [];

        const network = new Network(name, { context, dependsOn: apis }, { parent: this });
        const nodeAccount = new NodeAccount(`${name}-nodes`, { context, dependsOn: apis }, { parent: this });
        const gke = new GkeCluster(
            name,
            {
                context,
                releaseChannel: config.gcp.releaseChannel,
                pinnedMinor: found.pinnedMinor,
                deletionProtection: config.gcp.deletionProtection,
                network,
                nodeServiceAccount: nodeAccount.email,
                dependsOn: [...apis, ...nodeAccount.grants],
            },
            { parent: this },
        );

        const nodePool = (pool: PoolSpec) =>
            createNodePool(
                `${name}-${pool.role === "gpu" ? `gpu-${pool.name}` : pool.name}`,
                { context, pool, cluster: gke.cluster, serviceAccount: nodeAccount.email, dependsOn: nodeAccount.grants },
                this,
            );
        const systemNodes = nodePool(pools.system);
        const userNodes = nodePool(pools.user);
        const gpuNodes = pools.gpu.map(nodePool);
        const servingNodes = pools.serving ? nodePool(pools.serving) : undefined;

        const storageClass = retainedStorageClass(name, gke.provider, this);

        this.cluster = {
            name: gke.cluster.name,
            provider: gke.provider,
            kubeconfig: gke.kubeconfig,
            retainedStorageClass: storageClass.metadata.name,
            kubernetesVersion: found.kubernetesVersion,
            systemPool: nodePoolOf(pools.system),
            systemAgents: gkeSystemAgents(config.systemPool.nodes),
            userPool: nodePoolOf(pools.user),
            ...(pools.serving ? { servingPool: nodePoolOf(pools.serving) } : {}),
            capabilities: {
                // GKE installs the driver and runs its own device plugin when the driver version is set
                nvidiaDevicePlugin: false,
                // GKE's managed autoscaler scales every pool, from zero too (profile OPTIMIZE_UTILIZATION)
                clusterAutoscaler: undefined,
                // Workload Identity tokens come from the GKE metadata server: z2jh must not block it
                podsNeedMetadataServer: true,
            },
            hubService: { type: "LoadBalancer", annotations: { ...LOAD_BALANCER_ANNOTATIONS } },
            // the control plane's endpoint is public: the policies' internet egress covers it
            apiServerEgress: [],
            // GKE's ServiceAccount token issuer, public with its discovery document (GKE "Workload Identity Federation with other clouds")
            oidcIssuer: pulumi.interpolate`https://container.googleapis.com/v1/projects/${context.project}/locations/${context.location}/clusters/${gke.cluster.name}`,
            volumeSnapshots: PD_VOLUME_SNAPSHOTS,
            readyWhen: [systemNodes, userNodes, ...gpuNodes, ...(servingNodes ? [servingNodes] : []), storageClass],
        };
        this.gpuPools = pools.gpu.map(gpuPoolOf);

        const bucket = new DataBucket(`${name}-data`, { context, storage: config.storage, dependsOn: apis }, { parent: this });
        this.objectStore = new GcsObjectStore({ context, bucket, cluster: gke.cluster, dependsOn: apis, parent: this });

        if (billingAccount) {
            createBudget(`${name}-budget`, { context, budget: config.budget, currency: config.gcp.budgetCurrency, billingAccount, projectNumber: found.projectNumber, dependsOn: apis }, this);
        }

        this.outputs = {
            kubeconfig: gke.kubeconfig,
            clusterName: this.cluster.name,
            project: context.project,
            zone: context.zone,
            region: context.region,
            clusterLocation: context.location,
        };
        this.registerOutputs({ clusterName: this.cluster.name, bucketName: bucket.bucketName, location: context.location });
    }
}

/** What the Extended channel costs, and from when: the surcharge starts when the running minor leaves standard support. */
export function extendedChannelWarning(minor: string | undefined): string {
    const release = kubernetesVersionsOf("gcp").releases.find((r) => r.minor === minor);
    const monthly = Math.round(GKE_EXTENDED_SUPPORT_FEE_PER_HOUR * 730);
    return (
        `workbench:gcp.releaseChannel EXTENDED: GKE adds USD ${GKE_EXTENDED_SUPPORT_FEE_PER_HOUR.toFixed(2)} per cluster-hour (about USD ${monthly} a month, not covered by the free tier) ` +
        `once the cluster's minor${release ? ` (${release.minor}, on ${release.endOfStandardSupport})` : ""} leaves standard support; the estimate does not include it. ` +
        "Upgrade before that date to stay at the standard fee."
    );
}

/**
 * Everything GCP would refuse that the schema cannot see, checked before any resource exists: the project
 * (read through its own lookup), the zone in its region, each GPU pool's machine in that zone, the pinned
 * Kubernetes minor against GKE's support window, the channel and the location, and the budget's e-mails.
 */
export const prepare: PlatformModule["prepare"] = async ({ parsed, provider, today }) => {
    const { gcpProject: project, gcpZone: zone } = provider;
    const problems = parsed.budget ? budgetProblems(parsed.budget) : [];
    const warnings: string[] = [];
    if (parsed.systemPool?.size === "xsmall") {
        // xsmall is e2-medium on GCP: 2 shared vCPUs, of which GKE leaves 940m allocatable (Kong/kubernetes-ingress-controller#3555),
        // less than GKE's own system pods request (system-agents.ts) before the hub's
        problems.push({
            key: "workbench:systemPool.size",
            given: "xsmall",
            allowed: "small or larger on GCP: an e2-medium (shared core) leaves about 940m CPU allocatable, which GKE's own pods use up (pulumi config set --path workbench:systemPool.size small)",
        });
    }
    if (parsed.gpuPools) warnings.push(...gpuPoolWarnings(parsed.gpuPools));

    // the schema's rules report a missing or malformed project or zone; no lookup can run without them
    const ready = project !== undefined && zone !== undefined && /^[a-z]+-[a-z]+\d{1,2}-[a-z]$/.test(zone) && parsed.gcp !== undefined;
    // a zone the catalog does not know is refused by it when no lookup can run (the lookups have the final word otherwise)
    if (!ready && zone !== undefined && /^[a-z]+-[a-z]+\d{1,2}-[a-z]$/.test(zone)) problems.push(...zoneCatalogProblems(zone));
    const findings =
        ready && parsed.gcp
            ? await gcpFindings({
                  project,
                  zone,
                  location: parsed.gcp.regional ? regionOfZone(zone) : zone,
                  channel: parsed.gcp.releaseChannel,
                  pinnedMinor: parsed.kubernetesVersion,
                  versionValid: "kubernetesVersion" in parsed,
                  gpuPools: parsed.gpuPools ?? [],
                  today,
              })
            : { problems: [], warnings: [] };
    if (parsed.gcp?.releaseChannel === "EXTENDED") warnings.push(extendedChannelWarning(findings.kubernetesVersion ?? parsed.kubernetesVersion));
    // the budget goes to the configured billing account, else to the one the project is billed to (when it could be read)
    const billingAccount = parsed.gcp?.billingAccount ?? findings.billingAccount;
    if (parsed.gcp && !billingAccount && findings.projectNumber !== undefined) warnings.push(NO_BILLING_ACCOUNT_WARNING);
    if (parsed.gcp && billingAccount && findings.projectNumber === undefined && ready) {
        warnings.push(`The GCP budget alert waits for the next preview: it filters on the project's number, which could not be read yet.`);
    }
    const { systemPool, userPool, gpuPools } = parsed;
    const poolsKnown = systemPool !== undefined && userPool !== undefined && gpuPools !== undefined && gpuPools.every((pool) => gpuClassesOn("gcp").includes(pool.gpu));
    const serving = poolsKnown && parsed.servingPool ? poolSpecs(parsed as WorkbenchConfig).serving : undefined;
    return {
        problems: [...problems, ...findings.problems],
        warnings: [...warnings, ...findings.warnings],
        ...(serving ? { servingPool: nodePoolOf(serving) } : {}),
        // the system pool as the node pool is built from it, with GKE's own pods (GKE scales pools itself)
        systemPool:
            poolsKnown && systemPool
                ? systemPoolSizing(parsed as WorkbenchConfig, {
                      poolAt: (size) => nodePoolOf(poolSpecs({ ...(parsed as WorkbenchConfig), systemPool: { ...systemPool, size } }).system),
                      agents: gkeSystemAgents(systemPool.nodes),
                      installsAutoscaler: false,
                  })
                : undefined,
        volumeSnapshots: GKE_SNAPSHOT_CONTROLLER,
        create: (name, settings) =>
            new GcpPlatform(name, settings, {
                kubernetesVersion: findings.kubernetesVersion ?? settings.config.kubernetesVersion ?? "",
                pinnedMinor: settings.config.kubernetesVersion,
                projectNumber: findings.projectNumber ?? "",
                billingAccount,
            }),
    };
};
