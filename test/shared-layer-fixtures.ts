import * as assert from "node:assert/strict";
import { isValueMap, ValueMap } from "../components/helm/merge";
import { readStackConfig } from "../plan/project";
import type { Plan, PlannedResource } from "../plan/types";
import type { Taint } from "../providers/contract";
import { validateConfig } from "../stacks/load";
import type { WorkbenchConfig } from "../stacks/schema";
import { ofType, planOf, PROJECT_DIR, runPlan, STACKS, variantStackFile } from "./harness";

/*
 * The plans the shared-layer tests read: every shipped stack of a landed cloud, plus variants of the
 * local stack that exercise what the shipped stacks do not (GPU pools and tainted pools on an existing
 * cluster, an S3-compatible store with secret keys, GitHub sign-in over HTTPS, Dask switched off).
 */

/** One planned configuration. */
export interface Scenario {
    label: string;
    stack: string;
    stackFile?: string;
}

/** Pool placement used by the "placed" variant. */
export const PLACED = {
    system: { "workbench/pool": "system" },
    user: { "workbench/pool": "user" },
    userTaint: { key: "hub.jupyter.org/dedicated", value: "user", effect: "NoSchedule" } as Taint,
    gpuNodes: [
        {
            pool: "t4",
            nodeSelector: { "nvidia.com/gpu.present": "true", "workbench/pool": "t4" },
            // a cloud-added taint (AKS spot) besides the GPU taint: profiles must tolerate both
            taints: [
                { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" },
                { key: "kubernetes.azure.com/scalesetpriority", value: "spot", effect: "NoSchedule" },
            ] as Taint[],
            vcpu: 4,
            memoryGiB: 16,
        },
        {
            pool: "a100x2",
            nodeSelector: { "workbench/pool": "a100x2" },
            // a value-less taint, and the user-node taint
            taints: [{ key: "nvidia.com/gpu", effect: "NoSchedule" }, { key: "hub.jupyter.org/dedicated", value: "user", effect: "NoSchedule" }] as Taint[],
            gpusPerNode: 2,
            vcpu: 24,
            memoryGiB: 220,
        },
    ],
    bucket: "lab-data",
    endpoint: "https://minio.example.org",
    /** The store sits on a private network, which notebooks may reach on the endpoint's port only. */
    storeCidr: "10.20.0.0/16",
} as const;

/** The configured scenarios; variant stack files are written once, when this module loads. */
export const SCENARIOS: Scenario[] = [
    ...STACKS.map((stack) => ({ label: stack, stack })),
    {
        label: "local+gpu+s3+native",
        stack: "local",
        stackFile: variantStackFile("local", {
            "workbench:auth": { type: "native" },
            "workbench:users": { admins: ["admin"], allowed: ["bob"] },
            "workbench:gpuPools": [
                { name: "t4", gpu: "t4" },
                { name: "a100x2", gpu: "a100", maxNodes: 2 },
            ],
            "workbench:notebook": { cullIdleMinutes: 45, maxAgeHours: 12 },
            "workbench:storage": { homeSizeGiB: 25 },
            "workbench:hub": { service: "NodePort" },
            "workbench:existing": {
                context: "kind-workbench",
                storageClass: { name: "workbench-retained", provisioner: "rancher.io/local-path" },
                systemNodeSelector: PLACED.system,
                userNodeSelector: PLACED.user,
                userTaints: [PLACED.userTaint],
                gpuNodes: PLACED.gpuNodes,
                installNvidiaDevicePlugin: true,
                objectStore: {
                    type: "s3",
                    endpoint: PLACED.endpoint,
                    bucket: PLACED.bucket,
                    region: "eu-west-1",
                    forcePathStyle: true,
                    privateCidrs: [PLACED.storeCidr],
                },
            },
            "workbench:s3AccessKeyId": { secure: "v1:KEYIDKEYIDKEYID" },
            "workbench:s3SecretAccessKey": { secure: "v1:SECRETKEYSECRETKEY" },
        }),
    },
    {
        label: "local+github+https-dask",
        stack: "local",
        stackFile: variantStackFile("local", {
            "workbench:auth": { type: "github", githubClientId: "Iv1.0123456789abcdef", githubOrganizations: ["example-lab"] },
            "workbench:users": { admins: ["alice"], allowed: ["bob"] },
            "workbench:domain": "hub.example.org",
            "workbench:tlsEmail": "alice@example.org",
            "workbench:githubClientSecret": { secure: "v1:GITHUBCLIENTSECRET" },
            "workbench:services": { dask: false, spark: true },
            "workbench:hub": { service: "LoadBalancer" },
            "workbench:existing": {
                context: "kind-workbench",
                storageClass: { name: "workbench-retained", provisioner: "rancher.io/local-path" },
            },
        }),
    },
];

/** The scenario with GPU pools, tainted pools and an S3-compatible store. */
export const PLACED_SCENARIO = SCENARIOS.find((s) => s.label === "local+gpu+s3+native")!;
/** The scenario with GitHub sign-in, a domain and Dask off. */
export const GITHUB_SCENARIO = SCENARIOS.find((s) => s.label === "local+github+https-dask")!;

/** The validated configuration a scenario plans. */
export function configOf(scenario: Scenario): WorkbenchConfig {
    return validateConfig(scenario.stack, readStackConfig(PROJECT_DIR, scenario.stack, scenario.stackFile).config).config;
}

/** The scenario's plan (planned once per process, shared by the tests). */
export async function planOfScenario(scenario: Scenario): Promise<Plan> {
    if (!scenario.stackFile) return planOf(scenario.stack);
    const run = await runPlan(scenario.stack, { stackFile: scenario.stackFile });
    assert.equal(run.status, 0, `plan of ${scenario.label} failed: ${run.stderr}`);
    return run.document;
}

/** The Helm release of a chart, if the plan has one. */
export function releaseOf(plan: Plan, chart: string): PlannedResource | undefined {
    const found = ofType(plan, "kubernetes:helm.sh/v3:Release").filter((r) => r.inputs["chart"] === chart);
    assert.ok(found.length <= 1, `one ${chart} release at most`);
    return found[0];
}

/** The values of a chart's release, which must exist and must not be secret as a whole. */
export function valuesOf(plan: Plan, chart: string): ValueMap {
    const release = releaseOf(plan, chart);
    assert.ok(release, `${plan.stack} installs ${chart}`);
    const values = release.inputs["values"];
    assert.ok(isValueMap(values), `${chart} values are visible in the plan (got ${JSON.stringify(values)})`);
    return values;
}

/** The resources below a resource (its descendants), following parents. */
export function descendantsOf(plan: Plan, ancestor: PlannedResource): PlannedResource[] {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const below = (r: PlannedResource): boolean => {
        for (let parent = r.parent; parent; parent = byUrn.get(parent)?.parent) if (parent === ancestor.urn) return true;
        return false;
    };
    return plan.resources.filter(below);
}

/** The Workbench component of a plan. */
export function workbenchOf(plan: Plan): PlannedResource {
    const [workbench] = ofType(plan, "workbench:index:Workbench");
    assert.ok(workbench, `${plan.stack} has the shared layer`);
    return workbench;
}
