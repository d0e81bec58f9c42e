import * as assert from "node:assert/strict";
import { cpuExceeds, memoryExceeds, poolCapacity, systemPoolFit } from "../components/capacity/fit";

/*
 * The always-on fit check's figures: a shortage must read as one ("2.7 GiB > 2.7 GiB" said the pool was too
 * small while showing two equal numbers). Whatever the gap, the printed need exceeds the printed capacity.
 */

/** A printed figure in the unit of the smaller side: MiB or millicores. */
function amount(figure: string): number {
    const [value, unit] = figure.trim().split(" ");
    const n = Number(value!.replace(/m$/, ""));
    if (unit === "GiB") return n * 1024;
    if (unit === "MiB") return n;
    return value!.endsWith("m") ? n : n * 1000;
}

describe("fit check: figures that show the shortage", () => {
    it("prints a small memory gap in MiB rather than two equal tenths of a GiB", () => {
        assert.equal(memoryExceeds(2780, 2765), "2780 MiB > 2765 MiB");
        assert.equal(memoryExceeds(7475, 5632), "7.3 GiB > 5.5 GiB");
    });

    it("never prints a need that does not exceed the capacity, for any gap", () => {
        for (let given = 1000; given < 20_000; given += 97) {
            for (const gap of [0.4, 1, 9, 51, 99, 100, 101, 150, 1023]) {
                const [need, capacity] = memoryExceeds(given + gap, given).split(" > ");
                assert.ok(amount(need!) > amount(capacity!), `${given + gap} MiB over ${given} MiB printed as ${need} > ${capacity}`);
                const [cpuNeed, cpuGiven] = cpuExceeds(given + gap / 10, given).split(" > ");
                assert.ok(amount(cpuNeed!) > amount(cpuGiven!), `${given + gap / 10}m over ${given}m printed as ${cpuNeed} > ${cpuGiven}`);
            }
        }
    });

    it("the fit check's own message shows a narrow shortage as one", () => {
        const pool = { vcpu: 2, memoryGiB: 4, maxPods: 30, nodes: 1 };
        const capacity = poolCapacity(pool);
        const fit = systemPoolFit(pool, { cpuMillis: 0, memoryMiB: 0, pods: 0 }, [{ component: "hub", cpuMillis: 100, memoryMiB: capacity.memoryMiB + 20, pods: 1 }]);
        assert.equal(fit.fits, false);
        const memory = fit.shortages.find((s) => s.startsWith("memory "));
        assert.equal(memory, `memory ${capacity.memoryMiB + 20} MiB > ${capacity.memoryMiB} MiB`);
        assert.ok(fit.shortages.some((s) => s === `hub needs ${capacity.memoryMiB + 20} MiB on one node, which gives ${capacity.memoryMiB} MiB`), fit.shortages.join("; "));
    });
});
