import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { PlanMocks } from "../plan/mocks";
import { MOCK_GPU_QUOTA, NO_GPU_QUOTA_PREFIX, QUOTA_API_OFF_PREFIX } from "../plan/mocks/gcp";
import { readStackConfig } from "../plan/project";
import { gpuMachine } from "../providers/catalog";
import { CATALOG_STALE_AFTER_DAYS } from "../providers/catalog/regions";
import type { PlatformPreparation } from "../providers/contract";
import { GPU_QUOTA_IDS, quotaValueAt } from "../providers/gcp/gpu-quota";
import { GCP_REGIONS, GPU_REGIONS } from "../providers/gcp/regions";
import { validateConfig } from "../stacks/load";
import { PROJECT_DIR, runPlan, variantStackFile } from "./harness";
import { loadPlatformModule } from "../providers/registry";

/*
 * GCP's regions, zones and GPU quota as the check sees them: every region of the dated catalog passes the
 * check on the plan's own mocks (which answer from the same catalog), a sample per continent plans end to end,
 * an unknown or misspelt one is refused with the nearest real names, a stale catalog is said to be stale, and
 * the GPU quota lookup (mocked with the Cloud Quotas API's response shape) warns only when a node cannot start.
 */

const TODAY = new Date("2026-12-02T00:00:00Z");
const stack = readStackConfig(PROJECT_DIR, "gcp");

/** The GCP check (prepare) for Pulumi.gcp.yaml with some keys changed, in this process on the plan's mocks. */
async function check(changes: Record<string, unknown>, today = TODAY): Promise<PlatformPreparation> {
    const flat: Record<string, string> = { ...stack.config };
    for (const [key, value] of Object.entries(changes)) flat[key] = typeof value === "string" ? value : JSON.stringify(value);
    // throws on a variation the schema refuses: each one here is valid configuration
    const { config, provider } = validateConfig("gcp", flat);
    const { prepare } = loadPlatformModule("gcp");
    return prepare({ stack: "gcp", parsed: config, provider, secretsSet: new Set(), today });
}

describe("GCP regions and zones (providers/gcp/regions.ts)", () => {
    before(async () => {
        pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);
        await pulumi.runtime.setMocks(new PlanMocks({ stack: "gcp", project: stack.project, config: stack.config }), stack.project, "gcp", false);
    });

    it("is dated, says where it comes from and how to regenerate it, and lists each zone under its own region", () => {
        for (const catalog of [GCP_REGIONS, GPU_REGIONS]) {
            assert.match(catalog.generatedOn, /^\d{4}-\d{2}-\d{2}$/);
            assert.match(catalog.regenerate, /^gcloud compute /);
        }
        assert.ok(Object.keys(GCP_REGIONS.regions).length >= 40);
        for (const [region, zones] of Object.entries(GCP_REGIONS.regions)) {
            assert.ok(zones.length >= 3, `${region} has zones`);
            for (const zone of zones) assert.equal(zone.replace(/-[a-z]$/, ""), region);
        }
        for (const [accelerator, regions] of Object.entries(GPU_REGIONS.regions)) {
            for (const region of regions) assert.ok(GCP_REGIONS.regions[region], `${accelerator}'s ${region} is a catalog region`);
        }
    });

    it("every region of the catalog passes the check offline, in its first zone; every region selling T4 with the T4 pool", async function () {
        this.timeout(120_000);
        const t4 = GPU_REGIONS.regions[gpuMachine("t4", "gcp").acceleratorType as string];
        for (const [region, zones] of Object.entries(GCP_REGIONS.regions)) {
            const withGpu = t4.includes(region);
            const prepared = await check({ "gcp:zone": zones[0], ...(withGpu ? {} : { "workbench:gpuPools": [] }) });
            assert.deepEqual(prepared.problems, [], `${zones[0]}${withGpu ? " with a T4 pool" : ""}`);
        }
    });

    it("an unknown region is refused with the nearest real names and the catalog's date", async () => {
        const prepared = await check({ "gcp:zone": "europe-west99-b" });
        const [problem] = prepared.problems;
        assert.equal(problem.key, "gcp:zone");
        assert.equal(problem.given, "europe-west99-b");
        assert.match(problem.allowed, /europe-west\d/);
        assert.ok(problem.allowed.includes(GCP_REGIONS.generatedOn));
    });

    it("a misspelt region gets did-you-mean", async () => {
        const [problem] = (await check({ "gcp:zone": "eurpoe-west1-b" })).problems;
        assert.equal(problem.key, "gcp:zone");
        assert.match(problem.allowed, /europe-west1\b/);
    });

    it("a zone its region lacks is refused with the region's zones", async () => {
        const [problem] = (await check({ "gcp:zone": "europe-west1-a" })).problems;
        assert.equal(problem.key, "gcp:zone");
        assert.match(problem.allowed, /europe-west1-b, europe-west1-c, europe-west1-d/);
    });

    it("a GPU the region does not sell is refused naming regions that do", async () => {
        const problem = (await check({ "gcp:zone": "africa-south1-a", "workbench:gpuPools": [{ name: "l4", gpu: "l4" }] })).problems.find((p) => p.key === "workbench:gpuPools[0].gpu");
        assert.ok(problem);
        assert.match(problem.allowed, /africa-south1 offers no nvidia-l4/);
        const named = GPU_REGIONS.regions["nvidia-l4"].filter((region) => problem.allowed.includes(region));
        assert.ok(named.length >= 1, problem.allowed);
    });

    it("warns that the catalog is stale past six months, with the command that regenerates it; not before", async () => {
        const generated = Date.parse(`${GCP_REGIONS.generatedOn}T00:00:00Z`);
        const stale = await check({}, new Date(generated + (CATALOG_STALE_AFTER_DAYS + 30) * 86_400_000));
        assert.ok(stale.warnings.some((w) => w.includes("GCP regions and zones") && w.includes(GCP_REGIONS.regenerate)), stale.warnings.join("\n"));
        const fresh = await check({}, new Date(generated + 86_400_000));
        assert.ok(!fresh.warnings.some((w) => w.includes("GCP regions and zones")));
    });
});

describe("GCP check: what the newcomer review found accepted", () => {
    before(async () => {
        pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);
        await pulumi.runtime.setMocks(new PlanMocks({ stack: "gcp", project: stack.project, config: stack.config }), stack.project, "gcp", false);
    });

    it("refuses an xsmall (e2-medium) system pool even when the rest would fit, naming the size to choose", async () => {
        const { problems } = await check({ "workbench:systemPool": { size: "xsmall" }, "workbench:services": { spark: { connectServer: false } } });
        const problem = problems.find((p) => p.key === "workbench:systemPool.size");
        assert.ok(problem, JSON.stringify(problems));
        assert.match(problem.allowed, /small or larger/);
    });
});

describe("GCP GPU quota before the first GPU node", () => {
    before(async () => {
        pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);
        await pulumi.runtime.setMocks(new PlanMocks({ stack: "gcp", project: stack.project, config: stack.config }), stack.project, "gcp", false);
    });

    const quotaWarnings = (warnings: string[]) => warnings.filter((w) => /GPU quota/.test(w));

    it("a quota of zero warns with the quota's name, its value, what one node needs and where to ask", async () => {
        const project = `${NO_GPU_QUOTA_PREFIX}project-1`;
        const warnings = quotaWarnings((await check({ "gcp:project": project })).warnings);
        const spot = warnings.find((w) => w.includes("PREEMPTIBLE_NVIDIA_T4_GPUS"));
        assert.ok(spot, warnings.join("\n"));
        assert.match(spot, /in us-central1 is 0/);
        assert.match(spot, new RegExp(`one node of GPU pool t4 needs ${gpuMachine("t4", "gcp").gpuCount}`));
        assert.ok(spot.includes(`https://console.cloud.google.com/iam-admin/quotas?project=${project}`));
        assert.ok(spot.includes(`PREEMPTIBLE-${GPU_QUOTA_IDS.t4}`), "the quota id to ask for");
        assert.ok(warnings.some((w) => w.includes("GPUS_ALL_REGIONS") && w.includes("is 0")), "the project-wide quota too");
        // an on-demand pool counts against the on-demand quota, not the preemptible one
        const onDemand = quotaWarnings((await check({ "gcp:project": project, "workbench:gpuPools": [{ name: "t4", gpu: "t4", spot: false }] })).warnings);
        assert.ok(onDemand.some((w) => /GPU quota NVIDIA_T4_GPUS in us-central1 is 0/.test(w)), onDemand.join("\n"));
    });

    it("enough quota is silent; more nodes than the quota allows is said", async () => {
        assert.deepEqual(quotaWarnings((await check({})).warnings), []);
        const big = quotaWarnings((await check({ "workbench:gpuPools": [{ name: "t4", gpu: "t4", maxNodes: MOCK_GPU_QUOTA + 1 }] })).warnings);
        assert.ok(big.some((w) => w.includes(`is ${MOCK_GPU_QUOTA}`) && w.includes(`need ${MOCK_GPU_QUOTA + 1}`)), big.join("\n"));
    });

    it("a lookup that fails says the quota could not be checked, and how to check it", async () => {
        const warnings = (await check({ "gcp:project": `${QUOTA_API_OFF_PREFIX}project-1` })).warnings;
        const failed = warnings.filter((w) => w.startsWith("Could not check the GPU quota"));
        assert.ok(failed.some((w) => w.includes("PREEMPTIBLE_NVIDIA_T4_GPUS") && w.includes("gcloud compute regions describe us-central1")), warnings.join("\n"));
    });

    it("reads a region's value from per-region rows, rows listing locations, or the default row", () => {
        const row = (value: string, dimensions: Record<string, string>, applicableLocations: string[]) => ({ dimensions, details: [{ value }], applicableLocations });
        assert.equal(quotaValueAt({ dimensionsInfos: [row("1", { region: "asia-east1" }, ["asia-east1"]), row("2", { region: "us-central1" }, ["us-central1"])] }, "us-central1"), 2);
        assert.equal(quotaValueAt({ dimensionsInfos: [row("3", {}, ["us-central1", "europe-west4"])] }, "europe-west4"), 3);
        assert.equal(quotaValueAt({ dimensionsInfos: [row("5", { region: "asia-east1" }, ["asia-east1"]), row("0", {}, ["global"])] }, "us-east1"), 0);
        assert.equal(quotaValueAt({ dimensionsInfos: [] }, "us-east1"), undefined);
    });
});

describe("GCP regions plan end to end offline, far from the shipped zone", () => {
    // every region's check runs above; two full plans show the program takes the zone through: Oceania with the
    // shipped T4 pool, and the Middle East, which sells no T4
    const samples: [string, Record<string, unknown>][] = [
        ["australia-southeast1-b", {}],
        ["me-central1-a", { "workbench:gpuPools": [] }],
    ];
    for (const [zone, extra] of samples) {
        it(`${zone} plans`, async () => {
            const run = await runPlan("gcp", { stackFile: variantStackFile("gcp", { "gcp:zone": zone, ...extra }) });
            assert.equal(run.status, 0, `${run.stderr}\n${JSON.stringify(run.document.problems ?? [])}`);
            assert.equal(run.document.outputs["zone"], zone);
        });
    }
});
