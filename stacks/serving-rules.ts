import { ConfigProblem } from "./errors";
import type { WorkbenchConfig } from "./schema";

/*
 * Cross-key rules and warnings of served models and apps (`workbench:models`, `workbench:apps`) and of
 * pipelines: each names the key to change and what to type. Registered in rules.ts.
 */

/** What the rules read: keys that parsed on their own. */
type Parsed = Partial<WorkbenchConfig>;

/** Hub service names the workbench registers itself: a served model or app must not take one (its URL is /services/<name>/). */
export const RESERVED_SERVICE_NAMES: readonly string[] = ["mlflow", "workflows", "dask-gateway", "spark-connect", "ray"];

/** Problems of served models and apps that need another key to judge. */
export function servingProblems(parsed: Parsed): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const { models, apps, services, gpuPools } = parsed;
    if (models && models.length > 0 && services && !services.mlflow.enabled) {
        problems.push({
            key: "workbench:models",
            given: models.map((m) => m.name).join(", "),
            allowed: "served models load from MLflow's registry: switch it on with pulumi config set --path 'workbench:services.mlflow' true, or remove workbench:models",
        });
    }
    if (gpuPools) {
        models?.forEach((model, i) => {
            if (model.gpu && gpuPools.length === 0) {
                problems.push({
                    key: `workbench:models[${i}].gpu`,
                    given: true,
                    allowed: "this stack has no GPU pool: add one to workbench:gpuPools (e.g. {name: gpu, gpu: t4}), or set gpu: false",
                });
            } else if (model.gpu && gpuPools[0].maxNodes < 2) {
                problems.push({
                    key: "workbench:gpuPools[0].maxNodes",
                    given: gpuPools[0].maxNodes,
                    allowed: `must be at least 2 to serve models[${i}] (${model.name}) on GPUs: its replicas run one per node`,
                });
            }
        });
    }
    const cpuServed = (models ?? []).some((m) => !m.gpu) || (apps ?? []).length > 0;
    problems.push(...servingPoolRuleProblems(parsed, cpuServed));
    // with a serving pool the CPU replicas run there, not on the user pool
    if (cpuServed && !parsed.servingPool && parsed.userPool && parsed.userPool.maxNodes < 2) {
        problems.push({
            key: "workbench:userPool.maxNodes",
            given: parsed.userPool.maxNodes,
            allowed: "must be at least 2 with served models or apps: their replicas run one per node, so one node's loss leaves the others serving",
        });
    }
    const seen = new Map<string, string>();
    const entries = [...(models ?? []).map((m, i) => ({ name: m.name, key: `workbench:models[${i}].name` })), ...(apps ?? []).map((a, i) => ({ name: a.name, key: `workbench:apps[${i}].name` }))];
    for (const entry of entries) {
        if (RESERVED_SERVICE_NAMES.includes(entry.name)) {
            problems.push({ key: entry.key, given: entry.name, allowed: `must not be one of the workbench's own services (${RESERVED_SERVICE_NAMES.join(", ")}): its URL would be theirs` });
        } else if (seen.has(entry.name)) {
            problems.push({ key: entry.key, given: entry.name, allowed: `must differ from ${seen.get(entry.name)}: both would be served at /services/${entry.name}/` });
        }
        seen.set(entry.name, entry.key);
    }
    apps?.forEach((app, i) => {
        if ("bucketPrefix" in app.source && parsed.cloud === "existing" && parsed.existing?.objectStore?.type === "none") {
            problems.push({ key: `workbench:apps[${i}].source`, given: app.source.bucketPrefix, allowed: "this stack has no bucket: use {git, ref} instead" });
        }
    });
    return problems;
}

/**
 * The serving pool's own rules: it holds served CPU models and apps and nothing else, so it needs some (an
 * always-on pool of nodes nobody uses would only cost); its `maxNodes` is not below its always-on `nodes`; and on
 * an existing cluster the user names the nodes (the program creates none there).
 */
function servingPoolRuleProblems(parsed: Parsed, cpuServed: boolean): ConfigProblem[] {
    const serving = parsed.servingPool;
    if (!serving) return [];
    const problems: ConfigProblem[] = [];
    // judged only once both lists parsed: a problem of their own is reported instead
    if (parsed.models && parsed.apps && !cpuServed) {
        problems.push({
            key: "workbench:servingPool",
            given: JSON.stringify(serving),
            allowed:
                "an always-on pool for served CPU models and apps, and this stack serves none (GPU models run on their GPU pool): " +
                "add workbench:models or workbench:apps, or remove it with pulumi config rm workbench:servingPool",
        });
    }
    if (serving.maxNodes !== undefined && serving.maxNodes < serving.nodes) {
        problems.push({ key: "workbench:servingPool.maxNodes", given: serving.maxNodes, allowed: `at least servingPool.nodes (${serving.nodes}): the pool's always-on nodes are its minimum` });
    }
    if (parsed.cloud === "existing" && parsed.existing && Object.keys(parsed.existing.servingNodeSelector ?? {}).length === 0) {
        problems.push({
            key: "workbench:existing.servingNodeSelector",
            given: parsed.existing.servingNodeSelector ?? "unset",
            allowed:
                "the labels of the nodes to serve on: this program creates no nodes on an existing cluster, so with workbench:servingPool name them, " +
                "e.g. {workbench/pool: serving}, with their taints in existing.servingTaints (e.g. [{key: workbench.io/serving, value: \"true\", effect: NoSchedule}]); " +
                "or remove workbench:servingPool to serve on the user nodes",
        });
    }
    return problems;
}

/** Warnings: public apps, and serving where replicas cannot spread across nodes. */
export function servingWarnings(parsed: Parsed): string[] {
    const warnings: string[] = [];
    parsed.apps?.forEach((app, i) => {
        if (app.public) warnings.push(`workbench:apps[${i}] (${app.name}) is public: anyone who reaches the hub's address reaches it without signing in`);
    });
    const cpuServed = (parsed.models ?? []).some((m) => !m.gpu) || (parsed.apps ?? []).length > 0;
    // on the serving pool (always on demand) the cloud does not reclaim them
    if (cpuServed && !parsed.servingPool && parsed.userPool?.spot) {
        warnings.push(
            "served models and apps run on the user pool, which is spot: their replicas are spread one per node, but the cloud may reclaim " +
                "spot nodes together; for serving that must stay up, give them an on-demand pool of their own with workbench:servingPool " +
                "(e.g. {size: medium, nodes: 2}), or set workbench:userPool.spot false (both priced in the estimate)",
        );
    }
    if ((parsed.models ?? []).some((m) => m.gpu) && parsed.gpuPools?.[0]?.spot) {
        warnings.push(`served GPU models run on GPU pool ${parsed.gpuPools[0].name}, which is spot: set its spot false for serving that must stay up`);
    }
    return warnings;
}
