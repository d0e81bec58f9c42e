import * as assert from "node:assert/strict";
import type { Plan } from "../plan/types";
import { BACKUP_PREFIX } from "../components/services/postgres";
import { ARTIFACT_PREFIX } from "../components/services/mlflow";
import { input, ofType, runPlan, variantStackFile } from "./harness";

/*
 * One identity per ServiceAccount (DESIGN §5a): PostgreSQL's backups and MLflow's artifacts run under their
 * own accounts, whose cloud identities reach only their prefix of the bucket where the cloud's IAM can say
 * so (AWS policies, GCP IAM conditions), and the prefix is the one the service actually writes to.
 */

const SERVICES = { "workbench:systemPool": { size: "medium" }, "workbench:services": { postgres: true, mlflow: true } };

async function planWithServices(stack: "aws" | "gcp"): Promise<Plan> {
    const run = await runPlan(stack, { stackFile: variantStackFile(stack, SERVICES) });
    assert.equal(run.status, 0, run.stderr);
    return run.document;
}

interface Statement {
    Action: string[];
    Resource: string;
    Condition?: { StringLike?: Record<string, string[]>; StringLikeIfExists?: Record<string, string[]> };
}

/** The IRSA role trusted by exactly this ServiceAccount, and its inline policy's statements. */
function awsGrantOf(plan: Plan, serviceAccount: string, namespace = "workbench"): Statement[] {
    const subject = `system:serviceaccount:${namespace}:${serviceAccount}`;
    const role = ofType(plan, "aws:iam/role:Role").find((r) => String(input(r, "assumeRolePolicy")).includes(`"${subject}"`));
    assert.ok(role, `a role trusted by ${subject}`);
    const policy = ofType(plan, "aws:iam/rolePolicy:RolePolicy").find((p) => p.dependsOn.includes(role.urn));
    assert.ok(policy, `an inline policy on the role of ${subject}`);
    return (JSON.parse(String(input(policy, "policy"))) as { Statement: Statement[] }).Statement;
}

describe("data services' own identities reach only their prefix of the bucket", () => {
    it("AWS: the backup role lists and touches only what CloudNativePG writes, the notebooks' role the whole bucket", async () => {
        const plan = await planWithServices("aws");
        const [cluster] = ofType(plan, "kubernetes:postgresql.cnpg.io/v1:Cluster");
        const destination = String(input(cluster, "spec", "backup", "barmanObjectStore", "destinationPath"));
        const writes = `${destination.replace(/^s3:\/\/[^/]+\//, "")}/`;
        assert.equal(writes, `${BACKUP_PREFIX}/`);
        for (const [account, prefix] of [["postgres", `${BACKUP_PREFIX}/`], ["mlflow", `${ARTIFACT_PREFIX}/`]] as const) {
            const statements = awsGrantOf(plan, account);
            const objects = statements.find((s) => s.Action.includes("s3:PutObject"))!;
            assert.match(objects.Resource, new RegExp(`/${prefix.replace(/\//g, "\\/")}\\*$`), `${account}: objects under ${prefix} only`);
            const list = statements.find((s) => s.Action.includes("s3:ListBucket"))!;
            // IfExists: barman's HeadBucket carries no s3:prefix and must pass (providers/aws/identity.ts)
            assert.deepEqual(list.Condition?.StringLikeIfExists?.["s3:prefix"], [`${prefix}*`], `${account}: listing under ${prefix} only`);
        }
        // the notebooks' account lives in the user namespace (DESIGN §5b)
        const notebooks = awsGrantOf(plan, "workbench-user", "workbench-users");
        assert.match(notebooks.find((s) => s.Action.includes("s3:PutObject"))!.Resource, /:::[^/]+\/\*$/, "notebooks reach every object");
    });

    it("GCP: the backup account's bucket grant carries a condition naming its prefix; the notebooks' has none", async () => {
        const plan = await planWithServices("gcp");
        // the object grant (each account also holds storage.buckets.get through its own, unconditioned grant)
        const members = ofType(plan, "gcp:storage/bucketIAMMember:BucketIAMMember").filter((m) => input(m, "role") === "roles/storage.objectUser");
        const grantFor = (account: string, namespace = "workbench") => {
            const gsa = ofType(plan, "gcp:serviceaccount/iAMMember:IAMMember").find((m) => String(input(m, "member")).endsWith(`[${namespace}/${account}]`));
            assert.ok(gsa, `Workload Identity for ${namespace}/${account}`);
            const email = String(input(gsa, "serviceAccountId")).split("/").pop();
            return members.find((m) => String(input(m, "member")).includes(String(email).split("@")[0]));
        };
        const backup = grantFor("postgres");
        assert.ok(backup);
        assert.match(String(input(backup, "condition", "expression")), new RegExp(`/objects/${BACKUP_PREFIX}/`));
        const artifacts = grantFor("mlflow");
        assert.match(String(input(artifacts!, "condition", "expression")), new RegExp(`/objects/${ARTIFACT_PREFIX}/`));
        // the notebooks' grant reaches everything but the platform's prefixes (DESIGN §5b.6)
        const notebooks = String(input(grantFor("workbench-user", "workbench-users")!, "condition", "expression"));
        assert.match(notebooks, new RegExp(`/objects/${BACKUP_PREFIX.split("/")[0]}/`));
        assert.match(notebooks, new RegExp(`/objects/${ARTIFACT_PREFIX}/`));
        assert.doesNotMatch(notebooks, /^resource\.name\.startsWith/, "not a prefix grant");
    });
});
