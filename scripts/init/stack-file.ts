import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Document, parseDocument } from "yaml";
import { checkStack } from "../../check";
import { PlanMocks } from "../../plan/mocks";
import { readStackConfig } from "../../plan/project";
import { ConfigProblem, describeValue } from "../../stacks/errors";

/*
 * The stack file `npm run init` writes: a shipped stack file of the chosen cloud (known to plan, with its
 * comments) with the answers set into it, checked by the program's own checks (schema, cross-key rules, the
 * platform's prepare on the offline plan's answers, the always-on fit) before it is written.
 */

/** The platforms init offers, and the shipped stack file each starts from. */
export const STARTING_FILES = { aws: "Pulumi.aws.yaml", gcp: "Pulumi.gcp.yaml", azure: "Pulumi.azure.yaml", existing: "Pulumi.local.yaml" } as const;

/** A platform init offers. */
export type InitCloud = keyof typeof STARTING_FILES;

/** One answer: where it goes in the stack file (`workbench:users.admins`, `aws:region`) and its value (undefined removes the key). */
export interface Setting {
    key: string;
    value: unknown;
}

/** The path inside `config:` of a full key: `workbench:users.admins` → ["workbench:users", "admins"]. */
function pathOf(key: string): string[] {
    const [head, ...rest] = key.split(".");
    return ["config", head!, ...rest];
}

/** The starting file of a cloud with the settings applied, comments kept. */
export function stackDocument(projectDir: string, cloud: InitCloud, settings: readonly Setting[]): Document {
    const doc = parseDocument(fs.readFileSync(path.join(projectDir, STARTING_FILES[cloud]), "utf8"));
    for (const { key, value } of settings) {
        if (value === undefined) doc.deleteIn(pathOf(key));
        else doc.setIn(pathOf(key), doc.createNode(value, { flow: Array.isArray(value) }));
    }
    return doc;
}

/** A problem as the user reads it: the key, the value given and what is allowed. */
export function describeProblem(problem: ConfigProblem): string {
    return `${problem.key} = ${describeValue(problem.given, problem.hidden)}: ${problem.allowed}`;
}

/**
 * Every problem the program's checks find in a stack file, before anything would be created: schema, cross-key
 * rules, the platform's own checks (on the offline plan's answers for the cloud's lookups) and the always-on fit.
 */
export async function stackFileProblems(projectDir: string, stack: string, text: string): Promise<ConfigProblem[]> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workbench-init-"));
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    try {
        fs.writeFileSync(file, text);
        const config = readStackConfig(projectDir, stack, file);
        pulumi.runtime.setAllConfig(config.config, config.secretKeys);
        await pulumi.runtime.setMocks(new PlanMocks({ stack, project: config.project, config: config.config }), config.project, stack, false);
        const { problems } = await checkStack(stack, config.config, { secretKeys: new Set(config.secretKeys), today: new Date() });
        return problems;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
