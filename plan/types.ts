import { CostEstimate } from "../cost/estimate";

/** One resource the program registers, as the engine would receive it. */
export interface PlannedResource {
    /** The engine's URN: `urn:pulumi:<stack>::<project>::<parent types $-joined, no root stack>$<type>::<name>`. */
    urn: string;
    /** Pulumi type token, e.g. `aws:s3/bucket:Bucket` or `kubernetes:helm.sh/v3:Release`. */
    type: string;
    name: string;
    /** URN of the parent; absent only for the stack itself. */
    parent?: string;
    /** Custom resource (managed by a provider) rather than a component. */
    custom: boolean;
    /** Remote (multi-language) component, whose children the mock runtime cannot see. */
    remote: boolean;
    /** URN of the explicit provider, when one is set. */
    provider?: string;
    /** Resolved inputs as registered; secret values are "[secret]", values not known yet "[unknown]". */
    inputs: Record<string, unknown>;
    /** Engine URNs this resource was known by (its own and its ancestors' aliases): the engine moves those to it. */
    aliases?: string[];
    /** For a remote component only: the outputs it returns, all that CrossGuard and the program see of it. */
    outputs?: Record<string, unknown>;
    protect: boolean;
    retainOnDelete: boolean;
    /** URNs the resource depends on (explicit `dependsOn` and the resources its inputs come from). */
    dependsOn: string[];
}

/** The offline plan of a stack: the document `npm run plan -- --json` prints. */
export interface Plan {
    stack: string;
    /** Planned as a first `pulumi preview` sees the stack (`--preview`): unknowns where the provider computes values. */
    preview?: boolean;
    cloud: string;
    resources: PlannedResource[];
    /** Stack outputs, resolved; secret values are "[secret]". */
    outputs: Record<string, unknown>;
    warnings: string[];
    cost: CostEstimate;
}
