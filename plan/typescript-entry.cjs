// How the project's Node entry points load their TypeScript: the plan CLI (plan/bin.cjs), the test suite's plan
// workers (plan/worker.cjs), `npm run init` (scripts/init.cjs) and `npm run bench` (scripts/bench.cjs).
// - V8's compile cache: the Pulumi SDK pulls in 9 MB of JavaScript (the TypeScript compiler among
//   it), and cached code saves about half a second a plan;
// - tsx's CommonJS hook only: the program is CommonJS, and leaving Node's ESM loader out of every
//   `require` makes planning several times faster than `--import tsx`;
// - source maps off: Pulumi captures a stack trace per resource, and mapping each through source
//   maps costs more than the plan itself; esbuild keeps line numbers close to the sources anyway.
"use strict";
const os = require("node:os");
const path = require("node:path");

/** The folder of V8's compile cache, shared by every entry point (and `npm test`'s processes). */
const COMPILE_CACHE = path.join(os.tmpdir(), "workbench-plan-compile-cache");

/**
 * The Pulumi SDK loads the TypeScript compiler (9 MB, `@pulumi/pulumi/typescript-shim`) as it starts, for the one
 * thing that needs it: serializing a JavaScript function into a resource (a dynamic provider, a callback), which the
 * workbench's program never does. Loading it was 0.4 s of every plan process's start. Here the shim's module is a
 * stand-in that loads the compiler when something first reads from it, so a program that did serialize a function
 * would still get it; the SDK's modules keep the shim's exports and read them only inside such a call.
 */
function deferPulumiTypeScript() {
    const Module = require("node:module");
    let shim;
    try {
        shim = require.resolve("@pulumi/pulumi/typescript-shim", { paths: [process.cwd(), __dirname] });
    } catch {
        return; // no SDK here to defer for
    }
    if (require.cache[shim]) return;
    let compiler;
    const load = () => {
        if (compiler === undefined) {
            delete require.cache[shim];
            compiler = require(shim);
            require.cache[shim] = stand;
        }
        return compiler;
    };
    const stand = new Module(shim, module);
    stand.filename = shim;
    stand.loaded = true;
    stand.exports = new Proxy(
        {},
        {
            get: (_, key) => Reflect.get(load(), key),
            has: (_, key) => Reflect.has(load(), key),
            ownKeys: () => Reflect.ownKeys(load()),
            getOwnPropertyDescriptor: (_, key) => {
                const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
                return descriptor && { ...descriptor, configurable: true };
            },
        },
    );
    require.cache[shim] = stand;
}

/** Prepares this process to require the project's TypeScript. */
function prepareTypeScript() {
    require("node:module").enableCompileCache?.(COMPILE_CACHE);
    require("tsx/cjs");
    process.setSourceMapsEnabled(false);
    deferPulumiTypeScript();
}

module.exports = { prepareTypeScript, deferPulumiTypeScript, COMPILE_CACHE };
