import * as assert from "node:assert/strict";
import type { Plan } from "../plan/types";
import { KUBERNETES_SERVICE_IP, SERVICE_CIDR } from "../providers/aws/cluster";
import { bucketAccessPolicy } from "../providers/aws/identity";
import { EC2_SHAPES } from "../providers/aws/instance-shapes";
import { PolicyDocument, STS_AUDIENCE } from "../providers/aws/irsa";
import { eniLimitsOf, knowsMaxPods, kubeReservedPodsOf, maxPodsOfType, prefixPods, secondaryAddressPods } from "../providers/aws/max-pods";
import { creditSpecificationOf, releaseVersionParameter } from "../providers/aws/node-groups";
import { VPC_CIDR } from "../providers/aws/network";
import { cpuInstanceTypes, CPU_SIZES, GPU_CLASSES, gpuClassesOn, gpuMachine, kubernetesVersionsOf } from "../providers/catalog";
import { planViolations } from "../plan/policy";
import { BoundIdentities } from "../providers/bindings";
import type { WorkloadIdentity } from "../providers/contract";
import { input, ofType, planOf, runPlan, variantStackFile } from "./harness";

/*
 * The fixes of the EKS review (shared/notes/reviews/aws.md), each asserted as the relationship it restores, on
 * the shipped AWS stack planned offline or on the building block that decides it.
 */

/** One request as IAM evaluates it: the action, the resource ARN and the request's condition keys. */
interface Request {
    action: string;
    resource: string;
    context?: Record<string, string>;
}

/** `*` and `?` wildcards of IAM's ARN and StringLike matching. */
function like(pattern: string, value: string): boolean {
    const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    return new RegExp(`^${escaped}$`).test(value);
}

/**
 * IAM's evaluation of one identity policy, for the operators the workbench writes (StringEquals, StringLike and
 * their IfExists forms): an explicit Deny wins, else an Allow, else the implicit deny
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html). A condition key the
 * request lacks fails a plain operator and passes an `...IfExists` one (reference_policies_elements_condition_operators.html).
 */
function allows(policy: PolicyDocument, request: Request): boolean {
    const list = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
    const matches = (statement: PolicyDocument["Statement"][number]) => {
        if (!list(statement.Action).some((action) => like(action, request.action))) return false;
        if (!list(statement.Resource).some((resource) => like(resource, request.resource))) return false;
        return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
            Object.entries(keys).every(([key, values]) => {
                const given = request.context?.[key];
                if (given === undefined) return operator.endsWith("IfExists");
                const test = operator.startsWith("StringLike") ? like : (a: string, b: string) => a === b;
                return list(values).some((value) => test(value, given));
            }),
        );
    };
    const applying = policy.Statement.filter(matches);
    return !applying.some((s) => s.Effect === "Deny") && applying.some((s) => s.Effect === "Allow");
}

const BUCKET = "arn:aws:s3:::workbench-data";

describe("EKS review fixes (planned offline)", function () {
    this.timeout(300_000);
    let plan: Plan;
    before(async () => {
        plan = await planOf("aws");
    });

    describe("bucket permissions", () => {
        it("lets a prefix-scoped role pass barman's HeadBucket (s3:ListBucket without s3:prefix) and keeps its objects to the prefix", () => {
            const policy = bucketAccessPolicy(BUCKET, { prefix: "backups/postgres/" });
            // HeadBucket is authorised as s3:ListBucket and carries no s3:prefix (API_HeadBucket.html)
            assert.ok(allows(policy, { action: "s3:ListBucket", resource: BUCKET }), "barman-cloud's test_connectivity HEADs the bucket");
            assert.ok(allows(policy, { action: "s3:ListBucket", resource: BUCKET, context: { "s3:prefix": "backups/postgres/wals/" } }));
            assert.ok(!allows(policy, { action: "s3:ListBucket", resource: BUCKET, context: { "s3:prefix": "mlflow/" } }), "listing another prefix by name is refused");
            assert.ok(allows(policy, { action: "s3:PutObject", resource: `${BUCKET}/backups/postgres/base/1` }));
            assert.ok(!allows(policy, { action: "s3:GetObject", resource: `${BUCKET}/mlflow/run/model.pkl` }), "objects outside the prefix stay out of reach");
        });

        it("denies a whole-bucket role every object and listing under each excluded prefix, explicitly, and nothing else", () => {
            const policy = bucketAccessPolicy(BUCKET, { excludePrefixes: ["backups/", "mlflow/"] });
            for (const key of ["backups/postgres/base/1", "mlflow/1/artifacts/model.pkl"]) {
                for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) {
                    assert.ok(!allows(policy, { action, resource: `${BUCKET}/${key}` }), `${action} ${key}`);
                }
            }
            assert.ok(!allows(policy, { action: "s3:ListBucket", resource: BUCKET, context: { "s3:prefix": "backups/postgres/" } }));
            assert.ok(allows(policy, { action: "s3:GetObject", resource: `${BUCKET}/data/train.parquet` }), "the rest of the bucket stays the user's");
            assert.ok(allows(policy, { action: "s3:ListBucket", resource: BUCKET, context: { "s3:prefix": "data/" } }));
            assert.ok(policy.Statement.some((s) => s.Effect === "Deny"), "an explicit Deny, which no other Allow can override");
        });

        it("counts the excluded prefixes as part of a binding's scope: one account cannot be bound with and without them", () => {
            const bound = new BoundIdentities();
            const account = { namespace: "workbench-users", name: "workbench-user" };
            const identity = { reach: "bucket", excluded: true } as unknown as WorkloadIdentity;
            const first = bound.of(account, { excludePrefixes: ["backups/", "mlflow/"] }, () => identity);
            assert.equal(bound.of(account, { excludePrefixes: ["mlflow/", "backups/"] }, () => identity), first, "the same exclusions in another order");
            assert.throws(() => bound.of(account, undefined, () => identity), /except backups\/, mlflow\/ already; it cannot also reach the whole bucket$/);
            assert.throws(() => bound.of(account, { excludePrefixes: ["backups/"] }, () => identity), /cannot also reach the whole bucket except backups\/$/);
        });

        it("requires the STS audience as well as the exact ServiceAccount in every IRSA trust of the plan", () => {
            const roles = ofType(plan, "aws:iam/role:Role").filter((r) => String(input(r, "assumeRolePolicy")).includes("AssumeRoleWithWebIdentity"));
            assert.ok(roles.length >= 3, "the bucket, the autoscaler and the EBS CSI driver");
            for (const role of roles) {
                const trust = JSON.parse(String(input(role, "assumeRolePolicy"))) as PolicyDocument;
                for (const statement of trust.Statement) {
                    const equals = statement.Condition?.StringEquals ?? {};
                    const key = (suffix: string) => Object.keys(equals).find((k) => k.endsWith(suffix));
                    assert.ok(key(":sub"), `${role.name}: :sub`);
                    assert.equal(equals[key(":aud") ?? ""], STS_AUDIENCE, `${role.name}: :aud = ${STS_AUDIENCE}`);
                }
            }
        });
    });

    it("has the identity policy refuse a web-identity trust without the STS audience (security review §10)", () => {
        assert.deepEqual(planViolations(plan).filter((v) => v.policy === "notebook-identity-scoped"), [], "the shipped trusts pass");
        const broken = structuredClone(plan);
        const role = broken.resources.find((r) => r.type === "aws:iam/role:Role" && r.name === "workbench-workbench-users-workbench-user");
        assert.ok(role);
        const trust = JSON.parse(String(role.inputs["assumeRolePolicy"])) as PolicyDocument;
        const equals = trust.Statement[0].Condition?.StringEquals ?? {};
        for (const key of Object.keys(equals)) if (key.endsWith(":aud")) delete equals[key];
        role.inputs["assumeRolePolicy"] = JSON.stringify(trust);
        const found = planViolations(broken).filter((v) => v.policy === "notebook-identity-scoped");
        assert.ok(found.some((v) => v.message.includes("workbench-workbench-users-workbench-user") && /audience sts\.amazonaws\.com/.test(v.message)), found.map((v) => v.message).join("\n"));
    });

    describe("the API-client fence", () => {
        it("pins the cluster's Service range and admits kubernetes.default's ClusterIP, which the VPC CNI's agent sees before DNAT", () => {
            const cluster = ofType(plan, "eks:index:Cluster")[0];
            assert.equal(input(cluster, "kubernetesServiceIpAddressRange"), SERVICE_CIDR);
            const [base] = SERVICE_CIDR.split("/");
            const first = base.replace(/\.0$/, ".1");
            assert.equal(KUBERNETES_SERVICE_IP, first, "the API server's Service takes the range's first address");
            const policy = ofType(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((r) => r.name.endsWith("-api-clients"));
            assert.ok(policy);
            const egress = input(policy, "spec", "egress") as { to?: { ipBlock?: { cidr: string } }[]; ports?: { port: number }[] }[];
            const reaches = (cidr: string) => egress.some((rule) => rule.to?.some((peer) => peer.ipBlock?.cidr === cidr) && rule.ports?.some((p) => p.port === 443));
            assert.ok(reaches(`${first}/32`), "kubernetes.default's ClusterIP on 443");
            assert.ok(reaches(VPC_CIDR), "the private endpoint's interfaces");
        });
    });

    describe("versions and node images", () => {
        it("creates new clusters on a minor with at least six months of standard support left on the catalog's date", () => {
            const versions = kubernetesVersionsOf("aws");
            const release = versions.releases.find((r) => r.minor === versions.defaultMinor);
            assert.ok(release);
            const months = (Date.parse(release.endOfStandardSupport) - Date.parse(`${versions.asOf}-01`)) / (30 * 24 * 3600 * 1000);
            assert.ok(months >= 6, `${versions.defaultMinor}: ${months.toFixed(1)} months as of ${versions.asOf}`);
            assert.ok(versions.releases.some((r) => r.minor === "1.36"));
        });

        it("tracks each node group's AMI release from the SSM parameter of its minor, architecture and flavour", () => {
            const groups = ofType(plan, "aws:eks/nodeGroup:NodeGroup");
            assert.ok(groups.length >= 3);
            for (const group of groups) {
                const version = String(input(group, "version"));
                assert.match(String(input(group, "releaseVersion")), new RegExp(`^${version.replace(".", "\\.")}\\.\\d+-\\d{8}$`), group.name);
            }
            assert.equal(releaseVersionParameter("1.36", "AL2023_x86_64_NVIDIA"), "/aws/service/eks/optimized-ami/1.36/amazon-linux-2023/x86_64/nvidia/recommended/release_version");
            assert.equal(releaseVersionParameter("1.36", "AL2023_ARM_64_STANDARD"), "/aws/service/eks/optimized-ami/1.36/amazon-linux-2023/arm64/standard/recommended/release_version");
        });
    });

    describe("node capacity and cost", () => {
        it("knows the ENIs of every instance type the catalog can choose, and every one of them is Nitro (the only kind that takes /28 prefixes)", () => {
            const types = new Set<string>([
                ...CPU_SIZES.flatMap((size) => [...cpuInstanceTypes("aws", "system", size), ...cpuInstanceTypes("aws", "user", size)]),
                ...GPU_CLASSES.filter((gpu) => gpuClassesOn("aws").includes(gpu)).flatMap((gpu) => gpuMachine(gpu, "aws").instanceTypes),
                ...Object.keys(EC2_SHAPES),
            ]);
            for (const type of types) {
                assert.ok(knowsMaxPods(type), `${type}: add its ENI limits`);
                assert.equal(eniLimitsOf(type)?.nitro, true, `${type}: a non-Nitro type keeps single addresses, so its pods stay at the ENI figure`);
            }
        });

        it("assumes the max-pods the AWS calculator gives for each catalog type, with and without prefix delegation", () => {
            // max-pods-calculator.sh (awslabs/amazon-eks-ami templates/al2/runtime, last at b2289030^), in its own words:
            //   secondary IPs:      enis * (instance_max_eni_ips - 1) + 2
            //   prefix delegation:  enis * ((instance_max_eni_ips - 1) * IPS_PER_PREFIX) + 2, IPS_PER_PREFIX=16, Nitro only
            //   then min(110, …) under 30 vCPUs and min(250, …) above (managed node groups: "less than 30 vCPUs … 110 and
            //   for all other instances … 250", EKS user guide; the script's own test is `CPU_COUNT -gt 30`, and no type
            //   here has exactly 30)
            const calculator = (enis: number, ips: number, nitro: boolean, vcpu: number, prefixes: boolean) => {
                const pods = prefixes && nitro ? enis * ((ips - 1) * 16) + 2 : enis * (ips - 1) + 2;
                return Math.min(pods, vcpu < 30 ? 110 : 250);
            };
            for (const type of Object.keys(EC2_SHAPES)) {
                const limits = eniLimitsOf(type)!;
                const vcpu = EC2_SHAPES[type][0];
                for (const prefixes of [false, true]) {
                    assert.equal(maxPodsOfType(type, prefixes), calculator(limits.enis, limits.ipv4PerEni, limits.nitro, vcpu, prefixes), `${type}, prefixes ${prefixes}`);
                }
                // every catalog type is well under its cap's prefix figure: prefix delegation gives each node the cap
                assert.equal(maxPodsOfType(type, true), vcpu < 30 ? 110 : 250, type);
            }

            // Hand-checked against AWS's published figures. eni-max-pods.txt (aws/amazon-vpc-cni-k8s misc/eni-max-pods.txt
            // at b5218838, generated from EC2 like the ENI table, uncapped; a managed node group caps them), for every type:
            const ENI_MAX_PODS_TXT: Record<string, number> = {
                "t3a.medium": 17, "t3.medium": 17, "t4g.medium": 17, "t3a.large": 35, "t3.large": 35, "t4g.large": 35,
                "t3a.xlarge": 58, "t3.xlarge": 58, "t4g.xlarge": 58, "t3a.2xlarge": 58, "t3.2xlarge": 58, "t4g.2xlarge": 58,
                "c6a.large": 29, "c6i.large": 29, "c5a.large": 29, "c5.large": 29, "m6a.large": 29, "m6i.large": 29, "m5a.large": 29, "m5.large": 29,
                "m6a.xlarge": 58, "m6i.xlarge": 58, "m5a.xlarge": 58, "m5.xlarge": 58, "m7g.xlarge": 58, "m6g.xlarge": 58,
                "m6a.2xlarge": 58, "m6i.2xlarge": 58, "m5a.2xlarge": 58, "m5.2xlarge": 58,
                "m6a.4xlarge": 234, "m6i.4xlarge": 234, "m5a.4xlarge": 234, "m5.4xlarge": 234,
                "g4dn.xlarge": 29, "g4dn.2xlarge": 29, "g5.xlarge": 58, "g5.2xlarge": 58, "g6.xlarge": 58, "g6.2xlarge": 58,
                "p4d.24xlarge": 737, "p5.4xlarge": 118,
            };
            assert.deepEqual(Object.keys(ENI_MAX_PODS_TXT).sort(), Object.keys(EC2_SHAPES).sort());
            for (const [type, pods] of Object.entries(ENI_MAX_PODS_TXT)) assert.equal(secondaryAddressPods(eniLimitsOf(type)!), pods, type);
            assert.equal(maxPodsOfType("t3a.medium", false), 17);
            assert.equal(maxPodsOfType("m6a.4xlarge", false), 110, "234 by its ENIs, 110 under 30 vCPUs");
            assert.equal(maxPodsOfType("p5.4xlarge", false), 110, "118 by its ENIs, 110 under 30 vCPUs");
            assert.equal(maxPodsOfType("p4d.24xlarge", false), 250, "737 by its ENIs, 250 at 30 vCPUs or more");
            // EKS user guide, "Amazon EKS recommended maximum Pods for each Amazon EC2 instance type":
            // `./max-pods-calculator.sh --instance-type m5.large --cni-version 1.9.0-eksbuild.1` gives 29, and with
            // `--cni-prefix-delegation-enabled` 110; the m5.large "should be able to assign 432 IPs with prefix"
            // (awsdocs/amazon-eks-user-guide#663): 3 ENIs × 9 prefixes × 16
            assert.equal(maxPodsOfType("m5.large", false), 29);
            assert.equal(maxPodsOfType("m5.large", true), 110);
            assert.equal(prefixPods(eniLimitsOf("m5.large")!), 432 + 2);
            // the shipped system node: 3 ENIs × 5 prefixes × 16 + 2 = 242 by its ENIs, 110 by the cap
            assert.equal(prefixPods(eniLimitsOf("t3a.medium")!), 242);
            assert.equal(maxPodsOfType("t3a.medium", true), 110);
            // docs/prefix-and-ip-target.md (amazon-vpc-cni-k8s): a t3.small, "3 ENIs * (4 IPv4s minus the primary IPv4
            // address used by the ENI)", has "a maximum of 9 available prefixes"
            assert.equal(prefixPods({ enis: 3, ipv4PerEni: 4, nitro: true }), 9 * 16 + 2);
            // "Instances that aren't Nitro-based continue to allocate individual secondary IP addresses" (EKS user guide)
            assert.equal(prefixPods({ enis: 3, ipv4PerEni: 4, nitro: false }), secondaryAddressPods({ enis: 3, ipv4PerEni: 4, nitro: false }));
            // a type the table does not know counts as the smallest figure either way
            assert.equal(maxPodsOfType("x9z.huge", true), 17);
        });

        it("reserves kubelet memory for nodeadm's own pod figure, which prefix delegation does not raise", () => {
            // nodeadm computes kube-reserved from its ENI figure; the node group's max-pods reaches the kubelet as a
            // drop-in afterwards (nodeadm e2e custom-max-pods-expression/kubelet-config-max-pods: drop-in maxPods 1,
            // kubeReserved memory 915Mi = 11 × 60 + 255 for the computed 60)
            assert.equal(kubeReservedPodsOf(["t3a.medium"]), 17);
            assert.equal(kubeReservedPodsOf(["p4d.24xlarge"]), 737, "uncapped: nodeadm does not cap its own figure");
            assert.equal(kubeReservedPodsOf(["m6a.xlarge", "t3a.xlarge"]), 58);
            assert.equal(kubeReservedPodsOf(["t3a.medium", "t3a.large"]), 35, "the largest reservation of a group's types: allocatable memory is never overstated");
        });

        it("prices image pulls through the NAT gateway per node start when nodes are private, and only then", async () => {
            const run = await runPlan("aws", { stackFile: variantStackFile("aws", { "workbench:aws": { privateNodes: true } }) });
            assert.equal(run.status, 0, run.document.error);
            const warning = run.document.warnings.find((w) => w.includes("through the NAT gateway"));
            assert.ok(warning, run.document.warnings.join("\n"));
            assert.match(warning, /USD 0\.045\/GB/);
            assert.match(warning, /GPU node about 7 GB \(USD 0\.32\)/);
            assert.ok(!plan.warnings.some((w) => w.includes("through the NAT gateway")), "public nodes pull through the internet gateway");
        });

        it("describes and prices gpu: a100 on AWS as the 8-GPU p4d.24xlarge it is, with the quota one such node needs", async () => {
            const pools = [{ name: "big", gpu: "a100", minNodes: 0, maxNodes: 1, spot: false }];
            const run = await runPlan("aws", { stackFile: variantStackFile("aws", { "workbench:gpuPools": pools }) });
            assert.equal(run.status, 0, run.document.error);
            const group = ofType(run.document, "aws:eks/nodeGroup:NodeGroup").find((g) => g.name === "workbench-gpu-big");
            assert.deepEqual(input(group ?? ofType(run.document, "x")[0], "instanceTypes"), ["p4d.24xlarge"]);
            assert.ok(JSON.stringify(run.document).includes("8\u00d7 NVIDIA A100 40 GB \u00b7 96 vCPU \u00b7 1152 GiB RAM"), "the profile says 8 GPUs, 96 vCPU");
            const line = run.document.cost.lines.find((l) => l.item.startsWith("GPU pool big"));
            assert.ok(line && /p4d\.24xlarge USD 21\.96\/h/.test(line.basis), line?.basis);
            assert.ok(run.document.warnings.some((w) => /GPU pool big .*one node needs 96/.test(w)), "the P quota in vCPUs of one whole p4d");
        });

        it("runs burstable pools in standard CPU-credit mode, so the always-on node cannot bill surplus credits", () => {
            const system = ofType(plan, "aws:ec2/launchTemplate:LaunchTemplate").find((r) => r.name.endsWith("-system"));
            assert.ok(system);
            assert.deepEqual(input(system, "creditSpecification"), { cpuCredits: "standard" });
            assert.equal(creditSpecificationOf(["t3a.medium", "c6a.large"]), undefined, "EC2 refuses credits for a non-burstable type");
            assert.equal(creditSpecificationOf(["m6a.xlarge"]), undefined);
        });
    });

    describe("a spot GPU pool's way out", () => {
        it("adds, when asked, an on-demand twin of each spot GPU pool that the autoscaler grows only after the spot group", async () => {
            const run = await runPlan("aws", { stackFile: variantStackFile("aws", { "workbench:aws": { spotGpuFallback: true } }) });
            assert.equal(run.status, 0, run.document.error);
            const fallback = run.document;
            const groups = ofType(fallback, "aws:eks/nodeGroup:NodeGroup");
            const spot = groups.find((g) => g.name === "workbench-gpu-t4");
            const twin = groups.find((g) => g.name === "workbench-gpu-t4-od");
            assert.ok(spot && twin, groups.map((g) => g.name).join(", "));
            assert.equal(input(spot, "capacityType"), "SPOT");
            assert.equal(input(twin, "capacityType"), "ON_DEMAND");
            for (const key of ["labels", "taints", "instanceTypes", "amiType"]) assert.deepEqual(input(twin, key), input(spot, key), `${key}: a GPU notebook fits either`);

            // which Auto Scaling group each node group got (the tags name it), against the priority expander's patterns
            const asgOf = (group: typeof spot) => {
                const tag = ofType(fallback, "aws:autoscaling/tag:Tag").find((t) => t.dependsOn.includes(group.urn) || t.name.startsWith(`${group.name}-`));
                const asg = String(input(tag ?? group, "autoscalingGroupName"));
                assert.match(asg, /^eks-/, `${group.name}'s Auto Scaling group`);
                return asg;
            };
            const release = ofType(fallback, "kubernetes:helm.sh/v3:Release").find((r) => input(r, "chart") === "cluster-autoscaler");
            assert.ok(release);
            assert.equal(input(release, "values", "extraArgs", "expander"), "priority,least-waste");
            const priorities = input(release, "values", "expanderPriorities") as Record<string, string[]>;
            const top = Math.max(...Object.keys(priorities).map(Number));
            const first = (asg: string) => priorities[String(top)].some((pattern) => new RegExp(pattern).test(asg));
            assert.ok(first(asgOf(spot)), `the spot group ${asgOf(spot)} comes first`);
            for (const other of groups.filter((g) => g !== spot)) assert.ok(!first(asgOf(other)), `${other.name} (${asgOf(other)}) does not`);
            assert.ok(Object.values(priorities).flat().includes(".*"), "every other group stays eligible");

            // off by default: one group per pool, least-waste alone, and the plan says the spot pool has no way out
            assert.ok(!ofType(plan, "aws:eks/nodeGroup:NodeGroup").some((g) => g.name.endsWith("-od")));
            assert.ok(plan.warnings.some((w) => w.includes("Spot GPU pool t4 (g4dn.xlarge)") && w.includes("workbench:aws.spotGpuFallback")), plan.warnings.join("\n"));
            assert.ok(!fallback.warnings.some((w) => w.includes("Spot GPU pool")));
        });
    });
});
