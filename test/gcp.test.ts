import { notebookEgress } from "./tenancy-fixtures";
import * as assert from "node:assert/strict";
import { readStackConfig } from "../plan/project";
import type { Plan, PlannedResource } from "../plan/types";
import { cpuPoolInstanceTypes, gpuMachine, NODE_DISK_GIB } from "../providers/catalog";
import { validateConfig } from "../stacks/load";
import type { WorkbenchConfig } from "../stacks/schema";
import { NO_BILLING_PREFIX } from "../plan/mocks/gcp";
import { input, ofType, PROJECT_DIR, planOf, runPlan, variantStackFile } from "./harness";

/*
 * The GCP platform, asserted on the offline plan of Pulumi.gcp.yaml and of variations of it. Expected
 * values come from the stack's own configuration and from relationships between planned resources (a
 * pool's taints and the GPU profile's tolerations, the Workload Identity member and the ServiceAccount
 * the hub runs as), never from copies of what the platform happens to produce.
 */

const T = {
    service: "gcp:projects/service:Service",
    network: "gcp:compute/network:Network",
    subnetwork: "gcp:compute/subnetwork:Subnetwork",
    cluster: "gcp:container/cluster:Cluster",
    nodePool: "gcp:container/nodePool:NodePool",
    account: "gcp:serviceaccount/account:Account",
    accountMember: "gcp:serviceaccount/iAMMember:IAMMember",
    projectMember: "gcp:projects/iAMMember:IAMMember",
    bucket: "gcp:storage/bucket:Bucket",
    bucketMember: "gcp:storage/bucketIAMMember:BucketIAMMember",
    budget: "gcp:billing/budget:Budget",
    channel: "gcp:monitoring/notificationChannel:NotificationChannel",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    release: "kubernetes:helm.sh/v3:Release",
    k8sProvider: "pulumi:providers:kubernetes",
} as const;

type Values = Record<string, unknown>;
interface GkeTaint {
    key: string;
    value: string;
    effect: string;
}
interface Toleration {
    key: string;
    operator: string;
    value?: string;
    effect: string;
}
const K8S_EFFECTS: Record<string, string> = { NO_SCHEDULE: "NoSchedule", PREFER_NO_SCHEDULE: "PreferNoSchedule", NO_EXECUTE: "NoExecute" };

/** The validated configuration and the provider settings of a stack file, as the program sees them. */
function settingsOf(stack: string, stackFile?: string): { config: WorkbenchConfig; flat: Record<string, string> } {
    const flat = readStackConfig(PROJECT_DIR, stack, stackFile).config;
    return { config: validateConfig(stack, flat).config, flat };
}

/** Plans a variation of Pulumi.gcp.yaml and fails unless it plans. */
async function planGcpVariant(config: Record<string, unknown>, drop: string[] = []): Promise<{ plan: Plan; config: WorkbenchConfig }> {
    const stackFile = variantStackFile("gcp", config, drop);
    const run = await runPlan("gcp", { stackFile });
    assert.equal(run.status, 0, run.stderr);
    return { plan: run.document, config: settingsOf("gcp", stackFile).config };
}

const at = (values: unknown, ...path: string[]): unknown =>
    path.reduce<unknown>((v, key) => (v !== null && typeof v === "object" ? (v as Values)[key] : undefined), values);

/** A chart's Helm values in the plan. */
function valuesOf(plan: Plan, chart: string): Values {
    const release = ofType(plan, T.release).find((r) => input(r, "chart") === chart);
    assert.ok(release, `a ${chart} release is planned`);
    return input(release, "values") as Values;
}

/** Every value of a key anywhere in a nested structure. */
function allValuesOf(tree: unknown, key: string): unknown[] {
    if (Array.isArray(tree)) return tree.flatMap((item) => allValuesOf(item, key));
    if (tree === null || typeof tree !== "object") return [];
    return Object.entries(tree as Values).flatMap(([k, v]) => [...(k === key ? [v] : []), ...allValuesOf(v, key)]);
}

/** Node pools by their workbench/pool label. */
function poolsOf(plan: Plan): Map<string, PlannedResource> {
    return new Map(ofType(plan, T.nodePool).map((p) => [String(input(p, "nodeConfig", "labels", "workbench/pool")), p]));
}

/** The one resource of a type `r` depends on. */
function dependencyOf(plan: Plan, r: PlannedResource, type: string): PlannedResource {
    const found = plan.resources.filter((d) => d.type === type && r.dependsOn.includes(d.urn));
    assert.equal(found.length, 1, `${r.name} depends on exactly one ${type}: ${found.map((d) => d.name).join(", ")}`);
    return found[0];
}

describe("GCP platform (Pulumi.gcp.yaml, planned offline)", () => {
    let plan: Plan;
    let config: WorkbenchConfig;
    let flat: Record<string, string>;
    before(async () => {
        plan = await planOf("gcp");
        ({ config, flat } = settingsOf("gcp"));
    });

    /**
     * The shipped stack with each independent setting the other way at once (one plan for the tests of each): no
     * deletion protection, a regional control plane, a pinned minor, a disposable unversioned bucket, a spot system
     * pool and on-demand GPU pools.
     */
    let flippedPlan: Promise<Plan> | undefined;
    const flipped = (): Promise<Plan> =>
        (flippedPlan ??= planGcpVariant({
            "workbench:gcp": { deletionProtection: false, regional: true },
            "workbench:kubernetesVersion": "1.35",
            "workbench:storage": { retainOnDestroy: false, versioning: false },
            "workbench:systemPool": { spot: true },
            "workbench:gpuPools": config.gpuPools.map((p) => ({ ...p, spot: false })),
        }).then(({ plan }) => plan));

    describe("GKE cluster", () => {
        it("is zonal in gcp:zone by default (the free tier pays one zonal cluster's fee), on the configured release channel", () => {
            const [cluster] = ofType(plan, T.cluster);
            assert.equal(config.gcp.regional, false);
            assert.equal(input(cluster, "location"), flat["gcp:zone"]);
            assert.equal(input(cluster, "project"), flat["gcp:project"]);
            assert.deepEqual(input(cluster, "releaseChannel"), { channel: config.gcp.releaseChannel });
            assert.equal(input(cluster, "minMasterVersion"), undefined, "an unpinned stack follows the channel's default");
        });

        it("removes the default node pool, whose throwaway nodes run as the dedicated account with GKE_METADATA", () => {
            const [cluster] = ofType(plan, T.cluster);
            assert.equal(input(cluster, "removeDefaultNodePool"), true);
            assert.equal(input(cluster, "initialNodeCount"), 1);
            const [nodeAccount] = nodeAccounts(plan);
            assert.equal(input(cluster, "nodeConfig", "serviceAccount"), `${String(input(nodeAccount, "accountId"))}@${flat["gcp:project"]}.iam.gserviceaccount.com`);
            assert.equal(input(cluster, "nodeConfig", "workloadMetadataConfig", "mode"), "GKE_METADATA");
        });

        it("turns on Workload Identity for the project's pool, Dataplane V2 without the conflicting NetworkPolicy add-on, shielded nodes", () => {
            const [cluster] = ofType(plan, T.cluster);
            assert.equal(input(cluster, "workloadIdentityConfig", "workloadPool"), `${flat["gcp:project"]}.svc.id.goog`);
            assert.equal(input(cluster, "datapathProvider"), "ADVANCED_DATAPATH");
            assert.equal(input(cluster, "networkPolicy"), undefined);
            assert.equal(input(cluster, "addonsConfig", "networkPolicyConfig"), undefined);
            assert.equal(input(cluster, "enableShieldedNodes"), true);
        });

        it("is VPC-native on the workbench's own subnet, with the pod and Service ranges that subnet declares", () => {
            const [cluster] = ofType(plan, T.cluster);
            const subnet = dependencyOf(plan, cluster, T.subnetwork);
            dependencyOf(plan, cluster, T.network);
            assert.equal(input(cluster, "networkingMode"), "VPC_NATIVE");
            const ranges = (input(subnet, "secondaryIpRanges") as { rangeName: string }[]).map((r) => r.rangeName);
            assert.ok(ranges.includes(String(input(cluster, "ipAllocationPolicy", "clusterSecondaryRangeName"))));
            assert.ok(ranges.includes(String(input(cluster, "ipAllocationPolicy", "servicesSecondaryRangeName"))));
            assert.equal(input(subnet, "region"), String(flat["gcp:zone"]).replace(/-[a-z]$/, ""));
        });

        it("sets deletion protection explicitly from workbench:gcp.deletionProtection, both ways", async () => {
            assert.equal(input(ofType(plan, T.cluster)[0], "deletionProtection"), config.gcp.deletionProtection);
            const unprotected = await flipped();
            assert.equal(input(ofType(unprotected, T.cluster)[0], "deletionProtection"), false);
        });

        it("lets GKE's own autoscaler remove idle nodes quickly (OPTIMIZE_UTILIZATION), without node auto-provisioning", () => {
            const [cluster] = ofType(plan, T.cluster);
            assert.deepEqual(input(cluster, "clusterAutoscaling"), { enabled: false, autoscalingProfile: "OPTIMIZE_UTILIZATION" });
        });

        it("with a pinned minor, asks the control plane for at least that minor", async () => {
            const pinned = await flipped();
            assert.equal(input(ofType(pinned, T.cluster)[0], "minMasterVersion"), "1.35");
        });

        it("regional: the control plane in the zone's region, every node still in gcp:zone (where the homes' disks are)", async () => {
            const regional = await flipped();
            const [cluster] = ofType(regional, T.cluster);
            assert.equal(input(cluster, "location"), String(flat["gcp:zone"]).replace(/-[a-z]$/, ""));
            assert.deepEqual(input(cluster, "nodeLocations"), [flat["gcp:zone"]]);
            for (const pool of ofType(regional, T.nodePool)) assert.deepEqual(input(pool, "nodeLocations"), [flat["gcp:zone"]], pool.name);
            const fee = regional.cost.lines.find((l) => l.item === "Kubernetes control plane")!;
            assert.ok(fee.monthly > 70, "the free-tier credit does not cover a regional cluster");
        });
    });

    describe("APIs", () => {
        it("enables the APIs the resources call, never disabling them on destroy, before the cluster", () => {
            const services = ofType(plan, T.service);
            const names = services.map((s) => String(input(s, "service")));
            for (const api of ["container", "compute", "iam", "storage"]) assert.ok(names.includes(`${api}.googleapis.com`), api);
            for (const s of services) {
                assert.equal(input(s, "disableOnDestroy"), false, String(input(s, "service")));
                assert.equal(input(s, "project"), flat["gcp:project"]);
            }
            const [cluster] = ofType(plan, T.cluster);
            for (const s of services) assert.ok(cluster.dependsOn.includes(s.urn), `the cluster waits for ${String(input(s, "service"))}`);
        });

        it("leaves APIs alone with manageApis off", async () => {
            const { plan: unmanaged } = await planGcpVariant({ "workbench:gcp": { manageApis: false } });
            assert.deepEqual(ofType(unmanaged, T.service), []);
            assert.equal(ofType(unmanaged, T.cluster).length, 1);
        });
    });

    describe("node pools", () => {
        it("are one system pool, one user pool and one pool per configured GPU pool, in the cluster's zone", () => {
            const pools = [...poolsOf(plan).keys()].sort();
            assert.deepEqual(pools, ["system", "user", ...config.gpuPools.map((p) => `gpu-${p.name}`)].sort());
            const [cluster] = ofType(plan, T.cluster);
            for (const pool of ofType(plan, T.nodePool)) {
                assert.equal(input(pool, "location"), input(cluster, "location"));
                assert.equal(input(pool, "cluster"), input(cluster, "name"));
                assert.ok(pool.dependsOn.includes(cluster.urn));
            }
        });

        it("all run as the dedicated node account (not Compute Engine's default one), with GKE_METADATA, on shielded VMs", () => {
            const [nodeAccount] = nodeAccounts(plan);
            const email = `${String(input(nodeAccount, "accountId"))}@${flat["gcp:project"]}.iam.gserviceaccount.com`;
            for (const pool of ofType(plan, T.nodePool)) {
                assert.equal(input(pool, "nodeConfig", "serviceAccount"), email, pool.name);
                assert.doesNotMatch(email, /-compute@developer\.gserviceaccount\.com$/);
                assert.equal(input(pool, "nodeConfig", "workloadMetadataConfig", "mode"), "GKE_METADATA", pool.name);
                assert.deepEqual(input(pool, "nodeConfig", "shieldedInstanceConfig"), { enableSecureBoot: true, enableIntegrityMonitoring: true }, pool.name);
                for (const grant of ofType(plan, T.projectMember).filter((m) => String(input(m, "member")).endsWith(email))) {
                    assert.ok(pool.dependsOn.includes(grant.urn), `${pool.name} waits for ${String(input(grant, "role"))}`);
                }
            }
        });

        it("the node account holds GKE's least-privilege node role and reads images, nothing more", () => {
            const [nodeAccount] = nodeAccounts(plan);
            const email = `${String(input(nodeAccount, "accountId"))}@${flat["gcp:project"]}.iam.gserviceaccount.com`;
            const roles = ofType(plan, T.projectMember)
                .filter((m) => input(m, "member") === `serviceAccount:${email}`)
                .map((m) => String(input(m, "role")))
                .sort();
            assert.deepEqual(roles, ["roles/artifactregistry.reader", "roles/container.defaultNodeServiceAccount"]);
        });

        it("use the machines, spot and bounds the configuration asks for; user and GPU pools scale from zero, the system pool is fixed", () => {
            const pools = poolsOf(plan);
            const system = pools.get("system")!;
            assert.equal(input(system, "nodeConfig", "machineType"), cpuPoolInstanceTypes(config, "gcp", "system")[0]);
            assert.equal(input(system, "nodeConfig", "spot"), config.systemPool.spot);
            assert.equal(input(system, "nodeCount"), config.systemPool.nodes);
            assert.equal(input(system, "autoscaling"), undefined);

            const user = pools.get("user")!;
            assert.equal(input(user, "nodeConfig", "machineType"), cpuPoolInstanceTypes(config, "gcp", "user")[0]);
            assert.equal(input(user, "nodeConfig", "spot"), config.userPool.spot);
            assert.equal(input(user, "autoscaling", "totalMinNodeCount"), 0);
            assert.equal(input(user, "autoscaling", "totalMaxNodeCount"), config.userPool.maxNodes);
            assert.equal(input(user, "nodeCount"), undefined, "nodeCount would fight the autoscaler");

            for (const gpuPool of config.gpuPools) {
                const pool = pools.get(`gpu-${gpuPool.name}`)!;
                assert.equal(input(pool, "nodeConfig", "machineType"), gpuMachine(gpuPool.gpu, "gcp").instanceTypes[0]);
                assert.equal(input(pool, "nodeConfig", "spot"), gpuPool.spot);
                assert.equal(input(pool, "autoscaling", "totalMinNodeCount"), 0);
                assert.equal(input(pool, "initialNodeCount"), 0, "no GPU node runs until a pod asks for one");
                assert.equal(input(pool, "autoscaling", "totalMaxNodeCount"), gpuPool.maxNodes);
                assert.equal(input(pool, "nodeCount"), undefined);
                assert.equal(input(pool, "nodeConfig", "diskSizeGb"), NODE_DISK_GIB.gpu);
            }
        });

        it("attach each GPU pool's accelerator with GKE-managed driver installation", () => {
            const pools = poolsOf(plan);
            for (const gpuPool of config.gpuPools) {
                const accelerators = input(pools.get(`gpu-${gpuPool.name}`)!, "nodeConfig", "guestAccelerators") as Values[];
                const machine = gpuMachine(gpuPool.gpu, "gcp");
                assert.deepEqual(accelerators, [{ type: machine.acceleratorType, count: machine.gpuCount, gpuDriverInstallationConfig: { gpuDriverVersion: "DEFAULT" } }]);
            }
            for (const name of ["system", "user"]) assert.equal(input(pools.get(name)!, "nodeConfig", "guestAccelerators"), undefined, name);
        });

        it("label user and GPU nodes for z2jh, taint them (GPU pools with nvidia.com/gpu=present), and leave the system nodes untainted", () => {
            for (const [name, pool] of poolsOf(plan)) {
                const labels = input(pool, "nodeConfig", "labels") as Record<string, string>;
                const taints = (input(pool, "nodeConfig", "taints") ?? []) as GkeTaint[];
                if (name === "system") {
                    assert.deepEqual(taints, [], "GKE's Deployments and the cluster add-ons must run on the system nodes");
                    continue;
                }
                assert.equal(labels["hub.jupyter.org/node-purpose"], "user", name);
                const expected = name.startsWith("gpu-")
                    ? { key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" }
                    : { key: "hub.jupyter.org/dedicated", value: "user", effect: "NO_SCHEDULE" };
                assert.deepEqual(taints, [expected], name);
            }
        });

        it("follow spot settings both ways: a spot system pool, an on-demand GPU pool", async () => {
            const pools = poolsOf(await flipped());
            assert.equal(input(pools.get("system")!, "nodeConfig", "spot"), true);
            assert.ok(config.gpuPools.length > 0);
            for (const pool of config.gpuPools) assert.equal(input(pools.get(`gpu-${pool.name}`)!, "nodeConfig", "spot"), false);
        });
    });

    describe("what the shared layer is told", () => {
        it("GPU profiles select their pool's labels and tolerate every taint its nodes carry (spot adds none on GKE Standard)", () => {
            const profiles = at(valuesOf(plan, "jupyterhub"), "singleuser", "profileList") as { slug: string; kubespawner_override: Values }[];
            const pools = poolsOf(plan);
            for (const gpuPool of config.gpuPools) {
                const pool = pools.get(`gpu-${gpuPool.name}`)!;
                const labels = input(pool, "nodeConfig", "labels") as Record<string, string>;
                const taints = (input(pool, "nodeConfig", "taints") ?? []) as GkeTaint[];
                const profile = profiles.find((p) => at(p.kubespawner_override, "node_selector", "workbench/pool") === labels["workbench/pool"]);
                assert.ok(profile, `a profile selects pool ${gpuPool.name}`);
                const selector = profile.kubespawner_override["node_selector"] as Record<string, string>;
                for (const [key, value] of Object.entries(selector)) assert.equal(labels[key], value, `the pool's nodes carry ${key}=${value}`);
                const tolerations = profile.kubespawner_override["tolerations"] as Toleration[];
                for (const taint of taints) {
                    const tolerated = tolerations.some(
                        (t) => t.key === taint.key && t.effect === K8S_EFFECTS[taint.effect] && (t.operator === "Exists" || t.value === taint.value),
                    );
                    assert.ok(tolerated, `profile ${profile.slug} tolerates ${taint.key}=${taint.value}:${taint.effect}`);
                }
                const limits = profile.kubespawner_override["extra_resource_limits"] as Record<string, string>;
                assert.equal(limits["nvidia.com/gpu"], String(gpuMachine(gpuPool.gpu, "gcp").gpuCount));
            }
        });

        it("installs no NVIDIA device plugin and no cluster-autoscaler: GKE runs both itself", () => {
            const charts = ofType(plan, T.release).map((r) => String(input(r, "chart")));
            assert.ok(!charts.includes("nvidia-device-plugin"), charts.join(", "));
            assert.ok(!charts.includes("cluster-autoscaler"), charts.join(", "));
        });

        it("lets notebooks reach the GKE metadata server, which serves their Workload Identity tokens", () => {
            const values = valuesOf(plan, "jupyterhub");
            assert.equal(at(values, "singleuser", "cloudMetadata", "blockWithIptables"), false);
            // notebooks are fenced in the user namespace (DESIGN §5b): the fence opens the metadata server
            assert.ok(notebookEgress(plan).some((rule) => (rule.to ?? []).some((peer) => peer.ipBlock?.cidr === "169.254.169.254/32")));
        });

        it("exposes the hub through GKE's backend-service-based load balancer", () => {
            const values = valuesOf(plan, "jupyterhub");
            assert.equal(at(values, "proxy", "service", "type"), "LoadBalancer");
            assert.equal(at(values, "proxy", "service", "annotations", "cloud.google.com/l4-rbs"), "enabled");
        });
    });

    describe("storage", () => {
        it("homes live on a retained pd-balanced class made by GKE's persistent disk CSI driver", () => {
            const className = at(valuesOf(plan, "jupyterhub"), "singleuser", "storage", "dynamic", "storageClass");
            const storageClass = ofType(plan, T.storageClass).find((c) => input(c, "metadata", "name") === className);
            assert.ok(storageClass, `the hub's class ${String(className)} is planned`);
            assert.equal(input(storageClass, "provisioner"), "pd.csi.storage.gke.io");
            assert.equal(input(storageClass, "parameters", "type"), "pd-balanced");
            assert.equal(input(storageClass, "reclaimPolicy"), "Retain");
            assert.equal(input(storageClass, "volumeBindingMode"), "WaitForFirstConsumer");
            const [cluster] = ofType(plan, T.cluster);
            assert.equal(input(cluster, "addonsConfig", "gcePersistentDiskCsiDriverConfig", "enabled"), true);
        });
    });

    describe("bucket", () => {
        it("is private (uniform access, public access prevention enforced), versioned, with lifecycle rules from the configuration, in the cluster's region", () => {
            const [bucket] = ofType(plan, T.bucket);
            assert.equal(input(bucket, "uniformBucketLevelAccess"), true);
            assert.equal(input(bucket, "publicAccessPrevention"), "enforced");
            assert.deepEqual(input(bucket, "versioning"), { enabled: config.storage.versioning });
            assert.notEqual(input(bucket, "forceDestroy"), true, "GCS must refuse to delete a bucket holding data");
            assert.equal(String(input(bucket, "location")).toLowerCase(), String(flat["gcp:zone"]).replace(/-[a-z]$/, ""));
            const rules = input(bucket, "lifecycleRules") as { action: { type: string }; condition: Record<string, unknown> }[];
            const abort = rules.find((r) => r.action.type === "AbortIncompleteMultipartUpload");
            assert.equal(abort?.condition["age"], config.storage.abortIncompleteUploadDays);
            const noncurrent = rules.find((r) => r.action.type === "Delete");
            assert.equal(noncurrent?.condition["daysSinceNoncurrentTime"], config.storage.noncurrentVersionDays);
        });

        it("is retained on destroy, and only when configured so", async () => {
            assert.equal(config.storage.retainOnDestroy, true);
            assert.equal(ofType(plan, T.bucket)[0].retainOnDelete, true);
            const disposable = await flipped();
            const [bucket] = ofType(disposable, T.bucket);
            assert.equal(bucket.retainOnDelete, false);
            assert.deepEqual(input(bucket, "versioning"), { enabled: false });
        });
    });

    describe("notebook identity (Workload Identity)", () => {
        /** The ServiceAccount the shared layer binds to the bucket, and the Google account its annotation names. */
        function notebookIdentity() {
            // the notebooks' account (the Spark driver's has its own binding, DESIGN §5b)
            const notebooks = at(valuesOf(plan, "jupyterhub"), "singleuser", "serviceAccountName");
            const accounts = ofType(plan, T.serviceAccount).filter((sa) => input(sa, "metadata", "annotations", "iam.gke.io/gcp-service-account") !== undefined && input(sa, "metadata", "name") === notebooks);
            assert.equal(accounts.length, 1, "one identity-bound ServiceAccount");
            const [account] = accounts;
            const email = String(input(account, "metadata", "annotations", "iam.gke.io/gcp-service-account"));
            const gsa = ofType(plan, T.account).find((a) => `${String(input(a, "accountId"))}@${flat["gcp:project"]}.iam.gserviceaccount.com` === email);
            assert.ok(gsa, `the annotation names a planned Google service account (${email})`);
            return { account, email, gsa };
        }

        it("lets exactly the namespace/ServiceAccount the hub, Dask and Spark pods run as act as the Google account", () => {
            const { account, gsa } = notebookIdentity();
            const namespace = String(input(account, "metadata", "namespace"));
            const name = String(input(account, "metadata", "name"));
            // the pods' ServiceAccount, from the charts' values
            assert.equal(at(valuesOf(plan, "jupyterhub"), "singleuser", "serviceAccountName"), name);
            const daskAccounts = allValuesOf(valuesOf(plan, "dask-gateway"), "serviceAccountName");
            assert.ok(daskAccounts.length > 0 && daskAccounts.every((a) => a === name), `Dask pods run as ${name}: ${daskAccounts.join(", ")}`);
            // Spark's drivers run as their own account, bound to the bucket the same way
            const driver = at(valuesOf(plan, "spark-operator"), "spark", "serviceAccount", "name");
            assert.ok(ofType(plan, T.serviceAccount).some((sa) => input(sa, "metadata", "name") === driver && input(sa, "metadata", "annotations", "iam.gke.io/gcp-service-account") !== undefined));

            const members = ofType(plan, T.accountMember).filter((m) => m.dependsOn.includes(gsa.urn));
            assert.equal(members.length, 1, "one binding on the Google account");
            assert.equal(input(members[0], "role"), "roles/iam.workloadIdentityUser");
            assert.equal(input(members[0], "member"), `serviceAccount:${flat["gcp:project"]}.svc.id.goog[${namespace}/${name}]`);
            assert.ok(members[0].dependsOn.includes(ofType(plan, T.cluster)[0].urn), "the project's identity pool exists once the cluster does");
        });

        it("may use the bucket's objects, on that bucket only, and nothing project-wide", () => {
            const { email } = notebookIdentity();
            const [bucket] = ofType(plan, T.bucket);
            const grants = ofType(plan, T.bucketMember).filter((m) => input(m, "member") === `serviceAccount:${email}` && input(m, "role") === "roles/storage.objectUser");
            assert.equal(grants.length, 1);
            assert.equal(`gs://${String(input(grants[0], "bucket"))}`, plan.outputs["bucketUrl"]);
            assert.ok(grants[0].dependsOn.includes(bucket.urn));
            assert.deepEqual(ofType(plan, T.projectMember).filter((m) => String(input(m, "member")).includes(email)), [], "no project-level role");
        });

        it("gives notebooks the project, so gcsfs and the GCS connector need no setting", () => {
            const env = at(valuesOf(plan, "jupyterhub"), "singleuser", "extraEnv") as Record<string, { value?: string }>;
            assert.equal(env["GOOGLE_CLOUD_PROJECT"]?.value, flat["gcp:project"]);
            assert.equal(env["WORKBENCH_BUCKET_URL"]?.value, plan.outputs["bucketUrl"]);
        });
    });

    describe("a project whose APIs are still off", () => {
        it("plans with warnings (the stack enables the APIs) instead of failing, and creates the APIs first", async () => {
            const { plan: fresh } = await planGcpVariant({ "gcp:project": "brand-new-project-1" });
            const skipped = fresh.warnings.filter((w) => w.includes("API is off in brand-new-project-1"));
            assert.ok(skipped.length >= 2, fresh.warnings.join("\n"));
            const [cluster] = ofType(fresh, T.cluster);
            for (const api of ofType(fresh, T.service)) assert.ok(cluster.dependsOn.includes(api.urn));
        });
    });

    describe("budget and outputs", () => {
        it("without a billing account of its own or one the project lookup can read, plans no budget and says the alert is off", async () => {
            const { plan: unbilled, config: unbilledConfig } = await planGcpVariant({ "gcp:project": `${NO_BILLING_PREFIX}project-1` });
            assert.equal(unbilledConfig.gcp.billingAccount, undefined);
            assert.deepEqual(ofType(unbilled, T.budget), []);
            assert.ok(unbilled.warnings.some((w) => w.includes("workbench:gcp.billingAccount")), unbilled.warnings.join("\n"));
        });

        it("with one, turns workbench:budget into a budget on this project that e-mails the configured addresses", async () => {
            const billingAccount = "012345-6789AB-CDEF01";
            const { plan: budgeted, config: budgetConfig } = await planGcpVariant({ "workbench:gcp": { billingAccount } });
            const [budget] = ofType(budgeted, T.budget);
            assert.equal(input(budget, "billingAccount"), billingAccount);
            assert.equal(Number(input(budget, "amount", "specifiedAmount", "units")), budgetConfig.budget.monthlyUsd);
            assert.equal(input(budget, "amount", "specifiedAmount", "currencyCode"), "USD");
            const [filtered] = input(budget, "budgetFilter", "projects") as string[];
            assert.match(filtered, /^projects\/\d+$/, "budgets filter by project number");
            const rules = input(budget, "thresholdRules") as { thresholdPercent: number; spendBasis: string }[];
            assert.ok(rules.some((r) => r.thresholdPercent === 1 && r.spendBasis === "FORECASTED_SPEND"), "warns before the money is spent");
            const channels = ofType(budgeted, T.channel);
            assert.deepEqual(channels.map((c) => input(c, "labels", "email_address")).sort(), [...budgetConfig.budget.alertEmails].sort());
            for (const channel of channels) assert.ok(budget.dependsOn.includes(channel.urn));
            const apis = ofType(budgeted, T.service).map((s) => String(input(s, "service")));
            assert.ok(apis.includes("billingbudgets.googleapis.com") && apis.includes("monitoring.googleapis.com"));
            assert.ok(!budgeted.warnings.some((w) => w.includes("budget alert is off")));
        });

        it("exports the kubeconfig as a secret, the cluster name, the zone and region, and the gs:// bucket URL", () => {
            const [cluster] = ofType(plan, T.cluster);
            const [bucket] = ofType(plan, T.bucket);
            assert.equal(plan.outputs["kubeconfig"], "[secret]");
            assert.equal(plan.outputs["clusterName"], input(cluster, "name"));
            assert.equal(plan.outputs["zone"], flat["gcp:zone"]);
            assert.equal(plan.outputs["region"], String(flat["gcp:zone"]).replace(/-[a-z]$/, ""));
            const bucketUrl = String(plan.outputs["bucketUrl"]);
            assert.match(bucketUrl, /^gs:\/\/[a-z0-9][a-z0-9._-]+$/);
            assert.ok(bucketUrl.startsWith(`gs://${bucket.name}`), "the URL names the planned bucket");
        });
    });

    describe("cost", () => {
        it("idles within DESIGN §7's GCP goal (USD 85) and stays within the budget in a typical month", () => {
            assert.ok(plan.cost.idleMonthly <= 85, `idle USD ${plan.cost.idleMonthly}`);
            assert.ok(plan.cost.typicalMonthly <= 167, `typical USD ${plan.cost.typicalMonthly}`);
            assert.equal(plan.cost.lines.find((l) => l.item === "Kubernetes control plane")?.monthly, 0, "the free tier pays the zonal fee");
        });
    });

    describe("component conventions", () => {
        it("parents every GCP resource inside the workbench:gcp:Platform component, with names derived from it", () => {
            const platform = ofType(plan, "workbench:gcp:Platform");
            assert.equal(platform.length, 1);
            const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
            const insidePlatform = (r: PlannedResource): boolean => {
                for (let p = r.parent ? byUrn.get(r.parent) : undefined; p; p = p.parent ? byUrn.get(p.parent) : undefined) if (p.urn === platform[0].urn) return true;
                return false;
            };
            for (const r of plan.resources.filter((r) => r.type.startsWith("gcp:") || r.type.startsWith("workbench:gcp:"))) {
                if (r.urn === platform[0].urn) continue;
                assert.ok(insidePlatform(r), `${r.type} ${r.name} is inside the platform`);
                assert.ok(r.name.startsWith(platform[0].name), `${r.type} ${r.name} is named after the platform`);
            }
        });
    });
});

/** The nodes' account: the one whose grants include GKE's node role. */
function nodeAccounts(plan: Plan): PlannedResource[] {
    const nodeRoleMembers = ofType(plan, T.projectMember).filter((m) => input(m, "role") === "roles/container.defaultNodeServiceAccount").map((m) => String(input(m, "member")));
    const accounts = ofType(plan, T.account).filter((a) => nodeRoleMembers.some((m) => m.startsWith(`serviceAccount:${String(input(a, "accountId"))}@`)));
    assert.equal(accounts.length, 1, "one account holds the node role");
    return accounts;
}

describe("GCP settings that cannot work fail the plan, naming the key, with nothing but the root Stack registered", () => {
    const failing = async (config: Record<string, unknown>, key: string, drop: string[] = []) => {
        const { status, document } = await runPlan("gcp", { stackFile: variantStackFile("gcp", config, drop) });
        assert.notEqual(status, 0);
        const problems = document.problems ?? [];
        const keys = problems.map((p) => p.key);
        assert.ok(keys.includes(key), `problems name ${key}: ${keys.join(", ")} (${document.error ?? ""})`);
        assert.deepEqual(document.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.urn), []);
        return problems.find((p) => p.key === key)!;
    };

    it("no gcp:project", async () => {
        const problem = await failing({}, "gcp:project", ["gcp:project"]);
        assert.match(problem.allowed, /pulumi config set gcp:project/);
    });

    it("a project the credentials cannot read", async () => {
        const problem = await failing({ "gcp:project": "no-such-project-42" }, "gcp:project");
        assert.match(problem.allowed, /does not have permission/, "GCP's own answer is passed on");
        assert.match(problem.allowed, /gcloud projects list/);
    });

    it("gcp:region that is not gcp:zone's region", async () => {
        const problem = await failing({ "gcp:region": "us-east1" }, "gcp:region");
        assert.match(problem.allowed, /us-central1/);
    });

    it("a zone its region does not have", async () => {
        const problem = await failing({ "gcp:zone": "us-east1-a" }, "gcp:zone");
        assert.match(problem.allowed, /us-east1 has the zones us-east1-b, us-east1-c, us-east1-d/);
    });

    it("a GPU class GCP does not offer", () => failing({ "workbench:gpuPools": [{ name: "a10", gpu: "a10" }] }, "workbench:gpuPools[0].gpu"));

    it("a GPU the zone has no machine for, naming the zones that have it", async () => {
        const problem = await failing({ "gcp:zone": "us-central1-f", "workbench:gpuPools": [{ name: "l4", gpu: "l4" }] }, "workbench:gpuPools[0].gpu");
        assert.match(problem.allowed, /us-central1-f has no g2-standard-4/);
        assert.match(problem.allowed, /us-central1-a/);
    });

    it("a Kubernetes minor past GKE's standard support", async () => {
        const problem = await failing({ "workbench:kubernetesVersion": "1.31" }, "workbench:kubernetesVersion");
        assert.match(problem.allowed, /gcp offers/);
    });

    it("a Kubernetes minor newer than the release channel offers", async () => {
        const problem = await failing({ "workbench:kubernetesVersion": "1.37" }, "workbench:kubernetesVersion");
        assert.match(problem.allowed, /REGULAR channel/);
    });

    it("a billing account id that is not one", () => failing({ "workbench:gcp": { billingAccount: "my-account" } }, "workbench:gcp.billingAccount"));

    it("more budget e-mail addresses than a budget notifies", () =>
        failing(
            { "workbench:budget": { monthlyUsd: 167, alertEmails: Array.from({ length: 6 }, (_, i) => `user${i}@example.org`) } },
            "workbench:budget.alertEmails",
        ));
});
