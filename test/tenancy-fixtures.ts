import { parse } from "yaml";
import type { Plan, PlannedResource } from "../plan/types";
import { EXECUTOR_TEMPLATE_KEY, PersonalConnectPod } from "../components/spark/personal-connect";
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

/** What the hub's Spark hook adds to a Spark profile's pod, read back from the hub's values (`hub.extraConfig`). */
export function personalConnectOf(plan: Plan): PersonalConnectPod | undefined {
    const hook = at(valuesOf(plan, CHARTS.jupyterhub.chart), "hub", "extraConfig", "30-spark-connect");
    if (typeof hook !== "string") return undefined;
    // the data is embedded as json.loads("<JSON as a string literal>")
    const literal = /_workbench_spark = json\.loads\(("(?:[^"\\]|\\.)*")\)/.exec(hook)?.[1];
    if (!literal) throw new Error("the Spark hook embeds its data as a JSON literal");
    return JSON.parse(JSON.parse(literal) as string) as PersonalConnectPod;
}

/** The `--conf key=value` settings of the personal Connect server's command. */
export function personalConnectConf(pod: PersonalConnectPod): Record<string, string> {
    const command = pod.sidecar["command"] as string[];
    const conf: Record<string, string> = {};
    for (let i = 0; i < command.length; i++) {
        if (command[i] !== "--conf") continue;
        const [key, ...value] = command[i + 1].split("=");
        conf[key] = value.join("=");
    }
    return conf;
}

/** The executor pod template the personal servers' executors are made from. */
export function executorTemplateOf(plan: Plan): Record<string, unknown> | undefined {
    const configMap = ofType(plan, "kubernetes:core/v1:ConfigMap").find((c) => input(c, "metadata", "name") === "spark-executor-template");
    return configMap ? (parse(String(input(configMap, "data", EXECUTOR_TEMPLATE_KEY))) as Record<string, unknown>) : undefined;
}
