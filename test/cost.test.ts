import * as assert from "node:assert/strict";
import { budgetWarnings, dataVolumes, estimateCost, systemPoolMonthly } from "../cost/estimate";
import { multiGpuMachineWarnings } from "../cost/gpu-machines";
import { HOURS_PER_MONTH, PRICES } from "../cost/prices";
import { CPU_SHAPES, CPU_SIZES, cpuInstanceTypes, GPU_CATALOG, GPU_CLASSES, ManagedCloud } from "../providers/catalog";
import { systemPoolSizing } from "../providers/system-pool";
import { checkConfig, validateConfig } from "../stacks/load";
import { WorkbenchConfigSchema } from "../stacks/schema";

const MANAGED: ManagedCloud[] = ["aws", "gcp", "azure"];
const PROVIDER: Record<ManagedCloud, Record<string, string>> = {
    aws: { "aws:region": "us-east-1" },
    gcp: { "gcp:project": "my-project-123", "gcp:zone": "us-central1-a" },
    azure: { "azure-native:location": "eastus" },
};

function configFor(cloud: ManagedCloud, settings: Record<string, unknown> = {}) {
    const flat: Record<string, string> = { "workbench:cloud": cloud, ...PROVIDER[cloud], "workbench:users": JSON.stringify({ admins: ["alice"], allowed: ["bob"] }) };
    for (const [key, value] of Object.entries(settings)) flat[`workbench:${key}`] = JSON.stringify(value);
    return validateConfig("cost", flat).config;
}

const line = (estimate: ReturnType<typeof estimateCost>, prefix: string) => {
    const found = estimate.lines.find((l) => l.item.startsWith(prefix));
    assert.ok(found, `a line starting "${prefix}" in ${estimate.lines.map((l) => l.item).join("; ")}`);
    return found;
};

describe("cost model", () => {
    it("has a dated, sourced price for every instance type the catalog can choose", () => {
        for (const cloud of MANAGED) {
            const types = new Set<string>();
            for (const size of CPU_SIZES) for (const role of ["system", "user"] as const) cpuInstanceTypes(cloud, role, size).forEach((t) => types.add(t));
            for (const gpu of GPU_CLASSES) GPU_CATALOG[gpu].machines[cloud]?.instanceTypes.forEach((t) => types.add(t));
            for (const type of types) {
                const price = PRICES[cloud].instances[type];
                assert.ok(price, `${cloud} ${type} has a price in cost/prices.ts`);
                assert.ok(price.usd > 0 && /^https:\/\//.test(price.source) && /^\d{4}-\d{2}$/.test(price.asOf), `${cloud} ${type}`);
            }
        }
    });

    for (const cloud of MANAGED) {
        it(`${cloud}: idle leaves out the pools that scale from zero; typical adds the usage profile`, () => {
            const config = configFor(cloud, { gpuPools: [{ name: "t4", gpu: "t4" }] });
            const estimate = estimateCost(config);
            const scalable = estimate.lines.filter((l) => l.scalesToZero);
            assert.deepEqual(scalable.map((l) => l.item.split(" (")[0]), ["User pool", "GPU pool t4"]);
            const sum = (lines: typeof estimate.lines) => lines.reduce((s, l) => s + l.monthly, 0);
            assert.ok(Math.abs(estimate.idleMonthly - sum(estimate.lines.filter((l) => !l.scalesToZero))) < 0.01);
            assert.ok(Math.abs(estimate.typicalMonthly - estimate.idleMonthly - sum(scalable)) < 0.01);
        });
    }

    it("prices a pool's hours from its instance, spot-adjusted, and charges always-on minimum nodes while idle", () => {
        const onDemand = estimateCost(configFor("aws", { userPool: { spot: false, minNodes: 0 }, usageProfile: { userNodeHours: 100, gpuNodeHours: 0, bucketGB: 0 } }));
        const spot = estimateCost(configFor("aws", { userPool: { spot: true, minNodes: 0 }, usageProfile: { userNodeHours: 100, gpuNodeHours: 0, bucketGB: 0 } }));
        const instance = PRICES.aws.instances[cpuInstanceTypes("aws", "user", "medium")[0]].usd;
        assert.ok(line(onDemand, "User pool").monthly >= instance * 100, "100 node-hours cost at least 100 instance-hours");
        assert.ok(line(spot, "User pool").monthly < line(onDemand, "User pool").monthly * 0.5, "spot is much cheaper");

        const warm = estimateCost(configFor("aws", { userPool: { minNodes: 1, spot: false } }));
        assert.equal(line(warm, "User pool").scalesToZero, false);
        assert.ok(warm.idleMonthly - onDemand.idleMonthly >= instance * HOURS_PER_MONTH, "one always-on node adds a month of instance-hours to idle");
    });

    it("charges the EKS control plane, and GKE's fee is offset by the free-tier credit", () => {
        assert.ok(Math.abs(line(estimateCost(configFor("aws")), "Kubernetes control plane").monthly - 0.1 * HOURS_PER_MONTH) < 0.01);
        assert.equal(line(estimateCost(configFor("gcp")), "Kubernetes control plane").monthly, 0);
        assert.equal(line(estimateCost(configFor("azure")), "Kubernetes control plane").monthly, 0);
    });

    it("adds a NAT gateway only for private AWS nodes", () => {
        assert.equal(estimateCost(configFor("aws")).lines.some((l) => l.item.startsWith("NAT")), false);
        const nat = line(estimateCost(configFor("aws", { aws: { privateNodes: true } })), "NAT gateway");
        assert.ok(nat.monthly > 30);
    });

    it("counts each user's retained home volume", () => {
        const two = estimateCost(configFor("aws", { storage: { homeSizeGiB: 50 } }));
        assert.match(line(two, "Volumes").item, /2 homes of 50 GiB/);
        assert.match(line(estimateCost(configFor("aws", { users: { admins: ["alice"] } })), "Volumes").item, /1 home of 10 GiB/);
    });

    it("estimates an instance type override it has no price for as zero and says the estimate is incomplete", () => {
        const estimate = estimateCost(configFor("aws", { aws: { userInstanceTypes: ["m7g.xlarge"] } }));
        assert.match(line(estimate, "User pool").basis, /m7g\.xlarge .*no list price recorded/);
        assert.ok(budgetWarnings(estimate).some((w) => /incomplete: .*User pool/.test(w)));
        assert.deepEqual(budgetWarnings(estimateCost(configFor("aws"))).filter((w) => /incomplete/.test(w)), []);
    });

    it("warns when idle or typical cost exceeds the budget, and not otherwise", () => {
        const estimate = estimateCost(configFor("aws"));
        assert.deepEqual(budgetWarnings({ ...estimate, budgetMonthly: estimate.typicalMonthly + 1 }), []);
        assert.match(budgetWarnings({ ...estimate, budgetMonthly: estimate.typicalMonthly - 1 })[0], /Typical cost/);
        assert.match(budgetWarnings({ ...estimate, budgetMonthly: estimate.idleMonthly - 1 })[0], /Idle cost/);
    });
});

describe("cost model: every line that costs money, and the ceiling", () => {
    it("prices the data services' volumes, at the size configured, while they idle", () => {
        const base = estimateCost(configFor("aws"));
        const big = estimateCost(configFor("aws", { systemPool: { size: "large" }, services: { postgres: { enabled: true, storageGiB: 5000 } } }));
        const volumes = line(big, "Data-service volumes");
        assert.equal(volumes.monthly, 5000 * PRICES.aws.blockStorage.usd, "5 TB of gp3 at its list price");
        assert.equal(volumes.scalesToZero, false);
        assert.match(volumes.basis, /postgres 5000 GiB/);
        assert.ok(big.idleMonthly - base.idleMonthly >= volumes.monthly, "idle carries the volume");
        assert.equal(base.lines.some((l) => l.item.startsWith("Data-service volumes")), false, "no data service, no line");
    });

    it("counts the volume of a service switched on because another needs it (MLflow's PostgreSQL)", () => {
        const mlflow = estimateCost(configFor("gcp", { services: { mlflow: true } }));
        assert.match(line(mlflow, "Data-service volumes").basis, /^postgres 10 GiB/);
        assert.deepEqual(dataVolumes(WorkbenchConfigSchema.shape.services.parse({ mlflow: true, ray: true })).map((v) => v.service), ["postgres"]);
    });

    it("puts a ceiling beside idle and typical: every pool at its maxNodes all month", () => {
        const estimate = estimateCost(configFor("azure", { userPool: { maxNodes: 10 }, gpuPools: [{ name: "t4", gpu: "t4", maxNodes: 2 }] }));
        const user = line(estimate, "User pool");
        const perNodeHour = user.monthly / 120; // the default profile's 120 user-node hours, from zero
        // the figures are rounded to cents: a cent over 120 hours is 0.6 cents over 7300
        assert.ok(Math.abs(user.ceilingMonthly - perNodeHour * 10 * HOURS_PER_MONTH) < 1, `${user.ceilingMonthly}`);
        const gpu = line(estimate, "GPU pool t4");
        assert.ok(Math.abs(gpu.ceilingMonthly - (gpu.monthly / 20) * 2 * HOURS_PER_MONTH) < 1, `${gpu.ceilingMonthly}`);
        for (const fixedLine of estimate.lines.filter((l) => !l.item.includes("pool ") || l.item.startsWith("System pool"))) {
            assert.equal(fixedLine.ceilingMonthly, fixedLine.monthly, fixedLine.item);
        }
        const sum = estimate.lines.reduce((s, l) => s + l.ceilingMonthly, 0);
        assert.ok(Math.abs(estimate.ceilingMonthly - sum) < 0.01);
        assert.ok(estimate.ceilingMonthly > estimate.typicalMonthly && estimate.typicalMonthly >= estimate.idleMonthly);
    });

    it("describes a GPU pool by its machine: GPUs, GPU memory and the node's price an hour", () => {
        const estimate = estimateCost(configFor("aws", { gpuPools: [{ name: "big", gpu: "a100", spot: false }] }));
        const gpu = line(estimate, "GPU pool big");
        assert.match(gpu.item, /p4d\.24xlarge: 8 × A100 40 GB, USD 2[12]\.\d\d\/h, 0-1 nodes/);
        // on demand, one node for the 20 profile hours: the instance's USD 21.96/h and its disk and address
        assert.ok(gpu.monthly > 21.96 * 20 && gpu.monthly < 22.2 * 20, `${gpu.monthly}`);
        assert.ok(gpu.ceilingMonthly > 16_000, "a p4d all month");
    });

    it("warns when a GPU class is a multi-GPU machine, with the machine, its price and the single-GPU classes instead", () => {
        const [warning, ...rest] = multiGpuMachineWarnings("aws", [{ name: "small", gpu: "t4", spot: true }, { name: "big", gpu: "a100", spot: false }]);
        assert.deepEqual(rest, []);
        assert.match(warning, /GPU pool big \(workbench:gpuPools\[1\]\.gpu a100\) is a machine of 8 GPUs on aws: p4d\.24xlarge, 8 × NVIDIA A100 40 GB/);
        assert.match(warning, /USD 21\.96\/h on demand/);
        assert.match(warning, /holds the whole node with all 8 GPUs/);
        assert.match(warning, /for one GPU choose .*h100 \(p5\.4xlarge, 80 GB, USD 6\.88\/h\)/);
        // one A100 is one GPU on GCP and Azure; nothing to warn about there, nor on an existing cluster
        for (const cloud of ["gcp", "azure", "existing"] as const) assert.deepEqual(multiGpuMachineWarnings(cloud, [{ name: "big", gpu: "a100", spot: true }]), [], cloud);
    });

    it("the multi-GPU warning is one of the configuration's own warnings, so a real preview prints it too", () => {
        const flat = { "workbench:cloud": "aws", "aws:region": "us-east-1", "workbench:users": JSON.stringify({ admins: ["alice"] }), "workbench:gpuPools": JSON.stringify([{ name: "big", gpu: "a100" }]) };
        assert.ok(checkConfig(flat).warnings.some((w) => w.includes("machine of 8 GPUs")));
    });

    it("says what the size the fit check asks for costs, before the user changes it", async () => {
        const config = configFor("aws", { services: { postgres: true, mlflow: true } });
        const sizing = systemPoolSizing(config, {
            poolAt: (size) => ({ vcpu: CPU_SHAPES[size].vcpu, memoryGiB: CPU_SHAPES[size].memoryGiB, maxPods: 110 }),
            agents: { cpuMillis: 0, memoryMiB: 0, pods: 0 },
            installsAutoscaler: false,
        });
        const [now, large] = [systemPoolMonthly(config, "aws"), systemPoolMonthly(config, "aws", "large")];
        assert.ok(large.monthly > now.monthly * 2, `${large.monthly} > 2 × ${now.monthly}`);
        assert.ok(
            sizing.advice("large").includes(`the system pool then costs USD ${large.monthly.toFixed(2)} a month (${large.instanceType}) instead of USD ${now.monthly.toFixed(2)} (${now.instanceType})`),
            sizing.advice("large"),
        );
    });
});
