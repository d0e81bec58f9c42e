import * as assert from "node:assert/strict";
import { CHARTS } from "../components/versions";
import { input, ofType, planOf, resource, runPlan, variantStackFile } from "./harness";

const hubValuesOf = (plan: Awaited<ReturnType<typeof planOf>>) => {
    const release = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs["chart"] === CHARTS.jupyterhub.chart);
    assert.ok(release);
    return release.inputs["values"] as { hub: { db: { pvc: { storageClassName: string } } }; singleuser: { storage: { dynamic: { storageClass: string } } } };
};

// a cluster that already has a retained class: use it by name, create none
const namedClass = variantStackFile("local", {
    "workbench:existing": { context: "k3d-lab", storageClass: { name: "longhorn-retain" } },
});
const namedClassRun = runPlan("local", { stackFile: namedClass });
namedClassRun.catch(() => undefined);

describe("existing-cluster platform", () => {
    it("without object storage warns that notebooks get no bucket, and exports no bucket URL", async () => {
        const plan = await planOf("local");
        assert.ok(plan.warnings.some((w) => /No object storage: notebooks, Dask and Spark get no bucket/.test(w)), plan.warnings.join("\n"));
        assert.equal("bucketUrl" in plan.outputs, false);
        assert.deepEqual(ofType(plan, "kubernetes:core/v1:Secret").filter((s) => /object-store/.test(String(input(s, "metadata", "name")))), []);
    });

    it("creates a retained storage class only when given a provisioner, and puts homes and the hub database on it", async () => {
        const local = await planOf("local");
        const created = resource(local, "kubernetes:storage.k8s.io/v1:StorageClass", "workbench-retained");
        assert.deepEqual([input(created, "provisioner"), input(created, "reclaimPolicy")], ["rancher.io/local-path", "Retain"]);
        assert.equal(hubValuesOf(local).singleuser.storage.dynamic.storageClass, input(created, "metadata", "name"));

        const { status, document } = await namedClassRun;
        assert.equal(status, 0);
        assert.deepEqual(ofType(document, "kubernetes:storage.k8s.io/v1:StorageClass"), []);
        assert.equal(hubValuesOf(document).hub.db.pvc.storageClassName, "longhorn-retain");
        assert.equal(hubValuesOf(document).singleuser.storage.dynamic.storageClass, "longhorn-retain");
    });

    it("reaches the cluster through the configured kubeconfig context", async () => {
        const { document } = await namedClassRun;
        const [provider] = ofType(document, "pulumi:providers:kubernetes");
        assert.equal(input(provider, "context"), "k3d-lab");
        assert.equal(document.outputs["kubeContext"], "k3d-lab");
    });
});
