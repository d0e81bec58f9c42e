import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { tsImport } from "tsx/esm/api";
import { parse } from "yaml";
import { configValue, defaultCloud, Mode, requiredVariables, stackMatrix } from "../ci/stack-matrix";
import { COMMENT_MARKER } from "../plan/diff-markdown";
import { readStackConfig } from "../plan/project";
import { validateConfig } from "../stacks/load";
import { PROJECT_DIR, STACKS, tempDir } from "./harness";

const WORKFLOWS_DIR = path.join(PROJECT_DIR, ".github", "workflows");
const FILES = fs.readdirSync(WORKFLOWS_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const text = (file: string) => fs.readFileSync(path.join(WORKFLOWS_DIR, file), "utf8");

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}
interface Job {
    name?: string;
    if?: string;
    uses?: string;
    needs?: string | string[];
    environment?: string;
    permissions?: Record<string, string>;
    steps?: Step[];
}
interface Workflow {
    name: string;
    on: Record<string, unknown>;
    permissions?: Record<string, string>;
    jobs: Record<string, Job>;
}
const workflow = (file: string) => parse(text(file)) as Workflow;
const steps = (job: Job) => job.steps ?? [];
const jobsOf = (file: string) => Object.entries(workflow(file).jobs);

/** Actions that log in to a cloud with the job's OIDC token. */
const OIDC_ACTIONS = ["aws-actions/configure-aws-credentials", "google-github-actions/auth", "azure/login"];

/*
 * GitHub's workflow parser is an ES module that imports its schema JSON without an import attribute, which Node's
 * own loader refuses; tsx's (scoped to this import, so the tests' CommonJS modules keep Node's faster loader) takes it.
 */
const workflowParser = () => tsImport("@actions/workflow-parser", __filename) as Promise<typeof import("@actions/workflow-parser")>;

describe("GitHub Actions workflows", () => {
    it("ships the test, preview, deploy and offline diff workflows", () => {
        assert.deepEqual(FILES, ["deploy.yml", "plan-diff-comment.yml", "plan-diff.yml", "preview.yml", "test.yml"]);
    });

    for (const file of FILES) {
        it(`${file} validates against GitHub's workflow schema (@actions/workflow-parser)`, async () => {
            const parser = await workflowParser();
            const result = parser.parseWorkflow({ name: file, content: text(file) }, new parser.NoOperationTraceWriter());
            const errors = result.context.errors.getErrors().map((e) => e.message);
            assert.deepEqual(errors, [], `${file}:\n${errors.join("\n")}`);
            assert.ok(result.value, `${file} parsed to nothing`);
            // the conversion checks what the schema cannot: needs, matrices, reusable workflows (read from this repository)
            const template = await parser.convertWorkflowTemplate(
                result.context,
                result.value,
                { getFileContent: async (ref) => ({ name: ref.path, content: fs.readFileSync(path.join(PROJECT_DIR, ref.path), "utf8") }) },
                { fetchReusableWorkflowDepth: 1 },
            );
            assert.deepEqual(template.errors ?? [], [], `${file}: ${JSON.stringify(template.errors)}`);
        });
    }

    it("a schema error is caught (the validator is really consulted)", async () => {
        const parser = await workflowParser();
        const broken = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    permisions: {}\n    steps:\n      - run: true\n";
        const result = parser.parseWorkflow({ name: "broken.yml", content: broken }, new parser.NoOperationTraceWriter());
        assert.ok(result.context.errors.getErrors().length > 0);
    });

    it("pins every action to a full commit SHA with its version beside it", () => {
        for (const file of FILES) {
            for (const line of text(file).split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l))) {
                if (/uses:\s+\.\//.test(line)) continue; // a workflow of this repository
                assert.match(line, /uses:\s+[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/, `${file}: ${line.trim()}`);
            }
        }
    });

    it("pins one version of each action across the workflows", () => {
        const versions = new Map<string, Set<string>>();
        for (const file of FILES) {
            for (const [, action, sha] of text(file).matchAll(/uses:\s+([\w.-]+\/[\w./-]+)@([0-9a-f]{40})/g)) {
                versions.set(action as string, (versions.get(action as string) ?? new Set()).add(sha as string));
            }
        }
        for (const [action, shas] of versions) assert.equal(shas.size, 1, `${action} is pinned to ${[...shas].join(", ")}`);
    });

    it("defaults every workflow to a read-only token and grants more per job only", () => {
        for (const file of FILES) {
            const top = workflow(file).permissions;
            assert.ok(top !== undefined, `${file} sets permissions`);
            for (const [scope, level] of Object.entries(top)) assert.equal(level, "read", `${file}: workflow-level ${scope}: ${level}`);
            for (const [id, job] of jobsOf(file)) assert.ok(job.permissions !== undefined, `${file} job ${id} sets its own permissions`);
        }
    });

    it("grants id-token: write only to jobs that log in to a cloud by OIDC, and they all have it", () => {
        for (const file of FILES) {
            for (const [id, job] of jobsOf(file)) {
                const logsIn = steps(job).some((s) => OIDC_ACTIONS.some((a) => s.uses?.startsWith(`${a}@`)));
                assert.equal(job.permissions?.["id-token"] === "write", logsIn, `${file} job ${id}`);
            }
        }
    });

    it("grants pull-requests: write only to the jobs that comment", () => {
        for (const file of FILES) {
            for (const [id, job] of jobsOf(file)) {
                const comments = steps(job).some(
                    (s) => (s.uses?.startsWith("pulumi/actions@") && s.with?.["comment-on-pr"] === true) || (s.uses?.startsWith("actions/github-script@") && String(s.with?.["script"]).includes("createComment")),
                );
                assert.equal(job.permissions?.["pull-requests"] === "write", comments, `${file} job ${id}`);
            }
        }
    });

    it("never runs a fork's code with the base repository's token: no pull_request_target, no checkout in workflow_run", () => {
        for (const file of FILES) {
            const wf = workflow(file);
            assert.ok(!("pull_request_target" in wf.on), `${file} uses pull_request_target`);
            if ("workflow_run" in wf.on) {
                for (const [id, job] of jobsOf(file)) {
                    assert.ok(!steps(job).some((s) => s.uses?.startsWith("actions/checkout@")), `${file} job ${id} checks out code`);
                    assert.ok(!steps(job).some((s) => s.run !== undefined), `${file} job ${id} runs a shell step`);
                }
            }
        }
    });

    it("computes the offline diff on pull_request with no secrets, and posts it from the workflow_run that follows that workflow by name", () => {
        const diff = workflow("plan-diff.yml");
        assert.deepEqual(Object.keys(diff.on), ["pull_request"]);
        assert.ok(!text("plan-diff.yml").includes("secrets."), "the diff workflow reads no secret");
        assert.deepEqual(diff.jobs["diff"]?.permissions, { contents: "read" });
        const comment = workflow("plan-diff-comment.yml");
        assert.deepEqual((comment.on["workflow_run"] as { workflows: string[] }).workflows, [diff.name]);
        // the artifact the one uploads is the one the other downloads
        const uploaded = steps(diff.jobs["diff"] as Job).find((s) => s.uses?.startsWith("actions/upload-artifact@"));
        const downloaded = steps(comment.jobs["comment"] as Job).find((s) => s.uses?.startsWith("actions/download-artifact@"));
        assert.equal(downloaded?.with?.["name"], uploaded?.with?.["name"]);
        assert.equal(uploaded?.with?.["path"], "plan-diff/");
        // the comment finds its own earlier comment by the marker the Markdown module defines
        assert.ok(text("plan-diff-comment.yml").includes(COMMENT_MARKER));
        for (const file of ["pr-number", "stack-"]) {
            assert.ok(text("plan-diff.yml").includes(`plan-diff/${file}`), `plan-diff.yml writes ${file}`);
            assert.ok(text("plan-diff-comment.yml").includes(file), `plan-diff-comment.yml reads ${file}`);
        }
        // it checks that the pull request named in the (untrusted) artifact is the one the diff ran on
        assert.match(text("plan-diff-comment.yml"), /pull\.head\.sha !== process\.env\.RUN_HEAD_SHA/);
    });

    it("plans each side with its own commit and writes the report with the base commit's tooling (--compare), labelled advisory", () => {
        const job = workflow("plan-diff.yml").jobs["diff"] as Job;
        const checkouts = steps(job).filter((s) => s.uses?.startsWith("actions/checkout@"));
        assert.deepEqual(
            checkouts.map((s) => [s.with?.["path"], s.with?.["ref"]]),
            [
                ["base", "${{ github.event.pull_request.base.sha }}"],
                ["change", undefined],
            ],
        );
        const install = steps(job).find((s) => s.run?.includes("npm ci"))?.run ?? "";
        for (const side of ["base", "change"]) assert.match(install, new RegExp(`npm ci [^\\n]*--ignore-scripts --prefix ${side}`), "no install scripts of the pull request run");
        const run = steps(job).find((s) => s.run?.includes("--compare"))?.run ?? "";
        assert.match(run, /compare_dir=base\n/);
        assert.match(run, /\(cd "\$compare_dir" && npm run -s plan -- --stack "\$stack" --diff "[^"]+" \\\n\s+--compare "\.\.\/plans\/base-\$stack\.json" "\.\.\/plans\/change-\$stack\.json" --out "\.\.\/plan-diff\/stack-\$stack\.md"\)/);
        assert.match(run, /npm run -s plan -- --stack "\$stack" \$mode --json --out "\.\.\/plans\/\$side-\$stack\.json"/);
        const cli = fs.readFileSync(path.join(PROJECT_DIR, "plan", "cli.ts"), "utf8");
        // the workflow's fallback and mode detection grep the CLI's own option declarations
        assert.ok(cli.includes('"--compare <files...>"') && cli.includes('"--preview"') && cli.includes("--out <file>"));
        assert.match(text("plan-diff-comment.yml"), /## Offline plan diff \(advisory\)/);
    });

    it("runs on the Node.js major that package.json's engines field names", () => {
        const engines = (JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
        const major = /(\d+)/.exec(engines)?.[1];
        const setups = FILES.flatMap((f) => jobsOf(f).flatMap(([, job]) => steps(job).filter((s) => s.uses?.startsWith("actions/setup-node@"))));
        assert.ok(setups.length >= 5);
        for (const s of setups) assert.equal(String(s.with?.["node-version"]), major);
        // .ci/run insists on the same major
        assert.match(fs.readFileSync(path.join(PROJECT_DIR, ".ci", "run"), "utf8"), new RegExp(`required_major=${major}\\b`));
    });

    it("tests every push and pull request, and runs the tests before deploying", () => {
        const test = workflow("test.yml");
        assert.ok("pull_request" in test.on && "push" in test.on && "workflow_call" in test.on);
        assert.match(steps(test.jobs["test"] as Job).map((s) => s.run ?? "").join("\n"), /bash \.ci\/run/);
        const deploy = workflow("deploy.yml");
        assert.deepEqual(deploy.on, { push: { branches: ["main"] } });
        // pushes to main skip test.yml's own trigger because deploy.yml calls it
        assert.deepEqual((test.on["push"] as { "branches-ignore": string[] })["branches-ignore"], ["main"]);
        assert.equal(deploy.jobs["test"]?.uses, "./.github/workflows/test.yml");
        assert.deepEqual(deploy.jobs["deploy"]?.needs, ["test", "stacks"]);
    });

    it("deploys behind the production environment, previews behind their own (reviewed) one", () => {
        assert.equal(workflow("deploy.yml").jobs["deploy"]?.environment, "production");
        assert.equal(workflow("preview.yml").jobs["preview"]?.environment, "preview");
        const up = steps(workflow("deploy.yml").jobs["deploy"] as Job).find((s) => s.uses?.startsWith("pulumi/actions@"));
        assert.equal(up?.with?.["command"], "up");
        const preview = steps(workflow("preview.yml").jobs["preview"] as Job).find((s) => s.uses?.startsWith("pulumi/actions@"));
        assert.deepEqual([preview?.with?.["command"], preview?.with?.["comment-on-pr"], preview?.with?.["edit-pr-comment"]], ["preview", true, true]);
    });

    it("skips cloud previews on pull requests from forks", () => {
        assert.equal(workflow("preview.yml").jobs["stacks"]?.if, "github.event.pull_request.head.repo.full_name == github.repository && github.actor != 'dependabot[bot]'");
        assert.deepEqual(workflow("preview.yml").jobs["preview"]?.needs, "stacks");
    });

    for (const [file, mode] of [
        ["preview.yml", "preview"],
        ["deploy.yml", "deploy"],
    ] as const) {
        it(`${file}: the stack gate checks exactly the variables the ${mode} logins use, per cloud`, () => {
            const wf = workflow(file);
            const gate = steps(wf.jobs["stacks"] as Job).find((s) => s.run?.includes("ci/stack-matrix.ts"));
            assert.ok(gate?.run?.endsWith(` ${mode}`), gate?.run);
            const job = wf.jobs[mode] as Job;
            for (const cloud of ["aws", "gcp", "azure"]) {
                const used = new Set(
                    steps(job)
                        .filter((s) => s.if === `matrix.cloud == '${cloud}'`)
                        .flatMap((s) => [...JSON.stringify([s.with, s.env]).matchAll(/vars\.([A-Z0-9_]+)/g)].map((m) => m[1] as string)),
                );
                assert.deepEqual([...used].sort(), [...(requiredVariables(cloud, mode) ?? [])].sort(), `${file} ${cloud}`);
                for (const name of used) assert.equal(gate?.env?.[name], `\${{ vars.${name} }}`, `${file}: the gate sees ${name}`);
            }
        });
    }

    it("lets no job outside the production environment read the Pulumi token or the passphrase", () => {
        const guarded = /secrets\.(PULUMI_ACCESS_TOKEN|PULUMI_CONFIG_PASSPHRASE)\b/;
        let readers = 0;
        for (const file of FILES) {
            const wf = parse(text(file)) as Workflow & { env?: unknown };
            assert.ok(!guarded.test(JSON.stringify(wf.env ?? {})), `${file}: workflow-level env hands them to every job`);
            for (const [id, job] of jobsOf(file)) {
                const raw = job as Job & { secrets?: unknown };
                const reads = guarded.test(JSON.stringify(job)) || raw.secrets === "inherit";
                if (reads) readers++;
                if (reads) assert.equal(job.environment, "production", `${file} job ${id} reads the Pulumi credentials outside production`);
            }
        }
        // the deployment does read them (the check is not vacuous)
        assert.ok(readers >= 1);
        // and this test catches a preview that reads them again
        const leaky = text("preview.yml").replace("secrets.PULUMI_PREVIEW_ACCESS_TOKEN", "secrets.PULUMI_ACCESS_TOKEN");
        const preview = (parse(leaky) as Workflow).jobs["preview"] as Job;
        assert.ok(guarded.test(JSON.stringify(preview)) && preview.environment !== "production");
    });

    it("previews and deploys with the pinned Pulumi CLI and the policy pack, built to JavaScript first", () => {
        const pack = parse(fs.readFileSync(path.join(PROJECT_DIR, "policy", "PulumiPolicy.yaml"), "utf8")) as { runtime: unknown };
        assert.ok(pack.runtime);
        for (const [file, id] of [
            ["preview.yml", "preview"],
            ["deploy.yml", "deploy"],
        ] as const) {
            const all = steps(workflow(file).jobs[id] as Job);
            const pulumi = all.findIndex((s) => s.uses?.startsWith("pulumi/actions@"));
            const build = all.findIndex((s) => s.run?.trim() === "npm run build:policy");
            assert.ok(build >= 0 && build < pulumi, `${file}: the pack is built before pulumi runs`);
            assert.equal(all[pulumi]?.with?.["pulumi-version-file"], ".pulumi.version", file);
            assert.equal(all[pulumi]?.with?.["policyPacks"], "policy", file);
            assert.equal(all[pulumi]?.with?.["pulumi-version"], undefined, `${file}: one pin, in .pulumi.version`);
        }
    });

    it("documents every repository variable and secret the workflows read", () => {
        const docs = fs.readFileSync(path.join(PROJECT_DIR, "docs", "pull-requests.md"), "utf8");
        const names = new Set(FILES.flatMap((f) => [...text(f).matchAll(/(?:vars|secrets)\.([A-Z0-9_]+)/g)].map((m) => m[1] as string)));
        assert.ok(names.size >= 10);
        for (const name of names) assert.ok(docs.includes(`\`${name}\``), `docs/pull-requests.md does not mention ${name}`);
    });
});

describe("ci/stack-matrix.ts: which stacks a cloud workflow runs", () => {
    it("reads each shipped stack's cloud as the program's own config validation does", () => {
        const projectYaml = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8");
        for (const stack of STACKS) {
            const yaml = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");
            const expected = validateConfig(stack, readStackConfig(PROJECT_DIR, stack).config).config.cloud;
            assert.equal(configValue(yaml, "workbench:cloud") ?? defaultCloud(projectYaml), expected, stack);
        }
    });

    it("runs nothing when no cloud login is configured, and names what to set", () => {
        const { rows, skipped } = stackMatrix(PROJECT_DIR, "preview", {});
        assert.deepEqual(rows, []);
        assert.deepEqual(skipped.map((s) => s.stack), STACKS);
        const aws = skipped.find((s) => s.stack === "aws");
        assert.match(aws?.reason ?? "", /AWS_PREVIEW_ROLE_ARN/);
        assert.match(aws?.reason ?? "", /PULUMI_BACKEND_URL/);
    });

    it("runs a stack once its cloud's variables and a backend are set, with the stack's region", () => {
        const env = { AWS_DEPLOY_ROLE_ARN: "arn:aws:iam::123456789012:role/workbench-deploy", PULUMI_BACKEND_URL: "s3://workbench-state" };
        const { rows } = stackMatrix(PROJECT_DIR, "deploy", env);
        const awsStacks = STACKS.filter((s) => validateConfig(s, readStackConfig(PROJECT_DIR, s).config).config.cloud === "aws");
        assert.deepEqual(rows.map((r) => r.stack), awsStacks);
        for (const row of rows) assert.equal(row.region, readStackConfig(PROJECT_DIR, row.stack).config["aws:region"]);
        // the preview identity does not unlock the deployment, nor the other way round
        assert.deepEqual(stackMatrix(PROJECT_DIR, "preview" satisfies Mode, env).rows, []);
    });

    it("previews only with Pulumi Cloud: a passphrase backend's stacks get the offline diff, never the passphrase", () => {
        const env = { AWS_PREVIEW_ROLE_ARN: "arn:aws:iam::123456789012:role/workbench-preview", PULUMI_BACKEND_URL: "s3://workbench-state" };
        const { rows, skipped } = stackMatrix(PROJECT_DIR, "preview", env);
        assert.deepEqual(rows, []);
        assert.match(skipped.find((s) => s.stack === "aws")?.reason ?? "", /previews get no passphrase, the offline diff covers this stack/);
        assert.ok(stackMatrix(PROJECT_DIR, "preview", { ...env, PULUMI_BACKEND_URL: "https://api.pulumi.com" }).rows.some((r) => r.stack === "aws"));
    });

    it("never runs a stack on an existing cluster: CI has no login to it", () => {
        const everything = Object.fromEntries(
            (["preview", "deploy"] as const).flatMap((mode) => ["aws", "gcp", "azure"].flatMap((c) => requiredVariables(c, mode) ?? [])).map((n) => [n, "set"]),
        );
        const { rows, skipped } = stackMatrix(PROJECT_DIR, "preview", { ...everything, PULUMI_BACKEND_URL: "https://api.pulumi.com" });
        assert.ok(!rows.some((r) => r.cloud === "existing"));
        assert.ok(skipped.every((s) => /existing/.test(s.reason)));
        assert.equal(rows.length + skipped.length, STACKS.length);
    });
});

describe("plan-diff-comment.yml: the comment script, run on a fake GitHub", () => {
    interface Call {
        method: string;
        args: Record<string, unknown>;
    }
    const script = String(steps(workflow("plan-diff-comment.yml").jobs["comment"] as Job).find((s) => s.uses?.startsWith("actions/github-script@"))?.with?.["script"]);

    /** Runs the script as actions/github-script does (an async function of github, context, core, require). */
    async function runScript(options: { prNumber: string; headSha: string; runSha: string; existing?: Array<{ id: number; body: string; user: { type: string; login: string } }> }) {
        const dir = tempDir("plan-diff-artifact-");
        fs.writeFileSync(path.join(dir, "pr-number"), `${options.prNumber}\n`);
        fs.writeFileSync(path.join(dir, "head-sha"), `${options.runSha}\n`);
        fs.writeFileSync(path.join(dir, "stack-aws.md"), "### Stack `aws`: offline plan diff\n\nbody aws\n");
        fs.writeFileSync(path.join(dir, "stack-local.md"), "### Stack `local`: offline plan diff\n\nbody local\n");
        fs.writeFileSync(path.join(dir, "notes.txt"), "not a stack report");
        // a crafted artifact could link a report to a file of the runner (its environment holds the token)
        const outside = path.join(tempDir("plan-diff-outside-"), "environ");
        fs.writeFileSync(outside, "INPUT_GITHUB-TOKEN=ghs_secret");
        fs.symlinkSync(outside, path.join(dir, "stack-zzz.md"));
        const calls: Call[] = [];
        const record = (method: string) => async (args: Record<string, unknown>) => {
            calls.push({ method, args });
            return { data: {} };
        };
        const github = {
            rest: {
                pulls: { get: async (args: Record<string, unknown>) => (calls.push({ method: "pulls.get", args }), { data: { head: { sha: options.headSha } } }) },
                issues: { listComments: record("issues.listComments"), updateComment: record("issues.updateComment"), createComment: record("issues.createComment") },
            },
            paginate: async () => options.existing ?? [],
        };
        const notices: string[] = [];
        const env = { DIFF_DIR: dir, RUN_HEAD_SHA: options.runSha, RUN_URL: "https://github.com/o/r/actions/runs/1" };
        const saved = { ...process.env };
        Object.assign(process.env, env);
        try {
            const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<unknown>;
            await new AsyncFunction("github", "context", "core", "require", script)(github, { repo: { owner: "o", repo: "r" } }, { notice: (m: string) => notices.push(m) }, require);
        } finally {
            for (const key of Object.keys(env)) delete process.env[key];
            Object.assign(process.env, saved);
            fs.rmSync(dir, { recursive: true, force: true });
            fs.rmSync(path.dirname(outside), { recursive: true, force: true });
        }
        return { calls, notices };
    }

    it("creates one comment holding the marker and every stack's report, and nothing else from the artifact", async () => {
        const { calls } = await runScript({ prNumber: "42", headSha: "a".repeat(40), runSha: "a".repeat(40) });
        assert.deepEqual(calls.find((c) => c.method === "pulls.get")?.args, { owner: "o", repo: "r", pull_number: 42 });
        const created = calls.filter((c) => c.method === "issues.createComment");
        assert.equal(created.length, 1);
        const body = String(created[0]?.args["body"]);
        assert.ok(body.startsWith(COMMENT_MARKER));
        assert.ok(body.indexOf("body aws") < body.indexOf("body local"));
        assert.ok(!body.includes("not a stack report"));
        assert.ok(!body.includes("ghs_secret"), "a symlinked report is not followed");
        assert.equal(created[0]?.args["issue_number"], 42);
    });

    it("edits its own earlier comment, not another bot's or a person's", async () => {
        const existing = [
            { id: 1, body: `${COMMENT_MARKER} quoted by a person`, user: { type: "User", login: "alice" } },
            { id: 2, body: "a preview", user: { type: "Bot", login: "github-actions[bot]" } },
            { id: 3, body: `${COMMENT_MARKER}\nold diff`, user: { type: "Bot", login: "github-actions[bot]" } },
        ];
        const { calls } = await runScript({ prNumber: "42", headSha: "b".repeat(40), runSha: "b".repeat(40), existing });
        assert.deepEqual(
            calls.filter((c) => c.method.startsWith("issues.") && c.method !== "issues.listComments").map((c) => [c.method, c.args["comment_id"]]),
            [["issues.updateComment", 3]],
        );
    });

    it("does not comment when the pull request named by the artifact is not at the commit the diff ran on", async () => {
        const { calls, notices } = await runScript({ prNumber: "7", headSha: "c".repeat(40), runSha: "d".repeat(40) });
        assert.ok(!calls.some((c) => c.method === "issues.createComment" || c.method === "issues.updateComment"));
        assert.match(notices.join("\n"), /not commenting/);
    });

    it("refuses an artifact that names no pull request number", async () => {
        await assert.rejects(runScript({ prNumber: "7; rm -rf /", headSha: "e".repeat(40), runSha: "e".repeat(40) }), /names no pull request/);
    });
});

describe("docs/pull-requests.md: the trust it tells you to create matches the workflows", () => {
    const docs = fs.readFileSync(path.join(PROJECT_DIR, "docs", "pull-requests.md"), "utf8");

    it("the deploying identities trust the environment the deploy job runs in, in every cloud's snippet", () => {
        const environment = workflow("deploy.yml").jobs["deploy"]?.environment;
        const subject = `repo:OWNER/REPO:environment:${environment}`;
        // AWS trust policy (described), GCP principal and Azure federated credential
        assert.ok(docs.includes(`\`${subject}\``));
        assert.ok(docs.includes(`/subject/${subject}"`), "GCP binding");
        assert.ok(docs.includes(`--subject ${subject}`), "Azure federated credential");
    });

    it("the preview identities trust jobs of the preview environment (GitHub names the environment, not the event, in the subject)", () => {
        assert.deepEqual(Object.keys(workflow("preview.yml").on), ["pull_request"]);
        const subject = `repo:OWNER/REPO:environment:${workflow("preview.yml").jobs["preview"]?.environment}`;
        assert.ok(docs.includes(`"token.actions.githubusercontent.com:sub": "${subject}"`), "AWS trust policy");
        assert.ok(docs.includes(`/subject/${subject}"`), "GCP binding");
        assert.ok(docs.includes(`--subject ${subject}`), "Azure federated credential");
        assert.ok(!docs.includes("repo:OWNER/REPO:pull_request"), "no identity trusts every pull_request job");
    });

    it("gives preview identities roles that read infrastructure, not data, and never advises reading Secrets", () => {
        for (const broad of ["policy/ReadOnlyAccess", "roles/viewer", "read access to Secrets"]) assert.ok(!docs.includes(broad), `docs/pull-requests.md still advises ${broad}`);
        assert.ok(docs.includes("policy/job-function/ViewOnlyAccess"));
        assert.ok(docs.includes("roles/container.viewer") && docs.includes("roles/storage.bucketViewer"));
    });
});
