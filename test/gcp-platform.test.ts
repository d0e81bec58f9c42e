import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { PlanMocks } from "../plan/mocks";
import { readStackConfig } from "../plan/project";
import { compareMinors, GPU_CATALOG, gpuMachine, kubernetesVersionsOf } from "../providers/catalog";
import { GKE_CHANNEL_WINDOWS } from "../providers/catalog/kubernetes/gcp";
import { NodePool, Platform, Taint, Toleration } from "../providers/contract";
import { gcpName } from "../providers/gcp/context";
import { gpuPoolWarnings } from "../providers/gcp/gpu-notes";
import { gkeKubeconfig } from "../providers/gcp/kubeconfig";
import { StackSettings, validateConfig } from "../stacks/load";
import { PROJECT_DIR } from "./harness";
import { loadPlatformModule } from "../providers/registry";

/*
 * The GCP platform as the shared layer receives it: the contract's data (pools, placement,
 * capabilities, the identity binding), which an offline plan only shows through what the shared
 * layer makes of it. The platform is built in this process on the plan's own mocks.
 */

/** The value of an output, once the mock runtime has resolved it. */
const valueOf = <T>(output: pulumi.Input<T>): Promise<T> => new Promise((resolve) => pulumi.output(output).apply((value) => resolve(value as T)));

/** Whether a toleration lets a pod onto nodes with the taint. */
function tolerates(toleration: Toleration, taint: Taint): boolean {
    if (toleration.key !== taint.key || toleration.effect !== taint.effect) return false;
    return toleration.operator === "Exists" || toleration.value === taint.value;
}

/** Whether a node with `labels` satisfies a pod's node selector. */
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** What GKE leaves allocatable on a node (GKE "Standard cluster architecture", node allocatable): CPU 6 % of the first core, 1 % of the second; memory 25 % of the first 4 GiB, 20 % of the next 4, minus 100 MiB eviction. */
function gkeAllocatable(vcpu: number, memoryGiB: number): { cpuMillis: number; memoryMiB: number } {
    const cpuReserved = 60 + (vcpu >= 2 ? 10 : 0) + Math.max(0, Math.min(vcpu, 4) - 2) * 5 + Math.max(0, vcpu - 4) * 2.5;
    const mem = memoryGiB * 1024;
    const memReserved = 0.25 * Math.min(mem, 4096) + 0.2 * Math.max(0, Math.min(mem, 8192) - 4096) + 0.1 * Math.max(0, Math.min(mem, 16384) - 8192) + 100;
    return { cpuMillis: vcpu * 1000 - cpuReserved, memoryMiB: mem - memReserved };
}

describe("GCP platform, as the shared layer receives it", () => {
    let platform: Platform;
    let settings: StackSettings;
    const load = async () => {
        const { prepare } = loadPlatformModule("gcp");
        return async (name: string, stackSettings: StackSettings): Promise<Platform> => {
            const { config, provider } = stackSettings;
            const preparation = await prepare({ stack: stackSettings.stack, parsed: config, provider, secretsSet: new Set(), today: new Date("2026-11-28T00:00:00Z") });
            assert.deepEqual(preparation.problems, []);
            return preparation.create(name, stackSettings);
        };
    };

    before(async () => {
        const stack = readStackConfig(PROJECT_DIR, "gcp");
        const { config, provider } = validateConfig("gcp", stack.config);
        settings = { stack: "gcp", config, provider, secrets: {} };
        pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);
        await pulumi.runtime.setMocks(new PlanMocks({ stack: "gcp", project: stack.project, config: stack.config }), stack.project, "gcp", false);
        platform = await (await load())("workbench", settings);
    });

    const pools = (): NodePool[] => [platform.cluster.systemPool, platform.cluster.userPool, ...platform.gpuPools];

    it("gives every pool a placement that tolerates each of its taints, selects its own labels and only its own", () => {
        for (const pool of pools()) {
            for (const taint of pool.taints) assert.ok(pool.placement.tolerations.some((t) => tolerates(t, taint)), `${pool.name}: a toleration for ${taint.key}`);
            assert.ok(selects(pool.placement.nodeSelector, pool.labels), `${pool.name}'s selector matches its own nodes`);
            const matching = pools().filter((other) => selects(pool.placement.nodeSelector, other.labels));
            assert.deepEqual(matching.map((p) => p.name), [pool.name]);
        }
    });

    it("reports the labels GKE adds (spot, accelerator, metadata server) and no spot taint, which GKE Standard does not add", () => {
        for (const pool of pools()) {
            assert.equal(pool.labels["iam.gke.io/gke-metadata-server-enabled"], "true", pool.name);
            assert.equal(pool.labels["cloud.google.com/gke-spot"], pool.spot ? "true" : undefined, pool.name);
            assert.ok(!pool.taints.some((t) => t.key.includes("spot")), `${pool.name}: no spot taint`);
            // insurance: GKE taints the Spot nodes it provisions itself; a toleration without its taint costs nothing
            const spotTolerated = pool.placement.tolerations.some((t) => tolerates(t, { key: "cloud.google.com/gke-spot", value: "true", effect: "NoSchedule" }));
            assert.equal(spotTolerated, pool.spot, pool.name);
        }
        settings.config.gpuPools.forEach((configured, i) => {
            assert.equal(platform.gpuPools[i].labels["cloud.google.com/gke-accelerator"], gpuMachine(configured.gpu, "gcp").acceleratorType);
            assert.deepEqual(platform.gpuPools[i].taints, [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }]);
        });
    });

    it("describes each GPU pool from the catalog: resource name, GPUs per node, model for the profile list", () => {
        settings.config.gpuPools.forEach((configured, i) => {
            const pool = platform.gpuPools[i];
            const machine = gpuMachine(configured.gpu, "gcp");
            assert.equal(pool.resourceName, "nvidia.com/gpu");
            assert.equal(pool.gpusPerNode, machine.gpuCount);
            assert.ok(pool.description.includes(GPU_CATALOG[configured.gpu].model), pool.description);
            assert.equal(pool.minNodes, 0);
        });
    });

    it("leaves the device plugin and the autoscaler to GKE, and lets pods reach the metadata server for Workload Identity", () => {
        const { capabilities } = platform.cluster;
        assert.equal(capabilities.nvidiaDevicePlugin, false);
        assert.equal(capabilities.clusterAutoscaler, undefined);
        assert.equal(capabilities.podsNeedMetadataServer, true);
        assert.deepEqual(platform.cluster.apiServerEgress, [], "the control plane's endpoint is public");
        assert.equal(platform.cluster.hubService.type, "LoadBalancer");
    });

    it("runs GKE's own pods within what GKE leaves allocatable on the system node, with room to spare for the hub", () => {
        const { systemPool, systemAgents } = platform.cluster;
        const allocatable = gkeAllocatable(systemPool.vcpu, systemPool.memoryGiB);
        const nodes = settings.config.systemPool.nodes;
        assert.ok(systemAgents.cpuMillis < 0.75 * allocatable.cpuMillis * nodes, `${systemAgents.cpuMillis}m of ${allocatable.cpuMillis}m`);
        assert.ok(systemAgents.memoryMiB < 0.5 * allocatable.memoryMiB * nodes, `${systemAgents.memoryMiB} MiB of ${allocatable.memoryMiB} MiB`);
        // the e2-medium GKE would pick (2 shared vCPU, 4 GiB: about 940m allocatable) would not hold them with the hub
        assert.ok(systemAgents.cpuMillis > 0.9 * 940);
        assert.ok(systemAgents.pods < systemPool.maxPods);
        assert.equal(systemPool.maxPods, 110);
    });

    it("runs the release channel's default minor when none is pinned", () => {
        assert.match(String(platform.cluster.kubernetesVersion), /^1\.\d+$/);
    });

    it("binds a ServiceAccount to a Google account named in its annotation, with the project in the pods' environment, once per account", async () => {
        const store = platform.objectStore!;
        const account = { namespace: "workbench", name: "workbench-user" };
        const identity = store.bindServiceAccount(account);
        assert.equal(store.bindServiceAccount(account), identity, "binding twice makes one identity");
        const email = await valueOf(identity.serviceAccountAnnotations["iam.gke.io/gcp-service-account"]);
        assert.equal(email, await valueOf(identity.principal));
        assert.match(email, new RegExp(`@${settings.provider.gcpProject}\\.iam\\.gserviceaccount\\.com$`));
        assert.equal(identity.env["GOOGLE_CLOUD_PROJECT"], settings.provider.gcpProject);
        assert.deepEqual(identity.privateEgress, []);
        assert.deepEqual(identity.secretEnv, {}, "no key anywhere");
        assert.match(await valueOf(store.url), /^gs:\/\//);
    });
});

describe("GCP object store: BindingScope.excludePrefixes", () => {
    it("says the exclusions are enforced, and still reaches the whole bucket otherwise", async () => {
        const stack = readStackConfig(PROJECT_DIR, "gcp");
        const { config, provider } = validateConfig("gcp", stack.config);
        pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);
        await pulumi.runtime.setMocks(new PlanMocks({ stack: "gcp", project: stack.project, config: stack.config }), stack.project, "gcp", false);
        const { prepare } = loadPlatformModule("gcp");
        const preparation = await prepare({ stack: "gcp", parsed: config, provider, secretsSet: new Set(), today: new Date("2026-11-28T00:00:00Z") });
        const store = preparation.create("excl", { stack: "gcp", config, provider, secrets: {} }).objectStore;
        assert.ok(store);
        const users = store.bindServiceAccount({ namespace: "excl-users", name: "excl-user" }, { excludePrefixes: ["backups/", "mlflow/"] });
        assert.equal(users.excluded, true);
        assert.equal(users.reach, "bucket");
        const scoped = store.bindServiceAccount({ namespace: "excl", name: "postgres" }, { prefix: "backups/postgres/" });
        assert.equal(scoped.reach, "prefix");
        assert.ok(scoped.readyWhen.length >= 3, "the trust, the object grant and the bucket-metadata grant");
    });
});

describe("GCP platform helpers", () => {
    it("writes a kubeconfig that gets tokens from gke-gcloud-auth-plugin and holds no credential", async () => {
        const kubeconfig = JSON.parse(await valueOf(gkeKubeconfig({ contextName: "gke_p_z_c", endpoint: "203.0.113.20", caCertificate: "Q0E=" }))) as {
            clusters: { cluster: Record<string, string> }[];
            users: { user: { exec: { command: string; apiVersion: string; provideClusterInfo: boolean }; token?: string } }[];
        };
        assert.equal(kubeconfig.clusters[0].cluster["server"], "https://203.0.113.20");
        assert.equal(kubeconfig.clusters[0].cluster["certificate-authority-data"], "Q0E=");
        const [{ user }] = kubeconfig.users;
        assert.equal(user.exec.command, "gke-gcloud-auth-plugin");
        assert.equal(user.exec.apiVersion, "client.authentication.k8s.io/v1beta1");
        assert.equal(user.token, undefined);
    });

    it("warns of an on-demand pool on spot-only machines, and of nothing for a spot one", () => {
        const h100 = { name: "h100", gpu: "h100" as const, minNodes: 0, maxNodes: 1, spot: false };
        assert.ok(gpuPoolWarnings([h100]).some((w) => w.startsWith("GPU pool h100:")));
        assert.deepEqual(gpuPoolWarnings([{ ...h100, spot: true }]), []);
        assert.deepEqual(gpuPoolWarnings([]), []);
    });

    it("records every minor a channel offers in the GKE catalog, newest channel first, with the catalog's default on the default channel", () => {
        const gke = kubernetesVersionsOf("gcp");
        const minors = gke.releases.map((r) => r.minor);
        for (const [channel, window] of Object.entries(GKE_CHANNEL_WINDOWS)) {
            for (const minor of [window.oldest, window.default, window.newest]) assert.ok(minors.includes(minor), `${channel} ${minor}`);
            assert.ok(compareMinors(window.oldest, window.default) <= 0 && compareMinors(window.default, window.newest) <= 0, channel);
        }
        assert.ok(compareMinors(GKE_CHANNEL_WINDOWS.RAPID.newest, GKE_CHANNEL_WINDOWS.REGULAR.newest) >= 0);
        assert.ok(compareMinors(GKE_CHANNEL_WINDOWS.REGULAR.newest, GKE_CHANNEL_WINDOWS.STABLE.newest) >= 0);
        assert.equal(gke.defaultMinor, GKE_CHANNEL_WINDOWS.REGULAR.default, "REGULAR is workbench:gcp.releaseChannel's default");
    });

    it("keeps names within GCP's limits and distinct per stack when shortened", () => {
        const a = gcpName("workbench-a-very-long-stack-name-one-nodes", 30);
        const b = gcpName("workbench-a-very-long-stack-name-two-nodes", 30);
        for (const name of [a, b]) assert.match(name, /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/);
        assert.notEqual(a, b);
        assert.equal(gcpName("Workbench_GCP", 40), "workbench-gcp");
    });
});
