import * as assert from "node:assert/strict";
import { diffPlans } from "../plan/diff";
import { input, planOf, runPlan, variantStackFile } from "./harness";

/*
 * Switching a data service off never deletes its data (issue 19): the plan diff from a stack with the service to the
 * same stack without it removes the service's resources, and every one of them that holds data is kept: retained on
 * delete (the cluster keeps it, Pulumi forgets it), protected, or a StatefulSet whose claims Kubernetes keeps
 * (`persistentVolumeClaimRetentionPolicy.whenDeleted: Retain`).
 */

describe("a data service switched off keeps its data (the plan diff)", () => {
for (const service of ["postgres", "mariadb", "mongodb", "opensearch"]) {
    it(`switching ${service} off keeps its data: every data-holding resource the diff removes is kept`, async () => {
        const withService = (await runPlan("aws", { stackFile: variantStackFile("aws", { "workbench:services": { dask: true, spark: true, [service]: true }, "workbench:systemPool": { size: "large" } }) })).document;
        assert.ok(!("error" in withService && withService.error), String((withService as { error?: string }).error));
        const without = await planOf("aws");
        const diff = diffPlans("aws", withService, without);
        assert.ok(diff.removed.length > 0, `${service}'s resources leave the stack`);
        const lost = diff.dataAtRisk.filter((change) => {
            if (change.retainOnDelete || change.protect) return false;
            const resource = withService.resources.find((r) => r.urn === change.urn)!;
            const keepsClaims = change.type === "kubernetes:apps/v1:StatefulSet" && input(resource, "spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted") === "Retain";
            // a chart's StatefulSet keeps its claims when the release is uninstalled unless told to delete them:
            // Kubernetes' default persistentVolumeClaimRetentionPolicy is Retain (kubernetes.io docs, StatefulSets,
            // "PersistentVolumeClaim retention"); the diff still warns, conservatively
            const releaseKeepsClaims = change.type === "kubernetes:helm.sh/v3:Release" && !JSON.stringify(input(resource, "values") ?? {}).includes('"whenDeleted":"Delete"');
            return !keepsClaims && !releaseKeepsClaims;
        });
        assert.deepEqual(lost.map((c) => `${c.type} ${c.name}: ${c.dataAtRisk}`), [], "no data resource is deleted");
    });
}
});
