import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { systemPods } from "../components/capacity/demand";
import { poolCapacity, systemPoolFit } from "../components/capacity/fit";
import { containerResources, SERVER_SIZES } from "../components/capacity/requests";
import { DATA_SERVICE_NAMES, enabledDataServices, systemPodsOf } from "../components/services/catalog";
import { CPU_SIZES } from "../providers/catalog";
import { IMPLEMENTED_CLOUDS } from "../providers/registry";
import { checkConfig } from "../stacks/load";
import { SYSTEM_POOL_FACTS } from "../stacks/rules";
import { WorkbenchConfigSchema } from "../stacks/schema";
import { readStackConfig } from "../plan/project";
import { input, ofType, PROJECT_DIR, runPlan, STACKS, variantStackFile } from "./harness";

/** A flat Pulumi config map, as a stack file gives it. */
function flat(config: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]));
}

const AWS = { "aws:region": "us-east-1", "workbench:cloud": "aws", "workbench:users": { admins: ["alice"] } };
const ALL = Object.fromEntries(DATA_SERVICE_NAMES.map((s) => [s, true]));

describe("always-on fit check (components/capacity)", () => {
    it("every landed cloud describes its system pool before anything is created", () => {
        for (const cloud of IMPLEMENTED_CLOUDS) assert.ok(SYSTEM_POOL_FACTS[cloud], `${cloud} has system pool facts for the configuration check`);
    });

    it("the shipped stacks fit their always-on pool with the services as shipped", () => {
        for (const stack of STACKS) {
            const checked = checkConfig(readStackConfig(PROJECT_DIR, stack).config);
            const sizeProblems = checked.problems.filter((p) => /always-on system pool/.test(p.allowed));
            assert.deepEqual(sizeProblems, [], stack);
        }
    });

    it("names the smallest size that fits: the one below it does not", () => {
        const checked = checkConfig(flat({ ...AWS, "workbench:services": ALL }));
        const problem = checked.problems.find((p) => p.key === "workbench:systemPool.size");
        assert.ok(problem, JSON.stringify(checked.problems));
        const named = /choose systemPool\.size (\w+)/.exec(problem.allowed)?.[1];
        assert.ok(named && (CPU_SIZES as readonly string[]).includes(named), problem.allowed);
        const config = WorkbenchConfigSchema.parse({ cloud: "aws", users: { admins: ["alice"] }, services: ALL });
        const facts = SYSTEM_POOL_FACTS.aws!;
        const pods = systemPods(config.services, true);
        const index = CPU_SIZES.indexOf(named as (typeof CPU_SIZES)[number]);
        const fits = (i: number) => { const f = facts(config, CPU_SIZES[i]); return systemPoolFit(f.pool, f.agents, pods).fits; };
        assert.ok(fits(index), `${named} fits`);
        assert.ok(index === 0 || !fits(index - 1), `${CPU_SIZES[index - 1]} does not`);
    });

    it("counts pod slots: a node that holds 17 pods (t3a.medium with the VPC CNI) cannot take many small services", () => {
        const checked = checkConfig(flat({
            ...AWS,
            "workbench:aws": { systemInstanceTypes: ["t3a.medium"] },
            "workbench:services": { postgres: true, mariadb: true, mongodb: true, orientdb: true },
        }));
        const problem = checked.problems.find((p) => p.key === "workbench:aws.systemInstanceTypes");
        assert.ok(problem, JSON.stringify(checked.problems));
        assert.match(problem.allowed, /pods \d+ > 17/);
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
            stackFile: variantStackFile("aws", { "workbench:services": { postgres: { enabled: true, cpuMillis: 300, memoryMiB: 768, backup: false } } }),
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
