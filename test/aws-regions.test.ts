import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { PlanMocks } from "../plan/mocks";
import { readStackConfig } from "../plan/project";
import { AWS_REGIONS } from "../providers/aws/regions";
import { CATALOG_STALE_AFTER_DAYS } from "../providers/catalog/regions";
import { validateConfig } from "../stacks/load";
import { PROJECT_DIR, runPlan, variantStackFile } from "./harness";
import { loadPlatformModule } from "../providers/registry";

/*
 * Issue 21: every real AWS region plans offline, an unknown one is refused with the nearest real names, and the
 * catalog says how old it is. The catalog is the SDK's partitions file at a pinned commit (providers/aws/regions.ts).
 */

const planIn = (region: string) => runPlan("aws", { stackFile: variantStackFile("aws", { "aws:region": region }) });

describe("AWS region catalog", function () {
    this.timeout(600_000);

    it("lists the published regions of the commercial, China and GovCloud partitions, and no pseudo-region", () => {
        const names = Object.keys(AWS_REGIONS.regions);
        for (const region of ["us-east-1", "eu-west-1", "ap-southeast-7", "mx-central-1", "il-central-1", "cn-northwest-1", "us-gov-west-1"]) {
            assert.ok(names.includes(region), region);
        }
        assert.ok(!names.some((name) => name.endsWith("-global")), "no *-global pseudo-region");
        assert.equal(new Set(names).size, names.length);
        assert.match(AWS_REGIONS.generatedOn, /^\d{4}-\d{2}-\d{2}$/);
        assert.match(AWS_REGIONS.regenerate, /partitions\.json/);
    });

    it("passes the platform's check in every region of the catalog, on the plan's own mocks", async () => {
        const { prepare } = loadPlatformModule("aws");
        const stack = readStackConfig(PROJECT_DIR, "aws");
        for (const region of Object.keys(AWS_REGIONS.regions)) {
            const config = { ...stack.config, "aws:region": region };
            const { config: parsed, provider } = validateConfig("aws", config);
            pulumi.runtime.setAllConfig(config, stack.secretKeys);
            await pulumi.runtime.setMocks(new PlanMocks({ stack: "aws", project: stack.project, config }), stack.project, "aws", false);
            const preparation = await prepare({ stack: "aws", parsed, provider, secretsSet: new Set(), today: new Date("2026-12-02T00:00:00Z") });
            assert.deepEqual(preparation.problems, [], region);
        }
    });

    it("plans the shipped stack in full far from us-east-1: an opt-in region (Africa) and Asia", async () => {
        // every region's check runs above; two full plans show the program takes the region through (each plan costs a second)
        const sample = ["af-south-1", "ap-northeast-1"];
        const runs = await Promise.all(sample.map(planIn));
        runs.forEach((run, i) => {
            assert.equal(run.status, 0, `${sample[i]}: ${run.document.error ?? ""} ${JSON.stringify(run.document.problems ?? [])}`);
            assert.equal(run.document.outputs["region"], sample[i]);
        });
    });

    it("refuses a region AWS does not have, with the nearest real names and the catalog's date, registering nothing", async () => {
        const run = await planIn("eu-wset-1");
        assert.notEqual(run.status, 0);
        const problem = (run.document.problems ?? []).find((p) => p.key === "aws:region");
        assert.ok(problem, JSON.stringify(run.document.problems));
        assert.match(problem.allowed, /eu-west-1/);
        assert.match(problem.allowed, new RegExp(AWS_REGIONS.generatedOn));
        assert.deepEqual(run.document.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
        const fake = await planIn("xx-fake-1");
        assert.ok((fake.document.problems ?? []).some((p) => p.key === "aws:region"), "a region that only looks right");
    });

    it("warns once the catalog is older than about six months, naming the command that regenerates it", async () => {
        const { prepare } = loadPlatformModule("aws");
        const stack = readStackConfig(PROJECT_DIR, "aws");
        const { config: parsed, provider } = validateConfig("aws", stack.config);
        pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);
        await pulumi.runtime.setMocks(new PlanMocks({ stack: "aws", project: stack.project, config: stack.config }), stack.project, "aws", false);
        const at = (days: number) => new Date(Date.parse(`${AWS_REGIONS.generatedOn}T00:00:00Z`) + days * 86_400_000);
        const fresh = await prepare({ stack: "aws", parsed, provider, secretsSet: new Set(), today: at(30) });
        assert.ok(!fresh.warnings.some((w) => w.includes("AWS regions")));
        const stale = await prepare({ stack: "aws", parsed, provider, secretsSet: new Set(), today: at(CATALOG_STALE_AFTER_DAYS + 10) });
        assert.ok(stale.warnings.some((w) => w.includes("AWS regions") && w.includes("partitions.json")), stale.warnings.join("\n"));
    });
});
