import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { PlanMocks } from "../plan/mocks";
import { readStackConfig } from "../plan/project";
import { GPU_QUOTAS } from "../providers/aws/gpu-quota";
import type { PlatformPreparation } from "../providers/contract";
import type { WorkbenchConfig } from "../stacks/schema";
import { StackSettings, validateConfig } from "../stacks/load";
import { PROJECT_DIR } from "./harness";
import { loadPlatformModule } from "../providers/registry";

/*
 * Issue 21: the GPU quota, looked up during the check before anything registers (Service Quotas GetServiceQuota,
 * answered here with the provider's result shape, `@pulumi/aws` servicequotas/getServiceQuota.d.ts), warns when one
 * node of a GPU pool does not fit, is silent when it does, and says when it could not check.
 */

/** The plan's mocks, with the account's quota values (vCPUs) by code, or a failure. */
class QuotaMocks extends PlanMocks {
    values: Record<string, number> = {};
    failure?: string;
    asked: string[] = [];

    override call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        if (args.token === "aws:servicequotas/getServiceQuota:getServiceQuota") {
            const code = String(args.inputs.quotaCode);
            this.asked.push(code);
            if (this.failure) throw new Error(this.failure);
            const answer = super.call(args);
            return { ...answer, value: this.values[code] ?? 0 };
        }
        return super.call(args);
    }
}

describe("AWS GPU quota before the first GPU server", () => {
    let settings: StackSettings;
    let mocks: QuotaMocks;

    before(async () => {
        const stack = readStackConfig(PROJECT_DIR, "aws");
        const { config, provider } = validateConfig("aws", stack.config);
        settings = { stack: "aws", config, provider, secrets: {} };
        pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);
        mocks = new QuotaMocks({ stack: "aws", project: stack.project, config: stack.config });
        await pulumi.runtime.setMocks(mocks, stack.project, "aws", false);
    });

    const check = async (config: WorkbenchConfig): Promise<PlatformPreparation> => {
        const { prepare } = loadPlatformModule("aws");
        mocks.asked = [];
        return prepare({ stack: "aws", parsed: config, provider: settings.provider, secretsSet: new Set(), today: new Date("2026-12-02T00:00:00Z") });
    };
    const quotaWarnings = (preparation: PlatformPreparation) => preparation.warnings.filter((w) => /quota/i.test(w));
    // the shipped t4 pool (spot g4dn.xlarge, 4 vCPUs) and an on-demand a100 pool (p4d.24xlarge, 96 vCPUs)
    const twoPools = (): WorkbenchConfig => ({ ...settings.config, gpuPools: [...settings.config.gpuPools, { name: "big", gpu: "a100", minNodes: 0, maxNodes: 1, spot: false }] });

    it("warns per pool at zero, with the quota's name and code, its value, what one node needs and how to ask", async () => {
        mocks.failure = undefined;
        mocks.values = {};
        const preparation = await check(twoPools());
        assert.deepEqual(preparation.problems, []);
        assert.deepEqual(new Set(mocks.asked), new Set([GPU_QUOTAS.G.spot.code, GPU_QUOTAS.P.onDemand.code]), "the spot G quota and the on-demand P quota");
        const warnings = quotaWarnings(preparation);
        assert.equal(warnings.length, 2, warnings.join("\n"));
        const t4 = warnings.find((w) => w.includes("GPU pool t4"));
        assert.ok(t4);
        assert.match(t4, /"All G and VT Spot Instance Requests" \(L-3819A6DF\) is 0 vCPUs in us-east-1, and one node needs 4/);
        assert.match(t4, /request-service-quota-increase --service-code ec2 --quota-code L-3819A6DF --desired-value 4 --region us-east-1/);
        const big = warnings.find((w) => w.includes("GPU pool big"));
        assert.match(big ?? "", /"Running On-Demand P instances" \(L-417A185B\) is 0 vCPUs.*one node needs 96/);
    });

    it("is silent when each pool's quota holds a node, and still warns for the one that does not", async () => {
        mocks.values = { [GPU_QUOTAS.G.spot.code]: 8, [GPU_QUOTAS.P.onDemand.code]: 96 };
        assert.deepEqual(quotaWarnings(await check(twoPools())), []);
        mocks.values = { [GPU_QUOTAS.G.spot.code]: 8, [GPU_QUOTAS.P.onDemand.code]: 48 };
        const warnings = quotaWarnings(await check(twoPools()));
        assert.equal(warnings.length, 1);
        assert.match(warnings[0], /GPU pool big.*is 48 vCPUs.*needs 96/);
    });

    it("says it could not check when the lookup fails, and plans on", async () => {
        mocks.failure = "AccessDeniedException: User is not authorized to perform: servicequotas:GetServiceQuota";
        const preparation = await check(settings.config);
        mocks.failure = undefined;
        assert.deepEqual(preparation.problems, []);
        const warnings = quotaWarnings(preparation);
        assert.equal(warnings.length, 1);
        // the mock runtime drops the invoke's message (a real run carries the provider's "AccessDenied…" line)
        assert.match(warnings[0], /^Could not check the EC2 quota "All G and VT Spot Instance Requests" \(L-3819A6DF\) in us-east-1 that GPU pool t4/);
        assert.match(warnings[0], /get-service-quota --service-code ec2 --quota-code L-3819A6DF/);
    });

    it("asks nothing of a stack without GPU pools", async () => {
        const preparation = await check({ ...settings.config, gpuPools: [] });
        assert.deepEqual(mocks.asked, []);
        assert.deepEqual(quotaWarnings(preparation), []);
    });
});
