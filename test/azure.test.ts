import { at as atPath } from "./k8s-checks";
import { valuesOf } from "./shared-layer-fixtures";
import * as assert from "node:assert/strict";
import { readStackConfig } from "../plan/project";
import type { Plan, PlannedResource } from "../plan/types";
import { cpuPoolInstanceTypes, gpuMachine, kubernetesVersionsOf } from "../providers/catalog";
import type { Taint, Toleration } from "../providers/contract";
import { validateConfig } from "../stacks/load";
import type { WorkbenchConfig } from "../stacks/schema";
import { AZURE_PRICES, premiumSsdMonthly, PREMIUM_SSD_TIERS } from "../cost/prices/azure";
import { MOCK_SUBSCRIPTION_ID } from "../plan/mocks/azure";
import { input, ofType, PROJECT_DIR, planOf, runPlan, variantStackFile } from "./harness";

/*
 * The Azure platform, asserted on the offline plan of Pulumi.azure.yaml and of variations of it. The
 * expected values come from the stack's configuration and from relationships between planned resources
 * (a federated credential and the ServiceAccount the hub uses, a pool's taints and the profiles'
 * tolerations), never from copies of what the platform happens to produce.
 */

const T = {
    group: "azure-native:resources:ResourceGroup",
    cluster: "azure-native:containerservice:ManagedCluster",
    agentPool: "azure-native:containerservice:AgentPool",
    account: "azure-native:storage:StorageAccount",
    blobService: "azure-native:storage:BlobServiceProperties",
    lifecycle: "azure-native:storage:ManagementPolicy",
    container: "azure-native:storage:BlobContainer",
    identity: "azure-native:managedidentity:UserAssignedIdentity",
    credential: "azure-native:managedidentity:FederatedIdentityCredential",
    roleAssignment: "azure-native:authorization:RoleAssignment",
    roleDefinition: "azure-native:authorization:RoleDefinition",
    budget: "azure-native:consumption:Budget",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    release: "kubernetes:helm.sh/v3:Release",
    k8sProvider: "pulumi:providers:kubernetes",
    sleep: "time:index/sleep:Sleep",
    maintenance: "azure-native:containerservice:MaintenanceConfiguration",
} as const;

/** Built-in role "Azure Kubernetes Service RBAC Cluster Admin". */
const CLUSTER_ADMIN = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";

const BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
const SPOT_TAINT = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule";

/** The validated configuration of a stack file, as the program sees it. */
function configOf(stack: string, stackFile?: string): WorkbenchConfig {
    return validateConfig(stack, readStackConfig(PROJECT_DIR, stack, stackFile).config).config;
}

/** Plans a variation of Pulumi.azure.yaml and fails unless it plans. */
async function planAzureVariant(config: Record<string, unknown>): Promise<{ plan: Plan; config: WorkbenchConfig }> {
    const stackFile = variantStackFile("azure", config);
    const run = await runPlan("azure", { stackFile });
    assert.equal(run.status, 0, run.stderr);
    return { plan: run.document, config: configOf("azure", stackFile) };
}

/** The resources `r` depends on (explicitly or through its inputs) of one type. */
const dependenciesOf = (plan: Plan, r: PlannedResource, type: string) => plan.resources.filter((d) => d.type === type && r.dependsOn.includes(d.urn));

function dependencyOf(plan: Plan, r: PlannedResource, type: string): PlannedResource {
    const found = dependenciesOf(plan, r, type);
    assert.equal(found.length, 1, `${r.name} depends on exactly one ${type}: ${found.map((d) => d.name).join(", ")}`);
    return found[0];
}

/** A taint as AKS writes it (`key=value:Effect`), parsed. */
function parseTaint(text: string): Taint {
    const match = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(text);
    assert.ok(match, `${text} is an AKS taint`);
    return { key: match[1], value: match[2], effect: match[3] as Taint["effect"] };
}

/** Whether a toleration lets a pod onto nodes with the taint. */
function tolerates(toleration: Toleration, taint: Taint): boolean {
    if (toleration.key !== taint.key || toleration.effect !== taint.effect) return false;
    return toleration.operator === "Exists" || toleration.value === taint.value;
}

const assertTolerated = (tolerations: Toleration[], taints: Taint[], what: string) => {
    for (const taint of taints) assert.ok(tolerations.some((t) => tolerates(t, taint)), `${what} tolerates ${taint.key}=${taint.value ?? ""}:${taint.effect}`);
};

/** Whether a node with `labels` satisfies a pod's node selector. */
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The system pool (inline in the cluster) and the AgentPools, with their labels and taints. */
function poolsOf(plan: Plan) {
    const [cluster] = ofType(plan, T.cluster);
    const inline = (input(cluster, "agentPoolProfiles") as Record<string, unknown>[]).map((p) => ({ resource: cluster, settings: p, name: String(p["name"]) }));
    const separate = ofType(plan, T.agentPool).map((r) => ({ resource: r, settings: r.inputs, name: String(input(r, "agentPoolName")) }));
    return [...inline, ...separate].map((p) => ({
        ...p,
        labels: (p.settings["nodeLabels"] ?? {}) as Record<string, string>,
        taints: ((p.settings["nodeTaints"] ?? []) as string[]).map(parseTaint),
    }));
}

/** The hub's Helm values. */
function hubValues(plan: Plan): Record<string, Record<string, unknown>> {
    const hub = ofType(plan, T.release).find((r) => input(r, "chart") === "jupyterhub");
    assert.ok(hub, "the hub is planned");
    return input(hub, "values") as Record<string, Record<string, unknown>>;
}

/**
 * One variation of the shipped stack with every switch flipped (network policy engine, local accounts, spot,
 * retention), planned once for the tests that check each switch is followed.
 */
const FLIPPED = {
    "workbench:azure": { networkPolicy: "calico", localAccounts: true },
    "workbench:userPool": { size: "medium", minNodes: 0, maxNodes: 3, spot: false },
    "workbench:gpuPools": [{ name: "t4", gpu: "t4", minNodes: 0, maxNodes: 1, spot: false }],
    "workbench:storage": { retainOnDestroy: false },
    "workbench:budget": { monthlyUsd: 150, alertEmails: [] },
};

describe("Azure platform (Pulumi.azure.yaml, planned offline)", () => {
    let plan: Plan;
    let config: WorkbenchConfig;
    let flipped: Promise<{ plan: Plan; config: WorkbenchConfig }>;
    before(async () => {
        flipped = planAzureVariant(FLIPPED);
        // the variant plans beside the shipped stack; a rejection is reported by the tests that await it
        flipped.catch(() => undefined);
        plan = await planOf("azure");
        config = configOf("azure");
    });

    describe("AKS cluster", () => {
        it("runs the Free tier, the catalog's AKS version, an OIDC issuer with Workload Identity, and a system-assigned identity", () => {
            const [cluster] = ofType(plan, T.cluster);
            assert.deepEqual(input(cluster, "sku"), { name: "Base", tier: config.azure.tier });
            assert.equal(config.azure.tier, "Free");
            assert.equal(input(cluster, "kubernetesVersion"), config.kubernetesVersion ?? kubernetesVersionsOf("azure").defaultMinor);
            assert.equal(input(cluster, "oidcIssuerProfile", "enabled"), true);
            assert.equal(input(cluster, "securityProfile", "workloadIdentity", "enabled"), true);
            assert.equal(input(cluster, "identity", "type"), "SystemAssigned");
        });

        it("enforces NetworkPolicy with the configured engine (Cilium on its own dataplane)", async () => {
            const [cluster] = ofType(plan, T.cluster);
            assert.equal(input(cluster, "networkProfile", "networkPolicy"), config.azure.networkPolicy);
            assert.equal(input(cluster, "networkProfile", "networkDataplane"), "cilium", "Cilium policies need the Cilium dataplane");
            const { plan: calico } = await flipped;
            const [other] = ofType(calico, T.cluster);
            assert.equal(input(other, "networkProfile", "networkPolicy"), "calico");
            assert.equal(input(other, "networkProfile", "networkDataplane"), "azure");
        });

        it("signs in through Entra ID with local accounts off, and makes the deploying principal cluster admin before any Kubernetes resource", () => {
            const [cluster] = ofType(plan, T.cluster);
            assert.equal(input(cluster, "disableLocalAccounts"), true);
            assert.equal(input(cluster, "aadProfile", "managed"), true);
            assert.equal(input(cluster, "aadProfile", "enableAzureRBAC"), true);
            const admins = ofType(plan, T.roleAssignment).filter((r) => String(input(r, "roleDefinitionId")).endsWith(CLUSTER_ADMIN));
            assert.equal(admins.length, 1, "one AKS RBAC Cluster Admin assignment");
            const [provider] = ofType(plan, T.k8sProvider);
            assert.equal(input(provider, "kubeconfig"), "[secret]");
            assert.ok(provider.dependsOn.includes(cluster.urn) && provider.dependsOn.includes(admins[0].urn), "the provider waits for the cluster and the admin role");
            for (const r of plan.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"))) assert.equal(r.provider, provider.urn, `${r.type} ${r.name}`);
        });

        it("waits out the admin grant's propagation (up to five minutes, AKS manage-azure-rbac) before the Kubernetes provider is used, while AKS builds the cluster", () => {
            const [cluster] = ofType(plan, T.cluster);
            const [admin] = ofType(plan, T.roleAssignment).filter((r) => String(input(r, "roleDefinitionId")).endsWith(CLUSTER_ADMIN));
            // the grant is on the cluster's resource group (Azure RBAC for Kubernetes honours inherited assignments), so it
            // needs nothing of the cluster and its propagation runs during the cluster's creation
            const group = ofType(plan, T.group).find((g) => input(g, "resourceGroupName") === input(cluster, "resourceGroupName"))!;
            assert.equal(input(admin, "scope"), `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${String(input(group, "resourceGroupName"))}`);
            assert.ok(!admin.dependsOn.includes(cluster.urn), "the grant does not wait for the cluster");
            const waits = ofType(plan, T.sleep).filter((w) => w.dependsOn.includes(admin.urn));
            assert.equal(waits.length, 1, "one deliberate wait after the grant");
            const [wait] = waits;
            const minutes = /^(\d+)m$/.exec(String(input(wait, "createDuration")));
            assert.ok(minutes && Number(minutes[1]) >= 5, `waits at least five minutes: ${String(input(wait, "createDuration"))}`);
            assert.ok(!wait.dependsOn.includes(cluster.urn), "the wait runs beside the cluster's creation, not after it");
            const [provider] = ofType(plan, T.k8sProvider);
            assert.ok(provider.dependsOn.includes(wait.urn), "the Kubernetes provider is used only after the wait");
        });

        it("keeps local accounts and needs no deployer role when workbench:azure.localAccounts is set", async () => {
            const { plan: local } = await flipped;
            const [cluster] = ofType(local, T.cluster);
            assert.equal(input(cluster, "disableLocalAccounts"), false);
            assert.equal(ofType(local, T.roleAssignment).filter((r) => String(input(r, "roleDefinitionId")).endsWith(CLUSTER_ADMIN)).length, 0);
            const [provider] = ofType(local, T.k8sProvider);
            assert.equal(ofType(local, T.sleep).filter((w) => provider.dependsOn.includes(w.urn)).length, 0, "the Kubernetes provider waits for no grant");
        });

        it("removes idle nodes faster than AKS's 10-minute default, for every autoscaled pool", () => {
            const [cluster] = ofType(plan, T.cluster);
            const profile = input(cluster, "autoScalerProfile") as Record<string, string>;
            const minutes = (value: string) => (value.endsWith("m") ? Number(value.slice(0, -1)) : Number(value.slice(0, -1)) / 60);
            assert.ok(minutes(profile["scaleDownUnneededTime"]) < 10);
            assert.ok(minutes(profile["scaleDownDelayAfterAdd"]) < 10);
            assert.equal(profile["skipNodesWithLocalStorage"], "false", "emptyDir scratch space does not keep a node");
        });
    });

    describe("agent pools", () => {
        it("are one inline System pool and one User AgentPool per CPU and GPU pool, named as AKS allows", () => {
            const pools = poolsOf(plan);
            assert.deepEqual(pools.map((p) => p.name).sort(), ["system", "user", ...config.gpuPools.map((p) => p.name)].sort());
            for (const pool of pools) {
                assert.match(pool.name, /^[a-z][a-z0-9]{0,11}$/, pool.name);
                assert.equal(pool.settings["mode"], pool.name === "system" ? "System" : "User", pool.name);
            }
            for (const pool of ofType(plan, T.agentPool)) assert.equal(input(pool, "resourceName"), input(ofType(plan, T.cluster)[0], "resourceName"), "each pool is in the workbench's cluster");
        });

        it("are created one after another: each AgentPool depends on the one before it (AKS refuses concurrent agent-pool operations)", () => {
            const pools = ofType(plan, T.agentPool);
            assert.ok(pools.length >= 2, "the shipped stack has a user pool and a GPU pool");
            // a chain: exactly one pool waits for no other pool, and every other pool waits for exactly one
            const waitsFor = (p: PlannedResource) => pools.filter((other) => p.dependsOn.includes(other.urn));
            const first = pools.filter((p) => waitsFor(p).length === 0);
            assert.equal(first.length, 1, `one pool starts the chain: ${first.map((p) => p.name).join(", ")}`);
            const seen = new Set([first[0].urn]);
            let current = first[0];
            for (let i = 1; i < pools.length; i++) {
                const next = pools.filter((p) => waitsFor(p).length === 1 && waitsFor(p)[0].urn === current.urn);
                assert.equal(next.length, 1, `exactly one pool follows ${current.name}`);
                current = next[0];
                seen.add(current.urn);
            }
            assert.equal(seen.size, pools.length, "every pool is in the chain");
        });

        it("run the system pool on a supported size with a set OS disk (no default 128 GiB premium disk), never on spot", () => {
            const system = poolsOf(plan).find((p) => p.name === "system")!;
            assert.equal(system.settings["vmSize"], cpuPoolInstanceTypes(config, "azure", "system")[0]);
            assert.doesNotMatch(String(system.settings["vmSize"]), /^Standard_B/, "AKS documents B-series as unsupported for system pools");
            assert.equal(system.settings["count"], config.systemPool.nodes);
            assert.ok(Number(system.settings["osDiskSizeGB"]) > 0 && Number(system.settings["osDiskSizeGB"]) < 128);
            // AKS's node image pre-caches about 24 GB of images (elastic/cloud-on-k8s#5925: 24157 of 29599 MB used on a
            // fresh 30 GiB node) and the kubelet collects images from 85 % use: the node holding the hub's and the data
            // services' images needs room beyond that
            assert.ok(Number(system.settings["osDiskSizeGB"]) >= 64, `the always-on node's OS disk holds AKS's cache and the workbench's images: ${String(system.settings["osDiskSizeGB"])} GiB`);
            assert.ok(["Managed", "Ephemeral"].includes(String(system.settings["osDiskType"])));
            assert.ok(Number(system.settings["maxPods"]) >= 30, "AKS needs room for 30 pods on a system pool");
            assert.equal(system.settings["scaleSetPriority"], undefined);
            assert.deepEqual(system.taints, [], "AKS's add-ons and the hub run on the system pool");
        });

        it("scale user and GPU pools from zero with AKS's autoscaler, on spot (eviction Delete, any price) as configured", () => {
            const pools = new Map(ofType(plan, T.agentPool).map((p) => [String(input(p, "agentPoolName")), p]));
            const expect = [
                { name: "user", spot: config.userPool.spot, max: config.userPool.maxNodes, size: cpuPoolInstanceTypes(config, "azure", "user")[0] },
                ...config.gpuPools.map((g) => ({ name: g.name, spot: g.spot, max: g.maxNodes, size: gpuMachine(g.gpu, "azure").instanceTypes[0] })),
            ];
            for (const { name, spot, max, size } of expect) {
                const pool = pools.get(name)!;
                assert.equal(input(pool, "enableAutoScaling"), true, name);
                assert.equal(input(pool, "minCount"), 0, `${name} scales to zero`);
                assert.equal(input(pool, "count"), 0, `${name} starts with no node`);
                assert.equal(input(pool, "maxCount"), max, name);
                assert.equal(input(pool, "vmSize"), size, name);
                assert.equal(input(pool, "scaleSetPriority"), spot ? "Spot" : "Regular", name);
                if (spot) {
                    assert.equal(input(pool, "scaleSetEvictionPolicy"), "Delete", name);
                    assert.equal(input(pool, "spotMaxPrice"), -1, name);
                    assert.ok((input(pool, "nodeTaints") as string[]).includes(SPOT_TAINT), `${name} declares the taint AKS adds to spot pools`);
                }
                assert.ok(Number(input(pool, "osDiskSizeGB")) > 0, `${name} sets its OS disk`);
            }
        });

        it("follow spot settings both ways: an on-demand user pool and GPU pool carry no spot taint", async () => {
            const { plan: onDemand, config: onDemandConfig } = await flipped;
            assert.ok(!onDemandConfig.userPool.spot && onDemandConfig.gpuPools.every((p) => !p.spot));
            for (const pool of ofType(onDemand, T.agentPool)) {
                assert.equal(input(pool, "scaleSetPriority"), "Regular");
                assert.equal(input(pool, "spotMaxPrice"), undefined);
                assert.ok(!(input(pool, "nodeTaints") as string[]).includes(SPOT_TAINT));
            }
        });

        it("label user and GPU nodes for z2jh and taint GPU nodes; GPU pools get AKS's driver and the device plugin's label", () => {
            for (const pool of poolsOf(plan).filter((p) => p.name !== "system")) {
                assert.equal(pool.labels["hub.jupyter.org/node-purpose"], "user", pool.name);
                const gpu = config.gpuPools.some((g) => g.name === pool.name);
                if (!gpu) continue;
                assert.ok(pool.taints.some((t) => t.key === "nvidia.com/gpu" && t.value === "present" && t.effect === "NoSchedule"), pool.name);
                assert.equal(input(pool.resource, "gpuProfile", "driver"), "Install");
                assert.equal(pool.labels["nvidia.com/gpu.present"], "true");
            }
            const poolLabels = poolsOf(plan).map((p) => p.labels["workbench/pool"]);
            assert.equal(new Set(poolLabels).size, poolLabels.length, "each pool has its own label value, so selectors are exact");
        });
    });

    describe("maintenance", () => {
        it("lets AKS upgrade patches and roll node images only in the configured weekly window, for both auto-upgrade channels", () => {
            const [cluster] = ofType(plan, T.cluster);
            const windows = ofType(plan, T.maintenance);
            // AKS reads the schedules of its upgrade channels under these fixed names (AKS planned-maintenance)
            assert.deepEqual(windows.map((w) => input(w, "configName")).sort(), ["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"]);
            assert.ok(input(cluster, "autoUpgradeProfile", "upgradeChannel") !== "none" && input(cluster, "autoUpgradeProfile", "nodeOSUpgradeChannel") !== "None");
            const { day, startHourUtc, durationHours } = config.azure.maintenanceWindow;
            for (const w of windows) {
                assert.equal(input(w, "resourceName"), input(cluster, "resourceName"));
                assert.deepEqual(input(w, "maintenanceWindow", "schedule"), { weekly: { dayOfWeek: day, intervalWeeks: 1 } });
                assert.equal(input(w, "maintenanceWindow", "startTime"), `${String(startHourUtc).padStart(2, "0")}:00`);
                assert.equal(input(w, "maintenanceWindow", "utcOffset"), "+00:00");
                assert.equal(input(w, "maintenanceWindow", "durationHours"), durationHours);
                assert.ok(durationHours >= 4, "AKS needs at least four hours");
            }
        });
    });

    describe("what pods need to land on the pools", () => {
        it("notebooks, Dask and Spark on the user pool tolerate each of its taints, AKS's spot taint included", () => {
            const user = poolsOf(plan).find((p) => p.name === "user")!;
            assert.ok(user.taints.some((t) => `${t.key}=${t.value}:${t.effect}` === SPOT_TAINT), "the shipped user pool is spot");
            const singleuser = hubValues(plan)["singleuser"];
            assert.ok(selects(singleuser["nodeSelector"] as Record<string, string>, user.labels));
            assertTolerated(singleuser["extraTolerations"] as Toleration[], user.taints, "notebooks");
            const dask = ofType(plan, T.release).find((r) => input(r, "chart") === "dask-gateway")!;
            const worker = input(dask, "values", "gateway", "backend", "worker", "extraPodConfig") as { tolerations: Toleration[]; nodeSelector: Record<string, string> };
            assert.ok(selects(worker.nodeSelector, user.labels));
            assertTolerated(worker.tolerations, user.taints, "Dask workers");
        });

        it("each GPU profile selects exactly its pool and tolerates every taint there, the spot taint on spot pools", () => {
            const profiles = (hubValues(plan)["singleuser"]["profileList"] as { kubespawner_override: { node_selector?: Record<string, string>; tolerations?: Toleration[] } }[])
                .map((p) => p.kubespawner_override)
                .filter((o) => o.node_selector);
            const gpuPools = poolsOf(plan).filter((p) => config.gpuPools.some((g) => g.name === p.name));
            assert.equal(profiles.length, gpuPools.length);
            for (const pool of gpuPools) {
                const matching = profiles.filter((o) => selects(o.node_selector!, pool.labels));
                assert.equal(matching.length, 1, `one profile for ${pool.name}`);
                assertTolerated(matching[0].tolerations ?? [], pool.taints, `the ${pool.name} profile`);
                for (const other of poolsOf(plan).filter((p) => p.name !== pool.name)) assert.ok(!selects(matching[0].node_selector!, other.labels), `${pool.name}'s profile does not select ${other.name}`);
            }
        });

        it("installs NVIDIA's device plugin onto the GPU pools, tolerating their taints (the spot one too)", () => {
            const plugin = ofType(plan, T.release).find((r) => input(r, "chart") === "nvidia-device-plugin");
            assert.ok(plugin, "AKS installs drivers, not the plugin");
            const tolerations = input(plugin, "values", "tolerations") as Toleration[];
            const terms = input(plugin, "values", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms") as { matchExpressions: { key: string; values: string[] }[] }[];
            for (const pool of poolsOf(plan).filter((p) => config.gpuPools.some((g) => g.name === p.name))) {
                assertTolerated(tolerations, pool.taints, "the device plugin");
                assert.ok(terms.some((term) => term.matchExpressions.every((e) => e.values.includes(pool.labels[e.key]))), `the plugin may run on ${pool.name}`);
            }
        });
    });

    describe("notebook identity", () => {
        /** The ServiceAccount bound to an Azure identity, the identity, its credential and its role assignment. */
        function binding() {
            // the notebooks' account (the Spark driver's is bound separately, DESIGN §5b)
            const notebooks = String(atPath(valuesOf(plan, "jupyterhub"), "singleuser", "serviceAccountName"));
            const accounts = ofType(plan, T.serviceAccount).filter((sa) => input(sa, "metadata", "annotations", "azure.workload.identity/client-id") !== undefined && input(sa, "metadata", "name") === notebooks);
            assert.equal(accounts.length, 1, "one identity-bound ServiceAccount");
            const [account] = accounts;
            const identity = dependencyOf(plan, account, T.identity);
            const credentials = ofType(plan, T.credential).filter((c) => c.dependsOn.includes(identity.urn));
            const grants = ofType(plan, T.roleAssignment).filter((r) => r.dependsOn.includes(identity.urn));
            assert.equal(credentials.length, 1);
            assert.equal(grants.length, 1);
            return { account, identity, credential: credentials[0], grant: grants[0] };
        }

        it("federates exactly the ServiceAccount notebooks, Dask and Spark run as, with the cluster's OIDC issuer", () => {
            const { account, identity, credential } = binding();
            const namespace = String(input(account, "metadata", "namespace"));
            const name = String(input(account, "metadata", "name"));
            assert.equal(input(credential, "subject"), `system:serviceaccount:${namespace}:${name}`);
            assert.deepEqual(input(credential, "audiences"), ["api://AzureADTokenExchange"]);
            assert.equal(input(credential, "resourceName"), input(identity, "resourceName"), "the credential belongs to that identity");
            const [cluster] = ofType(plan, T.cluster);
            assert.ok(credential.dependsOn.includes(cluster.urn), "the issuer is the cluster's output");
            assert.match(String(input(credential, "issuer")), /^https:\/\/[a-z0-9]+\.oic\.prod-aks\.azure\.com\/.+\/$/);

            const singleuser = hubValues(plan)["singleuser"];
            assert.equal(singleuser["serviceAccountName"], name, "notebooks run as it");
            assert.equal((singleuser["extraLabels"] as Record<string, string>)["azure.workload.identity/use"], "true", "AKS's webhook injects the token into labelled pods only");
            const dask = ofType(plan, T.release).find((r) => input(r, "chart") === "dask-gateway")!;
            assert.equal(input(dask, "values", "gateway", "backend", "worker", "extraPodConfig", "serviceAccountName"), name, "Dask workers run as it");
            const spark = ofType(plan, T.release).find((r) => input(r, "chart") === "spark-operator")!;
            // Spark drivers run as their own account (DESIGN §5b), federated the same way; executors run as this one
            const driver = String(input(spark, "values", "spark", "serviceAccount", "name"));
            assert.ok(ofType(plan, T.serviceAccount).some((sa) => input(sa, "metadata", "name") === driver && input(sa, "metadata", "annotations", "azure.workload.identity/client-id") !== undefined), "Spark drivers run as a federated account");
        });

        it("may read and write the container and nothing else: the workbench's blob data role scoped to the container", () => {
            const { grant } = binding();
            const [role] = ofType(plan, T.roleDefinition);
            assert.ok(grant.dependsOn.includes(role.urn), "the custom role (blob data actions, no container delete: test/azure-abac.test.ts)");
            assert.ok(!String(input(grant, "roleDefinitionId")).endsWith(BLOB_DATA_CONTRIBUTOR), "not Storage Blob Data Contributor, which may delete the container");
            assert.equal(input(grant, "principalType"), "ServicePrincipal");
            const [container] = ofType(plan, T.container);
            assert.ok(grant.dependsOn.includes(container.urn), "the scope is the container's id");
            assert.equal(dependenciesOf(plan, grant, T.account).length, 0, "not the whole account");
            // one grant per bound account, each of the workbench's role: the notebooks', the Spark driver's and
            // Velero's (homes backups, limited to backups/homes/ by its condition)
            assert.equal(ofType(plan, T.roleAssignment).filter((r) => r.dependsOn.includes(role.urn)).length, 3);
        });
    });

    describe("storage", () => {
        it("is a private StorageV2 account: HTTPS only, TLS 1.2, no public blobs, no shared keys, versioning and soft delete", () => {
            const [account] = ofType(plan, T.account);
            assert.equal(input(account, "kind"), "StorageV2");
            assert.equal(input(account, "enableHttpsTrafficOnly"), true);
            assert.equal(input(account, "minimumTlsVersion"), "TLS1_2");
            assert.equal(input(account, "allowBlobPublicAccess"), false);
            assert.equal(input(account, "allowSharedKeyAccess"), false);
            assert.equal(input(account, "encryption", "services", "blob", "enabled"), true);
            assert.match(String(input(account, "accountName")), /^[a-z0-9]{3,24}$/);
            const [service] = dependenciesOf(plan, ofType(plan, T.blobService)[0], T.account);
            assert.equal(service.urn, account.urn);
            const properties = ofType(plan, T.blobService)[0];
            assert.equal(input(properties, "isVersioningEnabled"), config.storage.versioning);
            assert.equal(input(properties, "deleteRetentionPolicy", "enabled"), true);
            assert.equal(input(properties, "containerDeleteRetentionPolicy", "enabled"), true);
            const [container] = ofType(plan, T.container);
            assert.equal(input(container, "publicAccess"), "None");
            assert.ok(container.dependsOn.includes(account.urn));
        });

        it("deletes old versions after storage.noncurrentVersionDays", () => {
            const [policy] = ofType(plan, T.lifecycle);
            const rules = input(policy, "policy", "rules") as { enabled: boolean; definition: { actions: { version?: { delete?: { daysAfterCreationGreaterThan: number } } } } }[];
            assert.ok(rules.every((r) => r.enabled));
            assert.ok(rules.some((r) => r.definition.actions.version?.delete?.daysAfterCreationGreaterThan === config.storage.noncurrentVersionDays));
        });

        it("is retained on destroy with its protections and its own resource group, and only when configured so", async () => {
            const [account] = ofType(plan, T.account);
            const group = plan.resources.find((r) => r.type === T.group && input(r, "resourceGroupName") === input(account, "resourceGroupName"))!;
            const [cluster] = ofType(plan, T.cluster);
            assert.notEqual(input(cluster, "resourceGroupName"), input(group, "resourceGroupName"), "deleting the cluster's group must not take the data with it");
            const retained = [T.account, T.blobService, T.lifecycle, T.container];
            assert.equal(config.storage.retainOnDestroy, true);
            for (const r of [group, ...retained.flatMap((type) => ofType(plan, type))]) assert.equal(r.retainOnDelete, true, `${r.type} ${r.name}`);
            const { plan: disposable } = await flipped;
            for (const r of retained.flatMap((type) => ofType(disposable, type))) assert.equal(r.retainOnDelete, false, `${r.type} ${r.name}`);
        });

        it("makes retained Premium disks in a retained resource group the cluster's identity may write, not in AKS's node group", () => {
            const retained = ofType(plan, T.storageClass).filter((c) => input(c, "reclaimPolicy") === "Retain");
            assert.equal(retained.length, 1);
            const [storageClass] = retained;
            assert.equal(input(storageClass, "provisioner"), "disk.csi.azure.com");
            assert.equal(input(storageClass, "volumeBindingMode"), "WaitForFirstConsumer");
            const group = plan.resources.find((r) => r.type === T.group && input(r, "resourceGroupName") === input(storageClass, "parameters", "resourceGroup"));
            assert.ok(group, "the disks' resource group is the workbench's own");
            assert.equal(group.retainOnDelete, config.storage.retainOnDestroy);
            const [cluster] = ofType(plan, T.cluster);
            const role = ofType(plan, T.roleAssignment).find((r) => r.dependsOn.includes(group.urn) && r.dependsOn.includes(cluster.urn));
            assert.ok(role, "the cluster's identity has a role on that group");
            assert.ok(storageClass.dependsOn.includes(role.urn), "disks are made only once the role exists");
        });
    });

    describe("budget and outputs", () => {
        it("turns workbench:budget into a monthly Azure budget over every workbench resource group, AKS's node group included", () => {
            const [budget] = ofType(plan, T.budget);
            assert.equal(input(budget, "amount"), config.budget.monthlyUsd);
            assert.deepEqual([input(budget, "category"), input(budget, "timeGrain")], ["Cost", "Monthly"]);
            assert.match(String(input(budget, "timePeriod", "startDate")), /^\d{4}-\d{2}-01T00:00:00Z$/);
            const filter = input(budget, "filter", "dimensions") as { name: string; operator: string; values: string[] };
            assert.deepEqual([filter.name, filter.operator], ["ResourceGroupName", "In"]);
            for (const group of ofType(plan, T.group)) assert.ok(filter.values.includes(String(input(group, "resourceGroupName"))), String(input(group, "resourceGroupName")));
            const [cluster] = ofType(plan, T.cluster);
            assert.ok(budget.dependsOn.includes(cluster.urn), "AKS's node resource group comes from the cluster");
            assert.equal(filter.values.length, ofType(plan, T.group).length + 1);
            const notifications = Object.values(input(budget, "notifications") as Record<string, { contactEmails: string[]; thresholdType: string }>);
            assert.ok(notifications.some((n) => n.thresholdType === "Forecasted"), "warns before the money is spent");
            for (const n of notifications) assert.deepEqual(n.contactEmails, config.budget.alertEmails);
        });

        it("keeps the budget without e-mails (Azure needs a contact per alert) and warns that nobody is alerted", async () => {
            const { plan: silent, config: silentConfig } = await flipped;
            const [budget] = ofType(silent, T.budget);
            assert.equal(input(budget, "amount"), silentConfig.budget.monthlyUsd);
            assert.equal(input(budget, "notifications"), undefined);
            assert.ok(silent.warnings.some((w) => w.includes("workbench:budget.alertEmails")), silent.warnings.join("\n"));
        });

        it("exports the kubeconfig as a secret, the cluster's name, the location and the container's URL for adlfs", () => {
            assert.equal(plan.outputs["kubeconfig"], "[secret]");
            assert.equal(plan.outputs["clusterName"], input(ofType(plan, T.cluster)[0], "resourceName"));
            assert.equal(plan.outputs["location"], readStackConfig(PROJECT_DIR, "azure").config["azure-native:location"]);
            const account = input(ofType(plan, T.account)[0], "accountName");
            const container = input(ofType(plan, T.container)[0], "containerName");
            assert.equal(plan.outputs["bucketUrl"], `abfs://${String(container)}@${String(account)}.dfs.core.windows.net/`);
        });
    });

    describe("cost", () => {
        it("idles near DESIGN's Azure goal (USD 100, plus the 64 GiB system disk and Premium SSD tier billing) and stays within the budget in a typical month", () => {
            // DESIGN §7's USD 100 assumed a 30 GiB system disk priced per GiB; the disk that holds AKS's image cache (P6)
            // and tier billing (P1 hub database, P3 home) add about USD 8 (docs/azure.md, Cost)
            assert.ok(plan.cost.idleMonthly <= 105, `idle USD ${plan.cost.idleMonthly}`);
            assert.ok(plan.cost.typicalMonthly <= config.budget.monthlyUsd, `typical USD ${plan.cost.typicalMonthly}`);
            const line = (prefix: string) => plan.cost.lines.find((l) => l.item.startsWith(prefix));
            assert.equal(line("Kubernetes control plane")?.monthly, 0, "AKS Free tier has no fee");
            const system = poolsOf(plan).find((p) => p.name === "system")!;
            assert.ok(line("System pool")?.item.includes(String(system.settings["vmSize"])), "the estimate prices the planned system node");
            assert.match(line("Hub load balancer")?.basis ?? "", /2 public IPv4/, "the hub's address and AKS's outbound address");
        });
    });

    describe("cost corrections", () => {
        it("prices each Premium SSD at its billed tier, the system node's OS disk included", () => {
            const system = poolsOf(plan).find((p) => p.name === "system")!;
            const line = plan.cost.lines.find((l) => l.item.startsWith("System pool"))!;
            const vm = AZURE_PRICES.instances[String(system.settings["vmSize"])].usd;
            const disk = premiumSsdMonthly(Number(system.settings["osDiskSizeGB"]));
            assert.equal(line.monthly, Math.round((vm * 730 + disk.usd) * config.systemPool.nodes * 100) / 100);
            // 1 GiB bills as P1 (4 GiB) and 10 GiB as P3 (16 GiB): Azure bills Premium SSD by tier (disks-understand-billing)
            assert.equal(premiumSsdMonthly(1).usd, PREMIUM_SSD_TIERS.find((t) => t.name === "P1")!.monthlyUsd);
            assert.equal(premiumSsdMonthly(10).usd, PREMIUM_SSD_TIERS.find((t) => t.name === "P3")!.monthlyUsd);
            const users = new Set([...config.users.admins, ...config.users.allowed]).size;
            const volumes = plan.cost.lines.find((l) => l.item.startsWith("Volumes"))!;
            assert.equal(volumes.monthly, Math.round((users * premiumSsdMonthly(config.storage.homeSizeGiB).usd + premiumSsdMonthly(1).usd) * 100) / 100);
        });

        it("charges nothing for a GPU pool's ephemeral OS disk, which lives on the VM's temporary disk", () => {
            for (const pool of ofType(plan, T.agentPool).filter((p) => input(p, "osDiskType") === "Ephemeral")) {
                const line = plan.cost.lines.find((l) => l.item.includes(String(input(pool, "vmSize"))))!;
                const spot = input(pool, "scaleSetPriority") === "Spot";
                const hourly = AZURE_PRICES.instances[String(input(pool, "vmSize"))].usd * (spot ? AZURE_PRICES.spotFactor : 1);
                const hours = String(input(pool, "agentPoolName")) === "user" ? config.usageProfile.userNodeHours : config.usageProfile.gpuNodeHours;
                assert.equal(line.monthly, Math.round(hourly * hours * 100) / 100, `${line.item}: the VM alone`);
            }
        });

        it("prices AKS's Standard and Premium tiers (workbench:azure.tier) and accepts Premium", async () => {
            for (const tier of ["Standard", "Premium"] as const) {
                const { plan: tiered } = await planAzureVariant({ "workbench:azure": { tier } });
                const [cluster] = ofType(tiered, T.cluster);
                assert.equal(input(cluster, "sku", "tier"), tier);
                const line = tiered.cost.lines.find((l) => l.item === "Kubernetes control plane")!;
                assert.equal(line.monthly, Math.round(AZURE_PRICES.controlPlaneTiers![tier].usd * 730 * 100) / 100);
                assert.ok(line.monthly > 0, `${tier} is not free`);
            }
        });
    });

    describe("component conventions", () => {
        it("parents every Azure resource inside the workbench:azure:Platform component, with names derived from it", () => {
            const [platform] = ofType(plan, "workbench:azure:Platform");
            assert.ok(platform);
            const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
            const inside = (r: PlannedResource): boolean => {
                for (let p = r.parent ? byUrn.get(r.parent) : undefined; p; p = p.parent ? byUrn.get(p.parent) : undefined) if (p.urn === platform.urn) return true;
                return false;
            };
            for (const r of plan.resources.filter((r) => r.type.startsWith("azure-native:") || r.type.startsWith("workbench:azure:"))) {
                if (r.urn === platform.urn) continue;
                assert.ok(inside(r), `${r.type} ${r.name} is inside the platform`);
                assert.ok(r.name.startsWith(platform.name), `${r.type} ${r.name} is named after the platform`);
            }
        });
    });
});

describe("Azure settings that cannot work fail the plan, naming each key, with nothing registered", () => {
    // every problem in one stack file: the plan must list them all at once
    const broken = {
        "azure-native:location": "East US",
        "workbench:gpuPools": [
            { name: "l4", gpu: "l4" },
            { name: "big-gpu", gpu: "a100" },
            { name: "user", gpu: "t4" },
        ],
        "workbench:systemPool": { spot: true },
        "workbench:name": "datasciencelab-2026x",
        "workbench:kubernetesVersion": "1.30",
    };
    let run: Promise<Awaited<ReturnType<typeof runPlan>>>;
    before(() => {
        run = runPlan("azure", { stackFile: variantStackFile("azure", broken) });
    });

    const failing = async (key: string) => {
        const { status, document } = await run;
        assert.notEqual(status, 0);
        const problems = (document.problems ?? []).filter((p) => p.key === key);
        assert.equal(problems.length, 1, `problems name ${key}: ${(document.problems ?? []).map((p) => p.key).join(", ")} (${document.error ?? ""})`);
        assert.deepEqual(document.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.urn), []);
        return problems[0];
    };

    it("a location that is not an Azure location name", () => failing("azure-native:location"));
    it("a GPU class Azure has no size for", () => failing("workbench:gpuPools[0].gpu"));
    it("a GPU pool name AKS refuses ('-' is not allowed in pool names), saying what to type", async () => {
        const problem = await failing("workbench:gpuPools[1].name");
        assert.match(problem.allowed, /biggpu/);
    });
    it("a GPU pool named like a CPU pool", () => failing("workbench:gpuPools[2].name"));
    it("a spot system pool, which AKS does not allow", () => failing("workbench:systemPool.spot"));
    it("a workbench:name too long for a storage account name once suffixed", () => failing("workbench:name"));
    it("a Kubernetes version AKS no longer supports", () => failing("workbench:kubernetesVersion"));
});
