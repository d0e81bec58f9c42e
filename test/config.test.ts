import * as assert from "node:assert/strict";
import { readProjectDefaults, readStackConfig } from "../plan/project";
import { AWS_PRICES } from "../cost/prices/aws";
import { ConfigError } from "../stacks/errors";
import { checkConfig, validateConfig } from "../stacks/load";
import { longestAwsRoleName } from "../stacks/rules";
import { ofType, PROJECT_DIR, planOf, runPlan, STACKS, variantStackFile } from "./harness";

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

/** The problems of a flat config map, by key. */
function problemsOf(flat: Record<string, string>, secretKeys?: string[]) {
    const { problems } = checkConfig({ ...minimal, ...flat }, { secretKeys: secretKeys && new Set(secretKeys) });
    return new Map(problems.map((p) => [p.key, p]));
}

const aws = { "workbench:cloud": "aws", "aws:region": "us-east-1" };

describe("configuration messages say what to type", () => {
    it("suggests the known key closest to an unknown one, at the top and inside a value", () => {
        const problems = problemsOf({ "workbench:gpupools": "[]", "workbench:userPool": JSON.stringify({ maxnodes: 2 }), "workbench:services": JSON.stringify({ sprak: true }) });
        assert.match(problems.get("workbench:gpupools")!.allowed, /did you mean `gpuPools`\?/);
        assert.match(problems.get("workbench:userPool.maxnodes")!.allowed, /did you mean `maxNodes`\?/);
        assert.match(problems.get("workbench:services.sprak")!.allowed, /did you mean `spark`\?/);
    });

    it("suggests nothing for a word unlike any key, and lists the keys instead", () => {
        const { allowed } = problemsOf({ "workbench:zebra": "1" }).get("workbench:zebra")!;
        assert.doesNotMatch(allowed, /did you mean/);
        assert.match(allowed, /known keys: cloud, name/);
    });

    it("recognises a path set without --path and gives both commands to fix it", () => {
        const { allowed } = problemsOf({ "workbench:users.admins[1]": "bob" }).get("workbench:users.admins[1]")!;
        assert.match(allowed, /set without --path/);
        assert.ok(allowed.includes("pulumi config rm 'workbench:users.admins[1]'"), allowed);
        assert.ok(allowed.includes("pulumi config set --path 'workbench:users.admins[1]' <value>"), allowed);
    });

    it("gives the --type for a number or a boolean stored as a string", () => {
        const problems = problemsOf({ "workbench:userPool": JSON.stringify({ maxNodes: "4", spot: "false" }), "workbench:budget": JSON.stringify({ monthlyUsd: "99.5" }) });
        assert.ok(problems.get("workbench:userPool.maxNodes")!.allowed.includes("pulumi config set --path 'workbench:userPool.maxNodes' 4 --type int"));
        assert.ok(problems.get("workbench:userPool.spot")!.allowed.includes("pulumi config set --path 'workbench:userPool.spot' false --type bool"));
        assert.ok(problems.get("workbench:budget.monthlyUsd")!.allowed.includes("--type float"));
    });

    it("says a value must be a mapping, naming the keys it takes", () => {
        const { allowed } = problemsOf({ "workbench:storage": "big" }).get("workbench:storage")!;
        assert.match(allowed, /must be a mapping of retainOnDestroy, versioning/);
        assert.match(allowed, /pulumi config set --path 'workbench:storage\.retainOnDestroy'/);
    });

    it("refuses a secret key set in plain text with the --secret command, without printing the value", () => {
        const problems = problemsOf({ "workbench:githubClientSecret": "s3cr3t-value" }, []);
        const problem = problems.get("workbench:githubClientSecret")!;
        assert.ok(problem.allowed.includes("pulumi config set --secret workbench:githubClientSecret <value>"), problem.allowed);
        assert.equal(problem.given, undefined);
        assert.ok(!new ConfigError("t", [...problems.values()]).message.includes("s3cr3t-value"));
        // the same key set with --secret is fine
        assert.equal(problemsOf({ "workbench:githubClientSecret": "s3cr3t-value" }, ["workbench:githubClientSecret"]).has("workbench:githubClientSecret"), false);
    });

    it("checks IPv4 CIDRs as the clouds do: a valid address and prefix, the host bits zero", () => {
        const cidrs = (list: string[]) => problemsOf({ ...aws, "workbench:aws": JSON.stringify({ apiAllowedCidrs: list }) });
        assert.deepEqual([...cidrs(["203.0.113.0/24", "0.0.0.0/0", "198.51.100.7/32"]).keys()], []);
        for (const bad of ["203.0.113.0/33", "256.0.0.0/8", "203.0.113.0", "203.0.113.7/24", "10.1.0.0/8"]) {
            assert.ok(cidrs([bad]).has("workbench:aws.apiAllowedCidrs[0]"), bad);
        }
    });

    it("refuses a budget too small to pay for any cluster", () => {
        assert.ok(problemsOf({ "workbench:budget": JSON.stringify({ monthlyUsd: 9 }) }).has("workbench:budget.monthlyUsd"));
        assert.equal(problemsOf({ "workbench:budget": JSON.stringify({ monthlyUsd: 10 }) }).size, 0);
    });

    it("checks region, zone and location formats, and that a GCP zone lies in the region", () => {
        const keys = (flat: Record<string, string>) => [...problemsOf(flat).keys()];
        assert.deepEqual(keys({ "workbench:cloud": "aws", "aws:region": "ap-southeast-5" }), []);
        assert.deepEqual(keys({ "workbench:cloud": "aws", "aws:region": "US East" }), ["aws:region"]);
        const gcp = { "workbench:cloud": "gcp", "gcp:project": "my-project-123" };
        assert.deepEqual(keys({ ...gcp, "gcp:zone": "europe-west10-a" }), []);
        assert.deepEqual(keys({ ...gcp, "gcp:zone": "us-central1-a", "gcp:region": "us-central1" }), []);
        assert.deepEqual(keys({ ...gcp, "gcp:zone": "us-central1-a", "gcp:region": "europe-west1" }), ["gcp:region"]);
        assert.deepEqual(keys({ "workbench:cloud": "azure", "azure-native:location": "westeurope" }), []);
        assert.deepEqual(keys({ "workbench:cloud": "azure", "azure-native:location": "West Europe" }), ["azure-native:location"]);
    });
});

describe("configuration warnings", () => {
    const warningsOf = (flat: Record<string, string>) => checkConfig({ ...readProjectDefaults(PROJECT_DIR).config, ...minimal, ...flat }).warnings;

    it("warns that another cloud's settings are ignored, but not for the defaults Pulumi.yaml declares", () => {
        assert.deepEqual(warningsOf(aws), []);
        const warnings = warningsOf({ ...aws, "workbench:gcp": JSON.stringify({ releaseChannel: "STABLE" }) });
        assert.equal(warnings.length, 1);
        assert.match(warnings[0], /workbench:gcp is set but workbench:cloud is aws/);
    });

    it("warns when the region is not the one the prices are for", () => {
        assert.deepEqual(warningsOf({ ...aws, "aws:region": AWS_PRICES.region }), []);
        const [warning] = warningsOf({ ...aws, "aws:region": "eu-central-1" });
        assert.ok(warning.includes(AWS_PRICES.region) && warning.includes("eu-central-1"), warning);
    });

    it("warns when an existing-cluster stack would use whatever kube context is current", () => {
        assert.match(warningsOf({ "workbench:cloud": "existing" }).join("\n"), /workbench:existing\.context is not set/);
        assert.deepEqual(warningsOf({ "workbench:cloud": "existing", "workbench:existing": JSON.stringify({ context: "kind-workbench" }) }), []);
    });

    it("the shipped stacks plan without configuration warnings", () => {
        for (const stack of STACKS) {
            const { config } = readStackConfig(PROJECT_DIR, stack);
            assert.deepEqual(checkConfig(config).warnings, [], stack);
        }
    });
});

describe("an AWS plan with the longest accepted name, in another region", () => {
    // IAM role names: at most 64 characters; Pulumi's auto-naming appends "-" and 7 hex digits
    const IAM_LIMIT = 64;
    const SUFFIX = 8;
    const longest = (() => {
        let n = 20;
        while (longestAwsRoleName("x".repeat(n)).length + SUFFIX > IAM_LIMIT) n--;
        return n;
    })();
    const longName = "w".repeat(longest);
    // one plan serves two tests: the longest name, and the configuration warnings the program logs
    const longRun = runPlan("aws", {
        stackFile: variantStackFile("aws", { "workbench:name": longName, "aws:region": "eu-west-1", "workbench:azure": { tier: "Standard" } }),
    });

    it("plans an AWS stack with the longest name it accepts, and every IAM role's auto-name fits 64 characters", async function () {
        const run = await longRun;
        assert.equal(run.status, 0, run.stderr);
        const roles = ofType(run.document, "aws:iam/role:Role");
        assert.ok(roles.length >= 3, "the node, EBS CSI, autoscaler and notebook roles");
        for (const role of roles) {
            const name = typeof role.inputs["name"] === "string" ? role.inputs["name"] : role.name;
            const length = typeof role.inputs["name"] === "string" ? name.length : name.length + SUFFIX;
            assert.ok(length <= IAM_LIMIT, `${name}: ${length} characters`);
        }
        assert.ok(roles.some((r) => r.name === longestAwsRoleName(longName)), "the rule knows the longest role name the platform derives");
    });

    it("the program logs the configuration's warnings: they reach the plan, and do not stop it", async () => {
        const { status, document } = await longRun;
        assert.equal(status, 0);
        assert.ok(document.warnings.some((w) => w.startsWith("workbench:azure is set but workbench:cloud is aws")), document.warnings.join("\n"));
        assert.ok(document.warnings.some((w) => w.startsWith("aws:region is eu-west-1")), document.warnings.join("\n"));
    });

    it("refuses one character more on AWS, and accepts it on an existing cluster", () => {
        const name = `${longName}w`;
        assert.ok(problemsOf({ ...aws, "workbench:name": name }).has("workbench:name"));
        assert.equal(problemsOf({ "workbench:name": name }).has("workbench:name"), false);
    });

    it("the shipped AWS stack's plan is within the limits too", async () => {
        const plan = await planOf("aws");
        for (const role of ofType(plan, "aws:iam/role:Role")) assert.ok(role.name.length + SUFFIX <= IAM_LIMIT, role.name);
    });
});
