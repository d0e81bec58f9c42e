import * as assert from "node:assert/strict";
import { isValueMap } from "../components/helm/merge";
import { CHARTS, SERVICE_CHARTS } from "../components/versions";
import { chartDataDir, chartDefaults, missingChartData, schemaViolations, unknownKeys } from "./chart-data";
import { ofType } from "./harness";
import { CASES, planCase } from "./services-fixtures";

/* The services' Helm values against the charts' own reference data at the pinned versions. */

describe("data services: Helm values against the charts' reference data", function () {
    this.timeout(600_000);
    const all = CASES.filter((c) => c.label.endsWith("+all"));

    for (const c of all) {
        for (const pin of [CHARTS.jupyterhub, CHARTS.daskGateway]) {
            it(`${c.label}: ${pin.chart} values with every service's variables, egress and registration validate against its schema`, async function () {
                const dir = chartDataDir(pin);
                if (!dir) {
                    this.test!.title += ` — skipped: ${missingChartData(pin)}`;
                    this.skip();
                }
                const { plan } = await planCase(c);
                const release = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs["chart"] === pin.chart);
                assert.ok(release && isValueMap(release.inputs["values"]));
                assert.deepEqual(schemaViolations(dir, release.inputs["values"]), []);
            });
        }

        it(`${c.label}: CloudNativePG operator values, merged over the chart's defaults, validate against its schema`, async function () {
            const dir = chartDataDir(SERVICE_CHARTS.cloudnativePg);
            if (!dir) {
                this.test!.title += ` — skipped: ${missingChartData(SERVICE_CHARTS.cloudnativePg)}`;
                this.skip();
            }
            assert.ok(schemaViolations(dir, { config: { clusterWide: "no" } }).length > 0, "the check rejects a wrong type");
            const { plan } = await planCase(c);
            const release = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs["chart"] === SERVICE_CHARTS.cloudnativePg.chart);
            assert.ok(release && isValueMap(release.inputs["values"]));
            assert.deepEqual(schemaViolations(dir, release.inputs["values"]), []);
        });

        it(`${c.label}: OpenSearch values set only keys the chart's defaults have (it publishes no schema)`, async function () {
            const dir = chartDataDir(SERVICE_CHARTS.opensearch);
            if (!dir) {
                this.test!.title += ` — skipped: ${missingChartData(SERVICE_CHARTS.opensearch)}`;
                this.skip();
            }
            const { plan } = await planCase(c);
            const release = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs["chart"] === SERVICE_CHARTS.opensearch.chart);
            assert.ok(release && isValueMap(release.inputs["values"]));
            const defaults = chartDefaults(dir);
            // documented in values.yaml as comments ("If defined, storageClassName: <storageClass>"), and
            // `resources` is a container's resources block, whose defaults show only requests
            const documented = [".persistence.storageClass", ".resources.limits"];
            assert.deepEqual(unknownKeys(release.inputs["values"], defaults).filter((key) => !documented.includes(key)), []);
            assert.ok(unknownKeys({ singlenode: true }, defaults).length > 0, "the check finds a misspelt key");
        });
    }
});
