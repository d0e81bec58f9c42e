import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import { z } from "zod";
import { CLOUDS } from "../providers/catalog";
import { SECRET_KEYS, WorkbenchConfigSchema } from "../stacks/schema";
import { UNDECLARED_KEY_DESCRIPTIONS } from "../stacks/undeclared-keys";
import { hasConfigType, projectDeclarationProblems, pulumiConfigProblems, pulumiConfigProblemsOf } from "../plan/cli-config";
import { PROJECT_DIR, runPlan, STACKS, variantStackFile } from "./harness";

interface Declaration {
    type?: string;
    items?: { type: string };
    description?: string;
    default?: unknown;
    secret?: boolean;
}

const project = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as {
    name: string;
    runtime: { name: string };
    config: Record<string, Declaration>;
    template: { config: Record<string, { default?: string; description?: string }> };
};

/** The Pulumi config type a schema key is declared with. */
function pulumiType(schema: z.core.$ZodType): string {
    const def = schema._zod.def;
    if (def.type === "default" || def.type === "optional") return pulumiType((def as z.core.$ZodDefaultDef).innerType);
    if (def.type === "enum") return "string";
    if (def.type === "pipe") return pulumiType((def as z.core.$ZodPipeDef).in);
    return def.type;
}

/**
 * The JSON Schema the Pulumi CLI validates Pulumi.yaml against (pulumi/pulumi
 * sdk/go/common/workspace/project.json), kept beside the workplace rather than in the project.
 */
/** Keys declared without a default on purpose: the CLI refuses a stack that does not set them. */
const REQUIRED_KEYS = ["users"];

const PULUMI_PROJECT_SCHEMA = path.resolve(PROJECT_DIR, "..", "shared", "schemas", "pulumi-project.json");

describe("Pulumi.yaml declares the configuration the program validates", () => {
    const shape = WorkbenchConfigSchema.shape;

    it("is a valid Pulumi project file (Pulumi's own project schema; object-typed config needs Pulumi CLI 3.186 or newer)", function () {
        if (!fs.existsSync(PULUMI_PROJECT_SCHEMA)) {
            // reference data of this workplace, not shipped with the project
            console.warn(`      skipped: Pulumi's project schema is not at ${PULUMI_PROJECT_SCHEMA}`);
            this.skip();
        }
        const validate = new Ajv2020({ strict: false }).compile(JSON.parse(fs.readFileSync(PULUMI_PROJECT_SCHEMA, "utf8")) as object);
        assert.ok(validate(project), JSON.stringify(validate.errors, null, 2));
        // and the schema does catch what the CLI would refuse
        assert.equal(validate({ ...project, config: { ...project.config, cloud: { type: "enum" } } }), false, "an unknown config type");
        assert.equal(validate({ ...project, name: undefined }), false, "a project without a name");
    });

    it("is the workbench project on the Node.js runtime", () => {
        assert.equal(project.name, "workbench");
        assert.equal(project.runtime.name, "nodejs");
    });

    it("declares every schema key that has a default, and users (required on purpose); no optional key without a default, no secret key", () => {
        const defaulted = (Object.keys(shape) as (keyof typeof shape)[]).filter((key) => {
            const parsed = shape[key].safeParse(undefined);
            return parsed.success && parsed.data !== undefined;
        });
        assert.deepEqual(Object.keys(project.config).sort(), [...defaulted, ...REQUIRED_KEYS].sort());
        for (const key of SECRET_KEYS) assert.ok(!(key in project.config), `${key} is secret: declared, it would be required (and a default would be plaintext)`);
        // the undeclared keys keep their descriptions for the stack files' JSON Schema
        const undeclared = [...Object.keys(shape), ...SECRET_KEYS].filter((key) => !(key in project.config)).sort();
        assert.deepEqual(Object.keys(UNDECLARED_KEY_DESCRIPTIONS).sort(), undeclared);
        for (const [key, declaration] of Object.entries(project.config)) {
            assert.ok((declaration.description ?? "").length > 10, `${key} has a description`);
        }
    });

    for (const key of Object.keys(project.config)) {
        it(`declares ${key} with the schema's type, and a default meaning the schema's default unless it is required`, () => {
            const schema = shape[key as keyof typeof shape];
            assert.ok(schema, `${key} is a schema key`);
            const declaration = project.config[key]!;
            assert.equal(declaration.type, pulumiType(schema));
            if (declaration.type === "array") assert.equal(declaration.items?.type, "object");
            if (REQUIRED_KEYS.includes(key)) {
                // the CLI requires a declared key without a default: users has none, on purpose
                assert.equal(declaration.default, undefined);
                return;
            }
            // what Pulumi hands the program when the stack sets nothing must mean the schema's default
            // (a service switch may be declared in its short form, `dask: true`)
            assert.deepEqual(schema.parse(declaration.default), schema.safeParse(undefined).data);
        });
    }

    it("has a template that asks for the cloud and offers a valid default", () => {
        const cloud = project.template.config["workbench:cloud"];
        assert.ok((CLOUDS as readonly string[]).includes(cloud.default ?? ""), String(cloud.default));
    });
});

describe("the Pulumi CLI's config validation (plan/cli-config.ts, from pkg/workspace/config.go mergeConfig)", () => {
    it("passes every shipped stack: nothing the CLI requires is missing, no secret is in plain text", () => {
        for (const stack of STACKS) assert.deepEqual(pulumiConfigProblemsOf(PROJECT_DIR, stack), [], stack);
    });

    it("refuses what the CLI refuses, in its words: a declared key without a default that the stack does not set", () => {
        // the Pulumi.yaml before this check existed declared optional keys without a default: every stack failed preview
        const old = { name: "workbench", config: { users: { type: "object" }, domain: { type: "string" }, kubeconfig: { type: "string", secret: true } } };
        assert.deepEqual(pulumiConfigProblems(old, "aws", { "workbench:users": { admins: ["alice"] } }), ["Stack 'aws' is missing configuration values 'domain' and 'kubeconfig'"]);
        assert.deepEqual(pulumiConfigProblems(old, "aws", { "workbench:users": {}, "workbench:domain": "hub.example.org", "workbench:kubeconfig": { secure: "v1:abc" } }), []);
        // keys of other namespaces are never required; a default or value satisfies the CLI
        assert.deepEqual(pulumiConfigProblems({ name: "workbench", config: { "aws:region": { value: "us-east-1" }, cloud: { type: "string", default: "aws" } } }, "s", {}), []);
    });

    it("refuses a plaintext value for a secret key, and a value of the wrong type", () => {
        const declared = { name: "workbench", config: { token: { type: "string", secret: true }, budget: { type: "object", default: {} }, pools: { type: "array", items: { type: "object" }, default: [] } } };
        assert.deepEqual(pulumiConfigProblems(declared, "s", { "workbench:token": "hunter2" }), ["Stack 's' with configuration key 'token' must be encrypted as it's secret"]);
        assert.deepEqual(pulumiConfigProblems(declared, "s", { "workbench:token": { secure: "v1:x" }, "workbench:budget": "100" }), ["Stack 's' with configuration key 'budget' must be of type 'object'"]);
        assert.deepEqual(pulumiConfigProblems(declared, "s", { "workbench:token": { secure: "v1:x" }, "workbench:pools": [1] }), ["Stack 's' with configuration key 'pools' must be of type 'array<object>'"]);
        // YAML scalars reach the CLI as text: 1.35 is a string, "3" an integer, "true" a boolean
        assert.equal(hasConfigType("string", undefined, "1.35"), true);
        assert.equal(hasConfigType("integer", undefined, "3"), true);
        assert.equal(hasConfigType("boolean", undefined, "true"), true);
        assert.equal(hasConfigType("object", undefined, []), false);
    });

    it("refuses declarations the CLI refuses, and a secret key with a plaintext default", () => {
        assert.deepEqual(projectDeclarationProblems({ name: "workbench", config: { a: { type: "array" } } }), [
            "The configuration key 'a' declares an array but does not specify the underlying type via the 'items' attribute",
        ]);
        assert.match(projectDeclarationProblems({ name: "workbench", config: { a: { type: "integer", default: "x" } } })[0] ?? "", /default value specified for configuration key 'a' is not of the expected type 'integer'/);
        assert.match(projectDeclarationProblems({ name: "workbench", config: { "aws:region": { type: "string", value: "x" } } })[0] ?? "", /not namespaced by the project and should not define a type/);
        assert.match(projectDeclarationProblems({ name: "workbench", config: { s3SecretAccessKey: { type: "string", secret: true, default: "" } } })[0] ?? "", /plaintext default/);
        assert.deepEqual(projectDeclarationProblems(project as unknown as Record<string, unknown>), []);
    });

    it("the plan stops as `pulumi preview` does: a stack without users fails before anything registers", async () => {
        const { status, stderr, document } = await runPlan("local", { stackFile: variantStackFile("local", {}, ["workbench:users"]) });
        assert.equal(status, 1);
        assert.match(stderr, /pulumi preview would stop here[\s\S]*Stack 'local' is missing configuration value 'users'/);
        assert.deepEqual(document.resources, []);
    });

    it("requires a CLI range that the pinned CI version (.pulumi.version) satisfies, no older than the SDK it runs", () => {
        const range = (project as unknown as { requiredPulumiVersion?: string }).requiredPulumiVersion ?? "";
        const pinned = fs.readFileSync(path.join(PROJECT_DIR, ".pulumi.version"), "utf8").trim();
        const [min, max] = /^>=(\d+\.\d+\.\d+) <(\d+\.\d+\.\d+)$/.exec(range)?.slice(1) ?? [];
        assert.ok(min && max, `requiredPulumiVersion ${range}`);
        const n = (v: string) => v.split(".").map(Number).reduce((a, p) => a * 1000 + p, 0);
        assert.ok(n(pinned) >= n(min) && n(pinned) < n(max), `${pinned} within ${range}`);
        const sdk = (JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies["@pulumi/pulumi"]!;
        assert.ok(n(pinned) >= n(sdk), `CLI ${pinned} is not older than @pulumi/pulumi ${sdk}`);
        // object-typed config (this Pulumi.yaml uses it) needs 3.186
        assert.ok(n(min) >= n("3.186.0"));
    });

    it("says plainly that the project name must stay workbench (the config namespace)", () => {
        assert.match(String((project as unknown as { template: { description: string } }).template.description), /Keep the project name `workbench`/);
    });
});
