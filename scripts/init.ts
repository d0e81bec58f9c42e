/*
 * `npm run init`: a guided stack file for those who would rather not edit YAML. Asks for the cloud, where
 * (region, zone or kubeconfig context), the hub's admin and the budget, checks every answer with the program's
 * own checks (an answer they refuse is asked again, with their message) and writes Pulumi.<stack>.yaml.
 *
 * Without a terminal, or with --yes, it asks nothing: the answers come from the options (or the defaults), and
 * a refused answer ends it with the message and exit status 1, writing nothing.
 *   npm run init -- --cloud aws --region eu-west-1 --admin alice --budget 120 --stack dev --yes
 */
import { input, select } from "@inquirer/prompts";
import { Command } from "commander";
import { PROJECT_DIR } from "./project-dir";
import { Prompts, runInit } from "./init/wizard";

const options = new Command()
    .name("npm run init --")
    .option("--cloud <cloud>", "aws, gcp, azure or existing")
    .option("--region <name>", "AWS region, GCP zone, Azure location, or the kubeconfig context of an existing cluster")
    .option("--project <id>", "GCP project id")
    .option("--admin <name>", "the hub's admin (your sign-in name)")
    .option("--budget <usd>", "monthly budget, USD")
    .option("--email <address>", "e-mail for budget alerts")
    .option("--stack <name>", "stack name: the file is Pulumi.<name>.yaml")
    .option("--out-dir <dir>", "where to write the file", PROJECT_DIR)
    .option("--force", "replace an existing stack file")
    .option("-y, --yes", "ask nothing: take the options, and the defaults for the rest")
    .parse()
    .opts<{ cloud?: string; region?: string; project?: string; admin?: string; budget?: string; email?: string; stack?: string; outDir: string; force?: boolean; yes?: boolean }>();

/** A given option answers its question; the rest are asked, or take their default without a terminal. */
const given: Record<string, string | undefined> = {
    cloud: options.cloud,
    region: options.region,
    project: options.project,
    admin: options.admin,
    budget: options.budget,
    email: options.email,
    stack: options.stack,
};
const interactive = !options.yes && process.stdin.isTTY === true;

/** An answer refused without a terminal to ask again on. */
class Refused extends Error {}

const prompts: Prompts = {
    async select(question) {
        const answer = given[question.name];
        if (answer !== undefined || !interactive) return (answer ?? question.default ?? "") as (typeof question.choices)[number]["value"];
        return select({ message: question.message, choices: question.choices, ...(question.default ? { default: question.default } : {}) });
    },
    async input(question) {
        const answer = given[question.name];
        if (answer !== undefined || !interactive) {
            const value = answer ?? question.default ?? "";
            const verdict = await question.validate(value);
            if (verdict !== true) throw new Refused(`--${question.name} ${JSON.stringify(value)}:\n${verdict.replace(/^/gm, "  ")}`);
            return value;
        }
        return input({ message: question.message, ...(question.default !== undefined ? { default: question.default } : {}), validate: question.validate });
    },
};

runInit(prompts, { projectDir: PROJECT_DIR, outDir: options.outDir, force: options.force }).then(
    ({ stack, file, cloud }) => {
        console.log(`Wrote ${file} (${cloud}). Next:\n  npm run plan -- --stack ${stack}     # what it would create and cost, offline`);
        if (cloud !== "existing") console.log(`  pulumi stack init ${stack} && pulumi preview   # with the Pulumi CLI and the cloud's credentials (README: Deploying for real)`);
        // the checks leave the Pulumi runtime's handles open; the work is done
        process.exit(0);
    },
    (error: unknown) => {
        // Ctrl-C, or the terminal closed, in a question (@inquirer/prompts' ExitPromptError)
        if (error instanceof Error && error.name === "ExitPromptError") {
            console.error("npm run init: cancelled; nothing written.");
            process.exit(130);
        }
        console.error(`npm run init: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
    },
);
