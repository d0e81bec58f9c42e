import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PlanMocks } from "../plan/mocks";
import { readStackConfig } from "../plan/project";
import { validateConfig } from "../stacks/load";
import { input, PROJECT_DIR, planOf, previewOf, resource, runCli, runPlan, STACKS, variantStackFile } from "./harness";

const cloudOf = (stack: string) => validateConfig(stack, readStackConfig(PROJECT_DIR, stack).config).config.cloud;

describe("offline plan harness", () => {
    it("plans Pulumi.local.yaml end to end into the documented JSON document", async () => {
        const plan = await planOf("local");
        assert.equal(plan.stack, "local");
        assert.equal(plan.cloud, "existing");
        assert.ok(plan.resources.length > 3);
        for (const r of plan.resources) {
            assert.match(r.urn, /^urn:pulumi:local::workbench::/);
            assert.equal(typeof r.type, "string");
            assert.equal(typeof r.name, "string");
            assert.equal(typeof r.inputs, "object");
            assert.equal(typeof r.protect, "boolean");
            assert.equal(typeof r.retainOnDelete, "boolean");
            assert.ok(Array.isArray(r.dependsOn));
        }
        assert.equal(typeof plan.outputs, "object");
        assert.ok(Array.isArray(plan.warnings));
        assert.equal(plan.cost.currency, "USD");
        assert.equal(typeof plan.cost.idleMonthly, "number");
        assert.equal(typeof plan.cost.typicalMonthly, "number");
        for (const line of plan.cost.lines) assert.deepEqual(Object.keys(line).sort(), ["basis", "ceilingMonthly", "item", "monthly", "scalesToZero"]);
    });

    it("records the tree as the engine sees it: one stack root, every other resource parented inside the plan", async () => {
        const plan = await planOf("local");
        const urns = new Set(plan.resources.map((r) => r.urn));
        const roots = plan.resources.filter((r) => r.parent === undefined);
        assert.deepEqual(roots.map((r) => r.type), ["pulumi:pulumi:Stack"]);
        for (const r of plan.resources) {
            if (r.parent) assert.ok(urns.has(r.parent), `${r.urn} has its parent ${r.parent} in the plan`);
            for (const dependency of r.dependsOn) assert.ok(urns.has(dependency), `${r.urn} depends on ${dependency}, which is in the plan`);
        }
    });

    it("records the provider each Kubernetes resource uses, and the retained storage class", async () => {
        const plan = await planOf("local");
        const provider = plan.resources.find((r) => r.type === "pulumi:providers:kubernetes");
        assert.ok(provider);
        assert.equal(input(provider, "context"), "kind-workbench");
        const kubernetesObjects = plan.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
        assert.ok(kubernetesObjects.length > 0);
        for (const r of kubernetesObjects) assert.equal(r.provider, provider.urn, `${r.type} ${r.name} uses the cluster's provider`);
        const storageClass = resource(plan, "kubernetes:storage.k8s.io/v1:StorageClass", "workbench-retained");
        assert.equal(input(storageClass, "reclaimPolicy"), "Retain");
    });

    it("replaces secure values by placeholders and never prints them: secrets show as [secret]", async () => {
        const stackFile = variantStackFile("local", { "workbench:kubeconfig": { secure: "v1:AAAABBBBCCCC" } });
        const { status, document } = await runPlan("local", { stackFile });
        assert.equal(status, 0);
        const provider = document.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        assert.equal(input(provider, "kubeconfig"), "[secret]");
        const text = JSON.stringify(document);
        assert.ok(!text.includes("secret-placeholder") && !text.includes("AAAABBBBCCCC"));
    });

    it("fails on an invoke it has no answer for, rather than handing the program an empty result", () => {
        const mocks = new PlanMocks({ stack: "local", project: "workbench", config: {} });
        assert.throws(() => mocks.call({ token: "aws:index/getNothing:getNothing", inputs: {} }), /no answer for invoke aws:index\/getNothing:getNothing/);
        assert.throws(() => mocks.call({ token: "acme:index:getWidget", inputs: {} }), /no answer for invoke acme:index:getWidget/);
    });

    it("prints a readable plan: the resource tree, outputs, warnings and the cost", async () => {
        const { status, stdout } = await runCli(["--stack", "local"]);
        assert.equal(status, 0);
        assert.match(stdout, /^Plan of stack "local" \(cloud: existing\)/);
        assert.match(stdout, /[├└]─ kubernetes:core\/v1:Namespace workbench/);
        assert.match(stdout, /StorageClass workbench-retained .*reclaimPolicy=Retain/);
        assert.match(stdout, /Outputs:\n {2}cloud: existing/);
        assert.match(stdout, /Warnings \(\d+\):/);
        assert.match(stdout, /Estimated monthly cost: USD \d+(\.\d+)? idle/);
    });

    it("exits non-zero with the listed problems for an invalid config, in the readable mode too", async () => {
        const stackFile = variantStackFile("local", { "workbench:userPool": { minNodes: -2 }, "workbench:cloud": "mars" });
        const run = await runCli(["--stack", "local", "--stack-file", stackFile]);
        assert.equal(run.status, 1);
        assert.match(run.stderr, /2 problems/);
        assert.match(run.stderr, /workbench:cloud = "mars": allowed: aws, gcp, azure, existing/);
        assert.match(run.stderr, /workbench:userPool\.minNodes = -2/);
        assert.equal(run.stdout, "");
    });

    for (const stack of STACKS) {
        it(`plans Pulumi.${stack}.yaml, idling within its budget and warning exactly when typical use exceeds it`, async () => {
            const cloud = cloudOf(stack);
            const plan = await planOf(stack);
            assert.equal(plan.cloud, cloud);
            assert.ok(plan.cost.idleMonthly <= plan.cost.budgetMonthly, `idle USD ${plan.cost.idleMonthly} within USD ${plan.cost.budgetMonthly}`);
            const warned = plan.warnings.some((w) => w.includes("exceeds the budget"));
            assert.equal(warned, plan.cost.typicalMonthly > plan.cost.budgetMonthly, plan.warnings.join("\n"));
        });
    }

    it("warns when the estimate breaks the budget", async function () {
        const managed = STACKS.filter((stack) => cloudOf(stack) !== "existing");
        if (managed.length === 0) this.skip(); // an existing cluster costs nothing this program can estimate
        const { document } = await runPlan(managed[0], { stackFile: variantStackFile(managed[0], { "workbench:budget": { monthlyUsd: 20 } }) });
        assert.ok(document.cost.idleMonthly > 20);
        assert.ok(document.warnings.some((w) => w.includes("exceeds the budget of USD 20")), document.warnings.join("\n"));
    });
});

/** The resource each managed cloud's cluster is, whose kubeconfig the Kubernetes provider is built from. */
const CLUSTER_TYPES: Record<string, string> = {
    aws: "eks:index:Cluster",
    gcp: "gcp:container/cluster:Cluster",
    azure: "azure-native:containerservice:ManagedCluster",
};

describe("every managed cloud hands the shared layer one Kubernetes provider", () => {
    for (const stack of STACKS.filter((s) => CLUSTER_TYPES[cloudOf(s)])) {
        it(`${stack}: built from its cluster's kubeconfig, kept secret, and used by every Kubernetes resource`, async () => {
            const plan = await planOf(stack);
            const [cluster] = plan.resources.filter((r) => r.type === CLUSTER_TYPES[cloudOf(stack)]);
            const providers = plan.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
            assert.equal(providers.length, 1);
            assert.equal(input(providers[0], "kubeconfig"), "[secret]");
            assert.ok(providers[0].dependsOn.includes(cluster.urn), "the provider's kubeconfig comes from the cluster");
            for (const r of plan.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"))) {
                assert.equal(r.provider, providers[0].urn, `${r.type} ${r.name} uses the cluster's provider`);
            }
        });
    }
});

/** The SDK packages each cloud's platform loads; no stack may load another cloud's. */
const CLOUD_SDKS: Record<string, string[]> = { aws: ["aws", "eks"], gcp: ["gcp"], azure: ["azure-native"], existing: [] };

describe("only the selected cloud's SDK is loaded", () => {
    for (const stack of STACKS) {
        it(`planning ${stack} loads its own cloud's SDK and no other`, async () => {
            const cloud = cloudOf(stack);
            const { status, document } = await runPlan(stack, { loadedPackages: true });
            assert.equal(status, 0);
            const loaded = document.loadedPackages ?? [];
            assert.ok(loaded.includes("pulumi") && loaded.includes("kubernetes"), loaded.join(", "));
            for (const sdk of CLOUD_SDKS[cloud]) assert.ok(loaded.includes(sdk), `${stack} loads @pulumi/${sdk}`);
            const foreign = Object.entries(CLOUD_SDKS).filter(([other]) => other !== cloud).flatMap(([, sdks]) => sdks);
            assert.deepEqual(loaded.filter((sdk) => foreign.includes(sdk)), []);
        });
    }
});

describe("--preview: the plan as a first pulumi preview sees the stack", () => {
    it("leaves what providers compute unknown (isDryRun true, no apply on them) and keeps inputs the program knows", async () => {
        const [up, preview] = await Promise.all([planOf("aws"), previewOf("aws")]);
        assert.equal(preview.preview, true);
        assert.equal(up.preview, undefined);
        assert.ok(!JSON.stringify(up).includes("[unknown]"), "an up-mode plan knows everything");
        // the hub's address comes from the load balancer's status: unknown until it exists
        assert.equal(preview.outputs["hubUrl"], "[unknown]");
        assert.notEqual(up.outputs["hubUrl"], "[unknown]");
        // a remote component's outputs are unknown on a first preview; the inputs the program gave it are known
        const cluster = preview.resources.find((r) => r.type === "eks:index:Cluster")!;
        assert.equal(cluster.outputs?.["kubeconfig"], "[unknown]");
        assert.notEqual(cluster.inputs["vpcCniOptions"], "[unknown]");
        // the same resources register either way
        assert.deepEqual(preview.resources.map((r) => r.urn).sort(), up.resources.map((r) => r.urn).sort());
    });

    it("ends the readable plan with what a real preview may still add", async () => {
        const { stdout } = await runCli(["--stack", "local", "--preview"]);
        assert.match(stdout, /^Plan of stack "local" \(cloud: existing\), planned offline on the mock runtime as a first pulumi preview/);
        assert.match(stdout, /What a real pulumi preview may still add[\s\S]*rendered objects|What a real pulumi preview may still add[\s\S]*renders/);
    });
});

describe("remote components return only the outputs the real component returns", () => {
    /** The outputs a class of an SDK declares (`readonly name: pulumi.Output<…>` in its .d.ts). */
    function declaredOutputs(file: string, className: string): Set<string> {
        const source = fs.readFileSync(path.join(PROJECT_DIR, "node_modules", "@pulumi", file), "utf8");
        const start = source.indexOf(`export declare class ${className} `);
        const body = source.slice(start, source.indexOf("\n}", start));
        return new Set([...body.matchAll(/^\s+readonly (\w+): pulumi\.Output</gm)].map((m) => m[1] as string));
    }

    it("eks:index:Cluster: the plan records its outputs apart from its inputs, each one @pulumi/eks declares", async () => {
        const declared = declaredOutputs("eks/cluster.d.ts", "Cluster");
        assert.ok(declared.has("kubeconfig") && declared.has("oidcProviderArn"), [...declared].join(", "));
        const cluster = (await planOf("aws")).resources.find((r) => r.type === "eks:index:Cluster")!;
        assert.equal(cluster.remote, true);
        const outputs = Object.keys(cluster.outputs ?? {});
        assert.ok(outputs.length > 3);
        assert.deepEqual(outputs.filter((key) => !declared.has(key)), [], "an output the real component does not return");
        // the inputs it was given are not among them: CrossGuard and the program never see those back
        assert.ok("vpcCniOptions" in cluster.inputs && !outputs.includes("vpcCniOptions"));
    });
});
