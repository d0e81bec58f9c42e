import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { PROJECT_DIR } from "./harness";

/*
 * How the plan's processes start (plan/typescript-entry.cjs): the TypeScript compiler the Pulumi SDK loads for
 * serializing functions is loaded only when a function is serialized. Run in a process of its own: what a process
 * has loaded is only true of a fresh one.
 */
describe("the plan's processes start without the TypeScript compiler the SDK would load", function () {
    this.timeout(60_000);

    it("loads it only when a function is serialized, and serializes as before", async () => {
        const script = `
            require(${JSON.stringify(path.join(PROJECT_DIR, "plan", "typescript-entry.cjs"))}).prepareTypeScript();
            const compilerLoaded = () => Object.keys(require.cache).some((file) => /[\\\\/]typescript(@[\\d.]+)?[\\\\/](lib[\\\\/])?typescript\\.js$/.test(file));
            const pulumi = require("@pulumi/pulumi");
            const before = compilerLoaded();
            pulumi.runtime.serializeFunction(() => 6 * 7).then((closure) => {
                console.log(JSON.stringify({ before, after: compilerLoaded(), serialized: closure.text.includes("6 * 7") }));
            });
        `;
        const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], { cwd: PROJECT_DIR });
        assert.deepEqual(JSON.parse(stdout), { before: false, after: true, serialized: true });
    });
});
