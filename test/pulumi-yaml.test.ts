import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
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

describe("Pulumi.yaml declares the configuration the program validates", () => {
    const shape = WorkbenchConfigSchema.shape;

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
