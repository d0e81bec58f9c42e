import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { USER_CODE_LABELS } from "../components/labels";
import { SERVED_PORT, SERVED_PROXY, SERVED_PROXY_PORT } from "../components/serving/proxy";
import { fetchSourceScript } from "../components/serving/served";
import { maxReplicas, replicasPerNode, SERVED_SIZES } from "../components/serving/sizes";
import { CPU_SHAPES } from "../providers/catalog";
import { CHARTS } from "../components/versions";
import type { Plan, PlannedResource } from "../plan/types";
import { at } from "./k8s-checks";
import { input, ofType, runPlan, variantStackFile } from "./harness";
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
interface PodSpec {
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
                    const base = await runPlan(stack, { stackFile: variantStackFile(stack, { "workbench:systemPool": { size: "medium" }, "workbench:services": { mlflow: true } }) });
                    assert.ok(plan.cost.idleMonthly >= base.document.cost.idleMonthly + line.monthly - 0.01, "the idle month includes it");
                });

                it("a GPU model lands on the GPU pool with one GPU per replica", async () => {
                    const plan = await planOf(stack, { "workbench:models": [GPU_MODEL], "workbench:gpuPools": [{ name: "t4", gpu: "t4", maxNodes: 2 }] });
                    const d = served(plan).find((r) => objectName(r) === "model-vision")!;
                    const [server] = podSpec(d).containers;
                    assert.equal(server.resources?.limits?.["nvidia.com/gpu"], "1");
                    assert.match(String(podSpec(d).nodeSelector?.["workbench/pool"]), /t4$/, "the GPU pool's selector");
                    assert.ok(plan.cost.lines.some((l) => l.item.startsWith("Serving on GPU pool t4")), "priced on the GPU pool");
                });
            }
        });
    }

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
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workbench-git-"));
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
