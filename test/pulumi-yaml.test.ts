import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import { z } from "zod";
import { CLOUDS } from "../providers/catalog";
import { SECRET_KEYS, WorkbenchConfigSchema } from "../stacks/schema";
import { PROJECT_DIR } from "./harness";

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

    it("declares exactly the schema's keys and the secret keys, each with a description", () => {
        assert.deepEqual(Object.keys(project.config).sort(), [...Object.keys(shape), ...SECRET_KEYS].sort());
        for (const [key, declaration] of Object.entries(project.config)) {
            assert.ok((declaration.description ?? "").length > 10, `${key} has a description`);
        }
    });

    for (const key of Object.keys(shape) as (keyof typeof shape)[]) {
        it(`declares ${key} with the schema's type and default`, () => {
            const declaration = project.config[key];
            assert.equal(declaration.type, pulumiType(shape[key]));
            if (declaration.type === "array") assert.equal(declaration.items?.type, "object");
            const defaulted = shape[key].safeParse(undefined);
            if (defaulted.success && defaulted.data !== undefined) {
                // what Pulumi hands the program when the stack sets nothing must mean the schema's default
                // (a service switch may be declared in its short form, `dask: true`)
                assert.deepEqual(shape[key].parse(declaration.default), defaulted.data);
            } else {
                assert.equal(declaration.default, undefined, `${key} has no default, so it must not declare one`);
            }
        });
    }

    it("declares the secret keys as secret strings, so Pulumi refuses them in plain text", () => {
        for (const key of SECRET_KEYS) assert.deepEqual([project.config[key].type, project.config[key].secret], ["string", true], key);
    });

    it("has a template that asks for the cloud and offers a valid default", () => {
        const cloud = project.template.config["workbench:cloud"];
        assert.ok((CLOUDS as readonly string[]).includes(cloud.default ?? ""), String(cloud.default));
    });
});
