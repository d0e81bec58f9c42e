import * as assert from "node:assert/strict";
import { budgetWarnings, estimateCost } from "../cost/estimate";
import { HOURS_PER_MONTH, PRICES } from "../cost/prices";
import { CPU_SIZES, cpuInstanceTypes, GPU_CATALOG, GPU_CLASSES, ManagedCloud } from "../providers/catalog";
import { validateConfig } from "../stacks/load";

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
        assert.match(line(two, "Volumes").item, /2 home × 50 GiB/);
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
