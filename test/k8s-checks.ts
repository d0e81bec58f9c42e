import type { Taint, Toleration } from "../providers/contract";

/* Small checks on Kubernetes-shaped values, shared by the plan tests and the unit tests. */

/** A nested value by path. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
    return path.reduce<unknown>((v, key) => (v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[key] : undefined), value);
}

/** Whether a toleration tolerates a taint, as the Kubernetes scheduler decides. */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
    if (toleration.effect && toleration.effect !== taint.effect) return false;
    if (toleration.operator === "Exists") return !toleration.key || toleration.key === taint.key;
    return toleration.key === taint.key && (toleration.value ?? "") === (taint.value ?? "");
}

/** The taints none of the tolerations tolerate. */
export function untolerated(tolerations: readonly Toleration[], taints: readonly Taint[]): Taint[] {
    return taints.filter((taint) => !tolerations.some((toleration) => tolerates(toleration, taint)));
}
