import * as assert from "node:assert/strict";
import { readProjectDefaults, readStackConfig } from "../plan/project";
import { ConfigError } from "../stacks/errors";
import { validateConfig } from "../stacks/load";
import { PROJECT_DIR, runPlan, STACKS, variantStackFile } from "./harness";

/** Validates a flat config map and returns the problems' keys (none when it validates). */
function problemKeys(flat: Record<string, string>): string[] {
    try {
        validateConfig("test", flat);
        return [];
    } catch (error) {
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
        return error.problems.map((p) => p.key);
    }
}

const minimal = { "workbench:users": JSON.stringify({ admins: ["alice"] }) };

describe("stack configuration", () => {
    it("the project defaults plus one admin validate, and describe a workbench that scales from zero", () => {
        const { config } = validateConfig("defaults", { ...readProjectDefaults(PROJECT_DIR).config, ...minimal });
        assert.equal(config.userPool.minNodes, 0);
        assert.equal(config.auth.type, "native", "sign-up with admin approval is the default");
        assert.equal(config.storage.retainOnDestroy, true, "data outlives the stack by default");
        assert.equal(config.budget.monthlyUsd, 167);
    });

    for (const stack of STACKS) {
        it(`Pulumi.${stack}.yaml validates`, () => {
            const { config } = validateConfig(stack, readStackConfig(PROJECT_DIR, stack).config);
            assert.ok(config.users.admins.length > 0);
        });
    }

    it("the cloud stacks describe the personal workbench: small always-on system pool, spot CPU and T4 pools from zero, Dask and Spark on, databases off, USD 167", () => {
        for (const stack of STACKS) {
            const { config } = validateConfig(stack, readStackConfig(PROJECT_DIR, stack).config);
            if (config.cloud === "existing") continue;
            assert.equal(config.systemPool.nodes, 1, stack);
            assert.equal(config.systemPool.spot, false, `${stack}: the hub's node is on-demand`);
            assert.deepEqual([config.userPool.minNodes, config.userPool.spot], [0, true], stack);
            assert.deepEqual(config.gpuPools.map((p) => [p.gpu, p.minNodes, p.spot]), [["t4", 0, true]], stack);
            assert.equal(config.services.dask.enabled && config.services.spark.enabled, true, stack);
            assert.deepEqual(
                Object.entries(config.services).filter(([name, service]) => service.enabled && !["dask", "spark"].includes(name)),
                [],
                `${stack}: databases are off`,
            );
            assert.equal(config.budget.monthlyUsd, 167, stack);
        }
    });

    it("reports every problem of a config at once, each with its key, the value given and what is allowed", () => {
        try {
            validateConfig("many", {
                ...minimal,
                "workbench:cloud": "aws",
                "aws:region": "us-east-1",
                "workbench:userPool": JSON.stringify({ minNodes: -1 }),
                "workbench:gpuPools": JSON.stringify([{ name: "gpu", gpu: "v100" }]),
                "workbench:colour": "blue",
            });
            assert.fail("expected a ConfigError");
        } catch (error) {
            assert.ok(error instanceof ConfigError);
            assert.deepEqual(error.problems.map((p) => p.key), ["workbench:colour", "workbench:gpuPools[0].gpu", "workbench:userPool.minNodes"]);
            const gpu = error.problems.find((p) => p.key === "workbench:gpuPools[0].gpu")!;
            assert.equal(gpu.given, "v100");
            assert.match(gpu.allowed, /t4, l4, a10, a100, h100/);
            assert.match(error.message, /3 problems/);
            assert.match(error.message, /workbench:userPool\.minNodes = -1: must be at least 0/);
        }
    });

    it("names the GPU classes a cloud offers when it lacks the one asked for", () => {
        try {
            validateConfig("gcp-a10", {
                ...minimal,
                "workbench:cloud": "gcp",
                "gcp:project": "my-project-123",
                "gcp:zone": "us-central1-a",
                "workbench:gpuPools": JSON.stringify([{ name: "gpu", gpu: "a10" }]),
            });
            assert.fail("expected a ConfigError");
        } catch (error) {
            assert.ok(error instanceof ConfigError);
            assert.deepEqual(error.problems.map((p) => p.key), ["workbench:gpuPools[0].gpu"]);
            assert.match(error.problems[0].allowed, /gcp offers no a10 GPU; choose one of t4, l4, a100, h100/);
        }
    });

    it("rejects a domain when the hub of an existing cluster is reachable only through a port-forward", () => {
        assert.deepEqual(
            problemKeys({
                ...minimal,
                "workbench:domain": "hub.example.org",
                "workbench:tlsEmail": "ops@example.org",
                "workbench:hub": JSON.stringify({ service: "ClusterIP" }),
            }),
            ["workbench:hub.service"],
        );
    });

    it("never prints a secret key's value in a problem", () => {
        assert.deepEqual(
            problemKeys({ ...minimal, "workbench:auth": JSON.stringify({ type: "github" }), "workbench:githubClientSecret": "s3cr3t" }),
            ["workbench:auth.githubClientId", "workbench:domain"],
        );
    });
});

/** One invalid configuration: what to change in a shipped stack, and the key the error must name. */
interface InvalidCase {
    title: string;
    base: string;
    set: Record<string, unknown>;
    drop?: string[];
    key: string;
}

const INVALID: InvalidCase[] = [
    { title: "an unknown cloud", base: "local", set: { "workbench:cloud": "digitalocean" }, key: "workbench:cloud" },
    { title: "an unknown GPU class", base: "aws", set: { "workbench:gpuPools": [{ name: "big", gpu: "v100" }] }, key: "workbench:gpuPools[0].gpu" },
    { title: "a GPU class the cloud does not offer", base: "gcp", set: { "workbench:gpuPools": [{ name: "a10", gpu: "a10" }] }, key: "workbench:gpuPools[0].gpu" },
    { title: "a negative pool size", base: "aws", set: { "workbench:userPool": { minNodes: -1 } }, key: "workbench:userPool.minNodes" },
    { title: "an inverted pool size", base: "aws", set: { "workbench:userPool": { minNodes: 4, maxNodes: 2 } }, key: "workbench:userPool.minNodes" },
    { title: "an inverted GPU pool size", base: "aws", set: { "workbench:gpuPools": [{ name: "t4", gpu: "t4", minNodes: 2, maxNodes: 1 }] }, key: "workbench:gpuPools[0].minNodes" },
    { title: "a pool size of the wrong type", base: "aws", set: { "workbench:userPool": { maxNodes: "three" } }, key: "workbench:userPool.maxNodes" },
    { title: "no system node", base: "aws", set: { "workbench:systemPool": { nodes: 0 } }, key: "workbench:systemPool.nodes" },
    { title: "an unknown top-level key", base: "local", set: { "workbench:userpool": { maxNodes: 2 } }, key: "workbench:userpool" },
    { title: "an unknown nested key", base: "local", set: { "workbench:userPool": { maxNode: 2 } }, key: "workbench:userPool.maxNode" },
    { title: "an admin list that is a string", base: "local", set: { "workbench:users": { admins: "alice" } }, key: "workbench:users.admins" },
    { title: "a malformed user name", base: "local", set: { "workbench:users": { admins: ["alice smith"] } }, key: "workbench:users.admins[0]" },
    { title: "a user listed twice", base: "local", set: { "workbench:users": { admins: ["alice"], allowed: ["bob", "Bob"] } }, key: "workbench:users.allowed" },
    { title: "no admin at all", base: "local", set: {}, drop: ["workbench:users"], key: "workbench:users" },
    { title: "AWS without a region", base: "aws", set: {}, drop: ["aws:region"], key: "aws:region" },
    { title: "an AWS region of the wrong format", base: "aws", set: { "aws:region": "useast1" }, key: "aws:region" },
    { title: "too few availability zones", base: "aws", set: { "workbench:aws": { availabilityZones: 1 } }, key: "workbench:aws.availabilityZones" },
    { title: "GCP without a project", base: "gcp", set: {}, drop: ["gcp:project"], key: "gcp:project" },
    { title: "Azure without a location", base: "azure", set: {}, drop: ["azure-native:location"], key: "azure-native:location" },
    { title: "dummy sign-in on a cloud", base: "aws", set: { "workbench:auth": { type: "dummy" } }, key: "workbench:auth.type" },
    { title: "GitHub sign-in without its client secret", base: "aws", set: { "workbench:auth": { type: "github", githubClientId: "abc" }, "workbench:domain": "hub.example.org", "workbench:tlsEmail": "ops@example.org" }, key: "workbench:githubClientSecret" },
    { title: "a domain without a Let's Encrypt e-mail", base: "aws", set: { "workbench:domain": "hub.example.org" }, key: "workbench:tlsEmail" },
    { title: "an unpinned notebook image", base: "local", set: { "workbench:notebook": { image: "quay.io/jupyter/scipy-notebook:latest" } }, key: "workbench:notebook.image" },
    { title: "an existing-cluster GPU pool whose nodes are not described", base: "local", set: { "workbench:gpuPools": [{ name: "t4", gpu: "t4" }] }, key: "workbench:gpuPools[0].name" },
    { title: "an S3 endpoint without credentials", base: "local", set: { "workbench:existing": { objectStore: { type: "s3", endpoint: "https://s3.example.org", bucket: "data" } } }, key: "workbench:s3AccessKeyId" },
    { title: "a negative budget", base: "aws", set: { "workbench:budget": { monthlyUsd: -5 } }, key: "workbench:budget.monthlyUsd" },
    { title: "a Kubernetes version that is not a minor version", base: "aws", set: { "workbench:kubernetesVersion": "latest" }, key: "workbench:kubernetesVersion" },
];

// Started when this file loads, so these plans share the cores with the other files' plans from the
// start of the run; each test then awaits its own.
const invalidRuns = new Map(
    INVALID.map((c) => {
        const run = runPlan(c.base, { stackFile: variantStackFile(c.base, c.set, c.drop) });
        run.catch(() => undefined); // awaited (and reported) by the test
        return [c.title, run] as const;
    }),
);

describe("invalid configuration, planned through the CLI", () => {
    for (const c of INVALID) {
        it(`rejects ${c.title}, naming ${c.key}, and registers nothing`, async () => {
            const { status, stderr, document } = await invalidRuns.get(c.title)!;
            assert.notEqual(status, 0);
            assert.ok(document.problems?.some((p) => p.key === c.key), `problems: ${JSON.stringify(document.problems)}`);
            assert.ok(stderr.includes(c.key), `stderr names ${c.key}: ${stderr}`);
            const registered = document.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
            assert.deepEqual(registered.map((r) => r.urn), []);
        });
    }
});
