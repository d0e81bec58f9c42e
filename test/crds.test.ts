import * as assert from "node:assert/strict";
import * as path from "node:path";
import { crdJobName, KUBERAY_CRD_NAMES, SPARK_OPERATOR_CRD_NAMES } from "../components/cluster/crds";
import { CHARTS, IMAGES, SERVICE_CHARTS } from "../components/versions";
import type { Plan, PlannedResource } from "../plan/types";
import { input, ofType, PROJECT_DIR, runPlan } from "./harness";

/*
 * Helm installs a chart's crds/ folder once and never upgrades it: the Spark operator's and KubeRay's CRDs are
 * re-applied by a Job named after the pinned chart version, after the release, by an account that may change only
 * those CRDs. The relationships: the Job reads the very chart, repository and version the release installs; its
 * name changes with the version (a Job's pod template is immutable, so a bump must be a new Job); the CRDs it may
 * touch include the kinds the program itself creates.
 */

const ALL_SERVICES = path.join(PROJECT_DIR, "test", "stacks", "Pulumi.all-services.yaml");
type Container = { name: string; image: string; command?: string[]; args?: string[]; securityContext?: Record<string, unknown> };

function jobOf(plan: Plan, chart: string): PlannedResource {
    const job = ofType(plan, "kubernetes:batch/v1:Job").find((j) => String(input(j, "metadata", "name")).startsWith(`${chart}-crds-`));
    assert.ok(job, `a CRD upgrade Job for ${chart}`);
    return job;
}

describe("CRDs upgraded with their chart (Spark operator, KubeRay)", () => {
    let plan: Plan;
    before(async () => {
        plan = (await runPlan("aws", { stackFile: ALL_SERVICES })).document;
    });

    for (const [label, pin, crdNames] of [
        ["Spark operator", CHARTS.sparkOperator, SPARK_OPERATOR_CRD_NAMES],
        ["KubeRay", SERVICE_CHARTS.kuberayOperator, KUBERAY_CRD_NAMES],
    ] as const) {
        it(`${label}: the Job reads the release's own chart, repository and version, after the release, and is named after the version`, () => {
            const release = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => input(r, "chart") === pin.chart);
            assert.ok(release, `the ${pin.chart} release`);
            const job = jobOf(plan, pin.chart);
            assert.equal(input(job, "metadata", "name"), crdJobName(pin));
            assert.match(String(input(job, "metadata", "name")), new RegExp(pin.version.replace(/\./g, "-")), "a version bump makes a new Job");
            assert.ok(job.dependsOn.includes(release.urn), "after the release (its first install creates the CRDs)");
            const spec = input(job, "spec", "template", "spec") as { initContainers: Container[]; containers: Container[]; serviceAccountName: string };
            const [show] = spec.initContainers;
            assert.equal(show.image, IMAGES.helm);
            assert.deepEqual(show.args, ["show", "crds", input(release, "chart"), "--repo", input(release, "repositoryOpts", "repo"), "--version", input(release, "version")]);
            const [apply] = spec.containers;
            assert.equal(apply.image, IMAGES.kubectl);
            assert.deepEqual(apply.args?.slice(0, 3), ["apply", "--server-side", "--force-conflicts"]);
            for (const container of [show, apply]) {
                assert.equal(container.securityContext?.["allowPrivilegeEscalation"], false);
                assert.equal(container.securityContext?.["runAsNonRoot"], true);
            }
            assert.notEqual(crdJobName({ ...pin, version: "9.9.9" }), crdJobName(pin));
        });

        it(`${label}: its account may get and patch exactly the chart's CRDs, nothing else`, () => {
            const job = jobOf(plan, pin.chart);
            const account = String(input(job, "spec", "template", "spec", "serviceAccountName"));
            const binding = ofType(plan, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").find((b) =>
                (input(b, "subjects") as { name: string }[]).some((s) => s.name === account),
            );
            assert.ok(binding, `a binding for ${account}`);
            const role = ofType(plan, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").find((r) => binding.dependsOn.includes(r.urn));
            assert.ok(role, "the bound ClusterRole");
            assert.deepEqual(input(role, "rules"), [
                { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], resourceNames: [...crdNames], verbs: ["get", "patch"] },
            ]);
        });
    }

    it("the CRDs the Jobs may change include every kind of those operators the program creates", () => {
        const crdOf = (type: string) => {
            // kubernetes:<group>/<version>:<Kind> → <plural>.<group> (these kinds pluralise with an s)
            const [, group, kind] = /^kubernetes:([^/]+)\/[^:]+:(.+)$/.exec(type) ?? [];
            return `${kind.toLowerCase()}s.${group}`;
        };
        const made = [...new Set(plan.resources.map((r) => r.type).filter((t) => /sparkoperator\.k8s\.io|ray\.io/.test(t)))].map(crdOf);
        assert.ok(made.length > 0, "the plan creates operator resources");
        for (const crd of made) assert.ok([...SPARK_OPERATOR_CRD_NAMES, ...KUBERAY_CRD_NAMES].includes(crd), crd);
    });
});
