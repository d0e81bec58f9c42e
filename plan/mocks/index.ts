import * as pulumi from "@pulumi/pulumi";
import { awsMocks } from "./aws";
import { azureMocks } from "./azure";
import { eksMocks } from "./eks";
import { gcpMocks } from "./gcp";
import { kubernetesMocks } from "./kubernetes";
import { randomMocks } from "./random";
import { tlsMocks } from "./tls";
import { MockContext, PackageMocks } from "./types";

/** The value the SDK reads as "not known yet" (`@pulumi/pulumi/runtime/rpc` unknownValue). */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * Computed outputs a provider knows already in a preview, per package: the Kubernetes provider names an object
 * (auto-naming) in Check, before anything is created.
 */
const PREVIEW_KNOWN: Readonly<Record<string, readonly string[]>> = { kubernetes: ["metadata"] };

/** The computed outputs with every value unknown, except the keys a preview knows. */
function unknownExcept(computed: Record<string, unknown>, known: readonly string[]): Record<string, unknown> {
    return Object.fromEntries(Object.entries(computed).map(([key, value]) => [key, known.includes(key) ? value : UNKNOWN_VALUE]));
}

/** Every package whose resources and invokes the plan answers. */
const PACKAGES: readonly PackageMocks[] = [kubernetesMocks, randomMocks, awsMocks, eksMocks, tlsMocks, azureMocks, gcpMocks];

function packageOf(token: string): PackageMocks | undefined {
    return PACKAGES.find((p) => token.startsWith(p.prefix));
}

/**
 * The mock runtime's provider: each resource gets its inputs back plus the outputs its provider
 * would add; each invoke gets a realistic answer, and an invoke nobody answers fails the plan
 * rather than yielding an empty object the program might silently accept.
 */
export class PlanMocks implements pulumi.runtime.Mocks {
    constructor(private readonly context: MockContext) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
        const mock = packageOf(args.type)?.resources[args.type];
        const { id: mockedId, ...computed } = mock?.(args, this.context) ?? {};
        // a package mock may give the id its provider would (e.g. an Azure Resource Manager id): policies read ids as scopes
        const knownId = typeof mockedId === "string" ? mockedId : args.id || `${args.name}-id`;
        // a first preview creates everything: what the provider computes (ids, ARNs, statuses) is not known yet
        const preview = this.context.preview === true;
        const extra = preview ? unknownExcept(computed, PREVIEW_KNOWN[args.type.split(":")[0] ?? ""] ?? []) : computed;
        const id = args.custom ? (preview ? undefined : knownId) : undefined;
        // a remote component (e.g. eks:index:Cluster) returns only the outputs its provider's Construct returns,
        // never its inputs: what CrossGuard and the program see of it
        if (!args.custom && mock) return { id, state: extra };
        return { id, state: { ...args.inputs, ...extra } };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        const answer = packageOf(args.token)?.invokes[args.token];
        if (!answer) throw new Error(`the plan has no answer for invoke ${args.token}: add one in plan/mocks/`);
        return answer(args, this.context);
    }
}
