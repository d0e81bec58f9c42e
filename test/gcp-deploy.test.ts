import * as assert from "node:assert/strict";
import { Environment } from "@marcbachmann/cel-js";
import { GCS_CONNECTOR, SPARK_HADOOP_VERSION } from "../components/versions";
import { MOCK_BILLING_ACCOUNT, RESOURCE_MANAGER_OFF_PREFIX } from "../plan/mocks/gcp";
import type { Plan, PlannedResource } from "../plan/types";
import { gkeAllocatable } from "../providers/allocatable";
import { gpuMachine } from "../providers/catalog";
import { GKE_EXTENDED_SUPPORT_FEE_PER_HOUR } from "../providers/catalog/kubernetes/gcp";
import { exclusionCondition, MAX_CONDITION_OPERATORS, prefixCondition } from "../providers/gcp/identity";
import { GKE_DAEMONSETS_PER_NODE, GKE_GPU_DAEMONSETS } from "../providers/gcp/system-agents";
import { input, ofType, planOf, runPlan, variantStackFile } from "./harness";

/*
 * What a first real `pulumi up` on GKE would hit (shared/notes/reviews/gcp.md), each as the relationship in the
 * offline plan that prevents it: an ordering edge, a role's permissions, an IAM condition evaluated as GCS would
 * evaluate it, a pool's setting against the quota the check asks for.
 */

const T = {
    service: "gcp:projects/service:Service",
    cluster: "gcp:container/cluster:Cluster",
    nodePool: "gcp:container/nodePool:NodePool",
    account: "gcp:serviceaccount/account:Account",
    accountMember: "gcp:serviceaccount/iAMMember:IAMMember",
    bucket: "gcp:storage/bucket:Bucket",
    bucketMember: "gcp:storage/bucketIAMMember:BucketIAMMember",
    customRole: "gcp:projects/iAMCustomRole:IAMCustomRole",
    budget: "gcp:billing/budget:Budget",
    release: "kubernetes:helm.sh/v3:Release",
} as const;

async function variant(config: Record<string, unknown>): Promise<Plan> {
    const run = await runPlan("gcp", { stackFile: variantStackFile("gcp", config) });
    assert.equal(run.status, 0, run.stderr);
    return run.document;
}

/** The API Service resource of `api` (e.g. `iam.googleapis.com`). */
function apiService(plan: Plan, api: string): PlannedResource {
    const found = ofType(plan, T.service).find((s) => input(s, "service") === api);
    assert.ok(found, `${api} is enabled by the stack`);
    return found;
}

/**
 * An IAM condition evaluated with a CEL engine the way Cloud Storage evaluates it: `resource.name` is the bucket
 * (`projects/_/buckets/<b>`, where listing is checked) or the object (`…/objects/<key>`); a listing request carries
 * its prefix in `api.getAttribute('storage.googleapis.com/objectListPrefix', '')` (GCS "IAM Conditions" attributes).
 */
class Api {
    constructor(readonly attributes: Record<string, string>) {}
}
class Resource {
    constructor(readonly name: string) {}
}
const cel = new Environment()
    .registerType("Api", { fields: {}, ctor: Api })
    .registerType("Resource", { fields: { name: "string" }, ctor: Resource })
    .registerVariable("api", "Api")
    .registerVariable("resource", "Resource")
    .registerFunction("Api.getAttribute(string, string): string", (api: Api, key: string, fallback: string) => api.attributes[key] ?? fallback);

/** Whether the condition lets a request through: reading/writing object `key`, or listing under `prefix`. */
function allows(expression: string, bucket: string, request: { object: string } | { list: string }): boolean {
    const resource = new Resource("object" in request ? `projects/_/buckets/${bucket}/objects/${request.object}` : `projects/_/buckets/${bucket}`);
    const api = new Api("list" in request ? { "storage.googleapis.com/objectListPrefix": request.list } : {});
    return cel.evaluate(expression, { api, resource }) === true;
}

describe("GKE: what a first real deploy would hit, planned offline", () => {
    let plan: Plan;
    let services: Plan;
    before(async () => {
        plan = await planOf("gcp");
        // the prefix-scoped identities: PostgreSQL's backups (CloudNativePG, barman-cloud) and MLflow's artifacts
        // the same stack file as the services' identity tests (test/services-identity.test.ts): one plan for both
        services = await variant({ "workbench:systemPool": { size: "medium" }, "workbench:services": { postgres: true, mlflow: true } });
    });

    describe("identities wait for the IAM API (review §1)", () => {
        it("every Google service account, its Workload Identity trust and its bucket grants depend on iam.googleapis.com", () => {
            for (const p of [plan, services]) {
                const iam = apiService(p, "iam.googleapis.com");
                const waiting = [...ofType(p, T.account), ...ofType(p, T.accountMember), ...ofType(p, T.bucketMember), ...ofType(p, T.customRole)];
                assert.ok(ofType(p, T.account).length >= 1);
                for (const r of waiting) assert.ok(r.dependsOn.includes(iam.urn), `${r.type} ${r.name} waits for the IAM API`);
            }
        });
    });

    describe("bucket metadata for CloudNativePG's backups (review §3)", () => {
        it("every bound Google account, prefix-scoped ones included, may read the bucket's metadata (barman-cloud's storage.buckets.get), through a role with nothing else", () => {
            const [role] = ofType(services, T.customRole);
            assert.ok(role, "a custom role is planned");
            assert.deepEqual(input(role, "permissions"), ["storage.buckets.get"]);
            const roleName = `projects/${String(input(role, "project"))}/roles/${String(input(role, "roleId"))}`;
            // the Workload Identity accounts: those a Kubernetes ServiceAccount may act as (not the nodes' account)
            const accounts = ofType(services, T.account).filter((a) =>
                ofType(services, T.accountMember).some((m) => m.dependsOn.includes(a.urn) && input(m, "role") === "roles/iam.workloadIdentityUser"),
            );
            assert.ok(accounts.length >= 3, "notebooks, postgres and MLflow each have one");
            for (const account of accounts) {
                const email = `${String(input(account, "accountId"))}@${String(input(account, "project"))}.iam.gserviceaccount.com`;
                const grants = ofType(services, T.bucketMember).filter((m) => input(m, "member") === `serviceAccount:${email}` && input(m, "role") === roleName);
                assert.equal(grants.length, 1, `${email} holds storage.buckets.get on the bucket`);
                assert.equal(input(grants[0], "condition"), undefined);
            }
        });
    });

    describe("prefix-scoped identities cannot enumerate the bucket (review §7)", () => {
        it("postgres's and MLflow's conditions allow their prefix's objects and listings, and refuse listing the root or another prefix", () => {
            const bucket = String(input(ofType(services, T.bucket)[0], "name") ?? ofType(services, T.bucket)[0].name);
            // prefix-scoped grants (titled "only <prefix>"); users' accounts carry an exclusion condition instead (tested below)
            const scoped = ofType(services, T.bucketMember).filter((m) => String((input(m, "condition") as { title?: string } | undefined)?.title ?? "").startsWith("only "));
            assert.ok(scoped.length >= 2, "postgres and MLflow are prefix-scoped");
            for (const grant of scoped) {
                const condition = input(grant, "condition") as { title: string; expression: string };
                const prefix = /only (\S+\/)/.exec(condition.title)?.[1];
                assert.ok(prefix, condition.title);
                const name = /buckets\/([^/"]+)/.exec(condition.expression)?.[1] ?? bucket;
                assert.ok(allows(condition.expression, name, { object: `${prefix}base/0001` }), "its own objects");
                assert.ok(allows(condition.expression, name, { list: prefix }), "a listing of its own prefix");
                assert.ok(!allows(condition.expression, name, { list: "" }), "not a listing of the whole bucket");
                assert.ok(!allows(condition.expression, name, { list: "home/" }), "not a listing of another prefix");
                assert.ok(!allows(condition.expression, name, { object: "home/alice/notes.ipynb" }), "not another prefix's objects");
            }
        });

        it("an identity excluded from prefixes reads and writes the rest, neither reads, writes nor lists under them; a root listing still shows their names", () => {
            const expression = exclusionCondition("b", ["backups/", "mlflow/"]);
            assert.ok(allows(expression, "b", { object: "data/x.parquet" }));
            assert.ok(allows(expression, "b", { list: "data/" }));
            assert.ok(!allows(expression, "b", { object: "backups/postgres/base/1" }));
            assert.ok(!allows(expression, "b", { object: "mlflow/1/artifacts/model.pkl" }));
            assert.ok(!allows(expression, "b", { list: "backups/" }));
            assert.ok(!allows(expression, "b", { list: "mlflow/1/" }));
            // what a condition cannot exclude (identity.ts says so): a listing is allowed or refused as a whole
            assert.ok(allows(expression, "b", { list: "" }));
            assert.ok((expression.match(/&&|\|\||!\(/g) ?? []).length <= MAX_CONDITION_OPERATORS);
            assert.throws(() => exclusionCondition("b", ["a/", "b/", "c/", "d/", "e/"]), /12/);
        });

        it("a prefix condition is the prefix's alone", () => {
            const expression = prefixCondition("b", "backups/postgres/");
            assert.ok(allows(expression, "b", { object: "backups/postgres/wals/1" }));
            assert.ok(!allows(expression, "b", { object: "backups/other/1" }));
            assert.ok(!allows(expression, "b", { list: "backups/" }), "a parent listing would show the neighbours");
        });
    });

    describe("GPU profiles fit beside GKE's GPU DaemonSets (review §4)", () => {
        it("the whole-node GPU profile and Dask's GPU workers ask for at most what a node leaves after GKE's DaemonSets and its GPU ones", () => {
            const values = input(ofType(plan, T.release).find((r) => input(r, "chart") === "jupyterhub") as PlannedResource, "values") as Record<string, any>;
            const profiles = values.singleuser.profileList as { slug: string; kubespawner_override: { cpu_guarantee: number; mem_guarantee: string } }[];
            const gpuProfile = profiles.find((p) => p.slug === "gpu-t4");
            assert.ok(gpuProfile);
            const machine = gpuMachine("t4", "gcp");
            const node = gkeAllocatable(machine.vcpu, machine.memoryGiB);
            const leftCpu = node.cpuMillis - GKE_DAEMONSETS_PER_NODE.cpuMillis - GKE_GPU_DAEMONSETS.cpuMillis;
            const leftMiB = node.memoryMiB - GKE_DAEMONSETS_PER_NODE.memoryMiB - GKE_GPU_DAEMONSETS.memoryMiB;
            assert.ok(gpuProfile.kubespawner_override.cpu_guarantee * 1000 <= leftCpu, `${gpuProfile.kubespawner_override.cpu_guarantee} CPU ≤ ${leftCpu}m`);
            assert.ok(parseFloat(gpuProfile.kubespawner_override.mem_guarantee) * 1024 <= leftMiB);
            // Dask Gateway's configuration carries each pool's worker limit as JSON inside its Python config
            const dask = JSON.stringify(input(ofType(plan, T.release).find((r) => input(r, "chart") === "dask-gateway") as PlannedResource, "values")).replace(/\\/g, "");
            const gpuCores = Number(/"gpu-t4":\{.*?"workerMaxCores":([\d.]+)/.exec(dask)?.[1]);
            assert.ok(gpuCores > 0, "Dask's GPU pool carries its worker limit");
            assert.ok(gpuCores * 1000 <= leftCpu, `a Dask GPU worker of ${gpuCores} CPU fits in ${leftCpu}m`);
        });
    });

    describe("GCS connector (review §5)", () => {
        it("is on the Hadoop line Spark's Hadoop client is, and Spark downloads that version", () => {
            const minor = (v: string) => v.split(".").slice(0, 2).join(".");
            assert.equal(minor(GCS_CONNECTOR.hadoopVersion), minor(SPARK_HADOOP_VERSION));
            const all = JSON.stringify(plan.resources.map((r) => r.inputs));
            assert.ok(all.includes(`gcs-connector-${GCS_CONNECTOR.version}-shaded.jar`), "the planned Spark configuration fetches the pinned connector");
        });
    });

    describe("budget by default (review §6)", () => {
        it("without workbench:gcp.billingAccount, the budget goes to the account the project lookup reports, and Cloud Billing is enabled for it", () => {
            const [budget] = ofType(plan, T.budget);
            assert.ok(budget, "the shipped stack plans a budget");
            assert.equal(input(budget, "billingAccount"), MOCK_BILLING_ACCOUNT);
            assert.ok(budget.dependsOn.includes(apiService(plan, "cloudbilling.googleapis.com").urn));
        });
    });

    describe("budget currency (newcomer review: no key for it)", () => {
        it("takes the billing account's currency from workbench:gcp.budgetCurrency, USD by default", async () => {
            assert.equal(input(ofType(plan, T.budget)[0], "amount", "specifiedAmount", "currencyCode"), "USD");
            const euro = await variant({ "workbench:gcp": { budgetCurrency: "EUR" } });
            assert.equal(input(ofType(euro, T.budget)[0], "amount", "specifiedAmount", "currencyCode"), "EUR");
        });
    });

    describe("Resource Manager's API off (review §2)", () => {
        it("is a warning naming the API and the command, the plan goes on, and the budget waits for the project's number", async () => {
            const fresh = await variant({ "gcp:project": `${RESOURCE_MANAGER_OFF_PREFIX}project-1` });
            assert.ok(fresh.warnings.some((w) => /Cloud Resource Manager API is off/.test(w) && w.includes("gcloud services enable cloudresourcemanager.googleapis.com")), fresh.warnings.join("\n"));
            assert.deepEqual(ofType(fresh, T.budget), [], "no budget with an empty project filter");
            assert.ok(ofType(fresh, T.cluster).length === 1);
        });
    });

    describe("soft delete (review §9)", () => {
        it("is off on a versioned bucket (versions already keep deleted data) and GCS's default otherwise", async () => {
            const [bucket] = ofType(plan, T.bucket);
            assert.deepEqual(input(bucket, "versioning"), { enabled: true });
            assert.equal(input(bucket, "softDeletePolicy", "retentionDurationSeconds"), 0);
            const unversioned = await variant({ "workbench:storage": { versioning: false } });
            assert.equal(input(ofType(unversioned, T.bucket)[0], "softDeletePolicy"), undefined);
        });
    });

    describe("GPU pool upgrades within the quota the check asks for (review §8)", () => {
        it("a GPU pool upgrades without a surge node, so its maximum is all the GPUs it ever needs", () => {
            const gpuPools = ofType(plan, T.nodePool).filter((p) => input(p, "nodeConfig", "guestAccelerators") !== undefined);
            assert.ok(gpuPools.length > 0);
            for (const pool of gpuPools) {
                const surge = Number(input(pool, "upgradeSettings", "maxSurge"));
                assert.equal(surge, 0, `${pool.name} surges by ${surge}`);
                assert.ok(Number(input(pool, "upgradeSettings", "maxUnavailable")) >= 1, "an upgrade can still proceed");
            }
        });
    });

    describe("maintenance window (review §10)", () => {
        it("GKE upgrades within a recurring window that meets GKE's minimum (windows of 4 h or more, 48 h in 32 days)", () => {
            const window = input(ofType(plan, T.cluster)[0], "maintenancePolicy", "recurringWindow") as { startTime: string; endTime: string; recurrence: string };
            assert.ok(window, "a recurring window");
            const hours = (Date.parse(window.endTime) - Date.parse(window.startTime)) / 3_600_000;
            assert.ok(hours >= 4, `${hours} h`);
            const days = /BYDAY=([A-Z,]+)/.exec(window.recurrence)?.[1].split(",").length ?? 7;
            assert.match(window.recurrence, /^FREQ=(WEEKLY|DAILY)/);
            // the fewest windows any 32 days hold: four full weeks
            assert.ok(4 * days * hours >= 48, `${4 * days * hours} h in 32 days`);
        });
    });

    describe("release channels (review §12, issue: EXTENDED)", () => {
        it("a minor GKE's channel offers is not refused by the catalog's narrower window (1.34 on RAPID)", async () => {
            const pinned = await variant({ "workbench:gcp": { releaseChannel: "RAPID" }, "workbench:kubernetesVersion": "1.34" });
            assert.equal(input(ofType(pinned, T.cluster)[0], "minMasterVersion"), "1.34");
        });

        it("EXTENDED is accepted, and the plan names its surcharge", async () => {
            const extended = await variant({ "workbench:gcp": { releaseChannel: "EXTENDED" } });
            assert.deepEqual(input(ofType(extended, T.cluster)[0], "releaseChannel"), { channel: "EXTENDED" });
            assert.ok(extended.warnings.some((w) => w.includes(`USD ${GKE_EXTENDED_SUPPORT_FEE_PER_HOUR.toFixed(2)} per cluster-hour`)), extended.warnings.join("\n"));
        });
    });
});
