import * as assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { diffPlans, hasChanges, PlanDiff } from "../plan/diff";
import { renderDiffMarkdown } from "../plan/diff-markdown";
import { forcesReplacement, REPLACE_ON_CHANGE, replaceRule } from "../plan/diff-replace";
import { Plan } from "../plan/types";
import { urnMoves } from "../plan/urns";
import { claimCheckoutFolder, withRefCheckout } from "../plan/worktree";
import { planCommit, planOf, PROJECT_DIR, runCli, STACKS, tempDir } from "./harness";

/** The commit the URN-stability test compares with: WORKBENCH_URN_BASE (e.g. the merge base), else the previous commit. */
const URN_BASE = process.env["WORKBENCH_URN_BASE"] ?? "HEAD^";

const FIXTURES = path.join(__dirname, "fixtures", "diff");
const readPlan = (file: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, file), "utf8")) as Plan;
const before = readPlan("before.json");
const after = readPlan("after.json");

const namesOf = (changes: PlanDiff["added"]) => changes.map((c) => `${c.type} ${c.name}`).sort();

describe("offline plan diff between two fixed plans", () => {
    const diff = diffPlans("aws", before, after);
    const markdown = renderDiffMarkdown(diff, { base: "main" });

    it("reports exactly the added, removed, replaced and changed resources", () => {
        // the fixtures differ by: a new L4 pool, the bucket and a scratch claim dropped, the T4 pool on a larger
        // instance type, the user pool's maximum raised, one more hub admin and a new database host
        assert.deepEqual(namesOf(diff.added), ["aws:eks/nodeGroup:NodeGroup workbench-gpu-l4"]);
        assert.deepEqual(namesOf(diff.removed), ["aws:s3/bucket:Bucket workbench-data", "kubernetes:core/v1:PersistentVolumeClaim workbench-scratch"]);
        assert.deepEqual(namesOf(diff.replaced), ["aws:eks/nodeGroup:NodeGroup workbench-gpu-t4"]);
        assert.deepEqual(namesOf(diff.updated), ["aws:eks/nodeGroup:NodeGroup workbench-user", "kubernetes:helm.sh/v3:Release workbench-hub"]);
        // the Secret and the password are in both plans with the same inputs
        assert.equal(diff.unchanged, 2);
    });

    it("names the inputs that changed by key path, and the one that forces the replacement", () => {
        const user = diff.updated.find((c) => c.name === "workbench-user");
        assert.deepEqual(user?.changes.map((c) => [c.path, c.before, c.after]), [["scalingConfig.maxSize", 3, 5]]);
        const gpu = diff.replaced.find((c) => c.name === "workbench-gpu-t4");
        assert.deepEqual(
            gpu?.changes.map((c) => [c.path, c.forcesReplacement]),
            [["instanceTypes[0]", true]],
        );
        const hub = diff.updated.find((c) => c.name === "workbench-hub");
        assert.deepEqual(hub?.changes.map((c) => c.path).sort(), ["values.hub.config.Authenticator.admin_users[1]", "values.singleuser.extraEnv.DATABASE_URL"]);
        assert.match(markdown, /`instanceTypes\[0\]` ⟳/);
    });

    it("calls out the data-holding resources that leave the stack before anything else, by what deleting them does", () => {
        assert.deepEqual(namesOf(diff.dataAtRisk), namesOf(diff.removed));
        const warning = markdown.indexOf("Data-holding resources leave the stack");
        assert.ok(warning > 0, markdown);
        assert.ok(warning < markdown.indexOf("#### Added"), "data at risk comes before the lists");
        const bucketLine = markdown.split("\n").find((l) => l.includes("`workbench-data`") && l.startsWith("> -"));
        assert.match(bucketLine ?? "", /S3 bucket.*\*\*kept\*\* \(retained on delete\): the cloud keeps it and its data/);
        const claimLine = markdown.split("\n").find((l) => l.includes("`workbench-scratch`") && l.startsWith("> -"));
        assert.match(claimLine ?? "", /would be deleted with its data/);
    });

    it("says when a Namespace would be deleted with the claims in it, and shows a retained one as kept", () => {
        const namespace: Plan["resources"][number] = {
            urn: "urn:pulumi:aws::workbench::workbench:index:Workbench$kubernetes:core/v1:Namespace::workbench-users",
            type: "kubernetes:core/v1:Namespace",
            name: "workbench-users",
            custom: true,
            remote: false,
            inputs: { metadata: { name: "workbench-users" } },
            protect: false,
            retainOnDelete: false,
            dependsOn: [],
        };
        const withNamespace = structuredClone(before);
        withNamespace.resources.push(namespace);
        const dropped = diffPlans("aws", withNamespace, before);
        assert.deepEqual(namesOf(dropped.dataAtRisk), ["kubernetes:core/v1:Namespace workbench-users"]);
        const line = renderDiffMarkdown(dropped).split("\n").find((l) => l.includes("`workbench-users`") && l.startsWith("> -"));
        assert.match(line ?? "", /namespace, with every volume claim in it.*would be deleted with its data/);
        const retained = structuredClone(withNamespace);
        retained.resources.find((r) => r.name === "workbench-users")!.retainOnDelete = true;
        const kept = renderDiffMarkdown(diffPlans("aws", retained, before)).split("\n").find((l) => l.includes("`workbench-users`") && l.startsWith("> -"));
        assert.match(kept ?? "", /\*\*kept\*\* \(retained on delete\)/);
    });

    it("flags a retained bucket whose new name forces a replacement: the new bucket starts empty", () => {
        const renamed = structuredClone(before);
        const bucket = renamed.resources.find((r) => r.type === "aws:s3/bucket:Bucket");
        assert.ok(bucket);
        bucket.inputs["bucket"] = "workbench-data-renamed";
        const replaced = diffPlans("aws", before, renamed);
        assert.deepEqual(namesOf(replaced.replaced), ["aws:s3/bucket:Bucket workbench-data"]);
        assert.deepEqual(namesOf(replaced.dataAtRisk), ["aws:s3/bucket:Bucket workbench-data"]);
        assert.match(renderDiffMarkdown(replaced), /> - `workbench-data`.*a new, empty one; retained on delete, the old one keeps its data/);
    });

    it("keeps secrets masked, even inside a longer value, and counts the secrets it could not compare", () => {
        assert.ok(!markdown.includes("postgresql://"), "a value holding a secret is shown as [secret] only");
        const row = markdown.split("\n").find((l) => l.includes("DATABASE_URL"));
        assert.equal(row, "| `values.singleuser.extraEnv.DATABASE_URL` | `[secret]` | `[secret]` |");
        // the Secret's stringData and the proxy token are secret on both sides
        assert.equal(diff.secretInputs, 2);
        assert.match(markdown, /2 secret inputs could not be compared offline/);
    });

    it("shows the monthly cost before and after, idle and typical, and the lines that moved", () => {
        assert.ok(markdown.includes("| idle (pools at zero) | 120.00 | 117.70 | −2.30 |"), markdown);
        assert.ok(markdown.includes("| typical (usage profile) | 150.00 | 171.42 | +21.42 |"), markdown);
        assert.ok(markdown.includes("| Bucket (100 GB) | 2.30 | – | −2.30 |"));
        assert.ok(markdown.includes("| GPU pool t4 (g4dn.xlarge, 0-1 nodes) → GPU pool t4 (g4dn.2xlarge, 0-1 nodes) | 4.05 | 6.52 | +2.47 |"));
        assert.ok(markdown.includes("| GPU pool l4 (g6.xlarge, 0-1 nodes) | – | 10.80 | +10.80 |"));
        assert.ok(!markdown.includes("EKS control plane"), "an unchanged cost line is not listed");
        assert.deepEqual(diff.warningsAdded, ["Typical cost USD 171.42/month exceeds the budget of USD 167 under workbench:usageProfile."]);
    });

    it("says replacements are the plan's guess", () => {
        assert.match(markdown, /1 to replace \(guess\)/);
        assert.match(markdown, /Replaced: the plan's guess/);
        assert.match(markdown, /a real `pulumi preview` decides/);
    });

    it("reports no change between a plan and itself", () => {
        const same = diffPlans("aws", after, structuredClone(after));
        assert.equal(hasChanges(same), false);
        assert.equal(same.unchanged, after.resources.length - 1);
        const text = renderDiffMarkdown(same);
        assert.match(text, /\*\*0 to add, 0 to change, 0 to replace \(guess\), 0 to delete\*\*/);
        assert.ok(!text.includes("Data-holding"));
    });

    it("treats a stack file new on one side as everything added, gone as everything deleted", () => {
        const created = diffPlans("aws", undefined, after);
        assert.equal(created.added.length, after.resources.length - 1);
        assert.equal(created.cost.idleBefore, undefined);
        const dropped = diffPlans("aws", before, undefined);
        assert.equal(dropped.removed.length, before.resources.length - 1);
        assert.match(renderDiffMarkdown(dropped), /removes the stack file/);
    });

    it("drops per-input details, never the data warning or the cost, when the report would not fit a comment", () => {
        const text = renderDiffMarkdown(diff, { maxChars: 2500 });
        assert.ok(text.length <= 2500);
        assert.ok(text.includes("Data-holding resources leave the stack"));
        assert.ok(text.includes("| idle (pools at zero) | 120.00 | 117.70 | −2.30 |"));
        assert.match(text, /Details trimmed/);
    });
});

describe("replace-on-change table (the plan's guess)", () => {
    /** The SDK file declaring a type token's args, e.g. `aws:eks/nodeGroup:NodeGroup` → @pulumi/aws/eks/nodeGroup.d.ts. */
    function argsDeclaration(type: string): string {
        const [pkg, module, kind] = type.split(":") as [string, string, string];
        const file = kind.charAt(0).toLowerCase() + kind.slice(1);
        const folder = module.includes("/") ? module.split("/").slice(0, -1).join("/") : module;
        const relative =
            pkg === "kubernetes" ? `${folder.replace(".k8s.io", "")}/${module.split("/").at(-1)}/${file}.d.ts` : folder === "index" ? `${file}.d.ts` : `${folder}/${file}.d.ts`;
        const source = fs.readFileSync(path.join(PROJECT_DIR, "node_modules", "@pulumi", pkg, relative), "utf8");
        const start = source.indexOf(`export interface ${kind}Args {`);
        assert.ok(start >= 0, `${relative} declares ${kind}Args`);
        return source.slice(start, source.indexOf("\n}", start));
    }

    for (const [type, rule] of Object.entries(REPLACE_ON_CHANGE)) {
        it(`${type}: every listed path starts at an input the SDK declares`, () => {
            const args = argsDeclaration(type);
            for (const p of rule.paths) {
                const top = p.split(".")[0] as string;
                assert.match(args, new RegExp(`\\n\\s+(readonly )?${top}\\??:`), `${type} has no input ${top}`);
            }
        });
    }

    it("knows the z2jh-relevant updates happen in place: EKS node group version and scaling, Helm values", () => {
        const nodeGroup = replaceRule("aws:eks/nodeGroup:NodeGroup");
        assert.equal(forcesReplacement(nodeGroup, "version"), false);
        assert.equal(forcesReplacement(nodeGroup, "scalingConfig.maxSize"), false);
        assert.equal(forcesReplacement(nodeGroup, "instanceTypes[2]"), true);
        assert.equal(forcesReplacement(nodeGroup, "launchTemplate.version"), false);
        assert.equal(forcesReplacement(nodeGroup, "launchTemplate.id"), true);
        assert.equal(replaceRule("kubernetes:helm.sh/v3:Release"), undefined);
        assert.equal(forcesReplacement(replaceRule("kubernetes:apps/v1:Deployment"), "metadata.namespace"), true);
        assert.equal(forcesReplacement(replaceRule("kubernetes:apps/v1:Deployment"), "metadata.labels.app"), false);
    });
});

describe("the diff's checkout folders", () => {
    it("reuses a few fixed folders, one claimant each, and takes over one whose claimant no longer runs", () => {
        const slots = tempDir("workbench-slots-");
        const first = claimCheckoutFolder(slots);
        const second = claimCheckoutFolder(slots);
        assert.deepEqual([first.dir, second.dir], [path.join(slots, "0"), path.join(slots, "1")]);
        first.release();
        const again = claimCheckoutFolder(slots);
        assert.equal(again.dir, path.join(slots, "0"), "a released folder is the next one claimed, so its caches stay warm");
        // a claim left by a process that is gone (killed mid-diff) is taken over, its old checkout cleared away
        const gone = spawnSync(process.execPath, ["-e", "0"]).pid!;
        fs.writeFileSync(path.join(again.dir, "owner"), String(gone));
        fs.writeFileSync(path.join(again.dir, "left-behind"), "");
        const takeover = claimCheckoutFolder(slots);
        assert.equal(takeover.dir, path.join(slots, "0"));
        assert.deepEqual(fs.readdirSync(takeover.dir), ["owner"]);
        assert.equal(fs.readFileSync(path.join(takeover.dir, "owner"), "utf8"), String(process.pid));
        // while every folder is in use, a new temporary one
        const held = Array.from({ length: 6 }, () => claimCheckoutFolder(slots));
        const overflow = claimCheckoutFolder(slots);
        assert.ok(!overflow.dir.startsWith(slots) && fs.existsSync(overflow.dir), overflow.dir);
        for (const claim of [takeover, second, ...held, overflow]) claim.release();
        assert.deepEqual(fs.readdirSync(slots), []);
        assert.ok(!fs.existsSync(overflow.dir));
    });
});

describe("npm run plan -- --diff, end to end", function () {
    this.timeout(120_000);
    const execFileAsync = promisify(execFile);

    it("plans a checkout of HEAD and HEAD itself (a temporary worktree) and reports only what its stack file changes", async () => {
        await withRefCheckout(PROJECT_DIR, "HEAD", async (checkout) => {
            // the local stack of HEAD with bigger homes: the hub release is the one thing that changes
            const stackFile = path.join(checkout.projectDir, "Pulumi.local.variant.yaml");
            const doc = parse(fs.readFileSync(path.join(checkout.projectDir, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, unknown> };
            const storage = (doc.config["workbench:storage"] ?? {}) as Record<string, unknown>;
            doc.config["workbench:storage"] = { ...storage, homeSizeGiB: 25 };
            fs.writeFileSync(stackFile, stringify(doc));

            // the CLI of this commit, in a plan worker; each side is planned by a process of its own, as a user's run does
            const { status, stdout, stderr } = await runCli(["--stack", "local", "--diff", "HEAD", "--json", "--project-dir", checkout.projectDir, "--stack-file", stackFile]);
            assert.equal(status, 0, stderr);
            const diff = JSON.parse(stdout) as PlanDiff;
            assert.deepEqual([diff.added.length, diff.removed.length, diff.replaced.length], [0, 0, 0]);
            assert.ok(diff.unchanged > 3);
            const changed = diff.updated.flatMap((r) => r.changes.map((c) => ({ type: r.type, path: c.path, after: c.after })));
            assert.ok(
                changed.some((c) => c.type === "kubernetes:helm.sh/v3:Release" && /singleuser\.storage\.capacity$/.test(c.path) && c.after === "25Gi"),
                JSON.stringify(changed, null, 2),
            );
            assert.equal(diff.cost.idleBefore, diff.cost.idleAfter);
            // the readable report is renderDiffMarkdown's (the fixed plans' tests), printed as the failures' test below reads it
        });
        // the temporary worktrees are gone again
        const { stdout: worktrees } = await execFileAsync("git", ["worktree", "list", "--porcelain"], { cwd: PROJECT_DIR });
        assert.ok(!worktrees.includes("workbench-diff-"), worktrees);
    });

    it("reports each side's failure, and fails only for the change's own: a ref that names no commit, an invalid stack file", async () => {
        const run = (args: string[]) => runCli(["--stack", "local", "--project-dir", PROJECT_DIR, ...args]);
        const invalid = path.join(tempDir("workbench-diff-test-"), "Pulumi.local.yaml");
        fs.writeFileSync(invalid, stringify({ config: { "workbench:cloud": "mars", "workbench:users": { admins: ["alice"] } } }));
        const both = await run(["--diff", "no-such-ref-e2e", "--stack-file", invalid]);
        assert.equal(both.status, 1);
        assert.match(both.stdout, /The offline plan of this change failed:[\s\S]*workbench:cloud/);
        assert.match(both.stdout, /The offline plan of the base \(`no-such-ref-e2e`\) failed:[\s\S]*no-such-ref-e2e names no commit/);
        // the working tree plans fine: the failed base is reported, and is not this change's fault
        const baseOnly = await run(["--diff", "no-such-ref-e2e"]);
        assert.equal(baseOnly.status, 0);
        assert.match(baseOnly.stdout, /^### Stack `local`: offline plan diff\n/, "the readable report, as a pull request comment shows it");
        assert.match(baseOnly.stdout, /no-such-ref-e2e names no commit/);
    });
});

describe("engine URNs and their stability", function () {
    this.timeout(600_000);

    it("names resources as the engine does: the parent's full type chain, no root stack type", async () => {
        const plan = await planOf("aws");
        const namespace = plan.resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && r.name === "workbench");
        assert.equal(namespace?.urn, "urn:pulumi:aws::workbench::workbench:index:Workbench$kubernetes:core/v1:Namespace::workbench");
        const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
        for (const r of plan.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")) {
            // pulumi/pulumi pkg/resource/deploy generateURN: parent type chain + "$" + type, unless the parent is the stack
            const parent = byUrn.get(r.parent ?? "");
            assert.ok(parent, `${r.urn} has its parent in the plan`);
            const chain = parent.type === "pulumi:pulumi:Stack" ? r.type : `${/::([^:]+(?::[^:]+)*)::[^:]+$/.exec(parent.urn.replace(/^urn:pulumi:[^:]+::[^:]+/, ""))?.[1]}$${r.type}`;
            assert.equal(r.urn, `urn:pulumi:aws::workbench::${chain}::${r.name}`);
        }
    });

    it("names the Kubernetes provider <name>-k8s on every platform", async () => {
        for (const stack of STACKS) {
            const providers = (await planOf(stack)).resources.filter((r) => r.type === "pulumi:providers:kubernetes");
            assert.deepEqual(providers.map((p) => p.name), ["workbench-k8s"], stack);
        }
    });

    it("finds a custom resource whose URN moved without an alias, and accepts one an alias covers (the GCP provider's rename)", async () => {
        const head = await planOf("gcp");
        const provider = head.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        const old = provider.urn.replace(/::workbench-k8s$/, "::workbench");
        assert.deepEqual(provider.aliases, [old], "the alias the program declares is recorded as the engine's URN");
        // the base as it was: the provider named `workbench`, every Kubernetes object pointing at it
        const base = structuredClone(head);
        for (const r of base.resources) {
            if (r.urn === provider.urn) Object.assign(r, { urn: old, name: "workbench", aliases: undefined });
        }
        assert.deepEqual(urnMoves(base, head), []);
        // and the diff matches on engine URNs through the alias: the provider is the same resource, not a delete and a create
        const aliasedDiff = diffPlans("gcp", base, head);
        assert.deepEqual([aliasedDiff.added.length, aliasedDiff.removed.length], [0, 0]);
        const unaliased = structuredClone(head);
        for (const r of unaliased.resources) delete r.aliases;
        assert.deepEqual(urnMoves(base, unaliased), [{ type: "pulumi:providers:kubernetes", before: old, after: provider.urn }]);
        // a component renamed without an alias moves every custom resource under it
        const renamed = structuredClone(head);
        for (const r of renamed.resources) {
            r.urn = r.urn.replace("workbench:index:Workbench", "workbench:core:Workbench");
            delete r.aliases;
        }
        const moved = urnMoves(head, renamed).map((m) => m.type);
        assert.ok(moved.includes("kubernetes:core/v1:Namespace") && moved.includes("kubernetes:helm.sh/v3:Release"), moved.join(", "));
    });

    it(`no custom resource of a shipped stack changes URN without an alias since the base (${URN_BASE})`, async () => {
        await withRefCheckout(PROJECT_DIR, URN_BASE, async (checkout) => {
            const stacks = STACKS.filter((s) => fs.existsSync(path.join(checkout.projectDir, `Pulumi.${s}.yaml`)));
            // the base's program planned by this harness (engine URNs), past the CLI's config check its Pulumi.yaml may predate
            const bases = await planCommit(checkout.projectDir, stacks);
            const moves: string[] = [];
            for (const [i, stack] of stacks.entries()) {
                const base = bases[i]!;
                assert.equal(base.status, 0, `${stack} at ${URN_BASE}: ${base.stderr}`);
                for (const m of urnMoves(base.document, await planOf(stack))) moves.push(`${stack}: ${m.type}\n    ${m.before}\n  → ${m.after}`);
            }
            assert.deepEqual(moves, [], `add aliases (e.g. aliases: [{ type: "<old type>" }] or [{ parent: <old parent> }] on the component):\n${moves.join("\n")}`);
        });
    });
});
