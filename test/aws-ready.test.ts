import * as assert from "node:assert/strict";
import { zonesOf, zoneSells } from "../plan/mocks/aws";
import type { Plan, PlannedResource } from "../plan/types";
import { CLUSTER_ADMIN_POLICY, creatorListedProblems } from "../providers/aws/cluster-access";
import { chooseZones, EKS_UNSUPPORTED_ZONE_IDS, Zone } from "../providers/aws/zones";
import { EC2_SHAPES } from "../providers/aws/instance-shapes";
import { EKS_SYSTEM_AGENTS } from "../providers/aws/system-agents";
import { maxPodsOf } from "../providers/aws/max-pods";
import { checkKubernetesVersion, CPU_SHAPES, CPU_SIZES, cpuInstanceTypes, GPU_CATALOG, GPU_CLASSES, kubernetesVersionsOf } from "../providers/catalog";
import { CLUSTER_AUTOSCALER_IMAGE_TAGS } from "../components/versions";
import { input, ofType, planOf, runPlan, variantStackFile } from "./harness";

/*
 * What a first real AWS deploy depends on, planned offline: zones that sell the instances, a supported EKS
 * version, single-shape GPU groups, managed CoreDNS, extra cluster admins, a one-subnet load balancer, a
 * warning for an open API endpoint, the S3 gateway endpoint with private nodes, and the shipped stack's cost.
 */

const T = {
    subnet: "aws:ec2/subnet:Subnet",
    routeTable: "aws:ec2/routeTable:RouteTable",
    nat: "aws:ec2/natGateway:NatGateway",
    endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    addon: "aws:eks/addon:Addon",
    cluster: "eks:index:Cluster",
    accessEntry: "aws:eks/accessEntry:AccessEntry",
    association: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
    release: "kubernetes:helm.sh/v3:Release",
} as const;

function shapeOf(instanceType: string): readonly [number, number, number] {
    const shape = EC2_SHAPES[instanceType];
    assert.ok(shape, `${instanceType}: state its shape in EC2_SHAPES`);
    return shape;
}

/** Plans a variation of Pulumi.aws.yaml. */
const planVariant = (config: Record<string, unknown>) => runPlan("aws", { stackFile: variantStackFile("aws", config) });

/** Two cluster admins configured and the API limited to one network: independent settings, one plan for the tests of each. */
const CLUSTER_ADMINS = ["arn:aws:iam::123456789012:role/ci-deployer", "arn:aws:iam::123456789012:user/bob"];
const adminsAndLimitedApi = () => planVariant({ "workbench:aws": { clusterAdmins: CLUSTER_ADMINS, apiAllowedCidrs: ["203.0.113.0/24"] } });

/** The zone (name) of the subnets a node group launches into. */
function nodeGroupZones(plan: Plan, nodeGroup: PlannedResource): string[] {
    return plan.resources.filter((r) => r.type === T.subnet && nodeGroup.dependsOn.includes(r.urn)).map((s) => String(input(s, "availabilityZone")));
}

/** The zone ID of a zone name in the mocked region. */
function zoneIdOf(region: string, name: string): string {
    const found = zonesOf(region).find(([zoneName]) => zoneName === name);
    assert.ok(found, `${name} is a zone of ${region}`);
    return found[1];
}

/** A failed plan registers nothing but the root Stack, and names the keys. */
function assertRejected(run: Awaited<ReturnType<typeof runPlan>>, key: string): string {
    assert.notEqual(run.status, 0, "the plan fails");
    const keys = (run.document.problems ?? []).map((p) => p.key);
    assert.ok(keys.includes(key), `problems name ${key}: ${keys.join(", ")} (${run.document.error ?? ""})`);
    assert.deepEqual(run.document.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.urn), [], "nothing but the root Stack is registered");
    return run.document.error ?? "";
}

describe("AWS, ready for a real account (planned offline)", function () {
    // each variant is a plan in its own process, queued behind the other test files' plans
    this.timeout(300_000);
    let plan: Plan;
    before(async () => {
        plan = await planOf("aws");
    });

    describe("zones that sell the instances", () => {
        const region = "us-east-1";

        it("runs every node group in one zone that sells every one of its instance types (the mocked us-east-1a sells no GPU)", async () => {
            const gpuStacks: Record<string, unknown>[] = [
                {},
                { "workbench:gpuPools": [{ name: "l4", gpu: "l4" }, { name: "a10", gpu: "a10" }] },
                { "workbench:gpuPools": [{ name: "h100", gpu: "h100", spot: false }] },
            ];
            for (const variant of gpuStacks) {
                const run = Object.keys(variant).length === 0 ? { status: 0, document: plan, stderr: "" } : await planVariant(variant);
                assert.equal(run.status, 0, run.stderr);
                const groups = ofType(run.document, T.nodeGroup);
                const zones = new Set(groups.flatMap((g) => nodeGroupZones(run.document, g)));
                assert.equal(zones.size, 1, "every node in one zone");
                const [zone] = [...zones];
                const id = zoneIdOf(region, zone);
                for (const group of groups) {
                    const types = input(group, "instanceTypes") as string[];
                    assert.ok(types.length > 0, `${group.name} keeps an instance type`);
                    for (const type of types) assert.ok(zoneSells(id, type), `${zone} (${id}) sells ${type} of ${group.name}`);
                }
                assert.ok(!EKS_UNSUPPORTED_ZONE_IDS.includes(id));
            }
        });

        it("fails a stack no zone can run, naming the pools and the zones, with only the root Stack registered", async () => {
            // the mock sells p4d and p5 in one zone each, and not the same one
            const run = await planVariant({ "workbench:gpuPools": [{ name: "a100", gpu: "a100" }, { name: "h100", gpu: "h100" }] });
            const error = assertRejected(run, "workbench:gpuPools[0].gpu");
            assert.ok((run.document.problems ?? []).some((p) => p.key === "workbench:gpuPools[1].gpu"));
            assert.match(error, /us-east-1a \(use1-az1\) lacks/);
        });

        it("fails a region with too few zones where EKS can place subnets before anything registers", async () => {
            const run = await planVariant({ "aws:region": "us-west-1", "workbench:aws": { availabilityZones: 3 } });
            assert.match(assertRejected(run, "workbench:aws.availabilityZones"), /us-west-1 has 2 zones/);
        });

        it("prefers the zone that sells each pool's preferred type, ties broken by zone ID, never by name", () => {
            const zones: Zone[] = [
                { name: "x-1a", id: "x1-az3" },
                { name: "x-1b", id: "x1-az1" },
                { name: "x-1c", id: "x1-az2" },
            ];
            const offerings = new Map([
                ["x-1a", new Set(["m.big", "g.one"])],
                ["x-1b", new Set(["m.big", "g.one"])],
                ["x-1c", new Set(["m.big", "m.alt"])],
            ]);
            const pools = [
                { key: "workbench:userPool.size", instanceTypes: ["m.big", "m.alt"] },
                { key: "workbench:gpuPools[0].gpu", instanceTypes: ["g.one"] },
            ];
            const result = chooseZones({ zones, offerings, pools, count: 2, region: "x-1" });
            assert.ok("choice" in result);
            assert.equal(result.choice.zones[0].name, "x-1b", "the lower zone ID among the zones that run every pool");
            assert.deepEqual(result.choice.dropped, ["m.alt"]);
            assert.equal(result.choice.zones.length, 2);
        });
    });

    describe("Kubernetes version", () => {
        it("defaults to a minor with months of standard support left, whose autoscaler image is pinned", () => {
            const versions = kubernetesVersionsOf("aws");
            const release = versions.releases.find((r) => r.minor === versions.defaultMinor);
            assert.ok(release);
            const months = (Date.parse(release.endOfStandardSupport) - Date.parse(`${versions.asOf}-01`)) / (30 * 24 * 3600 * 1000);
            assert.ok(months >= 3, `${versions.defaultMinor} has ${months.toFixed(1)} months left as of ${versions.asOf}`);
            assert.equal(input(ofType(plan, T.cluster)[0], "version"), versions.defaultMinor);
            for (const r of versions.releases) assert.ok(CLUSTER_AUTOSCALER_IMAGE_TAGS[r.minor]?.startsWith(`v${r.minor}.`), `autoscaler image for ${r.minor}`);
        });

        it("rejects a version EKS does not offer, registering nothing", async () => {
            const run = await planVariant({ "workbench:kubernetesVersion": "1.30" });
            assert.match(assertRejected(run, "workbench:kubernetesVersion"), /aws offers/);
        });

        it("rejects a version past its standard support, and warns 60 days before the end", () => {
            const ended = checkKubernetesVersion("aws", "1.34", new Date("2026-12-03T00:00:00Z"));
            assert.match(ended.problems[0]?.allowed ?? "", /ended on 2026-12-02/);
            const near = checkKubernetesVersion("aws", "1.34", new Date("2026-11-01T00:00:00Z"));
            assert.deepEqual(near.problems, []);
            assert.match(near.warnings[0] ?? "", /leaves aws's standard support on 2026-12-02.*1\.35/);
        });
    });

    describe("machine shapes", () => {
        it("gives each AWS GPU pool instance types of one shape: vCPU, memory and GPU count of the catalog entry", () => {
            for (const gpu of GPU_CLASSES) {
                const machine = GPU_CATALOG[gpu].machines.aws;
                if (!machine) continue;
                for (const type of machine.instanceTypes) {
                    assert.deepEqual(shapeOf(type), [machine.vcpu, machine.memoryGiB, machine.gpuCount], `${gpu}: ${type}`);
                }
            }
        });

        it("gives each AWS CPU size class instance types of exactly its shape", () => {
            for (const size of CPU_SIZES) {
                for (const role of ["system", "user"] as const) {
                    for (const type of cpuInstanceTypes("aws", role, size)) {
                        assert.deepEqual(shapeOf(type), [CPU_SHAPES[size].vcpu, CPU_SHAPES[size].memoryGiB, 0], `${role} ${size}: ${type}`);
                    }
                }
            }
        });

        it("refuses an instance type override of another shape than its pool's size class", async () => {
            const run = await planVariant({ "workbench:systemPool": { size: "small" }, "workbench:aws": { systemInstanceTypes: ["t4g.medium"] } });
            assert.match(assertRejected(run, "workbench:aws.systemInstanceTypes"), /t4g\.medium is 2 vCPU \/ 4 GiB/);
            const graviton = await planVariant({ "workbench:systemPool": { size: "xsmall" }, "workbench:aws": { systemInstanceTypes: ["t4g.medium"] } });
            assert.equal(graviton.status, 0, graviton.stderr);
            const system = ofType(graviton.document, T.nodeGroup).find((g) => input(g, "tags", "workbench:pool") === "system")!;
            assert.equal(input(system, "amiType"), "AL2023_ARM_64_STANDARD");
            assert.ok(graviton.document.cost.idleMonthly < plan.cost.idleMonthly, "Graviton idles cheaper");
        });

        it("sizes the shipped system node for EKS's agents plus the workbench's always-on pods, with room to roll one update", () => {
            const [system] = ofType(plan, T.nodeGroup).filter((g) => input(g, "tags", "workbench:pool") === "system");
            const types = input(system, "instanceTypes") as string[];
            // hub, proxy, 2 user-schedulers, dask-gateway api, controller and traefik, spark-operator controller and webhook, cluster-autoscaler
            const workbenchPods = 10;
            const pods = maxPodsOf(types, input(ofType(plan, "eks:index:Cluster")[0], "vpcCniOptions", "configurationValues", "env", "ENABLE_PREFIX_DELEGATION") === "true");
            assert.ok(pods >= EKS_SYSTEM_AGENTS.pods + workbenchPods + 1, `${types.join(", ")}: ${pods} pods`);
        });
    });

    describe("cluster add-ons and access", () => {
        it("manages CoreDNS as an EKS add-on that waits for the system node group", () => {
            const coredns = ofType(plan, T.addon).find((a) => input(a, "addonName") === "coredns");
            assert.ok(coredns, "a coredns add-on");
            const system = ofType(plan, T.nodeGroup).find((g) => input(g, "tags", "workbench:pool") === "system");
            assert.ok(system && coredns.dependsOn.includes(system.urn), "its pods need the system nodes to become healthy");
        });

        it("makes each configured principal a cluster admin through an access entry and a cluster-scoped policy association", async () => {
            const admins = CLUSTER_ADMINS;
            const run = await adminsAndLimitedApi();
            assert.equal(run.status, 0, run.stderr);
            const cluster = ofType(run.document, T.cluster)[0];
            const entries = ofType(run.document, T.accessEntry);
            assert.deepEqual(entries.map((e) => input(e, "principalArn")).sort(), [...admins].sort());
            for (const entry of entries) {
                assert.equal(input(entry, "clusterName"), input(cluster, "name"));
                assert.ok(entry.dependsOn.includes(cluster.urn), "after the cluster exists");
                const [association] = ofType(run.document, T.association).filter((a) => a.dependsOn.includes(entry.urn));
                assert.ok(association, `${String(input(entry, "principalArn"))} has a policy association`);
                assert.equal(input(association, "principalArn"), input(entry, "principalArn"));
                assert.equal(input(association, "policyArn"), `arn:aws:eks::aws:cluster-access-policy/${CLUSTER_ADMIN_POLICY}`);
                assert.deepEqual(input(association, "accessScope"), { type: "cluster" });
            }
            assert.deepEqual(ofType(plan, T.accessEntry), [], "no extra admin unless configured");
        });

        it("refuses a cluster admin that is no IAM role or user ARN, or the principal running Pulumi (EKS admits it already)", async () => {
            assertRejected(await planVariant({ "workbench:aws": { clusterAdmins: ["alice"] } }), "workbench:aws.clusterAdmins[0]");
            // the mocked caller is arn:aws:iam::123456789012:user/workbench-admin
            const creator = await planVariant({ "workbench:aws": { clusterAdmins: ["arn:aws:iam::123456789012:role/ci", "arn:aws:iam::123456789012:user/workbench-admin"] } });
            assert.match(assertRejected(creator, "workbench:aws.clusterAdmins[1]"), /principal running Pulumi/);
            assert.deepEqual(creatorListedProblems(["arn:aws:iam::123456789012:role/team/deployer"], "arn:aws:sts::123456789012:assumed-role/deployer/alice").length, 1);
            assert.deepEqual(creatorListedProblems(["arn:aws:iam::210987654321:role/deployer"], "arn:aws:sts::123456789012:assumed-role/deployer/alice"), []);
        });
    });

    describe("hub load balancer and API endpoint", () => {
        it("pins the NLB to one public subnet, in the node zone, and targets only the system nodes", () => {
            const hub = ofType(plan, T.release).find((r) => input(r, "chart") === "jupyterhub");
            assert.ok(hub);
            const annotations = input(hub, "values", "proxy", "service", "annotations") as Record<string, string>;
            assert.equal(annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
            const subnets = annotations["service.beta.kubernetes.io/aws-load-balancer-subnets"].split(",");
            assert.equal(subnets.length, 1, "one subnet, so one public IPv4");
            const named = ofType(plan, T.subnet).filter((s) => input(s, "tags", "Name") === subnets[0]);
            assert.equal(named.length, 1, "the annotation names exactly one planned subnet");
            assert.equal(input(named[0], "tags", "kubernetes.io/role/elb"), "1", "a public subnet");
            const system = ofType(plan, T.nodeGroup).find((g) => input(g, "tags", "workbench:pool") === "system")!;
            assert.deepEqual([input(named[0], "availabilityZone")], nodeGroupZones(plan, system), "in the zone of the nodes");
            const labels = input(system, "labels") as Record<string, string>;
            for (const pair of annotations["service.beta.kubernetes.io/aws-load-balancer-target-node-labels"].split(",")) {
                const [key, value] = pair.split("=");
                assert.equal(labels[key], value, `the system nodes carry ${pair}`);
            }
            const lbLine = plan.cost.lines.find((l) => l.item === "Hub load balancer");
            assert.match(lbLine?.basis ?? "", /\b1 public IPv4/);
        });

        it("warns while the API endpoint is open to the internet, and not once it is limited", async () => {
            assert.ok(plan.warnings.some((w) => w.includes("workbench:aws.apiAllowedCidrs")), plan.warnings.join("\n"));
            const run = await adminsAndLimitedApi();
            assert.equal(run.status, 0, run.stderr);
            assert.ok(!run.document.warnings.some((w) => w.includes("apiAllowedCidrs")), run.document.warnings.join("\n"));
        });
    });

    describe("private nodes", () => {
        it("route S3 through a free gateway endpoint on the private route table, not the NAT gateway", async () => {
            const run = await planVariant({ "workbench:aws": { privateNodes: true } });
            assert.equal(run.status, 0, run.stderr);
            const [nat] = ofType(run.document, T.nat);
            const privateRoutes = ofType(run.document, T.routeTable).filter((t) => t.dependsOn.includes(nat.urn));
            const endpoints = ofType(run.document, T.endpoint);
            assert.equal(endpoints.length, 1);
            const [endpoint] = endpoints;
            assert.equal(input(endpoint, "vpcEndpointType"), "Gateway");
            assert.equal(input(endpoint, "serviceName"), "com.amazonaws.us-east-1.s3");
            assert.deepEqual(privateRoutes.map((t) => endpoint.dependsOn.includes(t.urn)), [true], "attached to the private route table");
            assert.deepEqual(ofType(plan, T.endpoint), [], "public nodes need none");
        });
    });

    describe("autoscaler", () => {
        it("waits longer for a node when a pool runs large GPU instances", async () => {
            const provisionTime = (p: Plan) => {
                const release = ofType(p, T.release).find((r) => input(r, "chart") === "cluster-autoscaler");
                assert.ok(release);
                return String(input(release, "values", "extraArgs", "max-node-provision-time"));
            };
            const minutes = (text: string) => Number(/^(\d+)m$/.exec(text)?.[1]);
            const run = await planVariant({ "workbench:gpuPools": [{ name: "h100", gpu: "h100", spot: false }] });
            assert.equal(run.status, 0, run.stderr);
            assert.ok(minutes(provisionTime(run.document)) >= 20, provisionTime(run.document));
            assert.ok(minutes(provisionTime(plan)) <= 15, "a spot pool without capacity is given up on quickly");
        });
    });

    describe("cost of the shipped stack", () => {
        it("idles at most USD 130 a month and costs at most USD 150 in a typical month", () => {
            assert.ok(plan.cost.idleMonthly <= 130, `idle USD ${plan.cost.idleMonthly}`);
            assert.ok(plan.cost.typicalMonthly <= 150, `typical USD ${plan.cost.typicalMonthly}`);
        });
    });
});
