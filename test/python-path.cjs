// `python3` may be a version manager's shim (pyenv's is a bash script that runs several pyenv commands before Python
// starts, costing more than the scripts the tests run): the interpreter it resolves to goes first on the PATH the
// tests' processes search. `npm test` (scripts/test.mjs) resolves it once for all of its processes and says so with
// WORKBENCH_PYTHON_RESOLVED; a run without it resolves it in its own process (test/harness.ts).
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

/** Puts the folder of the interpreter `python3` resolves to first on env.PATH (when there is one), once. */
function putPythonFirst(env) {
    if (env.WORKBENCH_PYTHON_RESOLVED) return;
    const python = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8", env });
    const interpreter = python.status === 0 ? python.stdout.trim() : "";
    if (interpreter && fs.existsSync(interpreter)) env.PATH = `${path.dirname(interpreter)}${path.delimiter}${env.PATH ?? ""}`;
    env.WORKBENCH_PYTHON_RESOLVED = "1";
}

module.exports = { putPythonFirst };
