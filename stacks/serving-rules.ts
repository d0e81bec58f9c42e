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
    if (cpuServed && parsed.userPool && parsed.userPool.maxNodes < 2) {
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

/** Warnings: public apps, and serving where replicas cannot spread across nodes. */
export function servingWarnings(parsed: Parsed): string[] {
    const warnings: string[] = [];
    parsed.apps?.forEach((app, i) => {
        if (app.public) warnings.push(`workbench:apps[${i}] (${app.name}) is public: anyone who reaches the hub's address reaches it without signing in`);
    });
    const cpuServed = (parsed.models ?? []).some((m) => !m.gpu) || (parsed.apps ?? []).length > 0;
    if (cpuServed && parsed.userPool?.spot) {
        warnings.push(
            "served models and apps run on the user pool, which is spot: their replicas are spread one per node, but the cloud may reclaim " +
                "spot nodes together; for serving that must stay up, set workbench:userPool.spot false (priced in the estimate)",
        );
    }
    if ((parsed.models ?? []).some((m) => m.gpu) && parsed.gpuPools?.[0]?.spot) {
        warnings.push(`served GPU models run on GPU pool ${parsed.gpuPools[0].name}, which is spot: set its spot false for serving that must stay up`);
    }
    return warnings;
}
