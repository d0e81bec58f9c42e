import * as fs from "node:fs";
import * as path from "node:path";
import { isMap, isScalar } from "yaml";
import { ConfigProblem } from "../../stacks/errors";
import { describeProblem, InitCloud, Setting, stackDocument, stackFileProblems, STARTING_FILES } from "./stack-file";

/*
 * The questions of `npm run init`: cloud, where (region, zone or kubeconfig context), the hub's admin, the
 * budget (and where its alerts go), the stack's name. Each answer is checked at once by the program's own checks
 * on the stack file it would produce; an answer they refuse is asked again with their message.
 */

/** What the wizard needs of a prompt library: @inquirer/prompts' `select` and `input`, or a script of answers. */
export interface Prompts {
    select<T extends string>(question: { name: string; message: string; choices: { value: T; name: string }[]; default?: T }): Promise<T>;
    /** `validate` returns true, or the message to show before asking again. */
    input(question: { name: string; message: string; default?: string; validate: (value: string) => Promise<true | string> }): Promise<string>;
}

/** Where the stack file goes and what it may replace. */
export interface InitOptions {
    /** The project (Pulumi.yaml and the shipped stack files). */
    projectDir: string;
    /** The folder the stack file is written to (the project, unless a test says otherwise). */
    outDir: string;
    /** Replace an existing stack file. */
    force?: boolean;
}

/** What the wizard wrote. */
export interface InitResult {
    stack: string;
    file: string;
    cloud: InitCloud;
}

/** One question that fills keys of the stack file. */
interface Question {
    name: string;
    message: string;
    default?: string;
    /** The keys whose problems belong to this answer. */
    keys: string[];
    /** The settings the answer makes ("" for an optional answer left empty). */
    settings(answer: string): Setting[];
}

const optional = (answer: string) => answer.trim() === "";

/** Where the workbench runs, per platform. */
function whereQuestions(cloud: InitCloud): Question[] {
    switch (cloud) {
        case "aws":
            return [{ name: "region", message: "AWS region (e.g. us-east-1, eu-west-1)", default: "us-east-1", keys: ["aws:region"], settings: (a) => [{ key: "aws:region", value: a.trim() }] }];
        case "gcp":
            return [
                { name: "project", message: "GCP project id", keys: ["gcp:project"], settings: (a) => [{ key: "gcp:project", value: a.trim() }] },
                { name: "region", message: "GCP zone (e.g. us-central1-a, europe-west4-a)", default: "us-central1-a", keys: ["gcp:zone", "gcp:region"], settings: (a) => [{ key: "gcp:zone", value: a.trim() }] },
            ];
        case "azure":
            return [{ name: "region", message: "Azure location (e.g. eastus, westeurope)", default: "eastus", keys: ["azure-native:location"], settings: (a) => [{ key: "azure-native:location", value: a.trim() }] }];
        case "existing":
            return [
                {
                    name: "region",
                    message: "kubeconfig context of the cluster (kubectl config get-contexts)",
                    default: "kind-workbench",
                    keys: ["workbench:existing.context"],
                    settings: (a) => [{ key: "workbench:existing.context", value: a.trim() }],
                },
            ];
    }
}

function questions(cloud: InitCloud): Question[] {
    const managed = cloud !== "existing";
    return [
        ...whereQuestions(cloud),
        {
            name: "admin",
            message: "Hub admin: your sign-in name (your GitHub login with GitHub sign-in)",
            keys: ["workbench:users"],
            settings: (a) => [{ key: "workbench:users.admins", value: [a.trim()] }],
        },
        {
            name: "budget",
            message: managed ? "Monthly budget, USD (a budget alert at this amount)" : "Monthly budget, USD (an existing cluster gets no alert; the plan compares)",
            default: "167",
            keys: ["workbench:budget.monthlyUsd"],
            // a number when it reads as one; anything else goes as given, for the schema to name
            settings: (a) => [{ key: "workbench:budget.monthlyUsd", value: a.trim() !== "" && Number.isFinite(Number(a)) ? Number(a) : a }],
        },
        ...(managed
            ? [
                  {
                      name: "email",
                      message: "E-mail for budget alerts (empty: none)",
                      default: "",
                      keys: ["workbench:budget.alertEmails"],
                      settings: (a: string) => [{ key: "workbench:budget.alertEmails", value: optional(a) ? undefined : [a.trim()] }],
                  },
              ]
            : []),
    ];
}

const STACK_NAME = /^[a-z][a-z0-9-]{0,29}$/;

/**
 * Asks the questions, checks each answer as it comes and the whole file at the end, and writes
 * `Pulumi.<stack>.yaml`. Throws (writing nothing) only when the finished file still has problems.
 */
export async function runInit(prompts: Prompts, options: InitOptions): Promise<InitResult> {
    const cloud = await prompts.select<InitCloud>({
        name: "cloud",
        message: "Where does the workbench run?",
        choices: [
            { value: "aws", name: "aws: EKS on Amazon Web Services" },
            { value: "gcp", name: "gcp: GKE on Google Cloud" },
            { value: "azure", name: "azure: AKS on Microsoft Azure" },
            { value: "existing", name: "existing: a cluster you already run (kind, k3d, on-prem)" },
        ],
        default: "aws",
    });
    if (!(cloud in STARTING_FILES)) throw new Error(`no platform "${cloud}": choose one of ${Object.keys(STARTING_FILES).join(", ")}`);

    const stack = await prompts.input({
        name: "stack",
        message: "Stack name (the file is Pulumi.<name>.yaml)",
        default: "dev",
        validate: async (name) => {
            if (!STACK_NAME.test(name)) return "a stack name is lower-case letters, digits and dashes, starting with a letter, at most 30 characters";
            if (!options.force && fs.existsSync(path.join(options.outDir, `Pulumi.${name}.yaml`))) return `Pulumi.${name}.yaml exists: choose another name (or --force)`;
            return true;
        },
    });

    const settings: Setting[] = [];
    const problemsWith = async (extra: Setting[]): Promise<ConfigProblem[]> =>
        stackFileProblems(options.projectDir, stack, stackDocument(options.projectDir, cloud, [...settings, ...extra]).toString());

    for (const question of questions(cloud)) {
        const answer = await prompts.input({
            name: question.name,
            message: question.message,
            ...(question.default !== undefined ? { default: question.default } : {}),
            validate: async (value) => {
                if (optional(value) && question.default === undefined) return "an answer is needed";
                const own = (await problemsWith(question.settings(value))).filter((p) => question.keys.some((key) => p.key === key || p.key.startsWith(`${key}.`) || p.key.startsWith(`${key}[`)));
                return own.length === 0 ? true : own.map(describeProblem).join("\n");
            },
        });
        settings.push(...question.settings(answer));
    }

    const doc = stackDocument(options.projectDir, cloud, settings);
    // the starting file's header describes its own answers (region, budget): it gives way to this one
    if (isMap(doc.contents)) {
        doc.contents.commentBefore = null;
        const first = doc.contents.items[0]?.key;
        if (isScalar(first)) first.commentBefore = null;
    }
    doc.commentBefore = [
        ` yaml-language-server: $schema=./schemas/workbench-stack.schema.json`,
        ` Written by npm run init from ${STARTING_FILES[cloud]}, whose notes on single settings are kept below.`,
        ` Plan it offline: npm run plan -- --stack ${stack}`,
    ].join("\n");
    const text = doc.toString();
    const problems = await stackFileProblems(options.projectDir, stack, text);
    if (problems.length > 0) throw new Error(`the stack file would not plan; nothing written:\n${problems.map((p) => `  - ${describeProblem(p)}`).join("\n")}`);
    const file = path.join(options.outDir, `Pulumi.${stack}.yaml`);
    fs.writeFileSync(file, text);
    return { stack, file, cloud };
}
