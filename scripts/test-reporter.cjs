// `npm test`'s reporter: mocha's dot reporter (a dot per test, every failure in full at the end, and mocha's
// own closing "N passing" / "N failing" lines, which CI reads), plus the slowest tests, so a run that
// creeps towards its 90 s budget says where the time went. Focused runs (`npx mocha test/x.test.ts`) keep
// mocha's spec reporter.
"use strict";
const { Base, Dot } = require("mocha/lib/reporters/index.cjs");

const SLOWEST = 5;

class SummaryReporter extends Dot {
    constructor(runner, options) {
        super(runner, options);
        this.timed = [];
        runner.on("test end", (test) => {
            if (typeof test.duration === "number") this.timed.push({ title: test.fullTitle(), file: test.file, ms: test.duration });
        });
    }

    epilogue() {
        const slowest = this.timed.sort((a, b) => b.ms - a.ms).slice(0, SLOWEST);
        if (slowest.length > 0) {
            Base.consoleLog();
            Base.consoleLog("  Slowest tests:");
            for (const { title, file, ms } of slowest) {
                const where = file ? ` (${require("node:path").relative(process.cwd(), file)})` : "";
                Base.consoleLog(`    ${(ms / 1000).toFixed(1).padStart(5)} s  ${title.length > 70 ? `${title.slice(0, 69)}…` : title}${where}`);
            }
        }
        super.epilogue();
    }
}

module.exports = SummaryReporter;
