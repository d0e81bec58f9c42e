import { isCelError, run } from "@bufbuild/cel";
import type { CelInput } from "@bufbuild/cel";

/*
 * A ValidatingAdmissionPolicy evaluated as the API server does (admissionregistration.k8s.io/v1): every
 * match condition must be true for the policy to apply; then its variables are bound (`variables.<name>`),
 * then each validation runs; a false result or an error denies (failurePolicy Fail). CEL by @bufbuild/cel,
 * an implementation of the CEL specification with its conformance tests; Kubernetes objects are given as
 * maps, so a field that is absent is absent (`has()` false, access an error) as in Kubernetes' CEL.
 */

/** The parts of a policy's spec the evaluator reads. */
export interface AdmissionPolicySpec {
    matchConditions?: Array<{ name: string; expression: string }>;
    variables?: Array<{ name: string; expression: string }>;
    validations: Array<{ expression: string; message: string }>;
}

/** An admission request as CEL sees it. */
export interface AdmissionRequest {
    /** `request.userInfo` (username; `extra` as a bound token carries it, e.g. the pod it was issued to) and `request.operation`. */
    request: { userInfo: { username: string; extra?: Record<string, string[]> }; operation: "CREATE" | "UPDATE" | "DELETE" };
    /** The object after mutation; null on DELETE. */
    object: Record<string, unknown> | null;
    /** The object before; null on CREATE. */
    oldObject: Record<string, unknown> | null;
}

/** What the policy decided: not applicable, admitted, or denied with the failing rules' messages. */
export type Verdict = { applies: false } | { applies: true; denied: string[] };

/** JSON as CEL input: objects as maps, integers as CEL ints. */
export function toCel(value: unknown): CelInput {
    if (value === null || value === undefined) return null;
    if (Array.isArray(value)) return value.map(toCel);
    if (typeof value === "object") return new Map(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toCel(v)]));
    if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
    return value as CelInput;
}

/** Evaluates a policy on a request. */
export function evaluate(policy: AdmissionPolicySpec, request: AdmissionRequest): Verdict {
    const bindings: Record<string, CelInput> = { request: toCel(request.request), object: toCel(request.object), oldObject: toCel(request.oldObject) };
    for (const condition of policy.matchConditions ?? []) {
        const result = run(condition.expression, bindings);
        if (isCelError(result)) throw new Error(`match condition ${condition.name} fails to evaluate: ${String(result)}`);
        if (result !== true) return { applies: false };
    }
    const variables = new Map<string, CelInput>();
    for (const variable of policy.variables ?? []) {
        const result = run(variable.expression, { ...bindings, variables: variables });
        if (isCelError(result)) throw new Error(`variable ${variable.name} fails to evaluate: ${String(result)}`);
        variables.set(variable.name, result as CelInput);
    }
    const denied = policy.validations.flatMap((validation) => {
        const result = run(validation.expression, { ...bindings, variables });
        // an evaluation error denies, as failurePolicy Fail does
        return result === true ? [] : [isCelError(result) ? `${validation.message} (error: ${String(result)})` : validation.message];
    });
    return { applies: true, denied };
}
