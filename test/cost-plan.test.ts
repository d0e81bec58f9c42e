import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { BUDGET_ALERT_TYPES } from "../cost/estimate";
import { diffPlans } from "../plan/diff";
import { renderDiffMarkdown } from "../plan/diff-markdown";
import { COST_WIDTH, renderPlan } from "../plan/render";
import { Plan } from "../plan/types";
import { PROJECT_DIR, planOf, runPlan, STACKS, variantStackFile } from "./harness";

/*
 * The estimate as the plan and the pull-request diff show it: a data volume, the ceiling and a multi-GPU
 * machine appear in both; the cost section fits 100 columns; a stack without a budget alert prints no budget.
 */

/** The shipped AWS stack with a 5 TB database (and two more volumes), MLflow, and a pool of A100s (8-GPU p4d machines). */
const BIG = {
    "workbench:systemPool": { size: "large" },
    "workbench:services": { postgres: { enabled: true, storageGiB: 5000 }, mariadb: true, opensearch: { enabled: true, storageGiB: 30 }, mlflow: true },
    "workbench:gpuPools": [
        { name: "t4", gpu: "t4" },
        { name: "big", gpu: "a100", maxNodes: 2 },
    ],
};

async function bigPlan(): Promise<Plan> {
    const run = await runPlan("aws", { stackFile: variantStackFile("aws", BIG) });
    assert.equal(run.status, 0, run.stderr);
    return run.document;
}

/** Every volume size a resource requests (`"storage": "10Gi"`, `"size": "20Gi"`), in GiB. */
function requestedGiB(value: unknown): number[] {
    const text = JSON.stringify(value);
    return [...text.matchAll(/"(?:storage|size)":"(\d+)Gi"/g)].map((m) => Number(m[1]));
}

const width = (line: string) => [...line].length;

describe("cost in the plan and the diff", () => {
    it("the estimate's data volumes are the volumes the plan's data services request", async () => {
        const plan = await bigPlan();
        // the hub's release holds the homes and the hub database, priced on their own line
        const planned = plan.resources.filter((r) => r.name !== "workbench-hub").flatMap((r) => requestedGiB(r.inputs));
        const line = plan.cost.lines.find((l) => l.item.startsWith("Data-service volumes"));
        assert.ok(line, plan.cost.lines.map((l) => l.item).join("; "));
        const total = planned.reduce((sum, gib) => sum + gib, 0);
        assert.equal(total, 5000 + 10 + 30, `planned volumes ${planned.join(", ")}`);
        assert.match(line.item, new RegExp(`\\b${total} GiB\\)`));
        assert.equal(line.monthly, total * 0.08);
    });

    it("prints the data volume, the ceiling and the multi-GPU machine in the readable plan, warning about the machine", async () => {
        const plan = await bigPlan();
        const text = renderPlan(plan);
        assert.match(text, /Estimated monthly cost: USD [\d,.]+ idle, [\d,.]+ typical, [\d,.]+ ceiling/);
        assert.match(text, /Data-service volumes \(3 volumes, 5040 GiB\) \(\w\) +│ +403\.20 │/);
        // the item wraps in its cell after the price
        assert.ok(text.includes("GPU pool big (p4d.24xlarge: 8 × A100 40 GB, USD 7.70/h spot,"), text.slice(text.indexOf("Estimated")));
        const ceiling = plan.cost.lines.find((l) => l.item.startsWith("GPU pool big"))!.ceilingMonthly;
        assert.ok(ceiling > 2 * 730 * 7.7, `two p4d spot nodes all month: ${ceiling}`);
        assert.ok(text.includes(ceiling.toLocaleString("en-US", { minimumFractionDigits: 2 })), "the pool's ceiling is in its row");
        assert.ok(plan.warnings.some((w) => /GPU pool big .* is a machine of 8 GPUs on aws: p4d\.24xlarge/.test(w)), plan.warnings.join("\n"));
    });

    it("shows the data volume, the ceiling and the multi-GPU machine in the pull-request diff", async () => {
        const [before, after] = [await planOf("aws"), await bigPlan()];
        const diff = diffPlans("aws", before, after);
        assert.equal(diff.cost.ceilingBefore, before.cost.ceilingMonthly);
        assert.equal(diff.cost.ceilingAfter, after.cost.ceilingMonthly);
        const markdown = renderDiffMarkdown(diff, { base: "main" });
        const rise = (after.cost.ceilingMonthly - before.cost.ceilingMonthly).toFixed(2);
        assert.ok(markdown.includes(`| ceiling (every pool at maxNodes) | ${before.cost.ceilingMonthly.toFixed(2)} | ${after.cost.ceilingMonthly.toFixed(2)} | +${rise} |`), markdown);
        assert.match(markdown, /\| Data-service volumes \(3 volumes, 5040 GiB\) \| – \| 403\.20 \| \+403\.20 \|/);
        assert.match(markdown, /\| GPU pool big \(p4d\.24xlarge: 8 × A100 40 GB, USD 7\.70\/h spot, 0-2 nodes\) \| – \| [\d.]+ \|/);
    });

    it("a diff against a plan made before the ceiling existed shows no ceiling change rather than a false one", async () => {
        const after = await planOf("aws");
        const { ceilingMonthly: _made, ...costBefore } = after.cost;
        const old = { ...after, cost: costBefore } as unknown as Plan;
        const markdown = renderDiffMarkdown(diffPlans("aws", old, after));
        assert.ok(markdown.includes(`| ceiling (every pool at maxNodes) | – | ${after.cost.ceilingMonthly.toFixed(2)} | – |`), markdown);
    });

    it("keeps the cost section within 100 columns, with the sources as numbered footnotes", async () => {
        for (const plan of [...(await Promise.all(STACKS.map(planOf))), await bigPlan()]) {
            const text = renderPlan(plan);
            const cost = text.slice(text.indexOf("Estimated monthly cost"));
            const wide = cost.split("\n").filter((line) => width(line) > COST_WIDTH);
            assert.deepEqual(wide, [], `${plan.stack}: lines wider than ${COST_WIDTH} columns`);
            // every footnote a basis cites is listed once, and every listed source is cited
            const cited = new Set([...plan.cost.lines.map((l) => l.basis).join(" ").matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])));
            assert.deepEqual([...cited].sort((a, b) => a - b), plan.cost.sources.map((_, i) => i + 1), plan.stack);
            for (const [i, source] of plan.cost.sources.entries()) assert.ok(cost.includes(`[${i + 1}] ${source.split(" ")[0]}`), `${plan.stack}: source ${i + 1}`);
            assert.equal(new Set(plan.cost.sources).size, plan.cost.sources.length, "each source once");
        }
    });

    it("prints a budget only where the stack creates a budget alert", async () => {
        for (const stack of STACKS) {
            const plan = await planOf(stack);
            const alert = plan.resources.some((r) => BUDGET_ALERT_TYPES.includes(r.type));
            const text = renderPlan(plan);
            assert.equal(/budget/i.test(text.slice(text.indexOf("Estimated monthly cost"))), alert, `${stack}: budget printed exactly when it has an alert`);
            if (plan.cloud === "existing") assert.equal(alert, false, "an existing cluster has no budget alert");
        }
        assert.ok(STACKS.some((stack) => stack !== "local"), "a stack with an alert is among the shipped ones");
    });

    it("the README's cost table states each shipped stack's idle, typical and ceiling figures as the plan prices them", async () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        for (const stack of STACKS) {
            const { cost } = await planOf(stack);
            const row = readme.split("\n").find((line) => line.startsWith(`| \`${stack}\` | USD`));
            const usd = (value: number) => `USD ${Math.round(value)}`;
            assert.ok(row?.startsWith(`| \`${stack}\` | ${usd(cost.idleMonthly)} | ${usd(cost.typicalMonthly)} | ${usd(cost.ceilingMonthly)} |`),
                `README's Cost table: ${stack} should read ${usd(cost.idleMonthly)} | ${usd(cost.typicalMonthly)} | ${usd(cost.ceilingMonthly)}; it reads ${row}`);
        }
    });

    it("knows each cloud's budget resource by the type token its SDK registers", () => {
        const sdkFiles = ["aws/budgets/budget.js", "gcp/billing/budget.js", "azure-native/consumption/budget.js"];
        const tokens = sdkFiles.map((file) => /__pulumiType = '([^']+)'/.exec(fs.readFileSync(path.join(PROJECT_DIR, "node_modules", "@pulumi", file), "utf8"))?.[1]);
        assert.deepEqual(tokens, [...BUDGET_ALERT_TYPES]);
    });
});
