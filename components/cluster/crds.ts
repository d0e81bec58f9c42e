import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { NodePlacement } from "../../providers/contract";
import { ChartPin, IMAGES } from "../versions";

/*
 * Helm installs a chart's `crds/` folder on the first install and never upgrades it (helm.sh docs, "Custom Resource
 * Definitions": "There is no support at this time for upgrading or deleting CRDs using Helm"). A chart bump that
 * changes its CRDs would leave the operator of the new version reading objects through the old schema. So each
 * such chart gets a Job named after its pinned version: it reads that version's CRDs (`helm show crds`) and
 * server-side applies them, after the release. A bump in components/versions.ts makes a new Job, and so a new
 * apply, in the same `pulumi up`. Its account may touch exactly those CRDs and nothing else.
 */

/** A chart whose CRDs the program upgrades with it. */
export interface ChartCrds {
    /** The pinned chart (the same pin the release uses). */
    chart: ChartPin;
    /** The CRDs its `crds/` folder holds, `<plural>.<group>`: the only objects the Job may change. */
    crdNames: readonly string[];
}

/** The Spark operator's CRDs (kubeflow/spark-operator charts/spark-operator-chart/crds at v2.5.2). */
export const SPARK_OPERATOR_CRD_NAMES: readonly string[] = [
    "sparkapplications.sparkoperator.k8s.io",
    "scheduledsparkapplications.sparkoperator.k8s.io",
    "sparkconnects.sparkoperator.k8s.io",
];

/** KubeRay's CRDs (ray-project/kuberay helm-chart/kuberay-operator/crds at v1.7.0). */
export const KUBERAY_CRD_NAMES: readonly string[] = ["rayclusters.ray.io", "rayjobs.ray.io", "rayservices.ray.io", "raycronjobs.ray.io"];

/** Arguments of {@link upgradeChartCrds}. */
export interface CrdUpgradeArgs extends ChartCrds {
    /** The platform namespace (the operator's). */
    namespace: pulumi.Input<string>;
    /** Where the Job runs: the system pool, beside the operator. */
    placement: NodePlacement;
    /** Kubernetes provider of the cluster. */
    provider: k8s.Provider;
    /** The chart's release: its first install creates the CRDs, the Job upgrades them after it. */
    release: pulumi.Resource;
}

/** The Job's name: the chart and its version, so a version bump is a new Job (a Job's pod template cannot change). */
export function crdJobName(chart: ChartPin): string {
    return `${chart.chart}-crds-${chart.version.replace(/[^0-9a-z]+/gi, "-")}`.toLowerCase().slice(0, 63);
}

/** The helm command that prints the pinned chart's CRDs. */
export function showCrdsArgs(chart: ChartPin): string[] {
    return ["show", "crds", chart.chart, "--repo", chart.repo, "--version", chart.version];
}

const RESTRICTED = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    runAsUser: 65532,
    seccompProfile: { type: "RuntimeDefault" },
};

/** The ServiceAccount, its ClusterRole on exactly the chart's CRDs, and the Job that applies them. */
export function upgradeChartCrds(name: string, args: CrdUpgradeArgs, parent: pulumi.Resource): k8s.batch.v1.Job {
    const opts = { parent, provider: args.provider };
    const accountName = `${args.chart.chart}-crd-upgrade`;
    const account = new k8s.core.v1.ServiceAccount(`${name}-crd-upgrade`, { metadata: { name: accountName, namespace: args.namespace } }, opts);
    // resourceNames: only these CRDs; get and patch are what a server-side apply of existing objects needs
    const role = new k8s.rbac.v1.ClusterRole(
        `${name}-crd-upgrade`,
        { rules: [{ apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], resourceNames: [...args.crdNames], verbs: ["get", "patch"] }] },
        opts,
    );
    const binding = new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-crd-upgrade`,
        {
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: accountName, namespace: args.namespace }],
        },
        opts,
    );
    const helmHome = [
        { name: "HELM_CACHE_HOME", value: "/work/cache" },
        { name: "HELM_CONFIG_HOME", value: "/work/config" },
        { name: "HELM_DATA_HOME", value: "/work/data" },
    ];
    return new k8s.batch.v1.Job(
        `${name}-crds`,
        {
            metadata: { name: crdJobName(args.chart), namespace: args.namespace },
            spec: {
                backoffLimit: 3,
                template: {
                    spec: {
                        serviceAccountName: accountName,
                        restartPolicy: "OnFailure",
                        nodeSelector: args.placement.nodeSelector,
                        tolerations: args.placement.tolerations,
                        securityContext: { runAsNonRoot: true, runAsUser: 65532, fsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
                        volumes: [{ name: "work", emptyDir: {} }],
                        initContainers: [
                            {
                                name: "show-crds",
                                image: IMAGES.helm,
                                command: ["sh", "-c", 'helm "$@" > /work/crds.yaml && test -s /work/crds.yaml', "helm"],
                                args: showCrdsArgs(args.chart),
                                env: helmHome,
                                securityContext: RESTRICTED,
                                volumeMounts: [{ name: "work", mountPath: "/work" }],
                                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                            },
                        ],
                        containers: [
                            {
                                name: "apply-crds",
                                image: IMAGES.kubectl,
                                args: ["apply", "--server-side", "--force-conflicts", "--field-manager=workbench-crds", "-f", "/work/crds.yaml"],
                                securityContext: RESTRICTED,
                                volumeMounts: [{ name: "work", mountPath: "/work" }],
                                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                            },
                        ],
                    },
                },
            },
        },
        { ...opts, dependsOn: [args.release, account, binding] },
    );
}
