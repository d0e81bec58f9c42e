import * as pulumi from "@pulumi/pulumi";

/** What mocks may know of the stack being planned. */
export interface MockContext {
    stack: string;
    project: string;
    /** The stack's flat config map (`aws:region` and friends). */
    config: Readonly<Record<string, string>>;
    /** Planning as a first `pulumi preview` sees the stack: provider-computed outputs are not known yet. */
    preview?: boolean;
}

/** Outputs a provider would add to a resource's inputs (ARNs, endpoints, statuses); an `id` string becomes the resource's id. */
export type ResourceMock = (args: pulumi.runtime.MockResourceArgs, context: MockContext) => Record<string, unknown>;

/** The answer a provider function would give. */
export type InvokeMock = (args: pulumi.runtime.MockCallArgs, context: MockContext) => Record<string, unknown>;

/** Realistic answers for one Pulumi package. */
export interface PackageMocks {
    /** Type token prefix this package owns, e.g. `aws:` or `kubernetes:`. */
    prefix: string;
    /** Extra outputs by exact type token; types without an entry echo their inputs. */
    resources: Readonly<Record<string, ResourceMock>>;
    /** Answers by invoke token; an invoke without one fails the plan. */
    invokes: Readonly<Record<string, InvokeMock>>;
}
