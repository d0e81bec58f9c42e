import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR, tempDir } from "./harness";
import { CLOUD_SDKS, cleanFor, planKey } from "./plan-pool";

/*
 * The test suite's plan pool (test/plan-pool.ts) decides when what a plan worker has loaded is what one plan loaded:
 * the "only the selected cloud's SDK" tests (plan.test.ts) read their answer from it. And it plans a stack file's
 * text once, whichever test process wrote it where.
 */
describe("the test suite's plan pool", () => {
    it("reads a plan's loads off its worker only when the worker had loaded no other cloud's SDK before it", () => {
        const base = ["pulumi", "kubernetes", "random", "tls"];
        assert.ok(cleanFor("aws", new Set(base)), "a worker that planned only an existing cluster");
        assert.ok(cleanFor("aws", new Set([...base, "aws", "eks"])), "a worker that planned only AWS stacks");
        assert.ok(!cleanFor("aws", new Set([...base, "gcp"])), "a worker that planned a GCP stack cannot say whether an AWS plan loads GCP's SDK");
        assert.ok(!cleanFor("existing", new Set([...base, "azure-native"])));
        assert.ok(cleanFor("existing", new Set(base)));
        assert.ok(!cleanFor("mars", new Set()), "a cloud it does not know: never");
        // every cloud a stack can name has its SDKs listed, and no SDK belongs to two clouds
        const sdks = Object.values(CLOUD_SDKS).flat();
        assert.equal(new Set(sdks).size, sdks.length);
        for (const cloud of ["aws", "gcp", "azure", "existing"]) assert.ok(CLOUD_SDKS[cloud], cloud);
    });

    it("keys a plan by its stack file's text, not where a test process wrote it", () => {
        const text = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.local.yaml"), "utf8");
        const [a, b] = [tempDir("pool-a-"), tempDir("pool-b-")].map((dir) => path.join(dir, "Pulumi.local.yaml"));
        fs.writeFileSync(a, text);
        fs.writeFileSync(b, text);
        const ask = (stackFile: string, preview = false) => planKey({ projectDir: PROJECT_DIR, stack: "local", stackFile, preview });
        assert.equal(ask(a), ask(b));
        assert.notEqual(ask(a), ask(a, true), "a preview is another plan");
        fs.writeFileSync(b, `${text}\n# changed\n`);
        assert.notEqual(ask(a), ask(b));
    });
});
