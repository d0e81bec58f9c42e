import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { stacksIn } from "../plan/project";
import { PROJECT_DIR, runCli, tempDir } from "./harness";

/*
 * The plan CLI as the README documents it: `--out` for the JSON document, `--stack-file` with the
 * stack's name taken from the file's, and a missing stack file answered with the stacks that exist.
 */

describe("the plan CLI's stack selection and output", () => {
    const dir = tempDir("workbench-cli-");
    const stackFile = path.join(dir, "Pulumi.local.yaml");
    fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.local.yaml"), stackFile);
    const oddFile = path.join(dir, "my-settings.yaml");
    fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.local.yaml"), oddFile);
    const out = path.join(dir, "plan.json");

    let runs: { fromFile: ReturnType<typeof runCli>; missing: ReturnType<typeof runCli>; unnamed: ReturnType<typeof runCli> };
    before(() => {
        runs = {
            fromFile: runCli(["--stack-file", stackFile, "--json", "--out", out, "--project-dir", PROJECT_DIR]),
            missing: runCli(["--stack", "staging", "--project-dir", PROJECT_DIR]),
            unnamed: runCli(["--stack-file", oddFile, "--project-dir", PROJECT_DIR]),
        };
    });

    it("--stack-file Pulumi.<stack>.yaml needs no --stack, and --out writes the JSON document to the file, not stdout", async () => {
        const { status, stdout, stderr } = await runs.fromFile;
        assert.equal(status, 0, stderr);
        assert.equal(stdout, "");
        const document = JSON.parse(fs.readFileSync(out, "utf8")) as { stack: string; resources: unknown[] };
        assert.equal(document.stack, "local");
        assert.ok(document.resources.length > 1);
    });

    it("a stack without a file: the error names the stacks that exist and how to create one", async () => {
        const { status, stderr } = await runs.missing;
        assert.equal(status, 1);
        assert.match(stderr, /Pulumi\.staging\.yaml not found/);
        assert.ok(stderr.includes(`stacks here: ${stacksIn(PROJECT_DIR).join(", ")}`), stderr);
        assert.match(stderr, /pulumi stack init staging/);
    });

    it("a --stack-file of another name asks for --stack", async () => {
        const { status, stderr } = await runs.unnamed;
        assert.equal(status, 1);
        assert.match(stderr, /is not named Pulumi\.<stack>\.yaml: give the stack name with --stack <name>/);
    });
});
