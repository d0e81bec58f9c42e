import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { PlanMocks } from "../plan/mocks";
import { readStackConfig } from "../plan/project";
import { ConfigError, ConfigProblem } from "../stacks/errors";
import { checkStack } from "../check";
import { PROJECT_DIR, runPlan } from "./harness";

/*
 * The bad-input corpus: every file in test/bad-configs/ is a stack file a user could write, each wrong
 * in one way, with the key its error must name (`# expect:`) or, for a file that cannot be read as a
 * stack file at all, the words its error must say (`# expect-error:`). All are checked in this process
 * the way the program checks them (schema, cross-key rules, then the platform's own `prepare` on the
 * plan's mocks), and a sample goes through the plan CLI as a user would run it.
 */

const CORPUS = path.join(__dirname, "bad-configs");

/** One invalid stack file and what its error must say. */
interface BadConfig {
    file: string;
    /** Keys the problems must name. */
    keys: string[];
    /** For files that are not stack files at all: the words the error must contain. */
    error?: string;
    /**
     * A problem a platform finds only while it builds (`# late:` says which check runs too late): pending
     * here until the lookup moves into the platform's `prepare`; the CLI test still holds its message honest.
     */
    late?: string;
}

const BAD: BadConfig[] = fs
    .readdirSync(CORPUS)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => {
        const text = fs.readFileSync(path.join(CORPUS, file), "utf8");
        const keys = (/^# expect: (.+)$/m.exec(text)?.[1] ?? "").split(",").map((k) => k.trim()).filter(Boolean);
        const error = /^# expect-error: (.+)$/m.exec(text)?.[1];
        const late = /^# late: (.+)$/m.exec(text)?.[1];
        return { file, keys, error, late };
    });

/** The validation library's own phrases, which must never reach a user. */
const LIBRARY_WORDING = /Invalid input|expected [a-z]+, received|Too (small|big)|Unrecognized key|Invalid (email|IPv4|discriminator|option|string|url)|>=|<=/;

/** Mocks that count what registers: a check must not create anything. */
class CountingMocks extends PlanMocks {
    registered: string[] = [];
    override newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
        this.registered.push(`${args.type}::${args.name}`);
        return super.newResource(args);
    }
}

/** Checks a stack file as the program does, in this process: every problem, and what registered meanwhile. */
async function check(file: string): Promise<{ problems: ConfigProblem[]; message: string; registered: string[] }> {
    const stack = readStackConfig(PROJECT_DIR, "bad", file);
    const secretKeys = new Set(stack.secretKeys);
    const mocks = new CountingMocks({ stack: "bad", project: stack.project, config: stack.config });
    pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);
    await pulumi.runtime.setMocks(mocks, stack.project, "bad", false);
    // exactly what the program runs before creating anything: schema, rules, the platform's prepare, the fit
    const { problems } = await checkStack("bad", stack.config, { secretKeys, today: new Date() });
    return { problems, message: new ConfigError("bad", problems).message, registered: mocks.registered };
}

describe("the bad-input corpus (test/bad-configs)", () => {
    it("holds at least 60 invalid stack files, each saying what its error must name", () => {
        assert.ok(BAD.length >= 60, `${BAD.length} files`);
        for (const bad of BAD) assert.ok(bad.keys.length > 0 || bad.error, `${bad.file} has an '# expect:' or '# expect-error:' line`);
    });

    for (const bad of BAD) {
        if (bad.error) {
            it(`${bad.file}: refused before any check, saying "${bad.error}" and naming the file`, () => {
                assert.throws(
                    () => readStackConfig(PROJECT_DIR, "bad", path.join(CORPUS, bad.file)),
                    (error: Error) => error.message.includes(bad.error!) && error.message.includes(bad.file),
                );
            });
            continue;
        }
        if (bad.late) {
            it(`${bad.file}: names ${bad.keys.join(", ")} before anything registers (pending: ${bad.late})`);
            continue;
        }
        it(`${bad.file}: names ${bad.keys.join(", ")} in words of its own, and creates nothing`, async () => {
            const { problems, message, registered } = await check(path.join(CORPUS, bad.file));
            for (const key of bad.keys) {
                assert.ok(problems.some((p) => p.key === key), `a problem names ${key}; got:\n${message}`);
                assert.ok(message.includes(`  - ${key} = `), `the message lists ${key}`);
            }
            for (const problem of problems) {
                assert.ok(problem.allowed.length > 10, `${problem.key} says what is allowed`);
                assert.doesNotMatch(problem.allowed, LIBRARY_WORDING, `${problem.key}: ${problem.allowed}`);
            }
            assert.deepEqual(registered, [], "the checks register no resource");
        });
    }

    it("never prints a value set where a secret belongs", async () => {
        for (const file of ["secret-in-plain-text.yaml", "secret-inside-auth.yaml", "password-key.yaml", "s3-keys-in-plain-text.yaml", "github-client-id-is-secret.yaml"]) {
            const text = fs.readFileSync(path.join(CORPUS, file), "utf8");
            const { message } = await check(path.join(CORPUS, file));
            for (const secret of ["not-encrypted", "hunter2", "AKIAEXAMPLE", "wJalrXUtnFEMI", "0123456789abcdef0123456789abcdef01234567"]) {
                if (text.includes(secret)) assert.ok(!message.includes(secret), `${file}: the message shows ${secret}:\n${message}`);
            }
            assert.match(message, /pulumi config set --secret workbench:/, file);
        }
    });
});

/** A sample of the corpus planned through the CLI, as a user runs it: one per kind of check. */
const THROUGH_CLI = [
    "unknown-key-case.yaml", // schema: an unknown key
    "github-without-secret.yaml", // cross-key rule
    "secret-in-plain-text.yaml", // a secret in plain text, known only from the stack file's `secure:`
    "aws-instance-types-mixed-arch.yaml", // found by the AWS platform's prepare
    "aws-kubernetes-too-old.yaml", // the version catalog, through the platform
    ...BAD.filter((b) => b.late).map((b) => b.file), // found while building: the message must not claim nothing was created
];

describe("invalid stack files, planned through the CLI", () => {
    let runs: Map<string, ReturnType<typeof runPlan>>;
    before(() => {
        runs = new Map(THROUGH_CLI.map((file) => [file, runPlan("bad", { stackFile: path.join(CORPUS, file) })]));
    });

    for (const file of THROUGH_CLI) {
        const bad = BAD.find((b) => b.file === file)!;
        const registers = bad.late ? "says nothing was created only if nothing registered" : "registers only the root Stack";
        it(`${file}: exits non-zero, names the key on stderr and ${registers}`, async () => {
            const key = bad.keys[0];
            const { status, stderr, document } = await runs.get(file)!;
            assert.equal(status, 1);
            assert.ok(stderr.includes(key), `stderr names ${key}: ${stderr}`);
            assert.ok(document.problems?.some((p) => p.key === key), JSON.stringify(document.problems));
            const onlyRoot = isDeepStrictEqual(document.resources.map((r) => r.type), ["pulumi:pulumi:Stack"]);
            if (!bad.late) assert.ok(onlyRoot, `registered: ${document.resources.map((r) => r.urn).join(", ")}`);
            assert.equal(stderr.includes("nothing was created"), onlyRoot, stderr);
        });
    }
});
