import type { Plan, PlannedResource } from "../plan/types";
import { CHARTS } from "../components/versions";
import { at } from "./k8s-checks";
import { input, ofType } from "./harness";
import { valuesOf } from "./shared-layer-fixtures";

/*
 * Reading the user namespace's fences from a plan: notebooks live in `<name>-users` and are fenced by the
 * NetworkPolicies selecting them there (z2jh's own singleuser policy cannot select pods of another namespace).
 */

/** An egress rule as the plan shows it. */
export interface EgressRule {
    to?: Array<{ podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: { matchLabels?: Record<string, string> }; ipBlock?: { cidr: string; except?: string[] } }>;
    ports?: Array<{ port: number; protocol?: string }>;
}

/** The user namespace the stack outputs. */
export function userNamespaceOf(plan: Plan): string {
    return String(at(plan.outputs, "userNamespace"));
}

/** Labels a notebook pod carries: KubeSpawner's `component` and the hub values' `singleuser.extraLabels`. */
export function notebookLabels(plan: Plan): Record<string, string> {
    const extra = (at(valuesOf(plan, CHARTS.jupyterhub.chart), "singleuser", "extraLabels") ?? {}) as Record<string, string>;
    return { component: "singleuser-server", ...extra };
}

/** Whether a NetworkPolicy's podSelector selects pods with these labels (matchLabels and matchExpressions). */
export function selectsPod(policy: PlannedResource, labels: Record<string, string>): boolean {
    const selector = (input(policy, "spec", "podSelector") ?? {}) as { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
    const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const byExpressions = (selector.matchExpressions ?? []).every((e) =>
        e.operator === "Exists" ? e.key in labels : e.operator === "DoesNotExist" ? !(e.key in labels) : e.operator === "In" ? (e.values ?? []).includes(labels[e.key]) : !(e.values ?? []).includes(labels[e.key]),
    );
    return byLabels && byExpressions;
}

/** The NetworkPolicies of a namespace that select pods with these labels for a policy type. */
export function policiesSelecting(plan: Plan, namespace: string, labels: Record<string, string>, policyType: "Ingress" | "Egress"): PlannedResource[] {
    return ofType(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy").filter(
        (p) => input(p, "metadata", "namespace") === namespace && selectsPod(p, labels) && ((input(p, "spec", "policyTypes") ?? []) as string[]).includes(policyType),
    );
}

/** Every egress rule that applies to notebooks (rules of all policies selecting them add up). */
export function notebookEgress(plan: Plan): EgressRule[] {
    return policiesSelecting(plan, userNamespaceOf(plan), notebookLabels(plan), "Egress").flatMap((p) => (input(p, "spec", "egress") ?? []) as EgressRule[]);
}
