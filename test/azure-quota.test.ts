import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { PlanMocks } from "../plan/mocks";
import { mockComputeUsages } from "../plan/mocks/azure";
import { readStackConfig } from "../plan/project";
import { ARM_GET_TOKEN, ArmError } from "../providers/azure/arm";
import { ComputeUsage, gpuQuotaWarnings, readComputeUsages, UsageReader } from "../providers/azure/quota";
import { gpuMachine } from "../providers/catalog";
import type { GpuPoolConfig } from "../stacks/schema";
import { validateConfig } from "../stacks/load";
import { PROJECT_DIR } from "./harness";
import { loadPlatformModule } from "../providers/registry";

/*
 * GPU quota before the first GPU server (providers/azure/quota.ts): the Compute usages Azure returns for a
 * location, in its own shape (Azure/azure-rest-api-specs#25455 shows a live answer: {limit, unit, currentValue,
 * name: {value, localizedValue}}), decide whether one node of each GPU pool can start.
 */

const usage = (value: string, localizedValue: string, limit: number, currentValue = 0): ComputeUsage => ({ limit, unit: "Count", currentValue, name: { value, localizedValue } });

/** A new pay-as-you-go subscription: regional vCPUs, 3 low-priority vCPUs, GPU families at 0 (the T4 family's casing as Azure writes it). */
const NEW_SUBSCRIPTION = [
    usage("cores", "Total Regional vCPUs", 10),
    usage("lowPriorityCores", "Total Regional Low-priority vCPUs", 3),
    usage("standardDASv5Family", "Standard DASv5 Family vCPUs", 10),
    usage("standardNCASv3_T4Family", "Standard NCASv3_T4 Family vCPUs", 0),
    usage("StandardNVADSA10v5Family", "Standard NVADSA10v5 Family vCPUs", 0),
];
const reader = (usages: ComputeUsage[]): UsageReader => async () => usages;
const pool = (gpu: GpuPoolConfig["gpu"], spot: boolean, maxNodes = 1): GpuPoolConfig => ({ name: gpu, gpu, minNodes: 0, maxNodes, spot });

describe("Azure GPU quota check", () => {
    it("warns when a pool's family quota is zero, with the quota's name and value, what one node needs and where to ask", async () => {
        const [warning, ...rest] = await gpuQuotaWarnings([pool("t4", false)], "westeurope", "sub-1", reader(NEW_SUBSCRIPTION));
        assert.equal(rest.length, 0, rest.join(" | "));
        const needed = gpuMachine("t4", "azure").vcpu;
        assert.match(warning, /"Standard NCASv3_T4 Family vCPUs" \(standardNCASv3_T4Family\) in westeurope is 0 vCPU/);
        assert.match(warning, new RegExp(`one node needs ${needed}`));
        assert.match(warning, /az quota update --resource-name standardNCASv3_T4Family --scope \/subscriptions\/sub-1\/providers\/Microsoft\.Compute\/locations\/westeurope/);
    });

    it("checks a spot pool against the regional low-priority quota, not the family's", async () => {
        const few = await gpuQuotaWarnings([pool("t4", true)], "eastus", "s", reader(NEW_SUBSCRIPTION));
        assert.equal(few.length, 1);
        assert.match(few[0], /"Total Regional Low-priority vCPUs" \(lowPriorityCores\) in eastus is 3 vCPU/);
        assert.match(few[0], /--resource-type lowPriority/);
        const enough = NEW_SUBSCRIPTION.map((u) => (u.name.value === "lowPriorityCores" ? usage("lowPriorityCores", u.name.localizedValue, 24) : u));
        assert.deepEqual(await gpuQuotaWarnings([pool("t4", true)], "eastus", "s", reader(enough)), [], "spot ignores the family's 0");
    });

    it("counts what is already in use, and is silent when one node fits", async () => {
        const busy = [usage("cores", "Total Regional vCPUs", 100, 98), usage("StandardNCADSA100v4Family", "Standard NCADS_A100_v4 Family vCPUs", 48)];
        const [warning] = await gpuQuotaWarnings([pool("a100", false)], "eastus", "s", reader(busy));
        assert.match(warning, /"Total Regional vCPUs" \(cores\) in eastus is 100 vCPU with 98 in use; one node needs 24/);
        assert.deepEqual(await gpuQuotaWarnings([pool("a100", false)], "eastus", "s", reader(mockComputeUsages().value)), []);
        assert.deepEqual(await gpuQuotaWarnings([], "eastus", "s", async () => assert.fail("no GPU pool, no lookup")), []);
    });

    it("says it could not check when the lookup fails, and what to run instead", async () => {
        const refused: UsageReader = async () => {
            throw new ArmError("The client does not have authorization to perform action 'Microsoft.Compute/locations/usages/read'", 403, "AuthorizationFailed");
        };
        const [warning] = await gpuQuotaWarnings([pool("t4", true)], "eastus", "s", refused);
        assert.match(warning, /^Could not check the GPU quota in eastus \(The client does not have authorization/);
        assert.match(warning, /az vm list-usage -l eastus -o table/);
    });

    it("warns when the location lists no quota for the family (the size is not offered there)", async () => {
        const [warning] = await gpuQuotaWarnings([pool("h100", false)], "eastus", "s", reader(NEW_SUBSCRIPTION));
        assert.match(warning, /lists no quota standardNCADSH100v5Family/);
    });

    describe("through the mocks (the offline plan's path)", () => {
        const stack = readStackConfig(PROJECT_DIR, "azure");
        before(async () => {
            pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);
            await pulumi.runtime.setMocks(new PlanMocks({ stack: "azure", project: stack.project, config: stack.config }), stack.project, "azure", false);
        });

        it("reads the usages list as Azure returns it, and the shipped stack's check is silent about quota", async () => {
            const usages = await readComputeUsages("sub", "eastus");
            assert.deepEqual(usages, mockComputeUsages().value);
            const { prepare } = loadPlatformModule("azure");
            const { config, provider } = validateConfig("azure", stack.config);
            const preparation = await prepare({ stack: "azure", parsed: config, provider, secretsSet: new Set(), today: new Date("2026-12-02T00:00:00Z") });
            assert.ok(!preparation.warnings.some((w) => /quota/i.test(w)), preparation.warnings.join(" | "));
        });

        it("warns during the platform's check, before anything is created, when the subscription is a new one", async () => {
            const plan = new PlanMocks({ stack: "azure", project: stack.project, config: stack.config });
            const fresh: pulumi.runtime.Mocks = {
                newResource: (args) => plan.newResource(args),
                call: (args) => (args.token === ARM_GET_TOKEN ? { value: NEW_SUBSCRIPTION } : plan.call(args)),
            };
            await pulumi.runtime.setMocks(fresh, stack.project, "azure", false);
            const { prepare } = loadPlatformModule("azure");
            const { config, provider } = validateConfig("azure", stack.config);
            const preparation = await prepare({ stack: "azure", parsed: config, provider, secretsSet: new Set(), today: new Date("2026-12-02T00:00:00Z") });
            assert.deepEqual(preparation.problems, [], "quota is a warning: it can be raised after the plan");
            const spot = config.gpuPools.filter((p) => p.spot);
            assert.ok(spot.length > 0, "the shipped stack has a spot GPU pool");
            assert.equal(preparation.warnings.filter((w) => w.includes("(lowPriorityCores)")).length, spot.length, preparation.warnings.join(" | "));
        });
    });
});
