import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import { declaredDescriptions, STACK_SCHEMA_FILE, stackFileJsonSchemaText } from "../stacks/json-schema";
import { PROJECT_DIR, STACKS } from "./harness";

/*
 * The JSON Schema editors check stack files with: generated from the config schema, published in
 * the repository, referenced from every shipped stack file, and as strict as the program where a
 * JSON Schema can be (cross-key rules and the platforms' checks stay the program's).
 */

const published = path.join(PROJECT_DIR, STACK_SCHEMA_FILE);
const fresh = () => stackFileJsonSchemaText(declaredDescriptions(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")));
// formats (email, cidrv4) are checked by the patterns zod writes beside them
const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(JSON.parse(fs.readFileSync(published, "utf8")) as object);
const stackFile = (file: string): unknown => parse(fs.readFileSync(file, "utf8"));

describe("the stack files' JSON Schema", () => {
    it(`${STACK_SCHEMA_FILE} is what the config schema generates (regenerate: node --import tsx scripts/stack-schema.ts)`, () => {
        assert.equal(fs.readFileSync(published, "utf8"), fresh());
    });

    for (const stack of STACKS) {
        it(`Pulumi.${stack}.yaml names the schema for editors and satisfies it`, () => {
            const file = path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`);
            const first = fs.readFileSync(file, "utf8").split("\n")[0];
            assert.equal(first, `# yaml-language-server: $schema=./${STACK_SCHEMA_FILE}`);
            assert.ok(validate(stackFile(file)), JSON.stringify(validate.errors));
        });
    }

    it("accepts a secret only as a secure value, and any other provider's namespace", () => {
        const ok = { config: { "workbench:users": { admins: ["alice"] }, "workbench:githubClientSecret": { secure: "AAAB" }, "kubernetes:context": "kind" } };
        assert.ok(validate(ok), JSON.stringify(validate.errors));
        assert.equal(validate({ config: { "workbench:githubClientSecret": "plain" } }), false);
    });

    // what a JSON Schema can see of the corpus: types, ranges, formats and unknown keys
    const corpus = path.join(__dirname, "bad-configs");
    for (const file of ["unknown-key-case.yaml", "unknown-key-nested.yaml", "user-pool-max-quoted-number.yaml", "aws-cidr-out-of-range.yaml", "gpu-class-unknown.yaml", "secret-in-plain-text.yaml", "tls-email-malformed.yaml", "kubernetes-version-word.yaml"]) {
        it(`flags test/bad-configs/${file} as the user types it`, () => {
            assert.equal(validate(stackFile(path.join(corpus, file))), false);
        });
    }
});
