import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { ErrorObject } from "ajv";
import { parse } from "yaml";
import { helmMerge, isValueMap, ValueMap } from "../components/helm/merge";
import { ChartPin } from "../components/versions";
import { PROJECT_DIR } from "./harness";

/*
 * The charts' own reference data (values.yaml and values schema at the pinned versions), kept beside
 * the project in ../shared/charts. The version comes from components/versions.ts, so bumping a chart
 * points the tests at the new chart's data.
 */

/** Where the reference data lives. */
export const CHARTS_DIR = path.resolve(PROJECT_DIR, "..", "shared", "charts");

/** The reference data folder of a pinned chart, or undefined when it is not there. */
export function chartDataDir(pin: ChartPin): string | undefined {
    const dir = path.join(CHARTS_DIR, `${pin.chart}-${pin.version}`);
    return fs.existsSync(path.join(dir, "values.yaml")) ? dir : undefined;
}

/** Why a chart's data is missing, for `this.skip()` messages. */
export function missingChartData(pin: ChartPin): string {
    return `no reference data for ${pin.chart} ${pin.version} in ${CHARTS_DIR} (values.yaml and schema of the pinned version)`;
}

/** The chart's default values. */
export function chartDefaults(dir: string): ValueMap {
    const values: unknown = parse(fs.readFileSync(path.join(dir, "values.yaml"), "utf8"));
    return isValueMap(values) ? values : {};
}

/** The chart's values schema (JSON or YAML), or undefined when the chart publishes none. */
export function chartSchema(dir: string): ValueMap | undefined {
    for (const file of ["values.schema.json", "values.schema.yaml"]) {
        const full = path.join(dir, file);
        if (fs.existsSync(full)) {
            const schema: unknown = file.endsWith(".json") ? JSON.parse(fs.readFileSync(full, "utf8")) : parse(fs.readFileSync(full, "utf8"));
            return isValueMap(schema) ? schema : undefined;
        }
    }
    return undefined;
}

function describeError(error: ErrorObject): string {
    const extra = error.keyword === "additionalProperties" ? ` (${String((error.params as { additionalProperty: string }).additionalProperty)})` : "";
    return `${error.instancePath || "/"} ${error.message ?? error.keyword}${extra}`;
}

/**
 * Validates values as Helm would see them: merged over the chart's defaults, then checked against
 * the chart's schema. Returns the violations (none when valid).
 */
export function schemaViolations(dir: string, values: ValueMap): string[] {
    const schema = chartSchema(dir);
    if (!schema) throw new Error(`${dir} has no values schema`);
    // the charts' schemas use keywords and formats of their own (and dask-gateway's has a typo in `$schema`)
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    const { $schema: _ignored, ...body } = schema;
    const validate = ajv.compile(body);
    return validate(helmMerge(chartDefaults(dir), values)) ? [] : (validate.errors ?? []).map(describeError);
}

/**
 * Keys set in `values` that the chart's defaults do not have, for charts without a schema. A mapping
 * that is empty in the defaults (node selectors, labels, annotations) takes any key.
 */
export function unknownKeys(values: ValueMap, defaults: ValueMap, at = ""): string[] {
    return Object.entries(values).flatMap(([key, value]) => {
        const where = `${at}.${key}`;
        if (!(key in defaults)) return [where];
        const known = defaults[key];
        if (isValueMap(value) && isValueMap(known) && Object.keys(known).length > 0) return unknownKeys(value, known, where);
        return [];
    });
}
