// Caches V8's compiled code of every module the plan loads (the Pulumi SDK pulls in the
// TypeScript compiler, 9 MB of JavaScript), so repeated plans start about half a second faster.
import module from "node:module";
import os from "node:os";
import path from "node:path";

module.enableCompileCache?.(path.join(os.tmpdir(), "workbench-plan-compile-cache"));
