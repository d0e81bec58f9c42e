import * as pulumi from "@pulumi/pulumi";
import { awsMocks } from "./aws";
import { azureMocks } from "./azure";
import { eksMocks } from "./eks";
import { gcpMocks } from "./gcp";
import { kubernetesMocks } from "./kubernetes";
import { randomMocks } from "./random";
import { tlsMocks } from "./tls";
import { MockContext, PackageMocks } from "./types";

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
        const { id: mockedId, ...extra } = packageOf(args.type)?.resources[args.type]?.(args, this.context) ?? {};
        // a package mock may give the id its provider would (e.g. an Azure Resource Manager id): policies read ids as scopes
        const id = typeof mockedId === "string" ? mockedId : args.id || `${args.name}-id`;
        return { id: args.custom ? id : undefined, state: { ...args.inputs, ...extra } };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        const answer = packageOf(args.token)?.invokes[args.token];
        if (!answer) throw new Error(`the plan has no answer for invoke ${args.token}: add one in plan/mocks/`);
        return answer(args, this.context);
    }
}
