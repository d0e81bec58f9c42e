import * as assert from "node:assert/strict";
import { ARTIFACT_PREFIX } from "../components/services/mlflow";
import { BACKUP_PREFIX } from "../components/services/postgres";
import type { Plan } from "../plan/types";
import { BLOB_DATA_ACTIONS, blobCondition } from "../providers/azure/blob-conditions";
import { input, ofType, runPlan, variantStackFile } from "./harness";

/*
 * The Azure bindings' ABAC conditions, run: a small evaluator of Azure's condition language (the subset the
 * conditions use: !, NOT, AND, OR, parentheses, ActionMatches, SubOperationMatches, string comparisons on
 * @Resource/@Request attributes; MicrosoftDocs azure-docs role-based-access-control/conditions-format.md) decides
 * requests as Azure would, so the tests assert what an identity can do, not the condition's text.
 */

const BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs";

/** A data-plane request as Azure's authorizer sees it. */
interface BlobRequest {
    action: "read" | "write" | "add/action" | "delete";
    /** `Blob.List` for List Blobs. */
    subOperation?: string;
    /** The blob's path in the container (reads other than listing, writes, creates, deletes). */
    path?: string;
    /** The prefix a listing asks for, when it names one. */
    prefix?: string;
}

type Token = { kind: "(" | ")" | "not" | "and" | "or" } | { kind: "action" | "subop"; value: string } | { kind: "compare"; attribute: string; op: string; value: string };

function tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    const pattern =
        /\s*(?:(\()|(\))|(!|NOT\b)|(AND\b|&&)|(OR\b|\|\|)|ActionMatches\{'([^']*)'\}|SubOperationMatches\{'([^']*)'\}|@(Resource|Request)\[([^\]]+)\]\s+(\w+)\s+'([^']*)')/y;
    let at = 0;
    while (at < text.length) {
        if (/^\s*$/.test(text.slice(at))) break;
        pattern.lastIndex = at;
        const m = pattern.exec(text);
        assert.ok(m, `condition syntax at ${JSON.stringify(text.slice(at, at + 40))}`);
        at = pattern.lastIndex;
        if (m[1]) tokens.push({ kind: "(" });
        else if (m[2]) tokens.push({ kind: ")" });
        else if (m[3]) tokens.push({ kind: "not" });
        else if (m[4]) tokens.push({ kind: "and" });
        else if (m[5]) tokens.push({ kind: "or" });
        else if (m[6] !== undefined) tokens.push({ kind: "action", value: m[6] });
        else if (m[7] !== undefined) tokens.push({ kind: "subop", value: m[7] });
        else tokens.push({ kind: "compare", attribute: `${m[8]}:${m[9]}`, op: m[10], value: m[11] });
    }
    return tokens;
}

/** Whether Azure would allow `request` under `condition` (the role grants the action; the condition decides). */
function allows(condition: string | undefined, request: BlobRequest): boolean {
    if (condition === undefined) return true;
    const tokens = tokenize(condition);
    let i = 0;
    const attribute = (name: string): string | undefined =>
        name === `Resource:${BLOBS}:path` ? request.path : name === `Request:${BLOBS}:prefix` ? request.prefix : assert.fail(`attribute ${name} is not one the conditions use`);
    const compare = (value: string | undefined, op: string, literal: string): boolean => {
        if (value === undefined) return false; // an absent attribute fails every comparison
        if (op === "StringStartsWith") return value.startsWith(literal);
        if (op === "StringNotStartsWith") return !value.startsWith(literal);
        if (op === "StringEquals") return value === literal;
        return assert.fail(`operator ${op}`);
    };
    const primary = (): boolean => {
        const t = tokens[i++];
        if (t.kind === "(") {
            const v = or();
            assert.equal(tokens[i++]?.kind, ")");
            return v;
        }
        if (t.kind === "not") return !primary();
        if (t.kind === "action") return t.value === `${BLOBS}/${request.action}`;
        if (t.kind === "subop") return request.subOperation === t.value;
        if (t.kind === "compare") return compare(attribute(t.attribute), t.op, t.value);
        return assert.fail(`unexpected ${t.kind}`);
    };
    const and = (): boolean => {
        let v = primary();
        while (tokens[i]?.kind === "and") {
            i++;
            v = primary() && v;
        }
        return v;
    };
    const or = (): boolean => {
        let v = and();
        while (tokens[i]?.kind === "or") {
            i++;
            v = and() || v;
        }
        return v;
    };
    const result = or();
    assert.equal(i, tokens.length, "the whole condition was read");
    return result;
}

const read = (path: string): BlobRequest => ({ action: "read", path });
const write = (path: string): BlobRequest => ({ action: "write", path });
const create = (path: string): BlobRequest => ({ action: "add/action", path });
const remove = (path: string): BlobRequest => ({ action: "delete", path });
const list = (prefix?: string): BlobRequest => ({ action: "read", subOperation: "Blob.List", prefix });

describe("Azure bindings' ABAC conditions, evaluated", () => {
    it("keep a prefix binding (MLflow's artifacts, the database's backups) to its prefix, listings included", () => {
        const condition = blobCondition({ prefix: "mlflow/" });
        for (const r of [read("mlflow/1/model.pkl"), write("mlflow/1/a"), create("mlflow/1/a"), remove("mlflow/1/a"), list("mlflow/"), list("mlflow/1/")]) {
            assert.ok(allows(condition, r), JSON.stringify(r));
        }
        for (const r of [read("data/x.parquet"), write("backups/postgres/wal"), remove("mlflowx/a"), create("other/mlflow/a"), list(), list("data/"), list("ml")]) {
            assert.ok(!allows(condition, r), `refused: ${JSON.stringify(r)}`);
        }
    });

    it("keep a whole-container binding (users') out of the excluded prefixes, and still let it list the container", () => {
        const condition = blobCondition({ excludePrefixes: ["backups/", "mlflow/"] });
        for (const r of [read("data/x.parquet"), write("notebooks/a.ipynb"), create("x"), remove("scratch/y"), read("backupsX/a"), list(), list("data/")]) {
            assert.ok(allows(condition, r), JSON.stringify(r));
        }
        for (const r of [read("backups/postgres/base/1"), write("backups/postgres/wal/2"), create("mlflow/3/a"), remove("backups/x"), read("mlflow/1/model.pkl")]) {
            assert.ok(!allows(condition, r), `refused: ${JSON.stringify(r)}`);
        }
        // what the condition cannot say (ABAC cannot test a listing's prefix for absence): names under an excluded prefix are listed
        assert.ok(allows(condition, list("backups/")));
    });

    it("puts no condition on a binding that reaches the whole container and excludes nothing", () => {
        assert.equal(blobCondition(undefined), undefined);
        assert.equal(blobCondition({ excludePrefixes: [] }), undefined);
        assert.throws(() => blobCondition({ prefix: "it's/" }), /letters, digits/);
    });
});

describe("Azure bindings in the plan (PostgreSQL and MLflow on)", () => {
    let plan: Plan;
    before(async () => {
        const run = await runPlan("azure", { stackFile: variantStackFile("azure", { "workbench:systemPool": { size: "medium" }, "workbench:services": { postgres: true, mlflow: true } }) });
        assert.equal(run.status, 0, run.stderr);
        plan = run.document;
    });

    /** The role assignment of the identity federated with `namespace/account`. */
    function grantOf(account: string) {
        const credential = ofType(plan, "azure-native:managedidentity:FederatedIdentityCredential").find((c) => String(input(c, "subject")).endsWith(`:${account}`));
        assert.ok(credential, `an identity federated with ${account}`);
        const identity = ofType(plan, "azure-native:managedidentity:UserAssignedIdentity").find((i) => input(i, "resourceName") === input(credential, "resourceName"))!;
        const grant = ofType(plan, "azure-native:authorization:RoleAssignment").find((g) => g.dependsOn.includes(identity.urn));
        assert.ok(grant, `${account}'s role assignment`);
        return grant;
    }

    it("limits the backups' and MLflow's identities to the prefixes the services write, by condition version 2.0", () => {
        for (const [account, prefix] of [["postgres", `${BACKUP_PREFIX}/`], ["mlflow", `${ARTIFACT_PREFIX}/`]] as const) {
            const grant = grantOf(account);
            assert.equal(input(grant, "conditionVersion"), "2.0");
            const condition = String(input(grant, "condition"));
            assert.ok(allows(condition, write(`${prefix}a/b`)) && allows(condition, list(prefix)), `${account} works under ${prefix}`);
            assert.ok(!allows(condition, read("data/x")) && !allows(condition, list()), `${account} reaches nothing else`);
        }
    });

    it("grants a custom role with the blob data actions and no container write or delete, which no condition could limit", () => {
        const [role] = ofType(plan, "azure-native:authorization:RoleDefinition");
        assert.ok(role, "the workbench's blob data role");
        const permissions = input(role, "permissions") as { actions: string[]; dataActions: string[] }[];
        assert.deepEqual(permissions.flatMap((p) => p.dataActions).sort(), [...BLOB_DATA_ACTIONS].sort());
        const actions = permissions.flatMap((p) => p.actions);
        assert.ok(!actions.some((a) => /containers\/(delete|write|\*)$|\/\*$/.test(a)), `no container-level change: ${actions.join(", ")}`);
        const waits = ofType(plan, "time:index/sleep:Sleep").filter((w) => w.dependsOn.includes(role.urn));
        assert.equal(waits.length, 1, "a wait for the new role to replicate");
        for (const account of ["postgres", "mlflow", "workbench-user"]) {
            const grant = grantOf(account);
            assert.ok(grant.dependsOn.includes(role.urn), `${account} holds the workbench's role (its id is the role's output)`);
            assert.match(String(input(grant, "roleDefinitionId")), /^\/subscriptions\/[0-9a-f-]{36}\/providers\/Microsoft\.Authorization\/roleDefinitions\/[0-9a-f-]{36}$/);
            assert.ok(grant.dependsOn.includes(waits[0].urn), `${account}'s grant waits for the role`);
        }
    });
});
