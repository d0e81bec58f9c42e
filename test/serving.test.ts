import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { USER_CODE_LABELS } from "../components/labels";
import { SERVED_PORT, SERVED_PROXY, SERVED_PROXY_PORT } from "../components/serving/proxy";
import { fetchSourceScript } from "../components/serving/served";
import { maxReplicas, replicasPerNode, SERVED_SIZES } from "../components/serving/sizes";
import { servedWorkloads, servingPoolFit } from "../components/capacity/serving";
import { estimateCost } from "../cost/estimate";
import { PRICES } from "../cost/prices";
import { CPU_SHAPES } from "../providers/catalog";
import { SERVING_NODE_TAINT, SERVING_POOL_NAME } from "../providers/placement";
import { CHARTS } from "../components/versions";
import { planVerdict, planViolations } from "../plan/policy";
import { readStackConfig } from "../plan/project";
import type { Plan, PlannedResource } from "../plan/types";
import { SERVING_POOL as POLICY_SERVING_POOL } from "../policy/workbench";
import { validateConfig } from "../stacks/load";
import { parse } from "yaml";
import { at } from "./k8s-checks";
import { input, ofType, PROJECT_DIR, runPlan, tempDir, variantStackFile } from "./harness";
import { signInProxyDir } from "./sign-in-proxy-fakes";
import { valuesOf } from "./shared-layer-fixtures";

/*
 * Served models and apps (issue 23): on every platform, each is highly available (two replicas or more, one per
 * node, a disruption budget, readiness, requests), runs as user code in the form Pod Security `restricted` admits,
 * sits behind the hub's sign-in unless public, scales out no further than its pool holds, and is priced.
 */

type Labels = Record<string, string>;
interface Container {
    name: string;
    readinessProbe?: Record<string, unknown>;
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    securityContext?: Record<string, unknown>;
}
interface Toleration {
    key: string;
    operator: string;
    value?: string;
    effect: string;
}
interface PodSpec {
    tolerations?: Toleration[];
    containers: Container[];
    initContainers?: Container[];
    automountServiceAccountToken?: boolean;
    securityContext?: Record<string, unknown>;
    nodeSelector?: Labels;
    topologySpreadConstraints?: { topologyKey: string; whenUnsatisfiable: string; maxSkew: number; labelSelector: { matchLabels: Labels } }[];
}

const SERVED = {
    "workbench:systemPool": { size: "medium" },
    "workbench:services": { mlflow: true },
    "workbench:models": [{ name: "churn", model: "models:/churn@champion", replicas: 3 }],
    "workbench:apps": [
        { name: "dash", source: { git: "https://github.com/alice/dash.git", ref: "v1.2.0" }, command: ["streamlit", "run", "app.py"] },
        { name: "open", source: { bucketPrefix: "apps/open/" }, command: ["panel", "serve", "app.py"], public: true },
    ],
};
const GPU_MODEL = { name: "vision", model: "models:/vision@prod", gpu: true };

/** An on-demand serving pool of two always-on medium nodes that scale-out may take to three. */
const SERVING_POOL = { size: "medium", nodes: 2, maxNodes: 3 };

/**
 * One variant per cloud for both other placements: the GPU model on its GPU pool, and the apps (the CPU served
 * workloads left) on the on-demand serving pool.
 */
const GPU_AND_SERVING_POOL = { "workbench:models": [GPU_MODEL], "workbench:gpuPools": [{ name: "t4", gpu: "t4", maxNodes: 2 }], "workbench:servingPool": SERVING_POOL };

/** The warning a spot user pool under served replicas gives. */
const SPOT_SERVING_WARNING = "served models and apps run on the user pool, which is spot";

/** A node pool as the cloud's own resource states it: capacity, bounds, labels and taints (`key=value:Effect`). */
interface CloudPool {
    resource: PlannedResource;
    onDemand: boolean;
    min: number;
    max: number;
    labels: Labels;
    taints: string[];
    instanceType: string;
}

/** EKS and GKE spell taint effects in upper snake case. */
const EFFECTS: Record<string, string> = { NO_SCHEDULE: "NoSchedule", PREFER_NO_SCHEDULE: "PreferNoSchedule", NO_EXECUTE: "NoExecute" };
const taintOf = (t: { key: string; value?: string; effect: string }) => `${t.key}=${t.value ?? ""}:${EFFECTS[t.effect] ?? t.effect}`;

/** Every node pool of a managed cloud's plan, read from its cloud resources (not from the program's own data). */
function cloudPools(plan: Plan): CloudPool[] {
    const eks = ofType(plan, "aws:eks/nodeGroup:NodeGroup").map((r) => ({
        resource: r,
        onDemand: input(r, "capacityType") === "ON_DEMAND",
        min: Number(input(r, "scalingConfig", "minSize")),
        max: Number(input(r, "scalingConfig", "maxSize")),
        labels: input(r, "labels") as Labels,
        taints: ((input(r, "taints") ?? []) as { key: string; value?: string; effect: string }[]).map(taintOf),
        instanceType: String((input(r, "instanceTypes") as string[])[0]),
    }));
    const gke = ofType(plan, "gcp:container/nodePool:NodePool").map((r) => ({
        resource: r,
        onDemand: input(r, "nodeConfig", "spot") !== true,
        min: Number(input(r, "autoscaling", "totalMinNodeCount") ?? input(r, "nodeCount")),
        max: Number(input(r, "autoscaling", "totalMaxNodeCount") ?? input(r, "nodeCount")),
        labels: input(r, "nodeConfig", "labels") as Labels,
        taints: ((input(r, "nodeConfig", "taints") ?? []) as { key: string; value?: string; effect: string }[]).map(taintOf),
        instanceType: String(input(r, "nodeConfig", "machineType")),
    }));
    const aks = ofType(plan, "azure-native:containerservice:AgentPool").map((r) => ({
        resource: r,
        onDemand: input(r, "scaleSetPriority") !== "Spot",
        min: Number(input(r, "minCount")),
        max: Number(input(r, "maxCount")),
        labels: (input(r, "nodeLabels") ?? {}) as Labels,
        taints: ((input(r, "nodeTaints") ?? []) as string[]).map((t) => (/^[^=:]+:/.test(t) ? t.replace(":", "=:") : t)),
        instanceType: String(input(r, "vmSize")),
    }));
    return [...eks, ...gke, ...aks];
}

/** The pools whose nodes carry the serving taint: the taint the issue names, spelt here, not read from the program. */
const taintedForServing = (plan: Plan) => cloudPools(plan).filter((p) => p.taints.includes("workbench.io/serving=true:NoSchedule"));

/** The toleration that matches exactly one `key=value:Effect` taint. */
function tolerationOf(taint: string): Toleration {
    const [, key, value, effect] = /^([^=]+)=([^:]*):(.+)$/.exec(taint) ?? [];
    return value === "" ? { key, operator: "Exists", effect } : { key, operator: "Equal", value, effect };
}

/**
 * The local stack (kind) has no bucket and describes one user node: its apps come from git, and it says its
 * user pool may have two nodes (served replicas run one per node).
 */
const LOCAL = {
    "workbench:apps": SERVED["workbench:apps"].map((app) => ({ ...app, source: { git: "https://github.com/alice/open.git", ref: "v0.1.0" } })),
    "workbench:userPool": { size: "medium", minNodes: 1, maxNodes: 2, spot: false },
    // no bucket to back up into: MLflow's PostgreSQL and the homes are opted out, as the shipped local stack does
    "workbench:backups": { optOut: ["homes", "postgres"] },
};

const plans = new Map<string, Promise<Plan>>();
function planOf(stack: string, extra: Record<string, unknown> = {}): Promise<Plan> {
    const key = `${stack}:${JSON.stringify(extra)}`;
    if (!plans.has(key)) {
        plans.set(
            key,
            runPlan(stack, { stackFile: variantStackFile(stack, { ...SERVED, ...(stack === "local" ? LOCAL : {}), ...extra }) }).then((run) => {
                assert.equal(run.status, 0, run.stderr);
                return run.document;
            }),
        );
    }
    return plans.get(key)!;
}

const served = (plan: Plan) => ofType(plan, "kubernetes:apps/v1:Deployment").filter((d) => at(input(d, "metadata", "labels"), "workbench.io/served") !== undefined);
const podSpec = (d: PlannedResource) => input(d, "spec", "template", "spec") as PodSpec;
const podLabels = (d: PlannedResource) => input(d, "spec", "template", "metadata", "labels") as Labels;
const subset = (selector: Labels | undefined, labels: Labels) => selector !== undefined && Object.entries(selector).every(([k, v]) => labels[k] === v);
const objectName = (d: PlannedResource) => String(input(d, "metadata", "name"));
const withName = (plan: Plan, type: string, name: string) => ofType(plan, type).filter((r) => input(r, "metadata", "name") === name);

describe("served models and apps (workbench:models, workbench:apps)", function () {
    this.timeout(600_000);

    for (const stack of ["aws", "gcp", "azure", "local"] as const) {
        describe(`on ${stack}`, () => {
            it("each is a Deployment of two replicas or more, one per node, with a disruption budget, readiness and requests", async () => {
                const plan = await planOf(stack);
                const deployments = served(plan);
                assert.deepEqual(deployments.map(objectName).sort(), ["app-dash", "app-open", "model-churn"]);
                for (const d of deployments) {
                    const name = objectName(d);
                    const replicas = Number(input(d, "spec", "replicas"));
                    assert.ok(replicas >= 2, `${name}: ${replicas} replicas`);
                    const labels = podLabels(d);
                    const spread = podSpec(d).topologySpreadConstraints ?? [];
                    const perNode = spread.find((c) => c.topologyKey === "kubernetes.io/hostname");
                    assert.ok(perNode && perNode.whenUnsatisfiable === "DoNotSchedule" && perNode.maxSkew === 1 && subset(perNode.labelSelector.matchLabels, labels), `${name}: one replica per node, enforced`);
                    const [pdb] = withName(plan, "kubernetes:policy/v1:PodDisruptionBudget", name);
                    assert.ok(pdb, `${name}: a PodDisruptionBudget`);
                    assert.ok(subset(input(pdb, "spec", "selector", "matchLabels") as Labels, labels), `${name}: the budget selects its pods`);
                    const minAvailable = Number(input(pdb, "spec", "minAvailable"));
                    assert.ok(minAvailable >= 1 && minAvailable < replicas, `${name}: a drain keeps ${minAvailable} serving and can still move one`);
                    const [server] = podSpec(d).containers;
                    assert.ok(server.readinessProbe, `${name}: readiness`);
                    assert.ok(server.resources?.requests?.["cpu"] && server.resources.requests["memory"], `${name}: requests`);
                    const [hpa] = withName(plan, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", name);
                    assert.equal(Number(input(hpa, "spec", "minReplicas")), replicas, `${name}: scale-in never below the replicas asked`);
                    assert.ok(Number(input(hpa, "spec", "maxReplicas")) >= replicas);
                    assert.equal(at(input(hpa, "spec", "metrics"), 0, "resource", "name"), "cpu");
                }
            });

            it("each runs as user code: the user-code label, no token, Pod Security restricted on every container", async () => {
                const plan = await planOf(stack);
                for (const d of served(plan)) {
                    const name = objectName(d);
                    assert.ok(subset(USER_CODE_LABELS, podLabels(d)), `${name}: user-code label`);
                    const spec = podSpec(d);
                    assert.equal(spec.automountServiceAccountToken, false, `${name}: no Kubernetes token`);
                    assert.equal(spec.securityContext?.["runAsNonRoot"], true);
                    assert.equal(at(spec.securityContext, "seccompProfile", "type"), "RuntimeDefault");
                    for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
                        assert.equal(c.securityContext?.["allowPrivilegeEscalation"], false, `${name}/${c.name}`);
                        assert.deepEqual(at(c.securityContext, "capabilities", "drop"), ["ALL"], `${name}/${c.name}`);
                    }
                }
            });

            it("the hub routes each behind its sign-in proxy, a public app straight to the server, and a model's token may read MLflow", async () => {
                const plan = await planOf(stack);
                const hub = valuesOf(plan, CHARTS.jupyterhub.chart);
                for (const d of served(plan)) {
                    const name = objectName(d);
                    const service = name.replace(/^(model|app)-/, "");
                    const url = String(at(hub, "hub", "services", service, "url"));
                    const proxy = podSpec(d).containers.find((c) => c.name === "hub-auth");
                    if (service === "open") {
                        assert.equal(proxy, undefined, "a public app has no sign-in proxy");
                        assert.match(url, new RegExp(`:${SERVED_PORT}$`));
                    } else {
                        assert.ok(proxy, `${name}: a sign-in proxy`);
                        assert.match(url, new RegExp(`^http://${name}\\.[a-z0-9-]+\\.svc:${SERVED_PROXY_PORT}$`), `${name}: the hub forwards to the proxy`);
                        const scopes = at(hub, "hub", "loadRoles", "user", "scopes") as string[];
                        assert.ok(scopes.includes(`access:services!service=${service}`), `${name}: signed-in users may use it`);
                    }
                }
                const model = served(plan).find((d) => objectName(d) === "model-churn")!;
                const egress = ofType(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy").filter(
                    (p) => (input(p, "spec", "policyTypes") as string[]).includes("Egress") && subset(input(p, "spec", "podSelector", "matchLabels") as Labels, podLabels(model)),
                );
                const reached = JSON.stringify(egress.map((p) => input(p, "spec", "egress")));
                assert.ok(reached.includes('"component":"hub"') && reached.includes("8081"), "the model's proxy reaches the hub's API");
                assert.ok(reached.includes('"app.kubernetes.io/name":"mlflow"') && reached.includes("8000"), "the model reaches MLflow's sign-in proxy");
                const role = at(hub, "hub", "loadRoles", "service-churn") as { scopes: string[]; services: string[] };
                assert.deepEqual(role, { scopes: ["access:services!service=mlflow"], services: ["churn"] }, "the model's own token reads the registry through MLflow's sign-in");
                assert.ok(plan.warnings.some((w) => w.includes("workbench:apps[1] (open) is public")), "the plan warns of the public app");
                assert.deepEqual(Object.keys(plan.outputs["served"] as object).sort(), ["churn", "dash", "open"], "each URL is a stack output");
            });

            if (stack !== "local") {
                it("is priced as always-on nodes, in the idle month too", async () => {
                    const plan = await planOf(stack);
                    const line = plan.cost.lines.find((l) => l.item.startsWith("Serving on the user pool"));
                    assert.ok(line && line.monthly > 0, "a serving line");
                    assert.match(line.item, /\b[2-9] ×/, "two nodes at least");
                    // the same stack without models or apps, priced as its plan would price it (the estimate reads the configuration alone)
                    const baseFile = variantStackFile(stack, { "workbench:systemPool": { size: "medium" }, "workbench:services": { mlflow: true } });
                    const base = estimateCost(validateConfig(stack, readStackConfig(PROJECT_DIR, stack, baseFile).config).config);
                    assert.ok(plan.cost.idleMonthly >= base.idleMonthly + line.monthly - 0.01, "the idle month includes it");
                });

                it("a GPU model lands on the GPU pool with one GPU per replica", async () => {
                    const plan = await planOf(stack, GPU_AND_SERVING_POOL);
                    const d = served(plan).find((r) => objectName(r) === "model-vision")!;
                    const [server] = podSpec(d).containers;
                    assert.equal(server.resources?.limits?.["nvidia.com/gpu"], "1");
                    assert.match(String(podSpec(d).nodeSelector?.["workbench/pool"]), /t4$/, "the GPU pool's selector");
                    assert.ok(plan.cost.lines.some((l) => l.item.startsWith("Serving on GPU pool t4")), "priced on the GPU pool");
                    assert.ok(!(podSpec(d).tolerations ?? []).some((t) => t.key === SERVING_NODE_TAINT.key), "the serving pool is for CPU replicas only");
                });

                it("an on-demand serving pool exists only when asked: the pool is not spot, is tainted, holds the replicas spread across its always-on nodes", async () => {
                    const [shared, plan] = await Promise.all([planOf(stack), planOf(stack, GPU_AND_SERVING_POOL)]);
                    assert.deepEqual(taintedForServing(shared), [], "no serving pool unless workbench:servingPool asks for one");
                    const pools = taintedForServing(plan);
                    assert.equal(pools.length, 1, "one pool carries the serving taint");
                    const [pool] = pools;
                    assert.ok(pool.onDemand, `${pool.resource.name}: on demand, not spot`);
                    assert.ok(!pool.taints.some((t) => t.startsWith("kubernetes.azure.com/scalesetpriority")), "no spot taint");
                    assert.deepEqual([pool.min, pool.max], [SERVING_POOL.nodes, SERVING_POOL.maxNodes], "always-on nodes to the scale-out maximum");
                    assert.ok(pool.labels["hub.jupyter.org/node-purpose"] === undefined, "not a notebook pool by z2jh's label");
                    const user = cloudPools(plan).find((p) => p.labels["hub.jupyter.org/node-purpose"] === "user" && !p.labels["workbench/pool"]?.startsWith("gpu-"));
                    assert.ok(user, "the user pool");
                    const apps = served(plan).filter((d) => objectName(d).startsWith("app-"));
                    assert.deepEqual(apps.map(objectName).sort(), ["app-dash", "app-open"]);
                    for (const d of apps) {
                        const spec = podSpec(d);
                        // exactly the pool's taints tolerated: no more (no spot, no user taint), no fewer
                        assert.deepEqual(spec.tolerations, pool.taints.map(tolerationOf), `${objectName(d)}: tolerates exactly the serving pool's taints`);
                        assert.ok(subset(spec.nodeSelector, pool.labels), `${objectName(d)}: selects the serving pool's nodes`);
                        assert.ok(!subset(spec.nodeSelector, user.labels), `${objectName(d)}: and not the user pool's`);
                        const perNode = spec.topologySpreadConstraints?.find((c) => c.topologyKey === "kubernetes.io/hostname");
                        assert.ok(perNode && perNode.whenUnsatisfiable === "DoNotSchedule" && subset(perNode.labelSelector.matchLabels, podLabels(d)), "spread across the pool's nodes");
                        const [hpa] = withName(plan, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", objectName(d));
                        const max = Number(input(hpa, "spec", "maxReplicas"));
                        assert.ok(max <= Math.max(2, replicasPerNode(CPU_SHAPES.medium, SERVED_SIZES.small) * SERVING_POOL.maxNodes), `${objectName(d)}: scale-out within the serving pool's maximum (${max})`);
                    }
                    // nothing else may land there: the serving taint is tolerated by the served apps alone
                    const tolerating = plan.resources.filter((r) => r.type.startsWith("kubernetes:") && JSON.stringify(r.inputs).includes(`"${SERVING_NODE_TAINT.key}"`));
                    assert.deepEqual(tolerating.map((r) => `${r.type} ${r.name}`).sort(), apps.map((d) => `${d.type} ${d.name}`).sort(), "only the served apps tolerate the serving taint");
                    // the spot warning is about the user pool, which no longer holds CPU replicas
                    assert.ok(shared.warnings.some((w) => w.includes(SPOT_SERVING_WARNING)), "on the spot user pool the plan warns");
                    assert.ok(!plan.warnings.some((w) => w.includes(SPOT_SERVING_WARNING)), "on the serving pool it does not");
                });

                it("the serving pool is priced as always-on on-demand nodes, its ceiling at maxNodes, and the policy pack accepts it", async () => {
                    const plan = await planOf(stack, GPU_AND_SERVING_POOL);
                    const [pool] = taintedForServing(plan);
                    const line = plan.cost.lines.find((l) => l.item.startsWith("Serving pool"));
                    assert.ok(line, "a serving pool line");
                    assert.ok(line.item.includes(`${SERVING_POOL.nodes} × ${pool.instanceType} on demand`), `${line.item}: the pool's nodes and machine`);
                    assert.ok(!plan.cost.lines.some((l) => l.item.startsWith("Serving on the user pool")), "the apps are not priced on the user pool");
                    // the instance's list price, on demand, from the price table: disk and address add a little on top
                    const hourly = PRICES[stack].instances[pool.instanceType]?.usd ?? 0;
                    const floor = SERVING_POOL.nodes * 730 * hourly;
                    assert.ok(line.monthly >= floor && line.monthly < floor + SERVING_POOL.nodes * 730 * 0.05, `${line.monthly} for ${SERVING_POOL.nodes} × ${hourly}/h on demand`);
                    assert.equal(line.scalesToZero, false, "in the idle month");
                    assert.ok(Math.abs(line.ceilingMonthly - (line.monthly * SERVING_POOL.maxNodes) / SERVING_POOL.nodes) < 0.05, "the ceiling is the pool at maxNodes");
                    assert.deepEqual(planVerdict(plan).refused, [], "no mandatory policy refuses the always-on serving pool");
                    // the exemption holds only for the tainted pool: without its taint an AKS User pool that keeps nodes is refused
                    if (stack === "azure") {
                        const broken = structuredClone(plan);
                        const agentPool = broken.resources.find((r) => r.urn === pool.resource.urn)!;
                        agentPool.inputs["nodeTaints"] = [];
                        assert.ok(
                            planViolations(broken).some((v) => v.policy === "user-pools-scale-to-zero" && v.message.includes(pool.resource.name)),
                            "an untainted always-on user pool is still refused",
                        );
                    }
                    if (stack === "aws") {
                        // the cluster-autoscaler learns the group's label and taint from its Auto Scaling group's tags
                        const tags = ofType(plan, "aws:autoscaling/tag:Tag").filter((t) => t.parent === pool.resource.parent).map((t) => input(t, "tag") as { key: string; value: string });
                        const template = "k8s.io/cluster-autoscaler/node-template";
                        assert.ok(tags.some((t) => t.key === `${template}/taint/workbench.io/serving` && t.value === "true:NoSchedule"), "the taint tag");
                        assert.ok(tags.some((t) => t.key === `${template}/label/workbench/pool` && t.value === pool.labels["workbench/pool"]), "the label tag");
                        assert.ok(tags.some((t) => t.key === "k8s.io/cluster-autoscaler/enabled"), "discovered by the autoscaler");
                    }
                });
            }
        });
    }

    it("on an existing cluster the serving pool is the nodes the user names: served pods select them and tolerate exactly their taints", async () => {
        const local = (parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, Record<string, unknown>> }).config;
        const nodes = { "workbench/pool": "serving" };
        const taints = [{ key: "dedicated", value: "serving", effect: "NoSchedule" }, { key: "example.com/on-demand", effect: "NoExecute" }];
        const plan = await planOf("local", {
            "workbench:servingPool": { size: "medium", nodes: 2 },
            "workbench:existing": { ...local["workbench:existing"], servingNodeSelector: nodes, servingTaints: taints },
        });
        const deployments = served(plan);
        assert.deepEqual(deployments.map(objectName).sort(), ["app-dash", "app-open", "model-churn"]);
        for (const d of deployments) {
            assert.deepEqual(podSpec(d).nodeSelector, nodes, `${objectName(d)}: the named nodes`);
            assert.deepEqual(podSpec(d).tolerations, [
                { key: "dedicated", operator: "Equal", value: "serving", effect: "NoSchedule" },
                { key: "example.com/on-demand", operator: "Exists", effect: "NoExecute" },
            ], `${objectName(d)}: their taints, each tolerated exactly`);
        }
    });

    it("the serving pool's fit places each workload's replicas as the spread does: the fullest node holds ⌈replicas / nodes⌉ of each", () => {
        // one node of 4 vCPU / 16 GiB whose kubelet offers 3.5 CPU and 14 GiB, its agents taking 0.5 CPU and 2 GiB of that
        const pool = { vcpu: 4, memoryGiB: 16, maxPods: 110, allocatable: { cpuMillis: 3500, memoryMiB: 14 * 1024 }, daemonSets: { cpuMillis: 500, memoryMiB: 2048, pods: 5 } };
        const server = { cpuMillis: 1000, memoryMiB: 1024 };
        // 3 replicas on 2 nodes: 2 on one node (2 CPU); 6 on 2: 3 (3 CPU) fit the 3 CPU left; 7 on 2: 4 (4 CPU) do not
        assert.equal(servingPoolFit(pool, 2, [{ name: "a", replicas: 3, pod: server }]).perNode.cpuMillis, 2000);
        assert.equal(servingPoolFit(pool, 2, [{ name: "a", replicas: 6, pod: server }]).fits, true);
        const seven = servingPoolFit(pool, 2, [{ name: "a", replicas: 7, pod: server }]);
        assert.equal(seven.fits, false);
        assert.match(seven.shortages.join("; "), /CPU/);
        assert.equal(servingPoolFit(pool, 3, [{ name: "a", replicas: 7, pod: server }]).fits, true, "a third node takes the seventh");
        // two workloads of 3 replicas each on 2 nodes: each puts 2 on the fullest node
        assert.equal(servingPoolFit(pool, 2, [{ name: "a", replicas: 3, pod: server }, { name: "b", replicas: 3, pod: server }]).perNode.pods, 4);
        // what a served app asks per replica: its size and, behind the sign-in, the proxy beside it; a public app no proxy
        const [signedIn, open] = servedWorkloads({
            models: [],
            apps: [
                { name: "a", source: { bucketPrefix: "a/" }, command: ["x"], image: "notebook", replicas: 2, size: "small", public: false },
                { name: "b", source: { bucketPrefix: "b/" }, command: ["x"], image: "notebook", replicas: 2, size: "small", public: true },
            ],
        });
        assert.ok(signedIn.pod.cpuMillis > SERVED_SIZES.small.cpuMillis && signedIn.pod.memoryMiB > SERVED_SIZES.small.memoryMiB, "the proxy's requests counted");
        assert.deepEqual(open.pod, SERVED_SIZES.small);
    });

    it("the serving pool's taint and label are the ones the policy pack exempts", () => {
        assert.deepEqual(POLICY_SERVING_POOL.taint, SERVING_NODE_TAINT);
        assert.equal(POLICY_SERVING_POOL.label.value, SERVING_POOL_NAME);
    });

    it("docs/serving.md's cost table states what the estimate prices for serving on each cloud", () => {
        const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "serving.md"), "utf8");
        const example = {
            "workbench:systemPool": { size: "medium" },
            "workbench:services": { mlflow: true },
            "workbench:models": [{ name: "churn", model: "models:/churn@champion" }],
            "workbench:apps": [{ name: "dash", source: { git: "https://github.com/alice/dash.git", ref: "v1.2.0" }, command: ["streamlit", "run", "app.py"] }],
        };
        for (const [stack, cloud] of [["aws", "AWS"], ["gcp", "GCP"], ["azure", "Azure"]] as const) {
            const shipped = (parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, object> }).config;
            // the table's columns: the shipped spot user pool, the same pool on demand, a medium and a small serving pool
            const columns: Record<string, unknown>[] = [
                {},
                { "workbench:userPool": { ...shipped["workbench:userPool"], spot: false } },
                { "workbench:servingPool": { size: "medium" } },
                { "workbench:servingPool": { size: "small" } },
            ];
            const row = doc.split("\n").find((line) => line.startsWith(`| ${cloud} | + USD`));
            assert.ok(row, `docs/serving.md has a cost row for ${cloud}`);
            const cells = row.split("|").slice(2, -1).map((cell) => cell.trim());
            assert.equal(cells.length, columns.length, row);
            columns.forEach((extra, i) => {
                const { config } = validateConfig(stack, readStackConfig(PROJECT_DIR, stack, variantStackFile(stack, { ...example, ...extra })).config);
                const lines = estimateCost(config).lines.filter((l) => l.item.startsWith("Serving"));
                assert.equal(lines.length, 1, JSON.stringify(lines.map((l) => l.item)));
                const [, nodes, machine] = /\((\d+) × (\S+?)[,)\s]/.exec(lines[0].item) ?? [];
                assert.equal(cells[i], `+ USD ${Math.round(lines[0].monthly)} (${nodes} × ${machine})`, `${cloud}, column ${i + 1}: ${lines[0].item}`);
                // the doc's claim for the small serving pool: one replica of each, with its proxy, fits a small node
                if (config.servingPool?.size === "small") assert.ok(servingPoolFit({ ...CPU_SHAPES.small, maxPods: 110 }, config.servingPool.nodes, servedWorkloads(config)).fits);
            });
        }
    });

    it("scale-out stops at what the pool holds at its maximum, never below the replicas asked", () => {
        const pool = { ...CPU_SHAPES.medium, maxNodes: 3 };
        for (const size of Object.values(SERVED_SIZES)) {
            for (const replicas of [2, 3, 10]) {
                const max = maxReplicas(pool, size, replicas);
                assert.ok(max >= replicas);
                if (max > replicas) assert.ok(max <= replicasPerNode(pool, size) * pool.maxNodes, `${JSON.stringify(size)}: ${max} replicas fit ${pool.maxNodes} nodes`);
            }
        }
    });

    it("an app's source is fetched at exactly its pinned ref (run here with a fake git)", () => {
        const dir = tempDir("workbench-git-");
        fs.writeFileSync(path.join(dir, "git"), `#!/bin/sh\necho "git $*" >> "${dir}/log"\n`, { mode: 0o755 });
        const run = (script: string) => {
            fs.rmSync(path.join(dir, "log"), { force: true });
            // the script writes to /app; run it with /app mapped to a scratch folder
            const result = spawnSync("sh", ["-c", script.replace(/\/app/g, path.join(dir, "app"))], { env: { PATH: `${dir}:${process.env["PATH"]}` }, encoding: "utf8" });
            assert.equal(result.status, 0, result.stderr);
            return fs.readFileSync(path.join(dir, "log"), "utf8").trim().split("\n");
        };
        fs.mkdirSync(path.join(dir, "app"));
        const sha = "0123456789abcdef0123456789abcdef01234567";
        const bySha = run(fetchSourceScript({ git: "https://github.com/a/b.git", ref: sha }));
        assert.ok(bySha.includes(`git fetch -q --depth 1 origin ${sha}`), bySha.join("; "));
        assert.equal(bySha.at(-1), "git checkout -q FETCH_HEAD");
        const byTag = run(fetchSourceScript({ git: "https://github.com/a/b.git", ref: "v1.2.0" }));
        assert.match(byTag[0], /^git clone -q --depth 1 --branch v1\.2\.0 https:\/\/github\.com\/a\/b\.git /);
        // a bucket prefix: fsspec (in the notebook images) copies it, under the pod's identity; a fake fsspec here
        const fake = path.join(dir, "py");
        fs.mkdirSync(path.join(fake, "fsspec"), { recursive: true });
        fs.writeFileSync(
            path.join(fake, "fsspec", "__init__.py"),
            "from . import core\n",
        );
        fs.writeFileSync(
            path.join(fake, "fsspec", "core.py"),
            "class FS:\n    def get(self, src, dst, recursive=False):\n        print('get', src, dst, recursive)\ndef url_to_fs(url):\n    return FS(), url.split('://', 1)[1]\n",
        );
        // the images' `python`; here python3 under that name
        fs.symlinkSync(spawnSync("sh", ["-c", "command -v python3"], { encoding: "utf8" }).stdout.trim(), path.join(fake, "python"));
        const copy = spawnSync("sh", ["-c", fetchSourceScript({ bucketPrefix: "apps/dash/" })], {
            env: { PATH: `${fake}:${process.env["PATH"]}`, PYTHONPATH: fake, WORKBENCH_BUCKET_URL: "s3://data/" },
            encoding: "utf8",
        });
        assert.equal(copy.status, 0, copy.stderr);
        assert.equal(copy.stdout.trim(), "get data/apps/dash/ /app/ True");
    });

    it("the sign-in proxy strips the hub's prefix for a model server and keeps it for an app told its base path (run here)", () => {
        const dir = signInProxyDir("served_proxy.py", SERVED_PROXY);
        const probe = `import served_proxy as p\nprint(p.upstream_path("/services/churn/invocations"))\nprint(p.upstream_path("/services/churn/ping?x=1"))\n`;
        const run = (strip: string) =>
            spawnSync("python3", ["-c", probe], { cwd: dir, env: { PYTHONPATH: dir, JUPYTERHUB_SERVICE_PREFIX: "/services/churn/", WORKBENCH_STRIP_PREFIX: strip, PATH: process.env["PATH"] }, encoding: "utf8" });
        const model = run("true");
        assert.equal(model.status, 0, model.stderr);
        assert.deepEqual(model.stdout.trim().split("\n"), ["/invocations", "/ping?x=1"]);
        assert.deepEqual(run("false").stdout.trim().split("\n"), ["/services/churn/invocations", "/services/churn/ping?x=1"]);
    });
});
