import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { PlanMocks } from "../plan/mocks";
import { readStackConfig } from "../plan/project";
import { CLUSTER_AUTOSCALER_ACCOUNT } from "../providers/aws/cluster-autoscaler";
import { subnetCidr, VPC_CIDR } from "../providers/aws/network";
import { amiTypeFor, isArmInstanceType } from "../providers/aws/pools";
import { nodeTemplateTags, taintTagValue } from "../providers/aws/autoscaler-tags";
import { GPU_CATALOG, gpuMachine } from "../providers/catalog";
import { NodePool, Platform, Taint, Toleration } from "../providers/contract";
import { StackSettings, validateConfig } from "../stacks/load";
import { PROJECT_DIR } from "./harness";
import { loadPlatformModule } from "../providers/registry";

/*
 * The AWS platform as the shared layer receives it: the contract's data (pools, placement,
 * capabilities, the identity binding), which an offline plan only shows through what the shared
 * layer makes of it. The platform is built in this process on the plan's own mocks.
 */

/** The value of an output, once the mock runtime has resolved it. */
const valueOf = <T>(output: pulumi.Input<T>): Promise<T> => new Promise((resolve) => pulumi.output(output).apply((value) => resolve(value as T)));

/** Whether a toleration lets a pod onto nodes with the taint. */
function tolerates(toleration: Toleration, taint: Taint): boolean {
    if (toleration.key !== taint.key || toleration.effect !== taint.effect) return false;
    return toleration.operator === "Exists" || toleration.value === taint.value;
}

/** Whether a node with `labels` satisfies a pod's node selector. */
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe("AWS platform, as the shared layer receives it", () => {
    let platform: Platform;
    let settings: StackSettings;
    // the platform as the program builds it: prepared (checked) first, then created
    const load = async () => {
        const { prepare } = loadPlatformModule("aws");
        return async (name: string, stackSettings: StackSettings): Promise<Platform> => {
            const { config, provider } = stackSettings;
            const preparation = await prepare({ stack: stackSettings.stack, parsed: config, provider, secretsSet: new Set(), today: new Date() });
            assert.deepEqual(preparation.problems, []);
            return preparation.create(name, stackSettings);
        };
    };

    before(async () => {
        const stack = readStackConfig(PROJECT_DIR, "aws");
        const { config, provider } = validateConfig("aws", stack.config);
        settings = { stack: "aws", config, provider, secrets: {} };
        pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);
        await pulumi.runtime.setMocks(new PlanMocks({ stack: "aws", project: stack.project, config: stack.config }), stack.project, "aws", false);
        platform = await (await load())("workbench", settings);
    });

    const pools = (): NodePool[] => [platform.cluster.systemPool, platform.cluster.userPool, ...platform.gpuPools];

    it("gives every pool a placement that tolerates each of its taints and selects its own labels", () => {
        for (const pool of pools()) {
            for (const taint of pool.taints) {
                assert.ok(pool.placement.tolerations.some((t) => tolerates(t, taint)), `${pool.name}: a toleration for ${taint.key}`);
            }
            assert.ok(Object.keys(pool.placement.nodeSelector).length > 0, `${pool.name} has a selector`);
            assert.ok(selects(pool.placement.nodeSelector, pool.labels), `${pool.name}'s selector matches its own nodes`);
        }
    });

    it("selects exactly one pool per placement: a CPU notebook never lands on a GPU node, nor a GPU notebook on a CPU node", async () => {
        const exact = (all: NodePool[]) => {
            for (const pool of all) {
                const matching = all.filter((other) => selects(pool.placement.nodeSelector, other.labels));
                assert.equal(matching.length, 1, `${pool.name}'s selector matches ${matching.map((p) => p.name).join(", ")}`);
            }
        };
        exact(pools());
        // even a GPU pool named like a CPU pool
        const gpuPools = [{ ...settings.config.gpuPools[0], name: "user" }];
        const confusing = await (await load())("confusing", { ...settings, config: { ...settings.config, gpuPools } });
        exact([confusing.cluster.systemPool, confusing.cluster.userPool, ...confusing.gpuPools]);
    });

    it("keeps the system pool untainted and on-demand as configured, and taints the pools that scale from zero", () => {
        const { systemPool, userPool } = platform.cluster;
        assert.deepEqual(systemPool.taints, []);
        assert.equal(systemPool.spot, settings.config.systemPool.spot);
        assert.equal(systemPool.minNodes, settings.config.systemPool.nodes);
        assert.ok(userPool.taints.length > 0 && userPool.minNodes === 0 && userPool.spot === settings.config.userPool.spot);
        for (const gpu of platform.gpuPools) assert.ok(gpu.taints.some((t) => t.key === "nvidia.com/gpu") && gpu.minNodes === 0);
    });

    it("describes each GPU pool from the catalog: resource name, GPUs per node, model for the profile list", () => {
        assert.equal(platform.gpuPools.length, settings.config.gpuPools.length);
        settings.config.gpuPools.forEach((configured, i) => {
            const pool = platform.gpuPools[i];
            const machine = gpuMachine(configured.gpu, "aws");
            assert.equal(pool.name, configured.name);
            assert.equal(pool.resourceName, "nvidia.com/gpu");
            assert.equal(pool.gpusPerNode, machine.gpuCount);
            assert.equal([pool.vcpu, pool.memoryGiB].join(), [machine.vcpu, machine.memoryGiB].join());
            assert.ok(pool.description.includes(GPU_CATALOG[configured.gpu].model), pool.description);
            assert.equal(pool.maxNodes, configured.maxNodes);
        });
    });

    it("asks for NVIDIA's device plugin exactly when there are GPU pools, and keeps pods off the metadata server", async () => {
        const { capabilities } = platform.cluster;
        assert.equal(capabilities.nvidiaDevicePlugin, settings.config.gpuPools.length > 0);
        assert.equal(capabilities.podsNeedMetadataServer, false, "IRSA hands pods their credentials");

        const cpuOnly = await (await load())("cpu-only", { ...settings, config: { ...settings.config, gpuPools: [] } });
        assert.equal(cpuOnly.cluster.capabilities.nvidiaDevicePlugin, false);
        assert.deepEqual(cpuOnly.gpuPools, []);
    });

    it("asks for a cluster-autoscaler that discovers this cluster's groups, in this region, as the account its role trusts", async () => {
        const request = platform.cluster.capabilities.clusterAutoscaler;
        assert.ok(request, "EKS managed node groups are not scaled by EKS itself");
        const values = (await valueOf(request.values)) as {
            cloudProvider: string;
            awsRegion: string;
            autoDiscovery: { clusterName: string };
            rbac: { serviceAccount: { name: string; annotations: Record<string, string> } };
        };
        assert.equal(values.cloudProvider, "aws");
        assert.equal(values.awsRegion, settings.provider.awsRegion);
        assert.equal(values.autoDiscovery.clusterName, await valueOf(platform.cluster.name));
        assert.match(values.rbac.serviceAccount.annotations["eks.amazonaws.com/role-arn"], /^arn:aws:iam::\d{12}:role\//);
        // the role trusts exactly this namespace/name: the chart must run as that account
        assert.equal(values.rbac.serviceAccount.name, CLUSTER_AUTOSCALER_ACCOUNT.name);
        assert.deepEqual(platform.cluster.capabilities.clusterAutoscaler?.account, CLUSTER_AUTOSCALER_ACCOUNT, "the shared layer is told the account the role trusts");
    });

    it("hands over a secret kubeconfig, the retained storage class by name, and an NLB for the hub", async () => {
        assert.ok(platform.cluster.kubeconfig);
        assert.equal(await pulumi.isSecret(platform.cluster.kubeconfig), true);
        const kubeconfig = JSON.parse(await valueOf(platform.cluster.kubeconfig)) as { users: { user: { exec: { command: string } } }[] };
        assert.equal(kubeconfig.users[0].user.exec.command, "aws", "no static credential in the kubeconfig");
        assert.equal(await valueOf(platform.cluster.retainedStorageClass), "gp3-retained");
        assert.equal(platform.cluster.hubService.type, "LoadBalancer");
        assert.equal(platform.cluster.hubService.annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
        assert.ok(platform.cluster.readyWhen.length >= 3 + platform.gpuPools.length, "node groups, the CSI add-on and the storage class");
    });

    it("binds a ServiceAccount through its role's ARN and the region, with no keys, once per account", async () => {
        const store = platform.objectStore;
        assert.ok(store);
        assert.match(await valueOf(store.url), /^s3:\/\//);
        const account = { namespace: "workbench", name: "workbench-user" };
        const identity = store.bindServiceAccount(account);
        assert.equal(store.bindServiceAccount({ ...account }), identity, "binding twice reuses the role");
        assert.equal(await valueOf(identity.serviceAccountAnnotations["eks.amazonaws.com/role-arn"]), await valueOf(identity.principal));
        assert.deepEqual(identity.secretEnv, {}, "no static cloud keys in the cluster");
        assert.equal(identity.env["AWS_REGION"], settings.provider.awsRegion);
        assert.ok(identity.readyWhen.length > 1, "pods wait for the role's policy and the bucket's protections");
        const fenced = store.bindServiceAccount({ namespace: "workbench-users", name: "workbench-user" }, { excludePrefixes: ["backups/", "mlflow/"] });
        assert.equal(fenced.reach, "bucket", "the whole bucket but the excluded prefixes");
        assert.equal(fenced.excluded, true, "IAM's explicit Deny enforces the exclusions");
        assert.equal(store.bindServiceAccount({ namespace: "workbench", name: "postgres" }, { prefix: "backups/postgres/" }).reach, "prefix");
        const other = store.bindServiceAccount({ namespace: "spark", name: "workbench-user" });
        assert.notEqual(await valueOf(other.principal), await valueOf(identity.principal), "each ServiceAccount gets its own role");
    });
});

describe("AWS platform building blocks", () => {
    it("tells Graviton instance types from x86 ones, and refuses a pool that mixes them", () => {
        for (const arm of ["m7g.xlarge", "c7gn.large", "t4g.large", "g5g.xlarge", "r8gd.2xlarge"]) assert.ok(isArmInstanceType(arm), arm);
        for (const x86 of ["m6a.xlarge", "m6i.large", "g4dn.xlarge", "g6.xlarge", "p4d.24xlarge", "t3a.large", "m7i-flex.large"]) assert.ok(!isArmInstanceType(x86), x86);
        assert.deepEqual(amiTypeFor(["m7g.xlarge", "m6g.xlarge"], false), { amiType: "AL2023_ARM_64_STANDARD" });
        assert.ok("problem" in amiTypeFor(["m7g.xlarge", "m6i.xlarge"], false));
    });

    it("writes a taint without a value as the autoscaler parses it, and a GPU count as a resource", () => {
        assert.equal(taintTagValue({ key: "dedicated", effect: "NoSchedule" }), ":NoSchedule");
        const tags = nodeTemplateTags({ labels: {}, taints: [], resources: { "nvidia.com/gpu": 8 } });
        assert.deepEqual(tags, { "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu": "8" });
    });

    it("gives each of up to six zones a public and a private subnet that do not overlap, inside the VPC", () => {
        const toRange = (cidr: string) => {
            const [address, bits] = cidr.split("/");
            const start = address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
            return [start, start + 2 ** (32 - Number(bits))] as const;
        };
        const [vpcStart, vpcEnd] = toRange(VPC_CIDR);
        const ranges = [0, 1, 2, 3, 4, 5].flatMap((i) => [toRange(subnetCidr("public", i)), toRange(subnetCidr("private", i))]);
        for (const [start, end] of ranges) assert.ok(start >= vpcStart && end <= vpcEnd);
        const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
        for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i][0] >= sorted[i - 1][1], "subnets do not overlap");
    });
});
