import * as assert from "node:assert/strict";
import { parse } from "yaml";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Plan } from "../plan/types";
import { CLOUDS, GPU_CATALOG, ManagedCloud } from "../providers/catalog";
import { PROJECT_DIR, STACKS, variantStackFile } from "./harness";
import { configOf, descendantsOf, planOfScenario, workbenchOf } from "./shared-layer-fixtures";

/**
 * The shared layer's resources (type and name) under the Workbench component. Cluster plumbing is
 * left out below its component: a device plugin or an autoscaler exists exactly where the platform's
 * capabilities ask for one.
 */
function sharedLayer(plan: Plan): string[] {
    const below = descendantsOf(plan, workbenchOf(plan));
    const addons = below.filter((r) => r.type === "workbench:cluster:Addons");
    const plumbing = new Set(addons.flatMap((addon) => descendantsOf(plan, addon)).map((r) => r.urn));
    return below.filter((r) => !plumbing.has(r.urn)).map((r) => `${r.type} ${r.name}`).sort();
}

/** The stack file of a cloud, and the same `workbench:` settings on an existing cluster instead. */
function sameSettingsOnExisting(stack: string, cloud: ManagedCloud): string {
    const doc = parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    const providerKeys = Object.keys(doc.config).filter((key) => !key.startsWith("workbench:"));
    const { gpuPools } = configOf({ label: stack, stack });
    // an existing cluster describes its GPU nodes; give them the cloud's machine shape
    const gpuNodes = gpuPools.map((pool) => {
        const machine = GPU_CATALOG[pool.gpu].machines[cloud]!;
        return { pool: pool.name, vcpu: machine.vcpu, memoryGiB: machine.memoryGiB, gpusPerNode: machine.gpuCount };
    });
    // no bucket there: its homes are opted out of backups, as the shipped local stack's are
    return variantStackFile(stack, { "workbench:cloud": "existing", "workbench:existing": { gpuNodes }, "workbench:backups": { optOut: ["homes"] } }, providerKeys);
}

describe("shared layer: portability", () => {
    const clouds = CLOUDS.filter((cloud): cloud is ManagedCloud => cloud !== "existing");
    if (clouds.length === 0) {
        it("each landed cloud plans the same shared-layer resources as an existing cluster with the same settings — skipped: only the existing platform has landed", function () {
            this.skip();
        });
    }
    for (const cloud of clouds) {
        it(`${cloud}: the same workbench settings plan the same shared-layer resources (types and names) as on an existing cluster`, async function () {
            const stack = STACKS.find((s) => configOf({ label: s, stack: s }).cloud === cloud);
            if (!stack) {
                this.test!.title += ` — skipped: no Pulumi.<stack>.yaml for ${cloud}`;
                this.skip();
            }
            const onCloud = await planOfScenario({ label: stack, stack });
            const onExisting = await planOfScenario({ label: `${stack} on existing`, stack, stackFile: sameSettingsOnExisting(stack, cloud) });
            assert.equal(onExisting.cloud, "existing");
            assert.ok(sharedLayer(onCloud).length > 5);
            // Velero needs the bucket the existing variant has not (test/backups.test.ts covers it on every cloud)
            const withoutVelero = (names: string[]) => names.filter((name) => !/ workbench-backups-velero/.test(name));
            assert.deepEqual(withoutVelero(sharedLayer(onCloud)), withoutVelero(sharedLayer(onExisting)));
        });
    }
});
