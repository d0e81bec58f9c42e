import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { AWS_INTERNET_EGRESS } from "../cost/prices/aws";
import { AZURE_INTERNET_EGRESS } from "../cost/prices/azure";
import { GCP_INTERNET_EGRESS } from "../cost/prices/gcp";
import type { EgressPrice } from "../cost/prices/transfer";
import type { Plan } from "../plan/types";
import { credentialsAsSecrets } from "../policy/secrets";
import { MOVE_STEPS, moveFromProblems, moveToProblems, moveWarnings } from "../stacks/move-rules";
import type { RuleInput } from "../stacks/rules";
import { moveIdentityPoolId } from "../providers/gcp/move-grant";
import { externalAccount } from "../providers/move";
import { input, ofType, resource, runPlan, variantStackFile } from "./harness";

/*
 * A move between clouds (issue 22, docs/move.md), planned offline as a user runs it, for each ordered pair:
 *   1. the target with `workbench:moveFrom` (no grant yet): its `move` output names its issuer and the Job's account;
 *   2. the source with `workbench:moveTo` set from THAT output: the read-only grant;
 *   3. the target with the fields the source's `moveGrant` output printed: the transfer Job.
 * The relations are checked across the plans: the grant trusts exactly the target's issuer and the Job's
 * ServiceAccount, and the Job presents a token for exactly the grant's audience and principal.
 */

type Cloud = "aws" | "gcp" | "azure";
/**
 * The moves planned in full: a cycle, so every cloud is once the source (its grant, its egress price) and once
 * the target (its transfer Job, its token) — the grant depends on the source alone and the Job's side of the
 * trust on the target alone, which the cross-plan checks below tie together. The other three ordered pairs
 * recombine the same code (nine more plans).
 */
const PAIRS: readonly [Cloud, Cloud][] = [
    ["aws", "gcp"],
    ["gcp", "azure"],
    ["azure", "aws"],
];
const PRICES: Record<Cloud, EgressPrice> = { aws: AWS_INTERNET_EGRESS, gcp: GCP_INTERNET_EGRESS, azure: AZURE_INTERNET_EGRESS };
/** The source bucket the first step names (the shipped stacks' buckets are auto-named): replaced by the grant's own. */
const FIRST_BUCKET: Record<Cloud, string> = { aws: "workbench-data-1a2b3c4", gcp: "workbench-data-1a2b3c4", azure: "wbdata1a2b3c4d/data" };
const ESTIMATED_GB = 500;

interface MoveOutput {
    issuer: string;
    serviceAccount: string;
    job: string;
    onTheSource: string[];
}
interface GrantOutput {
    principal: string;
    moveFrom: Record<string, string>;
}

async function planned(stack: string, config: Record<string, unknown>): Promise<Plan> {
    const run = await runPlan(stack, { stackFile: variantStackFile(stack, config) });
    assert.equal(run.status, 0, run.stderr);
    return run.document;
}

/** Every Kubernetes object of a type in the plan whose name starts with the move's account. */
const moveObjects = (plan: Plan, type: string) => ofType(plan, type).filter((r) => r.name.startsWith("workbench-move"));

for (const [source, target] of PAIRS) {
    describe(`a move ${source} → ${target}`, function () {
        this.timeout(600_000);
        let step1: Plan;
        let grantPlan: Plan;
        let step3: Plan;
        let move: MoveOutput;
        let grant: GrantOutput;

        before(async () => {
            step1 = await planned(target, { "workbench:moveFrom": { cloud: source, bucket: FIRST_BUCKET[source], ...(source === "aws" ? { region: "us-east-1" } : {}), estimatedGB: ESTIMATED_GB } });
            move = step1.outputs["move"] as MoveOutput;
            grantPlan = await planned(source, { "workbench:moveTo": { cloud: target, issuer: move.issuer, serviceAccount: move.serviceAccount } });
            grant = grantPlan.outputs["moveGrant"] as GrantOutput;
            step3 = await planned(target, { "workbench:moveFrom": { ...grant.moveFrom, estimatedGB: ESTIMATED_GB } });
        });

        it("step 1: the target prints an https issuer and the Job's ServiceAccount, and copies nothing before the grant", () => {
            assert.match(move.issuer, /^https:\/\//);
            assert.equal(move.serviceAccount, "workbench/workbench-move");
            assert.deepEqual(moveObjects(step1, "kubernetes:batch/v1:Job"), [], "no Job before the source's grant");
            assert.ok(move.onTheSource.some((line) => line.includes(`workbench:moveTo.issuer' ${move.issuer}`)), move.onTheSource.join("\n"));
            assert.ok(step1.warnings.some((w) => w.includes("step 1 of 5")), step1.warnings.join("\n"));
            // the source takes the issuer as the target printed it, in the target cloud's own form
            assert.deepEqual(grantPlan.warnings.filter((w) => w.startsWith("workbench:moveTo.issuer")), []);
        });

        it(`the ${source} grant trusts exactly the target's issuer and the Job's ServiceAccount`, () => {
            const subject = "system:serviceaccount:workbench:workbench-move";
            if (source === "aws") {
                const oidc = resource(grantPlan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "workbench-move-read");
                assert.equal(input(oidc, "url"), move.issuer);
                assert.deepEqual(input(oidc, "clientIdLists"), ["sts.amazonaws.com"]);
                const trust = JSON.parse(input(resource(grantPlan, "aws:iam/role:Role", "workbench-move-read"), "assumeRolePolicy") as string);
                assert.equal(trust.Statement.length, 1);
                const host = move.issuer.replace(/^https:\/\//, "");
                assert.deepEqual(trust.Statement[0].Condition, { StringEquals: { [`${host}:sub`]: subject, [`${host}:aud`]: "sts.amazonaws.com" } });
                assert.equal(trust.Statement[0].Action, "sts:AssumeRoleWithWebIdentity");
                assert.equal(grant.moveFrom["roleArn"], grant.principal);
            } else if (source === "gcp") {
                const provider = resource(grantPlan, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider", "workbench-move");
                assert.deepEqual(input(provider, "oidc"), { issuerUri: move.issuer });
                assert.equal(input(provider, "attributeCondition"), `assertion.sub == '${subject}'`);
                assert.deepEqual(input(provider, "attributeMapping"), { "google.subject": "assertion.sub" });
                assert.match(grant.principal, new RegExp(`^principal://iam\\.googleapis\\.com/projects/\\d+/locations/global/workloadIdentityPools/[a-z0-9-]+/subject/${subject}$`));
            } else {
                const credential = resource(grantPlan, "azure-native:managedidentity:FederatedIdentityCredential", "workbench-move-read");
                assert.equal(input(credential, "issuer"), move.issuer);
                assert.equal(input(credential, "subject"), subject);
                assert.deepEqual(input(credential, "audiences"), ["api://AzureADTokenExchange"]);
            }
        });

        it(`the ${source} grant reads only the source bucket and writes nothing`, () => {
            if (source === "aws") {
                const policy = JSON.parse(input(resource(grantPlan, "aws:iam/rolePolicy:RolePolicy", "workbench-move-read"), "policy") as string);
                const bucket = ofType(grantPlan, "aws:s3/bucket:Bucket")[0];
                const actions = policy.Statement.flatMap((s: { Action: string[] }) => s.Action).sort();
                assert.deepEqual(actions, ["s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket"]);
                const resources = policy.Statement.map((s: { Resource: string }) => s.Resource).sort();
                const arn = `arn:aws:s3:::${grant.moveFrom["bucket"]}`;
                assert.deepEqual(resources, [arn, `${arn}/*`]);
                assert.ok(bucket, "the source has its bucket");
            } else if (source === "gcp") {
                const members = ofType(grantPlan, "gcp:storage/bucketIAMMember:BucketIAMMember").filter((m) => input(m, "member") === grant.principal);
                assert.equal(members.length, 1, "one grant for the federated principal");
                assert.equal(input(members[0], "role"), "roles/storage.objectViewer");
                assert.equal(input(members[0], "bucket"), grant.moveFrom["bucket"]);
                const elsewhere = grantPlan.resources.filter((r) => r !== members[0] && JSON.stringify(r.inputs).includes(grant.principal));
                assert.deepEqual(elsewhere.map((r) => r.urn), [], "the principal is granted nothing else");
            } else {
                const assignment = resource(grantPlan, "azure-native:authorization:RoleAssignment", "workbench-move-read");
                // Storage Blob Data Reader: read and list blobs (built-in roles, Microsoft Learn)
                assert.match(input(assignment, "roleDefinitionId") as string, /\/roleDefinitions\/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1$/);
                const container = ofType(grantPlan, "azure-native:storage:BlobContainer")[0];
                assert.match(input(assignment, "scope") as string, new RegExp(`/containers/${input(container, "containerName") as string}$`));
                assert.equal(grant.moveFrom["bucket"].split("/")[1], input(container, "containerName"));
            }
        });

        it(`the ${target} transfer Job runs as the granted ServiceAccount under Pod Security restricted, copy then check`, () => {
            const job = resource(step3, "kubernetes:batch/v1:Job", "workbench-move");
            const pod = input(job, "spec", "template", "spec") as Record<string, any>;
            assert.equal(pod["serviceAccountName"], "workbench-move");
            assert.equal(input(job, "metadata", "namespace"), "workbench");
            assert.deepEqual(pod["securityContext"]["seccompProfile"], { type: "RuntimeDefault" });
            assert.equal(pod["securityContext"]["runAsNonRoot"], true);
            const containers = [...pod["initContainers"], ...pod["containers"]];
            assert.deepEqual(containers.map((c: { name: string }) => c.name), ["copy", "check"]);
            for (const c of containers) {
                assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
                assert.match(c.image, /^docker\.io\/rclone\/rclone:\d+\.\d+\.\d+$/);
            }
            assert.deepEqual(pod["initContainers"][0].args.slice(0, 3), ["copy", `src:${grant.moveFrom["bucket"].split("/").pop()}`, `dst:${ofBucket(step3, target)}`]);
            assert.deepEqual(pod["containers"][0].args.slice(0, 4), ["check", `src:${grant.moveFrom["bucket"].split("/").pop()}`, `dst:${ofBucket(step3, target)}`, "--one-way"]);
            // the target's own binding (write to its bucket) trusts the same account, and only it
            const sa = resource(step3, "kubernetes:core/v1:ServiceAccount", "workbench-move");
            assert.equal(input(sa, "metadata", "name"), "workbench-move");
            if (target === "aws") {
                const trust = JSON.parse(input(resource(step3, "aws:iam/role:Role", "workbench-workbench-workbench-move"), "assumeRolePolicy") as string);
                assert.deepEqual(Object.entries(trust.Statement[0].Condition.StringEquals).find(([key]) => key.endsWith(":sub"))?.[1], "system:serviceaccount:workbench:workbench-move");
            } else if (target === "gcp") {
                const members = ofType(step3, "gcp:serviceaccount/iAMMember:IAMMember").map((m) => input(m, "member"));
                assert.ok(members.some((m) => typeof m === "string" && m.endsWith(".svc.id.goog[workbench/workbench-move]")), JSON.stringify(members));
            } else {
                const credential = resource(step3, "azure-native:managedidentity:FederatedIdentityCredential", "workbench-workbench-workbench-move");
                assert.equal(input(credential, "subject"), "system:serviceaccount:workbench:workbench-move");
            }
        });

        it("the Job presents a token for exactly the grant's audience, and names the grant", () => {
            const job = resource(step3, "kubernetes:batch/v1:Job", "workbench-move");
            const pod = input(job, "spec", "template", "spec") as Record<string, any>;
            const projected = pod["volumes"].find((v: { name: string }) => v.name === "source-token").projected.sources[0].serviceAccountToken;
            const env = Object.fromEntries(pod["initContainers"][0].env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value]));
            if (source === "aws") {
                assert.equal(projected.audience, "sts.amazonaws.com");
                assert.equal(env["AWS_ROLE_ARN"], grant.moveFrom["roleArn"]);
                assert.equal(env["AWS_WEB_IDENTITY_TOKEN_FILE"], `/var/run/secrets/workbench-move/${projected.path}`);
                assert.equal(env["RCLONE_CONFIG_SRC_ENV_AUTH"], "true");
            } else if (source === "gcp") {
                const audience = `//iam.googleapis.com/${grant.moveFrom["workloadIdentityProvider"]}`;
                assert.equal(projected.audience, audience);
                const files = resource(step3, "kubernetes:core/v1:ConfigMap", "workbench-move-credentials");
                const credentials = JSON.parse((input(files, "data") as Record<string, string>)["gcp-credentials.json"]);
                assert.deepEqual(credentials, externalAccount(audience, `/var/run/secrets/workbench-move/${projected.path}`));
                assert.equal(env["GOOGLE_APPLICATION_CREDENTIALS"], "/etc/workbench-move/gcp-credentials.json");
            } else {
                assert.equal(projected.audience, "api://AzureADTokenExchange");
                assert.equal(env["AZURE_CLIENT_ID"], grant.moveFrom["clientId"]);
                assert.equal(env["AZURE_TENANT_ID"], grant.moveFrom["tenantId"]);
                assert.equal(env["RCLONE_CONFIG_SRC_ACCOUNT"], grant.moveFrom["bucket"].split("/")[0]);
            }
        });

        it("the Job is fenced: no ingress, egress to DNS and to public addresses on 443 only (and GKE's metadata server)", () => {
            const policy = resource(step3, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "workbench-move");
            const spec = input(policy, "spec") as Record<string, any>;
            const job = resource(step3, "kubernetes:batch/v1:Job", "workbench-move");
            const labels = input(job, "spec", "template", "metadata", "labels") as Record<string, string>;
            for (const [key, value] of Object.entries(spec["podSelector"]["matchLabels"] as Record<string, string>)) assert.equal(labels[key], value);
            assert.deepEqual(spec["ingress"], []);
            const ports = spec["egress"].flatMap((rule: { ports?: { port: number }[] }) => (rule.ports ?? [{ port: -1 }]).map((p) => p.port));
            assert.ok(!ports.includes(-1), "every egress rule names its ports");
            const allowed = target === "gcp" ? [53, 443, 80, 988] : [53, 443];
            for (const port of ports) assert.ok(allowed.includes(port), `egress on ${port}`);
            const world = spec["egress"].find((rule: { to?: { ipBlock?: { cidr: string } }[] }) => rule.to?.[0]?.ipBlock?.cidr === "0.0.0.0/0");
            assert.deepEqual(world.ports, [{ port: 443, protocol: "TCP" }]);
        });

        it(`the plan prices the move at ${source}'s egress per GB, from its price table`, () => {
            const price = PRICES[source];
            const usd = (Math.max(0, ESTIMATED_GB - price.freeGBMonthly) * price.usd).toFixed(2);
            const warning = step3.warnings.find((w) => w.startsWith(`Move from ${source}`));
            assert.ok(warning, step3.warnings.join("\n"));
            assert.ok(warning.includes(`about USD ${usd} once`), warning);
            assert.ok(warning.includes(price.source) && warning.includes(price.asOf), warning);
            assert.ok(warning.includes("step 3 of 5"), warning);
            assert.ok(warning.indexOf("1. target") < warning.indexOf("2. source") && warning.indexOf("2. source") < warning.indexOf("3. target"), "the order of steps");
        });
    });
}

/** The target's own bucket as rclone names it (the bucket, or the Azure container), from its `bucketUrl` output. */
function ofBucket(plan: Plan, cloud: Cloud): string {
    const url = String(plan.outputs["bucketUrl"]);
    const name = cloud === "azure" ? /^abfs:\/\/([^@]+)@/.exec(url)?.[1] : /^[a-z0-9]+:\/\/([^/]+)/.exec(url)?.[1];
    assert.ok(name, `a bucket in ${url}`);
    return name;
}

describe("a move onto an existing cluster (no public issuer): the key fallback", function () {
    this.timeout(600_000);
    let plan: Plan;
    before(async () => {
        plan = await planned("local", {
            "workbench:existing": { context: "kind-workbench", storageClass: { name: "workbench-retained", provisioner: "rancher.io/local-path" }, objectStore: { type: "s3", endpoint: "https://s3.example.org", bucket: "data" } },
            "workbench:s3AccessKeyId": { secure: "AAABAJz8bW9ja2VkLWtleQ==" },
            "workbench:s3SecretAccessKey": { secure: "AAABAJz8bW9ja2VkLXNlY3JldA==" },
            "workbench:moveFromAccessKeyId": { secure: "AAABAJz8bW9ja2VkLWtleQ==" },
            "workbench:moveFromSecretAccessKey": { secure: "AAABAJz8bW9ja2VkLXNlY3JldA==" },
            "workbench:moveFrom": { cloud: "aws", bucket: "workbench-data-1a2b3c4", region: "us-east-1" },
        });
    });
    it("runs the Job at once with the source key from a Secret, and no federated token", () => {
        const job = resource(plan, "kubernetes:batch/v1:Job", "workbench-move");
        const pod = input(job, "spec", "template", "spec") as Record<string, any>;
        assert.ok(!pod["volumes"].some((v: { name: string }) => v.name === "source-token"), "no projected token for the source");
        const env = pod["initContainers"][0].env as { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string } } }[];
        for (const option of ["RCLONE_CONFIG_SRC_ACCESS_KEY_ID", "RCLONE_CONFIG_SRC_SECRET_ACCESS_KEY"]) {
            const variable = env.find((e) => e.name === option);
            assert.equal(variable?.valueFrom?.secretKeyRef.name, "workbench-move-credentials", option);
        }
        const secret = resource(plan, "kubernetes:core/v1:Secret", "workbench-move-credentials");
        const data = input(secret, "stringData");
        assert.ok(data === "[secret]" || Object.values(data as Record<string, string>).every((v) => v === "[secret]"), `every value is a secret: ${JSON.stringify(data)}`);
        assert.equal((plan.outputs["move"] as MoveOutput).issuer.startsWith("(none"), true);
    });
});

describe("the credentials policy and a move's token files", () => {
    const jobWith = (env: { name: string; value: string }[]) => ({
        resources: [
            {
                urn: "urn:pulumi:s::workbench::kubernetes:batch/v1:Job::workbench-move",
                type: "kubernetes:batch/v1:Job",
                name: "workbench-move",
                props: { spec: { template: { spec: { containers: [{ name: "copy", env }] } } } },
                protect: false,
                dependsOn: [],
            },
        ],
        outputs: {},
        secretsVisible: false,
    });
    it("accepts a variable naming a projected token's path (AWS_WEB_IDENTITY_TOKEN_FILE, AZURE_FEDERATED_TOKEN_FILE)", () => {
        const stack = jobWith([
            { name: "AWS_WEB_IDENTITY_TOKEN_FILE", value: "/var/run/secrets/workbench-move/token" },
            { name: "AZURE_FEDERATED_TOKEN_FILE", value: "/var/run/secrets/workbench-move/token" },
        ]);
        assert.deepEqual(credentialsAsSecrets.check(stack), []);
    });
    it("still refuses a token in such a variable, and a token variable that is not a file", () => {
        const stack = jobWith([
            { name: "AWS_WEB_IDENTITY_TOKEN_FILE", value: "eyJhbGciOiJSUzI1NiJ9.e30.c2ln" },
            { name: "AWS_SESSION_TOKEN", value: "/not/a/token/but/named/one" },
        ]);
        assert.equal(credentialsAsSecrets.check(stack).length, 2);
    });
});

describe("docs/move.md", () => {
    const text = fs.readFileSync(path.join(__dirname, "..", "docs", "move.md"), "utf8");
    it("quotes each cloud's egress price as the price tables hold it", () => {
        for (const [cloud, price] of Object.entries(PRICES)) assert.ok(text.includes(`USD ${price.usd}/GB`), `${cloud}: USD ${price.usd}/GB`);
    });
    it("lists the five steps in the order the plan states them, and each step's duration for 100 GB", () => {
        const headings = [...text.matchAll(/^(\d)\. \*\*(Target|Source|Verify)/gm)].map((m) => `${m[1]} ${m[2]}`);
        assert.deepEqual(headings, ["1 Target", "2 Source", "3 Target", "4 Target", "5 Verify"]);
        for (const step of MOVE_STEPS) assert.ok(headings.some((h) => h.startsWith(step[0])), step);
        assert.match(text, /for 100 GB, about \d+–\d+ minutes/);
    });
});

describe("the GCP grant's pool id", () => {
    it("is 4-32 characters and never starts with the reserved gcp- (IAM's workloadIdentityPoolId rules)", () => {
        for (const [name, stack] of [["gcp", "prod"], ["workbench", "gcp"], ["a", "b"], ["a-very-long-workbench", "a-very-long-stack-name-indeed"]]) {
            const id = moveIdentityPoolId(name, stack);
            assert.match(id, /^[a-z0-9-]{4,32}$/, id);
            assert.ok(!id.startsWith("gcp-"), id);
        }
    });
});

describe("the move's rules, key by key", () => {
    const provider = {} as RuleInput["provider"];
    const to = { cloud: "aws" as const, issuer: "https://oidc.eks.us-east-1.amazonaws.com/id/ABC", serviceAccount: "workbench/workbench-move" };
    it("refuses a grant from an existing cluster's store, and a grant to an existing cluster, saying to use a key", () => {
        const fromExisting = moveToProblems({ parsed: { cloud: "existing", moveTo: to }, secretsSet: new Set(), provider });
        assert.deepEqual(fromExisting.map((p) => p.key), ["workbench:moveTo"]);
        assert.match(fromExisting[0].allowed, /workbench:moveFromAccessKeyId/);
        const toExisting = moveToProblems({ parsed: { cloud: "gcp", moveTo: { ...to, cloud: "existing" } }, secretsSet: new Set(), provider });
        assert.deepEqual(toExisting.map((p) => p.key), ["workbench:moveTo.cloud"]);
        assert.deepEqual(moveToProblems({ parsed: { cloud: "gcp", moveTo: to }, secretsSet: new Set(), provider }), []);
    });
    it("asks a target without a public issuer for the source's read-only key, by name", () => {
        const parsed = { cloud: "existing" as const, existing: { objectStore: { type: "s3", endpoint: "https://s3.example.org", bucket: "data", region: "us-east-1", forcePathStyle: true, privateCidrs: [] } }, moveFrom: { cloud: "azure" as const, bucket: "wbdata1a2b3c4d/data" } } as unknown as RuleInput["parsed"];
        assert.deepEqual(moveFromProblems({ parsed, secretsSet: new Set(), provider }).map((p) => p.key), ["workbench:moveFromSecretAccessKey"]);
        assert.deepEqual(moveFromProblems({ parsed, secretsSet: new Set(["moveFromSecretAccessKey"]), provider }), []);
    });
    it("prices from usageProfile.bucketGB when no estimate is given, and says an existing store's price is not in the tables", () => {
        const fromGcp = moveWarnings({ parsed: { cloud: "aws", usageProfile: { userNodeHours: 0, gpuNodeHours: 0, bucketGB: 40 }, moveFrom: { cloud: "gcp", bucket: "workbench-data" } }, secretsSet: new Set(), provider });
        assert.ok(fromGcp[0].includes(`about USD ${(40 * GCP_INTERNET_EGRESS.usd).toFixed(2)} once: 40 GB (workbench:usageProfile.bucketGB)`), fromGcp[0]);
        const fromStore = moveWarnings({ parsed: { cloud: "aws", moveFrom: { cloud: "existing", bucket: "data", endpoint: "https://s3.example.org" } }, secretsSet: new Set(), provider });
        assert.match(fromStore[0], /not in the tables/);
    });
});

describe("the source's check of the target issuer's form", () => {
    const provider = {} as RuleInput["provider"];
    const warn = (cloud: "aws" | "gcp" | "azure", issuer: string) =>
        moveWarnings({ parsed: { cloud: cloud === "aws" ? "gcp" : "aws", moveTo: { cloud, issuer, serviceAccount: "workbench/workbench-move" } }, secretsSet: new Set(), provider }).filter((w) => w.startsWith("workbench:moveTo.issuer"));
    it("accepts each cloud's own issuer and warns of another cloud's", () => {
        assert.deepEqual(warn("aws", "https://oidc.eks.us-east-1.amazonaws.com/id/050E6E2014BC7E612CA7A42EA06A5D6F"), []);
        assert.deepEqual(warn("gcp", "https://container.googleapis.com/v1/projects/p/locations/us-central1-a/clusters/c"), []);
        assert.deepEqual(warn("azure", "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111/"), []);
        assert.equal(warn("aws", "https://container.googleapis.com/v1/projects/p/locations/us-central1-a/clusters/c").length, 1);
    });
});
