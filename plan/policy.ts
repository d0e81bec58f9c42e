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

/** Every mandatory policy's violations in a plan. */
export function planViolations(plan: Pick<Plan, "resources" | "outputs">): Violation[] {
    return violations(policyStackOfPlan(plan));
}

/** The violations as the CLI prints them, one a line, each naming its policy and resource. */
export function renderViolations(found: readonly Violation[]): string {
    if (found.length === 0) return `Policies: all ${MANDATORY_POLICIES.length} mandatory policies pass.`;
    return [`Policy violations (${found.length}):`, ...found.map((v) => `  - [${v.policy}] ${v.message}`)].join("\n");
}
