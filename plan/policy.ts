import { MANDATORY_POLICIES, Violation, violations } from "../policy/policies";
import { PolicyStack } from "../policy/subject";
import { Plan } from "./types";

/*
 * The policy pack's functions over an offline plan: the same checks `pulumi preview --policy-pack policy`
 * runs, over what CrossGuard would pass them: a custom resource's state (its inputs, secrets as "[secret]"),
 * a remote component's outputs only, a component's registered outputs. Run on a `--preview` plan, unknowns
 * are "[unknown]" where a first preview has them.
 */

/** A local component's registered outputs: the stack's are the plan's outputs; others the plan does not keep. */
function componentOutputs(plan: Pick<Plan, "resources" | "outputs">, resource: Plan["resources"][number]): Record<string, unknown> | undefined {
    return resource.type === "pulumi:pulumi:Stack" ? plan.outputs : undefined;
}

/** A plan as the policies see it. */
export function policyStackOfPlan(plan: Pick<Plan, "resources" | "outputs">): PolicyStack {
    return {
        resources: plan.resources.map((r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            parent: r.parent,
            props: r.custom ? r.inputs : r.remote ? (r.outputs ?? {}) : (componentOutputs(plan, r) ?? {}),
            inputs: r.inputs,
            protect: r.protect,
            retainOnDelete: r.retainOnDelete,
            dependsOn: r.dependsOn,
        })),
        outputs: plan.outputs,
        secretsVisible: true,
    };
}

/**
 * The plan as CrossGuard would show it to the policies: no `retainOnDelete` (the analyzer does not receive it)
 * and secrets in plaintext (so whether a value is secret cannot be judged).
 */
export function crossGuardViewOfPlan(plan: Pick<Plan, "resources" | "outputs">): PolicyStack {
    const stack = policyStackOfPlan(plan);
    return { ...stack, secretsVisible: false, resources: stack.resources.map((r) => ({ ...r, retainOnDelete: undefined })) };
}

/** The plan's verdict on the mandatory policies, split by who would give it. */
export interface PolicyVerdict {
    /** What `pulumi preview --policy-pack policy` would refuse: the plain plan refuses it too. */
    refused: Violation[];
    /** What only the offline plan can see (retainOnDelete, which values are secret): warnings in the plain plan, refusals with --policy. */
    offlineOnly: Violation[];
}

/**
 * One verdict: every policy in MANDATORY_POLICIES (a policy registered there is covered with no further step)
 * judged on what CrossGuard would see (refused) and on what only the plan sees (offline only).
 */
export function planVerdict(plan: Pick<Plan, "resources" | "outputs">): PolicyVerdict {
    const refused = violations(crossGuardViewOfPlan(plan));
    const key = (v: Violation) => `${v.policy}\n${v.urn ?? ""}\n${v.message}`;
    const seen = new Set(refused.map(key));
    return { refused, offlineOnly: planViolations(plan).filter((v) => !seen.has(key(v))) };
}

/** The plain plan's refusal: what the pack would refuse at preview, worded as the CLI would stop. */
export function refusalMessage(refused: readonly Violation[]): string {
    return [
        `pulumi preview --policy-pack policy would refuse this stack: ${refused.length} mandatory policy violation${refused.length === 1 ? "" : "s"}:`,
        ...refused.map((v) => `  - [${v.policy}] ${v.message}`),
    ].join("\n");
}

/** Every mandatory policy's violations in a plan. */
export function planViolations(plan: Pick<Plan, "resources" | "outputs">): Violation[] {
    return violations(policyStackOfPlan(plan));
}

/** The violations as the CLI prints them, one a line, each naming its policy and resource. */
export function renderViolations(found: readonly Violation[]): string {
    if (found.length === 0) return `Policies: all ${MANDATORY_POLICIES.length} mandatory policies pass.`;
    return [`Policy violations (${found.length}):`, ...found.map((v) => `  - [${v.policy}] ${v.message}`)].join("\n");
}
