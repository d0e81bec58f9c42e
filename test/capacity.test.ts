import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { checkStack, StackCheck } from "../check";
import { PlanMocks } from "../plan/mocks";
import { aksAllocatable, eksAllocatable, gkeAllocatable } from "../providers/allocatable";
import { systemPods } from "../components/capacity/demand";
import { poolCapacity, systemPoolFit } from "../components/capacity/fit";
import { containerResources, SERVER_SIZES } from "../components/capacity/requests";
import { DATA_SERVICE_NAMES, enabledDataServices, systemPodsOf } from "../components/services/catalog";
import { CLOUDS, CPU_SIZES } from "../providers/catalog";
import { checkConfig } from "../stacks/load";
import { WorkbenchConfigSchema } from "../stacks/schema";
import { readStackConfig } from "../plan/project";
import { input, ofType, PROJECT_DIR, runPlan, STACKS, variantStackFile } from "./harness";

/** A flat Pulumi config map, as a stack file gives it. */
function flat(config: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]));
}

const AWS = { "aws:region": "us-east-1", "workbench:cloud": "aws", "workbench:users": { admins: ["alice"] } };
const ALL = Object.fromEntries(DATA_SERVICE_NAMES.map((s) => [s, true]));

/** Checks a flat config the way the program does (schema, rules, the platform's prepare on the plan's mocks, the fit). */
async function checked(config: Record<string, string>, stack = "capacity"): Promise<StackCheck> {
    pulumi.runtime.setAllConfig(config, []);
    await pulumi.runtime.setMocks(new PlanMocks({ stack, project: "workbench", config }), "workbench", stack, false);
    return checkStack(stack, config, { today: new Date() });
}

describe("always-on fit check (components/capacity)", () => {
    it("every landed cloud describes its system pool before anything is created", async () => {
        for (const stack of STACKS) {
            const { preparation, checked: config } = await checked(readStackConfig(PROJECT_DIR, stack).config, stack);
            assert.ok(preparation?.systemPool, `${stack} (${String(config.parsed.cloud)}) describes its system pool to the fit check`);
        }
        const landed = new Set(STACKS.map((stack) => checkConfig(readStackConfig(PROJECT_DIR, stack).config).parsed.cloud));
        for (const cloud of CLOUDS) assert.ok(landed.has(cloud), `a shipped stack plans ${cloud}`);
    });

    it("the shipped stacks fit their always-on pool with the services as shipped", async () => {
        for (const stack of STACKS) {
            const { problems } = await checked(readStackConfig(PROJECT_DIR, stack).config, stack);
            assert.deepEqual(problems.filter((p) => /always-on system pool/.test(p.allowed)), [], stack);
        }
    });

    it("names the smallest size that fits: the one below it does not", async () => {
        const { problems, preparation, checked: config } = await checked(flat({ ...AWS, "workbench:services": ALL }));
        const problem = problems.find((p) => p.key === "workbench:systemPool.size");
        assert.ok(problem && preparation?.systemPool, JSON.stringify(problems));
        const named = /choose systemPool\.size (\w+)/.exec(problem.allowed)?.[1];
        assert.ok(named && (CPU_SIZES as readonly string[]).includes(named), problem.allowed);
        const pods = systemPods(config.parsed.services!, true);
        const index = CPU_SIZES.indexOf(named as (typeof CPU_SIZES)[number]);
        const fits = (i: number) => {
            const option = preparation.systemPool!.sizes[i];
            return systemPoolFit(option, option.agents, pods).fits;
        };
        assert.ok(fits(index), `${named} fits`);
        assert.ok(index === 0 || !fits(index - 1), `${CPU_SIZES[index - 1]} does not`);
    });

    it("counts pod slots: a node that holds 17 pods (t3a.medium with the VPC CNI, without prefix delegation) cannot take many small services", async () => {
        const services = { postgres: true, mariadb: true, mongodb: true, orientdb: true };
        const { problems } = await checked(flat({
            ...AWS,
            "workbench:systemPool": { size: "xsmall" },
            "workbench:aws": { systemInstanceTypes: ["t3a.medium"], prefixDelegation: false },
            "workbench:services": services,
        }));
        const problem = problems.find((p) => p.key === "workbench:aws.systemInstanceTypes");
        assert.ok(problem, JSON.stringify(problems));
        assert.match(problem.allowed, /pods \d+ > 17/);
        // with /28 prefixes the same node has the slots (110), and memory is what runs short
        const prefixed = await checked(flat({ ...AWS, "workbench:systemPool": { size: "xsmall" }, "workbench:aws": { systemInstanceTypes: ["t3a.medium"] }, "workbench:services": services }));
        const short = prefixed.problems.find((p) => p.key === "workbench:aws.systemInstanceTypes");
        assert.ok(short, JSON.stringify(prefixed.problems));
        assert.doesNotMatch(short.allowed, /pods \d+ >/);
        assert.match(short.allowed, /memory/);
    });

    it("measures the system node as the kubelet offers it, by each cloud's documented reservations", () => {
        // GKE's e2-standard-2: 70m CPU and 25% of the first 4 GiB + 20% of the next 4 reserved, 100 MiB eviction
        assert.deepEqual(gkeAllocatable(2, 8), { cpuMillis: 1930, memoryMiB: Math.floor((8 - 1 - 0.8) * 1024 - 100) });
        // EKS's t3a.medium, whose nodeadm figure is 17 pods (with or without prefixes): 255 MiB + 11 MiB a pod kube-reserved, 100 MiB eviction, of about 94% of 4 GiB
        assert.deepEqual(eksAllocatable(2, 4, 17), { cpuMillis: 1930, memoryMiB: Math.floor(4 * 1024 * 0.94 - (255 + 11 * 17) - 100) });
        // AKS's D2as_v5 with 60 pods: 100m CPU, 20 MiB a pod + 50 MiB kube-reserved, 100 MiB eviction
        assert.deepEqual(aksAllocatable(2, 8, 60), { cpuMillis: 1900, memoryMiB: 8 * 1024 - (50 + 20 * 60) - 100 });
    });

    it("a service's overridden requests are what the check counts", () => {
        const config = WorkbenchConfigSchema.parse({ cloud: "aws", users: { admins: ["alice"] }, services: { postgres: { enabled: true, memoryMiB: 4096, cpuMillis: 1000 } } });
        const server = systemPodsOf(config.services, "postgres").find((p) => p.component === "PostgreSQL")!;
        assert.equal(server.memoryMiB, 4096);
        assert.equal(server.cpuMillis, 1000);
    });

    it("MLflow brings PostgreSQL, and the check counts both", () => {
        const config = WorkbenchConfigSchema.parse({ cloud: "aws", users: { admins: ["alice"] }, services: { mlflow: true } });
        assert.deepEqual(enabledDataServices(config.services), ["postgres", "mlflow"]);
        const components = systemPods(config.services, false).map((p) => p.component);
        assert.ok(components.includes("PostgreSQL") && components.some((c) => c.startsWith("MLflow")));
    });

    it("adds the cloud's agents to the pods, and a pod that no single node holds does not fit", () => {
        const pool = { vcpu: 2, memoryGiB: 8, maxPods: 35, nodes: 2 };
        const capacity = poolCapacity(pool);
        const none = { cpuMillis: 0, memoryMiB: 0, pods: 0 };
        const half = { component: "half", cpuMillis: 100, memoryMiB: capacity.memoryMiB / 4, pods: 2 };
        assert.equal(systemPoolFit(pool, none, [half]).fits, true);
        assert.equal(systemPoolFit(pool, { ...none, memoryMiB: capacity.memoryMiB * 0.8 }, [half]).fits, false, "the agents' share counts");
        // fits the two nodes' total, but the one pod needs more than a node gives
        const big = { component: "big", cpuMillis: 100, memoryMiB: capacity.memoryMiB / 2 + 512, pods: 1 };
        const fit = systemPoolFit(pool, none, [big]);
        assert.equal(fit.fits, false);
        assert.ok(fit.shortages.some((s) => s.includes("on one node")));
    });

    it("what the plan requests is what the check counts (PostgreSQL with overrides, on AWS)", async () => {
        const run = await runPlan("aws", {
            stackFile: variantStackFile("aws", {
                "workbench:systemPool": { size: "small" },
                "workbench:services": { postgres: { enabled: true, cpuMillis: 300, memoryMiB: 768, backup: false } },
            }),
        });
        assert.equal(run.status, 0, run.stderr);
        const [cluster] = ofType(run.document, "kubernetes:postgresql.cnpg.io/v1:Cluster");
        assert.deepEqual(input(cluster, "spec", "resources"), containerResources({ cpuMillis: 300, memoryMiB: 768 }));
        assert.equal(input(cluster, "spec", "backup"), undefined, "backup: false leaves the Cluster without backups");
        assert.equal(ofType(run.document, "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup").length, 0);
        assert.notDeepEqual(SERVER_SIZES.postgres, { cpuMillis: 300, memoryMiB: 768 }, "the override differs from the default");
    });

    it("docs/services.md states each service's memory as the check counts it", () => {
        const docs = fs.readFileSync(path.join(PROJECT_DIR, "docs", "services.md"), "utf8");
        const defaults = WorkbenchConfigSchema.parse({ users: { admins: ["a"] } }).services;
        for (const name of DATA_SERVICE_NAMES) {
            const row = docs.split("\n").find((line) => line.startsWith(`| \`${name}\` |`));
            assert.ok(row, `the table has a row for ${name}`);
            const memory = systemPodsOf(defaults, name).reduce((sum, pod) => sum + pod.memoryMiB, 0);
            assert.ok(row.includes(`| ${memory} MiB`), `${name}: ${memory} MiB in "${row.slice(0, 80)}…"`);
        }
    });
});
