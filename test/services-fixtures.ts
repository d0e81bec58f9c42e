import * as assert from "node:assert/strict";
import { isValueMap, ValueMap } from "../components/helm/merge";
import { DATA_SERVICE_NAMES, DataServiceName } from "../components/services/catalog";
import { readStackConfig } from "../plan/project";
import type { Plan, PlannedResource } from "../plan/types";
import { Cloud, CLOUDS } from "../providers/catalog";
import { validateConfig } from "../stacks/load";
import { BACKUP_TARGETS } from "../stacks/schema";
import { PROJECT_DIR, PlanRun, runPlan, STACKS, variantStackFile } from "./harness";

/*
 * The plans the services tests read: per landed cloud (its first shipped stack), each data service alone
 * and all of them together. Where the always-on pool is too small for what is enabled, the plan must fail
 * naming the size to choose, and the variant with that size must plan: both are recorded.
 */

/** A shipped stack of each landed cloud. */
export const BASE_STACKS: { cloud: Cloud; stack: string }[] = CLOUDS.flatMap((cloud) => {
    const stack = STACKS.find((name) => validateConfig(name, readStackConfig(PROJECT_DIR, name).config).config.cloud === cloud);
    return stack ? [{ cloud, stack }] : [];
});

/** One configuration of services on a base stack. */
export interface ServicesCase {
    label: string;
    cloud: Cloud;
    stack: string;
    /** The data services switched on. */
    services: DataServiceName[];
}

/**
 * All services together on every landed cloud (each service's cloud wiring: identity, storage class, pool),
 * and each service alone once, the services dealt round the clouds (from the existing cluster back, so
 * PostgreSQL alone lands where there is no bucket): a service that plans only beside another is caught
 * without planning every service alone on every cloud (forty plans, a third of the suite's time).
 */
export const CASES: ServicesCase[] = [
    ...BASE_STACKS.map(({ cloud, stack }) => ({ label: `${stack}+all`, cloud, stack, services: [...DATA_SERVICE_NAMES] })),
    ...DATA_SERVICE_NAMES.map((service, index) => {
        const { cloud, stack } = BASE_STACKS[BASE_STACKS.length - 1 - (index % BASE_STACKS.length)];
        return { label: `${stack}+${service}`, cloud, stack, services: [service] };
    }),
];

/** The config key that sizes the always-on nodes on a cloud (an existing cluster's nodes take the user pool's shape). */
export function sizeKey(cloud: Cloud): "systemPool" | "userPool" {
    return cloud === "existing" ? "userPool" : "systemPool";
}

/** What planning a case found. */
export interface CaseResult {
    /** The plan with the configured size, when it fit. */
    plan: Plan;
    /** When the base size did not fit: the failed run and the size it named. */
    resized?: { failed: PlanRun; size: string };
}

function stackFileFor(c: ServicesCase, size?: string): string {
    const base = validateConfig(c.stack, readStackConfig(PROJECT_DIR, c.stack).config).config;
    const key = sizeKey(c.cloud);
    return variantStackFile(c.stack, {
        "workbench:services": Object.fromEntries(c.services.map((s) => [s, true])),
        // a stack without a bucket keeps no backups: it says so, or the policy pack refuses it (policy/backups.ts)
        ...(c.cloud === "existing" ? { "workbench:backups": { optOut: [...BACKUP_TARGETS] } } : {}),
        ...(size ? { [`workbench:${key}`]: { ...base[key], size } } : {}),
    });
}

const results = new Map<string, Promise<CaseResult>>();

/** Plans a case (once per process); resizes as the failure says when the pool is too small. */
export function planCase(c: ServicesCase): Promise<CaseResult> {
    let result = results.get(c.label);
    if (!result) {
        result = (async () => {
            const first = await runPlan(c.stack, { stackFile: stackFileFor(c) });
            if (first.status === 0) return { plan: first.document };
            const problem = first.document.problems?.find((p) => p.key === `workbench:${sizeKey(c.cloud)}.size`);
            assert.ok(problem, `${c.label} failed for another reason than the pool's size: ${first.stderr}`);
            const size = /size (small|medium|large|xlarge)\b/.exec(problem.allowed)?.[1];
            assert.ok(size, `${c.label}: the problem names a size to choose: ${problem.allowed}`);
            const second = await runPlan(c.stack, { stackFile: stackFileFor(c, size) });
            assert.equal(second.status, 0, `${c.label} with the size the check named (${size}) plans: ${second.stderr}`);
            return { plan: second.document, resized: { failed: first, size } };
        })();
        results.set(c.label, result);
    }
    return result;
}

/**
 * A managed cloud's shipped stack with every service on, on the pool size the fit check names for all of them: the
 * "+all" case, which the services, fences and backups tests all read (one plan per cloud rather than one per file).
 */
export async function allServicesPlan(stack: string): Promise<Plan> {
    const all = CASES.find((c) => c.label === `${stack}+all`);
    assert.ok(all, `no all-services case for ${stack}`);
    return (await planCase(all)).plan;
}

/** The component of a data service (`workbench:services:<Type>`) in a plan. */
export function serviceComponent(plan: Plan, service: DataServiceName): PlannedResource | undefined {
    return plan.resources.find((r) => r.type.startsWith("workbench:services:") && r.name.endsWith(`-${service}`));
}

/** A chart's values from a release resource. */
export function releaseValues(release: PlannedResource): ValueMap {
    const values = release.inputs["values"];
    assert.ok(isValueMap(values));
    return values;
}
