import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { PlanMocks } from "../plan/mocks";
import { zonesOf } from "../plan/mocks/aws";
import { readStackConfig } from "../plan/project";
import { subnetCidr } from "../providers/aws/network";
import { chooseZones } from "../providers/aws/zones";
import type { PlatformPreparation } from "../providers/contract";
import type { WorkbenchConfig } from "../stacks/schema";
import { StackSettings, validateConfig } from "../stacks/load";
import { PROJECT_DIR } from "./harness";
import { loadPlatformModule } from "../providers/registry";

/*
 * aws.md §1 / issue 19: the node zone of a deployed stack stays where its first deploy put it. The stack's
 * subnets are looked up (EC2 DescribeSubnets by the stack's tags) before anything registers; here the mocks
 * answer as AWS would for a stack deployed earlier, with the responses' shapes (`@pulumi/aws` ec2/getSubnets.d.ts,
 * ec2/getSubnet.d.ts).
 */

/** The plan's mocks, plus the subnets an earlier deploy left, by index: zone name → [subnet index]. */
class DeployedStackMocks extends PlanMocks {
    existing: Map<number, string> = new Map();
    /** The live desired size of each node group, by its `workbench/pool` label. */
    liveDesired: Map<string, number> = new Map();
    /** The node groups registered, by logical name: their inputs. */
    nodeGroups = new Map<string, Record<string, unknown>>();

    override newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
        if (args.type === "aws:eks/nodeGroup:NodeGroup") this.nodeGroups.set(args.name, args.inputs);
        return super.newResource(args);
    }

    override call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        const region = "us-east-1";
        if (args.token === "aws:ec2/getSubnets:getSubnets") {
            return { id: region, ids: [...this.existing.keys()].map((i) => `subnet-0000000000000000${i}`), filters: args.inputs.filters };
        }
        if (args.token === "aws:ec2/getSubnet:getSubnet") {
            const index = Number(String(args.inputs.id).slice(-1));
            const zoneName = this.existing.get(index);
            const zone = zonesOf(region).find(([name]) => name === zoneName);
            assert.ok(zone, `${zoneName} is a mocked zone`);
            return {
                id: args.inputs.id,
                arn: `arn:aws:ec2:${region}:123456789012:subnet/${String(args.inputs.id)}`,
                availabilityZone: zone[0],
                availabilityZoneId: zone[1],
                cidrBlock: subnetCidr("public", index),
                vpcId: "vpc-00000000000000001",
                mapPublicIpOnLaunch: true,
                state: "available",
                tags: { Name: `workbench-public-${index}`, "kubernetes.io/cluster/workbench-aws": "shared", "workbench:stack": "aws" },
            };
        }
        if (args.token === "aws:eks/getNodeGroups:getNodeGroups") {
            return { id: String(args.inputs.clusterName), clusterName: args.inputs.clusterName, region, names: [...this.liveDesired.keys()].map((pool) => `${pool}-20261101000000000000000001`) };
        }
        if (args.token === "aws:eks/getNodeGroup:getNodeGroup") {
            const name = String(args.inputs.nodeGroupName);
            const pool = name.slice(0, name.lastIndexOf("-"));
            const desired = this.liveDesired.get(pool) ?? 0;
            // the shipped stack: an on-demand system pool, spot user and GPU pools
            const capacityType = pool === "system" ? "ON_DEMAND" : "SPOT";
            return {
                id: `${String(args.inputs.clusterName)}:${name}`,
                clusterName: args.inputs.clusterName,
                nodeGroupName: name,
                labels: { "workbench/pool": pool },
                capacityType,
                scalingConfigs: [{ desiredSize: desired, minSize: 0, maxSize: 3 }],
                status: "ACTIVE",
            };
        }
        return super.call(args);
    }
}

describe("AWS node zone across deploys", () => {
    let settings: StackSettings;
    let mocks: DeployedStackMocks;

    before(async () => {
        const stack = readStackConfig(PROJECT_DIR, "aws");
        const { config, provider } = validateConfig("aws", stack.config);
        settings = { stack: "aws", config, provider, secrets: {} };
        pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);
        mocks = new DeployedStackMocks({ stack: "aws", project: stack.project, config: stack.config });
        await pulumi.runtime.setMocks(mocks, stack.project, "aws", false);
    });

    const prepareWith = async (config: WorkbenchConfig): Promise<PlatformPreparation> => {
        const { prepare } = loadPlatformModule("aws");
        return prepare({ stack: "aws", parsed: config, provider: settings.provider, secretsSet: new Set(), today: new Date() });
    };
    const withPool = (gpu: "a10" | "h100"): WorkbenchConfig => ({
        ...settings.config,
        gpuPools: [...settings.config.gpuPools, { name: "second", gpu, minNodes: 0, maxNodes: 1, spot: false }],
    });
    const nodeZoneOf = async (config: WorkbenchConfig, name: string): Promise<string> => {
        const preparation = await prepareWith(config);
        assert.deepEqual(preparation.problems, []);
        const platform = preparation.create(name, { ...settings, config });
        return String(platform.outputs["nodeZone"]);
    };

    it("keeps the zone of the existing node subnet when a GPU pool is added, though a first deploy would choose another", async () => {
        mocks.existing = new Map();
        // a first deploy: the lowest zone ID among those that sell every pool (use1-az2 in the mocked offerings)
        assert.equal(await nodeZoneOf(withPool("a10"), "first"), "us-east-1b");
        // deployed earlier in us-east-1d (say AWS sold g4dn only there then): adding the a10 pool does not move it
        mocks.existing = new Map([[0, "us-east-1d"], [1, "us-east-1c"]]);
        assert.equal(await nodeZoneOf(withPool("a10"), "later"), "us-east-1d");
    });

    it("refuses, naming the pool and the zone, a pool the kept zone does not sell, instead of moving every subnet", async () => {
        mocks.existing = new Map([[0, "us-east-1d"], [1, "us-east-1b"]]);
        // p5 (h100) is sold only in use1-az4 (us-east-1c) in the mocked offerings
        const preparation = await prepareWith(withPool("h100"));
        const problem = preparation.problems.find((p) => p.key === "workbench:gpuPools[1].gpu");
        assert.ok(problem, JSON.stringify(preparation.problems));
        assert.match(problem.allowed, /us-east-1d \(use1-az6\).*first deploy.*cannot move/);
        assert.equal(preparation.problems.length, 1, "only the pool the zone lacks");
    });

    it("keeps each existing subnet's zone at its index and adds a new subnet in a zone the stack does not use yet", () => {
        const zones = zonesOf("us-east-1").map(([name, id]) => ({ name, id }));
        const offerings = new Map(zones.map((zone) => [zone.name, new Set(["m.one"])]));
        const existing = new Map([[0, zones[3]], [1, zones[5]]]);
        const result = chooseZones({ zones, offerings, pools: [{ key: "workbench:userPool.size", instanceTypes: ["m.one"] }], count: 3, region: "us-east-1", existing });
        assert.ok("choice" in result, JSON.stringify(result));
        assert.deepEqual(result.choice.zones.map((z) => z.id), [zones[3].id, zones[5].id, "use1-az1"]);
    });

    describe("node group sizes on a later deploy", () => {
        const desiredOf = (name: string) => (mocks.nodeGroups.get(name)?.["scalingConfig"] as { desiredSize: number; minSize: number } | undefined)?.desiredSize;
        const deployWith = async (config: WorkbenchConfig, name: string) => {
            mocks.existing = new Map([[0, "us-east-1b"], [1, "us-east-1a"]]);
            const preparation = await prepareWith(config);
            assert.deepEqual(preparation.problems, []);
            preparation.create(name, { ...settings, config });
            await new Promise((resolve) => setTimeout(resolve, 200));
        };

        it("sends the autoscaler's live count, so an update neither resets it nor is refused for it", async () => {
            mocks.liveDesired = new Map([["system", 1], ["user", 2], ["gpu-t4", 0]]);
            await deployWith(settings.config, "live");
            assert.equal(desiredOf("live-user"), 2, "two user nodes running: the update keeps them");
            assert.equal(desiredOf("live-gpu-t4"), 0);
        });

        it("raises the desired size to a raised minNodes, and lowers it to a lowered maxNodes, as EKS requires", async () => {
            mocks.liveDesired = new Map([["system", 1], ["user", 0], ["gpu-t4", 2]]);
            const config: WorkbenchConfig = {
                ...settings.config,
                userPool: { ...settings.config.userPool, minNodes: 1 },
                gpuPools: settings.config.gpuPools.map((pool) => ({ ...pool, maxNodes: 1 })),
            };
            await deployWith(config, "raised");
            const user = mocks.nodeGroups.get("raised-user")?.["scalingConfig"] as { desiredSize: number; minSize: number };
            assert.ok(user.desiredSize >= user.minSize, `desired ${user.desiredSize} >= min ${user.minSize}`);
            assert.equal(user.desiredSize, 1);
            assert.equal(desiredOf("raised-gpu-t4"), 1, "two GPU nodes live, at most one allowed now");
        });
    });
});
