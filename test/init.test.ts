import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { readStackConfig } from "../plan/project";
import { Prompts, runInit } from "../scripts/init/wizard";
import { npmScriptEntry, PROJECT_DIR, runPlan, tempDir } from "./harness";

/*
 * `npm run init`, driven without a terminal: a script of answers stands in for the person, and answers a
 * refused question again the way @inquirer/prompts does (validate, show the message, ask again). Each cloud's
 * generated file must plan; a refused answer is asked again with the checks' own message.
 */

/** Answers per question, in order; what each refused answer was told. */
function scripted(answers: Record<string, string[]>): { prompts: Prompts; told: Record<string, string[]> } {
    const told: Record<string, string[]> = {};
    const prompts: Prompts = {
        async select(question) {
            const answer = answers[question.name]?.shift() ?? question.default;
            const choice = question.choices.find((c) => c.value === answer);
            assert.ok(choice, `${question.name}: ${answer} is one of the choices`);
            return choice.value;
        },
        async input(question) {
            for (;;) {
                const answer = answers[question.name]?.shift() ?? question.default;
                assert.ok(answer !== undefined, `${question.name}: the script has an answer left (told: ${(told[question.name] ?? []).join(" | ")})`);
                const verdict = await question.validate(answer);
                if (verdict === true) return answer;
                (told[question.name] ??= []).push(verdict);
            }
        },
    };
    return { prompts, told };
}

const draftDir = () => tempDir("workbench-init-test-");

const CASES: { cloud: string; answers: Record<string, string[]>; key: string; value: string }[] = [
    { cloud: "aws", answers: { region: ["eu-west-1"] }, key: "aws:region", value: "eu-west-1" },
    { cloud: "gcp", answers: { project: ["my-lab-4711"], region: ["europe-west4-a"] }, key: "gcp:zone", value: "europe-west4-a" },
    { cloud: "azure", answers: { region: ["westeurope"] }, key: "azure-native:location", value: "westeurope" },
    { cloud: "existing", answers: { region: ["k3d-lab"] }, key: "workbench:existing", value: JSON.stringify({ context: "k3d-lab", storageClass: { name: "workbench-retained", provisioner: "rancher.io/local-path" } }) },
];

describe("npm run init: a guided stack file", () => {
    for (const { cloud, answers, key, value } of CASES) {
        it(`${cloud}: writes a stack file with the answers that the program checks and plans`, async () => {
            const outDir = draftDir();
            const stack = `init-${cloud}`;
            const { prompts, told } = scripted({ cloud: [cloud], stack: [stack], admin: ["carol"], budget: ["120"], email: ["carol@example.org"], ...answers });
            const result = await runInit(prompts, { projectDir: PROJECT_DIR, outDir });
            assert.deepEqual(told, {}, "every answer was taken the first time");
            assert.equal(result.file, path.join(outDir, `Pulumi.${stack}.yaml`));
            const config = readStackConfig(PROJECT_DIR, stack, result.file).config;
            assert.equal(config[key], value);
            assert.equal(config["workbench:cloud"], cloud);
            assert.deepEqual(JSON.parse(config["workbench:users"]!).admins, ["carol"]);
            assert.equal(JSON.parse(config["workbench:budget"]!).monthlyUsd, 120);
            const run = await runPlan(stack, { stackFile: result.file });
            assert.equal(run.status, 0, run.stderr);
            assert.equal(run.document.cloud, cloud);
            assert.equal(run.document.cost.budgetMonthly, 120);
        });
    }

    it("asks a refused answer again, with the checks' own message naming the key", async () => {
        const outDir = draftDir();
        const { prompts, told } = scripted({
            cloud: ["aws"],
            stack: ["Bad Name", "lab"],
            region: ["eu-west1", "eu-west-1"],
            admin: ["", "carol"],
            budget: ["5", "lots", "80"],
            email: ["not-an-address", ""],
        });
        const result = await runInit(prompts, { projectDir: PROJECT_DIR, outDir });
        assert.match(told["stack"]![0]!, /lower-case letters/);
        assert.match(told["region"]![0]!, /^aws:region = "eu-west1": .*us-east-1/);
        assert.equal(told["admin"]!.length, 1);
        assert.match(told["budget"]![0]!, /^workbench:budget\.monthlyUsd = 5: must be at least 10/);
        assert.match(told["budget"]![1]!, /^workbench:budget\.monthlyUsd = "lots"/);
        assert.match(told["email"]![0]!, /^workbench:budget\.alertEmails\[0\] = "not-an-address"/);
        const config = readStackConfig(PROJECT_DIR, "lab", result.file).config;
        assert.equal(config["aws:region"], "eu-west-1");
        assert.equal(JSON.parse(config["workbench:budget"]!).monthlyUsd, 80);
        assert.equal(JSON.parse(config["workbench:budget"]!).alertEmails, undefined, "no e-mail given, none written");
    });

    it("never replaces an existing stack file unless told to", async () => {
        const outDir = draftDir();
        fs.writeFileSync(path.join(outDir, "Pulumi.dev.yaml"), "config: {}\n");
        const { prompts, told } = scripted({ cloud: ["existing"], stack: ["dev", "dev2"], admin: ["carol"] });
        await runInit(prompts, { projectDir: PROJECT_DIR, outDir });
        assert.match(told["stack"]![0]!, /Pulumi\.dev\.yaml exists/);
        assert.equal(fs.readFileSync(path.join(outDir, "Pulumi.dev.yaml"), "utf8"), "config: {}\n");
    });

    it("without a terminal, ends on a refused option with its message and writes nothing", async () => {
        const outDir = draftDir();
        const args = [npmScriptEntry("init"), "--cloud", "azure", "--region", "west europe", "--admin", "carol", "--stack", "lab", "--out-dir", outDir];
        await assert.rejects(promisify(execFile)(process.execPath, args, { cwd: PROJECT_DIR }), (error: { code: number; stderr: string }) => {
            assert.equal(error.code, 1);
            assert.match(error.stderr, /--region "west europe":\n {2}azure-native:location = "west europe"/);
            return true;
        });
        assert.deepEqual(fs.readdirSync(outDir), []);
    });
});
