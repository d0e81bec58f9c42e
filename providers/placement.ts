import { NodePlacement, Taint, Toleration } from "./contract";

/** The toleration that exactly matches a taint (`Equal` with its value, `Exists` for a value-less taint). */
export function tolerationFor(taint: Taint): Toleration {
    return taint.value === undefined
        ? { key: taint.key, operator: "Exists", effect: taint.effect }
        : { key: taint.key, operator: "Equal", value: taint.value, effect: taint.effect };
}

/** Where a pod must go to land on nodes with these labels and taints: select on `selectorLabels`, tolerate every taint. */
export function placementOn(selectorLabels: Record<string, string>, taints: readonly Taint[]): NodePlacement {
    return { nodeSelector: { ...selectorLabels }, tolerations: taints.map(tolerationFor) };
}

/** The z2jh convention: user and GPU nodes carry this label, and notebook pods prefer it. */
export const USER_NODE_LABELS: Readonly<Record<string, string>> = { "hub.jupyter.org/node-purpose": "user" };

/** The z2jh convention: user nodes are tainted so that only user pods (which tolerate it) land there. */
export const USER_NODE_TAINT: Taint = { key: "hub.jupyter.org/dedicated", value: "user", effect: "NoSchedule" };

/** GPU nodes are tainted so that only pods asking for a GPU land there (GKE adds the same taint itself). */
export const GPU_NODE_TAINT: Taint = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" };

/** The pool name of the on-demand serving pool (`workbench:servingPool`), in its labels and cloud resource names. */
export const SERVING_POOL_NAME = "serving";

/**
 * Serving nodes are tainted so that only served models and apps (which tolerate it) land there: the pool is sized
 * to their replicas and always on, and a notebook or a workflow step on it would take their room and keep it up.
 */
export const SERVING_NODE_TAINT: Taint = { key: "workbench.io/serving", value: "true", effect: "NoSchedule" };
