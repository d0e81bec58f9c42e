import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { BUDGETS, overBudget } from "../scripts/budgets";
import { npmScriptEntry, PROJECT_DIR } from "./harness";

/* `npm run bench` is the speed check: it must fail, not print "passed", when a figure is over its budget. */

describe("npm run bench: the speed budgets", () => {
    it("names each figure over its budget, and none within", () => {
        assert.deepEqual(overBudget({ stack: "aws", wall: BUDGETS.planSeconds - 0.5, peak: BUDGETS.planPeakMiB - 1 }), []);
        assert.deepEqual(overBudget({ stack: "aws", wall: BUDGETS.planSeconds + 0.5, peak: BUDGETS.planPeakMiB + 1 }), [
            `plan of aws: ${(BUDGETS.planSeconds + 0.5).toFixed(2)} s wall, over ${BUDGETS.planSeconds} s`,
            `plan of aws: ${BUDGETS.planPeakMiB + 1} MiB peak RSS, over ${BUDGETS.planPeakMiB} MiB`,
        ]);
        assert.equal(overBudget({ stack: "aws", wall: 1, peak: Number.NaN }).length, 1, "an unread peak is not a pass");
        assert.equal(BUDGETS.testSeconds, 90);
    });

    it("exits non-zero and says OVER BUDGET when a plan is slower than its budget", async () => {
        const args = [npmScriptEntry("bench"), "--runs", "1", "--only", "local", "--skip-tests", "--skip-typecheck", "--plan-seconds", "0.001"];
        await assert.rejects(promisify(execFile)(process.execPath, args, { cwd: PROJECT_DIR }), (error: { code: number; stdout: string }) => {
            assert.equal(error.code, 1);
            assert.match(error.stdout, /local .* OVER BUDGET/);
            assert.match(error.stdout, /Over budget or failed \(1\):\n {2}- plan of local: [\d.]+ s wall, over 0\.001 s/);
            return true;
        });
    });
});
