import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { budgetStartDate } from "../providers/azure/budget";
import { clusterNameOf, STORAGE_ACCOUNT_NAME, storageAccountNameOf, storageAccountPrefixOf } from "../providers/azure/context";
import { containerUrl } from "../providers/azure/identity";
import { nonInteractiveKubeconfig } from "../providers/azure/kubeconfig";
import { parse } from "yaml";
import { describeAzureGpu, osDiskTypeFor, poolProblems, poolSpecs, taintString } from "../providers/azure/pools";
import { checkKubernetesVersion, GPU_CATALOG, kubernetesVersionsOf, NODE_DISK_GIB, nodeDiskGiB } from "../providers/catalog";
import { placementOn } from "../providers/placement";
import { readStackConfig } from "../plan/project";
import { validateConfig } from "../stacks/load";
import { PROJECT_DIR } from "./harness";

/*
 * The Azure platform's building blocks, checked without a plan: the names Azure accepts, the pools'
 * taints and OS disks, the version window, and that only azure-native's submodules are loaded.
 */

const azureConfig = () => validateConfig("azure", readStackConfig(PROJECT_DIR, "azure").config).config;

describe("Azure platform building blocks", () => {
    it("names the storage account within Azure's rules, the same for one subscription and stack, different across subscriptions", () => {
        const prefix = storageAccountPrefixOf("my-lab-2");
        assert.equal(prefix, "mylab2");
        const name = storageAccountNameOf(prefix, "sub-a", "rg");
        assert.match(name, STORAGE_ACCOUNT_NAME);
        assert.ok(name.startsWith(prefix));
        assert.equal(storageAccountNameOf(prefix, "sub-a", "rg"), name);
        assert.notEqual(storageAccountNameOf(prefix, "sub-b", "rg"), name);
        assert.notEqual(storageAccountNameOf(prefix, "sub-a", "rg-2"), name);
        // the longest workbench:name the schema allows with no '-' must be refused by the platform, not by Azure
        assert.ok(storageAccountNameOf("a".repeat(20), "s", "r").length > 24);
    });

    it("names the cluster within AKS's rules whatever the stack is called", () => {
        assert.equal(clusterNameOf("workbench", "dev.team"), "workbench-dev-team");
        assert.ok(clusterNameOf("workbench", "x".repeat(80)).length <= 63);
        assert.match(clusterNameOf("workbench", `${"x".repeat(53)}-y`), /^[A-Za-z0-9][A-Za-z0-9_-]*[A-Za-z0-9]$/);
    });

    it("writes taints as AKS's nodeTaints take them", () => {
        assert.equal(taintString({ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }), "nvidia.com/gpu=present:NoSchedule");
        assert.equal(taintString({ key: "dedicated", effect: "NoExecute" }), "dedicated:NoExecute");
    });

    it("puts an OS disk on the temporary disk only where it fits, and never leaves the type to AKS's 128 GiB default", () => {
        assert.equal(osDiskTypeFor("Standard_NC4as_T4_v3", NODE_DISK_GIB.gpu), "Ephemeral");
        assert.equal(osDiskTypeFor("Standard_NC24ads_A100_v4", NODE_DISK_GIB.gpu), "Managed", "its 64 GiB temporary disk is too small");
        assert.equal(osDiskTypeFor("Standard_D2as_v5", NODE_DISK_GIB.system), "Managed", "Dasv5 has no temporary disk");
        assert.equal(osDiskTypeFor("Standard_D2as_v5", nodeDiskGiB("azure", "system")), "Managed");
    });

    it("gives every pool a placement that selects its own labels and tolerates each of its taints, AKS's spot taint on spot pools", () => {
        const config = azureConfig();
        const pools = poolSpecs(config);
        for (const pool of [pools.system, pools.user, ...pools.gpu]) {
            const placement = placementOn(pool.selectorLabels, pool.taints);
            for (const [key, value] of Object.entries(placement.nodeSelector)) assert.equal(pool.labels[key], value, pool.name);
            for (const taint of pool.taints) assert.ok(placement.tolerations.some((t) => t.key === taint.key && t.value === taint.value && t.effect === taint.effect), pool.name);
            const spotTainted = pool.taints.some((t) => t.key === "kubernetes.azure.com/scalesetpriority");
            assert.equal(spotTainted, pool.spot, `${pool.name}: the spot taint exactly on spot pools`);
            assert.equal(pool.labels["kubernetes.azure.com/scalesetpriority"] === "spot", pool.spot, pool.name);
        }
    });

    it("runs each GPU pool on one VM size of the catalog's shape", () => {
        const pools = poolSpecs(azureConfig());
        for (const pool of pools.gpu) {
            const machine = GPU_CATALOG[pool.gpu!].machines.azure!;
            assert.deepEqual(machine.instanceTypes, [pool.vmSize]);
            assert.deepEqual([pool.vcpu, pool.memoryGiB, pool.gpusPerNode], [machine.vcpu, machine.memoryGiB, machine.gpuCount]);
        }
    });

    it("describes Azure's A100 and H100 machines with their own GPU memory, the rest from the catalog", () => {
        assert.match(describeAzureGpu({ gpu: "a100", vcpu: 24, memoryGiB: 220, gpusPerNode: 1 }), /^NVIDIA A100 80 GB · 24 vCPU · 220 GiB RAM$/);
        assert.match(describeAzureGpu({ gpu: "t4", vcpu: 4, memoryGiB: 28, gpusPerNode: 1 }), new RegExp(`^NVIDIA T4 ${GPU_CATALOG.t4.gpuMemoryGiB} GB · 4 vCPU`));
    });

    it("refuses pool settings AKS refuses, saying what to type", () => {
        const config = azureConfig();
        assert.deepEqual(poolProblems(config), []);
        const problems = poolProblems({ systemPool: { ...config.systemPool, spot: true }, gpuPools: [{ name: "a-100", gpu: "a100", minNodes: 0, maxNodes: 1, spot: true }] });
        assert.deepEqual(problems.map((p) => p.key), ["workbench:systemPool.spot", "workbench:gpuPools[0].name"]);
        assert.match(problems[1].allowed, /e\.g\. a100/);
    });

    it("defaults to an AKS minor with months of support left, and refuses one past its end", () => {
        const versions = kubernetesVersionsOf("azure");
        const asOf = new Date(`${versions.asOf}-01T00:00:00Z`);
        const check = checkKubernetesVersion("azure", undefined, asOf);
        assert.deepEqual([check.problems, check.warnings], [[], []]);
        const last = versions.releases[versions.releases.length - 1];
        assert.equal(versions.defaultMinor, last.minor, "the newest GA minor");
        const oldest = versions.releases[0];
        const after = new Date(Date.parse(`${oldest.endOfStandardSupport}T00:00:00Z`) + 86_400_000);
        assert.equal(checkKubernetesVersion("azure", oldest.minor, after).problems[0].key, "workbench:kubernetesVersion");
    });

    it("starts the budget on the first of the current month, as Azure requires", () => {
        assert.equal(budgetStartDate(new Date("2026-11-28T18:00:00Z")), "2026-11-01T00:00:00Z");
        assert.equal(budgetStartDate(new Date("2027-01-01T00:00:00Z")), "2027-01-01T00:00:00Z");
    });

    it("hands notebooks a container URL adlfs reads the account from", () => {
        assert.equal(containerUrl("acct", "data"), "abfs://data@acct.dfs.core.windows.net/");
    });

    it("signs Pulumi's Kubernetes provider in without a prompt: AKS's devicecode login becomes the configured method", () => {
        // the user kubeconfig AKS returns for an Entra ID cluster with format exec (AKS kubelogin-authentication)
        const aks = [
            "apiVersion: v1",
            "kind: Config",
            "clusters: [{name: c, cluster: {server: 'https://c.hcp.eastus.azmk8s.io:443'}}]",
            "contexts: [{name: c, context: {cluster: c, user: clusterUser_rg_c}}]",
            "current-context: c",
            "users:",
            "- name: clusterUser_rg_c",
            "  user:",
            "    exec:",
            "      apiVersion: client.authentication.k8s.io/v1beta1",
            "      command: kubelogin",
            "      args: [get-token, --environment, AzurePublicCloud, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630, --client-id, 80faf920-1908-4b52-b5ef-a8e7bedfc67a, --tenant-id, t, --login, devicecode]",
            "      interactiveMode: IfAvailable",
        ].join("\n");
        for (const method of ["azurecli", "workloadidentity", "spn"] as const) {
            const args = (parse(nonInteractiveKubeconfig(aks, method)) as { users: { user: { exec: { args: string[] } } }[] }).users[0].user.exec.args;
            const login = args.flatMap((a, i) => (a === "--login" || a === "-l" ? [args[i + 1]] : []));
            assert.deepEqual(login, [method], `one login method, ${method}`);
            assert.ok(!args.includes("devicecode"));
            // the server id names the AKS API the token is for; AKS's public client id would override the method's own identity
            assert.equal(args[args.indexOf("--server-id") + 1], "6dae42f8-4368-4678-94ff-3960e28e3630");
            assert.ok(!args.includes("--client-id"));
        }
        assert.throws(() => nonInteractiveKubeconfig("apiVersion: v1\nusers: [{name: u, user: {token: x}}]\n", "azurecli"), /no kubelogin user/);
    });

    it("imports @pulumi/azure-native by submodule only: its root module (every service, a GiB) is never loaded", () => {
        const sources = ["providers/azure", "plan/mocks"].flatMap((dir) =>
            fs.readdirSync(path.join(PROJECT_DIR, dir)).filter((f) => f.endsWith(".ts")).map((f) => fs.readFileSync(path.join(PROJECT_DIR, dir, f), "utf8")),
        );
        for (const source of sources) assert.doesNotMatch(source, /from "@pulumi\/azure-native"|require\("@pulumi\/azure-native"\)/);
        require("../providers/azure");
        const root = require.resolve("@pulumi/azure-native");
        assert.ok(Object.keys(require.cache).some((file) => file.includes(`${path.sep}@pulumi${path.sep}azure-native${path.sep}containerservice${path.sep}`)));
        assert.equal(require.cache[root], undefined, "the package root stays unloaded");
    });
});
