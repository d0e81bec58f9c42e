/*
 * Writes schemas/workbench-stack.schema.json, the JSON Schema editors use for the stack files, from
 * the one config schema (stacks/schema.ts). Usage: node --import tsx scripts/stack-schema.ts
 * (test/config-schema.test.ts fails when the published file and a fresh generation differ).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { declaredDescriptions, STACK_SCHEMA_FILE, stackFileJsonSchemaText } from "../stacks/json-schema";

const root = path.join(__dirname, "..");
const file = path.join(root, STACK_SCHEMA_FILE);
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, stackFileJsonSchemaText(declaredDescriptions(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"))));
console.log(`wrote ${STACK_SCHEMA_FILE}`);
