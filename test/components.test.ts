import { towardNamespace, userCodePolicySpec } from "../components/tenancy/network-policies";
import * as assert from "node:assert/strict";
import { clusterAutoscalerValues } from "../components/cluster/autoscaler";
import { clusterOptionsConfig, clusterOptionsData, DaskGatewayInput, daskGatewayConnection } from "../components/dask/dask-gateway-values";
import { helmMerge } from "../components/helm/merge";
import { hubAuthValues } from "../components/hub/hub-auth";
import { splitImage } from "../components/hub/images";
import { JupyterHubInput, jupyterHubValues, serviceTokenEnv } from "../components/hub/jupyterhub-values";
import { devicePluginValues } from "../components/cluster/nvidia-device-plugin";
import { cpuProfiles, gpuProfile, profileList } from "../components/hub/profiles";
import { API_CLIENT_LABELS, USER_CODE_LABELS } from "../components/labels";
import { ServiceConnection } from "../components/service-connection";
import { allocatable } from "../components/sizing";
import { sparkExampleApplication, SparkExampleInput } from "../components/spark/example";
import { CLUSTER_AUTOSCALER_IMAGE_TAGS, IMAGES } from "../components/versions";
import { GpuPool, NodePool, Taint } from "../providers/contract";
import { GPU_NODE_TAINT, placementOn, USER_NODE_LABELS, USER_NODE_TAINT } from "../providers/placement";
import { at, untolerated } from "./k8s-checks";

/* Pure functions of the shared layer, on a synthetic contract. */

const SPOT_TAINT: Taint = { key: "kubernetes.azure.com/scalesetpriority", value: "spot", effect: "NoSchedule" };
const BARE_TAINT: Taint = { key: "example.com/dedicated", effect: "NoExecute" };

function nodePool(name: string, labels: Record<string, string>, taints: Taint[], shape = { vcpu: 4, memoryGiB: 16 }): NodePool {
    // a pool selects on part of its labels only, as clouds add labels of their own
    const selector = Object.fromEntries(Object.entries(labels).slice(0, 2));
    return { name, labels, taints, placement: placementOn(selector, taints), ...shape, minNodes: 0, maxNodes: 3, spot: true, maxPods: 110 };
}

function gpuPool(name: string, gpusPerNode: number, taints: Taint[]): GpuPool {
    const labels = { ...USER_NODE_LABELS, "workbench/pool": name, "cloud.example/accelerator": "nvidia-a100", "kubernetes.io/os": "linux" };
    return { ...nodePool(name, labels, taints, { vcpu: 24, memoryGiB: 220 }), gpu: "a100", resourceName: "nvidia.com/gpu", gpusPerNode, description: `${gpusPerNode}× NVIDIA A100` };
}

const userPool = nodePool("user", { ...USER_NODE_LABELS, "workbench/pool": "user" }, [USER_NODE_TAINT]);
const gpuPools = [gpuPool("a100", 1, [GPU_NODE_TAINT, SPOT_TAINT]), gpuPool("a100x2", 2, [GPU_NODE_TAINT, BARE_TAINT, USER_NODE_TAINT])];

describe("components: notebook profiles", () => {
    for (const pool of gpuPools) {
        it(`GPU pool ${pool.name}: the profile tolerates every taint, selects only labels the nodes carry, requests all ${pool.gpusPerNode} GPU(s)`, () => {
            const profile = gpuProfile(pool, IMAGES.gpuNotebook);
            const override = profile.kubespawner_override;
            assert.deepEqual(untolerated(override.tolerations ?? [], pool.taints), []);
            for (const [key, value] of Object.entries(override.node_selector ?? {})) assert.equal(pool.labels[key], value, key);
            assert.ok(Object.keys(override.node_selector ?? {}).length > 0, "the profile is pinned to the pool");
            assert.deepEqual(override.extra_resource_limits, { [pool.resourceName]: String(pool.gpusPerNode) });
            assert.equal(override.image, IMAGES.gpuNotebook);
            assert.ok(override.cpu_guarantee! <= pool.vcpu && parseFloat(override.mem_guarantee!) <= pool.memoryGiB, "fits on one node");
            assert.ok(profile.description.includes(pool.name) && profile.display_name.includes(pool.description));
        });
    }

    it("CPU sizes fit a node's allocatable resources, grow in size, and the smallest is preselected", () => {
        for (const shape of [{ vcpu: 2, memoryGiB: 8 }, { vcpu: 4, memoryGiB: 16 }, { vcpu: 16, memoryGiB: 64 }]) {
            const profiles = cpuProfiles(nodePool("user", USER_NODE_LABELS, [], shape));
            const node = allocatable(shape);
            const memory = profiles.map((p) => parseFloat(p.kubespawner_override.mem_guarantee!));
            assert.ok(profiles.length >= 2, `${shape.vcpu} vCPU: several sizes`);
            assert.deepEqual([...memory].sort((a, b) => a - b), memory, "smallest first");
            assert.ok(memory.every((m) => m >= 2 && m <= node.memoryGiB), `${shape.vcpu} vCPU: ${memory.join(", ")} GiB within ${node.memoryGiB}`);
            assert.ok(profiles.every((p) => p.kubespawner_override.cpu_guarantee! <= node.cpu && p.kubespawner_override.cpu_limit! <= shape.vcpu));
            assert.deepEqual(profiles.map((p) => p.default === true), profiles.map((_, i) => i === 0));
        }
    });

    it("the user picks the environment too: CPU sizes offer Dask/PyData (preselected) and Spark; GPU profiles run the CUDA image and stop at their maximum age", () => {
        const images = { cpu: IMAGES.notebook, gpu: IMAGES.gpuNotebook, spark: IMAGES.sparkNotebook };
        const list = profileList(userPool, gpuPools, images, 6);
        for (const profile of list.filter((p) => !p.slug.startsWith("gpu-"))) {
            const choices = Object.entries(profile.profile_options!.environment.choices);
            assert.deepEqual(choices.map(([, c]) => c.kubespawner_override.image), [images.cpu, images.spark]);
            assert.deepEqual(choices.map(([, c]) => c.default === true), [true, false], "one preselected");
            assert.equal(profile.kubespawner_override.extra_pod_config, undefined);
        }
        for (const profile of list.filter((p) => p.slug.startsWith("gpu-"))) {
            assert.equal(profile.kubespawner_override.image, images.gpu);
            assert.equal(profile.kubespawner_override.extra_pod_config?.activeDeadlineSeconds, 6 * 3600);
        }
        const never = profileList(userPool, gpuPools, images, 0).filter((p) => p.slug.startsWith("gpu-"));
        assert.ok(never.every((p) => p.kubespawner_override.extra_pod_config === undefined), "0 means no maximum age");
    });

    it("the list holds the CPU sizes and one profile per GPU pool, with unique slugs", () => {
        const list = profileList(userPool, gpuPools, { cpu: IMAGES.notebook, gpu: IMAGES.gpuNotebook, spark: IMAGES.sparkNotebook }, 8);
        const slugs = list.map((p) => p.slug);
        assert.equal(new Set(slugs).size, slugs.length);
        assert.deepEqual(slugs.filter((s) => s.startsWith("gpu-")), gpuPools.map((p) => `gpu-${p.name}`));
    });
});

const hubInput = (overrides: Partial<JupyterHubInput> = {}): JupyterHubInput => ({
    namespace: "lab",
    userNamespace: "lab-users",
    images: { cpu: IMAGES.notebook, gpu: IMAGES.gpuNotebook, spark: IMAGES.sparkNotebook },
    serviceAccountName: "lab-user",
    podLabels: { "azure.workload.identity/use": "true" },
    env: [{ name: "WORKBENCH_BUCKET_URL", value: "abfs://data@account.dfs.core.windows.net/" }],
    systemPlacement: { nodeSelector: { pool: "system" }, tolerations: [] },
    userPool,
    gpuPools,
    retainedStorageClass: "retained",
    hubService: { type: "LoadBalancer", annotations: { "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path": "/hub/health" } },
    access: { service: "LoadBalancer", sourceRanges: [], tls: "none" },
    homeSizeGiB: 10,
    cullIdleMinutes: 60,
    maxAgeHours: 0,
    gpuMaxAgeHours: 8,
    kernelCullIdleMinutes: 60,
    auth: hubAuthValues({ auth: { type: "native", githubOrganizations: [] }, users: { admins: ["alice"], allowed: [] }, presetPasswordsSecret: "lab-initial-passwords" }),
    services: [],
    ...overrides,
});

describe("components: JupyterHub values from the contract", () => {
    it("blocks the metadata server with the user-code fence, not z2jh's NET_ADMIN init container (Pod Security restricted refuses it)", () => {
        // the fence itself (metadata server out unless it serves identity) is tested in safety.test.ts
        const values = jupyterHubValues(hubInput());
        assert.equal(at(values, "singleuser", "cloudMetadata", "blockWithIptables"), false);
        assert.equal((at(values, "singleuser", "extraLabels") as Record<string, string>)["workbench.io/user-code"], "true");
        assert.equal(at(values, "singleuser", "networkPolicy", "enabled"), false);
    });

    it("puts the workload identity's labels on notebooks (keeping hub access) and the platform's annotations on the load balancer", () => {
        const values = jupyterHubValues(hubInput());
        assert.deepEqual(at(values, "singleuser", "extraLabels"), { "azure.workload.identity/use": "true", "workbench.io/user-code": "true", "hub.jupyter.org/network-access-hub": "true" });
        assert.deepEqual(at(values, "proxy", "service"), hubInput().hubService);
        assert.deepEqual(at(values, "proxy", "https"), { enabled: false });
    });

    it("a new service is wired in one place: its connection adds environment, egress, hub registration, token and user scope", () => {
        const service: ServiceConnection = {
            name: "mlflow",
            env: [{ name: "MLFLOW_TRACKING_URI", value: "http://mlflow.lab:5000" }],
            egress: [{ to: [{ podSelector: { matchLabels: { app: "mlflow" } } }], ports: [{ port: 5000, protocol: "TCP" }] }],
            hubService: { url: "http://mlflow.lab:5000", token: { name: "mlflow-token", key: "token" }, userScopes: ["access:services!service=mlflow"] },
        };
        const values = jupyterHubValues(hubInput({ services: [service] }));
        assert.deepEqual(at(values, "singleuser", "extraEnv", "MLFLOW_TRACKING_URI"), service.env[0]);
        // notebooks' egress is the user namespace's fence, toward the service's pods in the platform namespace
        const fence = userCodePolicySpec({ services: [service], objectStoreEgress: [], apiServerEgress: [], podsNeedMetadataServer: false, platformNamespace: "lab" });
        assert.ok((fence.egress as unknown[]).some((rule) => JSON.stringify(rule) === JSON.stringify(towardNamespace(service.egress[0], "lab"))));
        assert.deepEqual((towardNamespace(service.egress[0], "lab").to as unknown[])[0], { podSelector: { matchLabels: { app: "mlflow" } }, namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "lab" } } });
        assert.deepEqual(at(values, "hub", "services", "mlflow"), { url: service.hubService!.url, display: false });
        assert.deepEqual(at(values, "hub", "extraEnv", serviceTokenEnv("mlflow"), "valueFrom", "secretKeyRef"), service.hubService!.token);
        assert.ok((at(values, "hub", "loadRoles", "user", "scopes") as string[]).includes("access:services!service=mlflow"));
        assert.ok((at(values, "hub", "config", "KubeSpawner", "server_token_scopes") as string[]).includes("access:servers!server"), "keeps the default server scopes");
        assert.equal(at(jupyterHubValues(hubInput()), "hub", "loadRoles"), undefined, "no service, no role override");
    });

    it("Dask Gateway's connection points notebooks at its proxy and opens exactly that", () => {
        const connection = daskGatewayConnection({ namespace: "lab", apiToken: { name: "t", key: "k" } });
        const address = connection.env.find((e) => e.name === "DASK_GATEWAY__ADDRESS")!.value as string;
        assert.equal(new URL(address).hostname, `${connection.hubService!.url.replace("http://", "")}`);
        assert.equal(connection.egress.length, 1);
    });

    it("sign-in: native keeps sign-up behind admin approval; GitHub needs its callback on the domain; dummy admits any name", () => {
        const users = { admins: ["alice"], allowed: ["bob"] };
        const native = hubAuthValues({ auth: { type: "native", githubOrganizations: [] }, users, presetPasswordsSecret: "lab-initial-passwords" });
        assert.equal(at(native.config, "NativeAuthenticator", "open_signup"), false);
        assert.deepEqual(at(native.config, "Authenticator", "allowed_users"), ["bob"]);
        const github = hubAuthValues({
            auth: { type: "github", githubClientId: "id", githubOrganizations: ["lab"] },
            users,
            domain: "hub.example.org",
            githubClientSecret: { name: "gh", key: "secret" },
        });
        assert.equal(at(github.config, "GitHubOAuthenticator", "oauth_callback_url"), "https://hub.example.org/hub/oauth_callback");
        assert.deepEqual(at(github.config, "GitHubOAuthenticator", "scope"), ["read:org"], "org membership needs read:org");
        assert.deepEqual(Object.values(github.extraEnv).map((e) => e.valueFrom.secretKeyRef), [{ name: "gh", key: "secret" }]);
        assert.throws(() => hubAuthValues({ auth: { type: "github", githubClientId: "id", githubOrganizations: [] }, users }), /domain/);
        // JupyterHub 5 admits only listed users by default: dummy sign-in (local clusters) must say "anyone"
        const dummy = hubAuthValues({ auth: { type: "dummy", githubOrganizations: [] }, users });
        assert.equal(at(dummy.config, "Authenticator", "allow_all"), true);
        assert.deepEqual(at(dummy.config, "Authenticator", "admin_users"), ["alice"]);
    });
});

describe("components: Dask cluster options", () => {
    const daskInput = (idleTimeoutMinutes: number): DaskGatewayInput => ({
        namespace: "lab",
        userNamespace: "lab-users",
        images: { cpu: IMAGES.notebook, gpu: IMAGES.gpuNotebook, spark: IMAGES.sparkNotebook },
        serviceAccountName: "lab-user",
        podLabels: {},
        env: [],
        systemPlacement: { nodeSelector: {}, tolerations: [] },
        userPool,
        gpuPools,
        apiToken: { name: "t", key: "k" },
        idleTimeoutMinutes,
    });

    it("the idle timeout is workbench:services.dask.idleTimeoutMinutes", () => {
        const data = clusterOptionsData(daskInput(45));
        assert.equal(data.idleTimeoutSeconds, 45 * 60);
        assert.ok(clusterOptionsConfig(data).includes("idle_timeout"));
    });

    it("offers the user pool by default and each GPU pool, one GPU per worker, within what a node holds", () => {
        const data = clusterOptionsData(daskInput(30));
        assert.equal(data.defaultPool, userPool.name);
        assert.deepEqual(Object.keys(data.pools), [userPool.name, ...gpuPools.map((p) => `gpu-${p.name}`)], "GPU pools named as their notebook profiles");
        for (const pool of gpuPools) {
            const offered = data.pools[`gpu-${pool.name}`];
            assert.deepEqual(offered.gpu, { image: IMAGES.gpuNotebook, resource: pool.resourceName, perWorker: 1, perNode: pool.gpusPerNode });
            assert.ok(offered.workerMaxCores * pool.gpusPerNode <= allocatable(pool).cpu);
            assert.deepEqual(untolerated(offered.tolerations, pool.taints), []);
        }
        assert.ok(data.worker.defaultMemoryGiB <= data.pools[userPool.name].workerMaxMemoryGiB);
    });
});

describe("components: cluster plumbing", () => {
    it("NVIDIA's device plugin selects each GPU pool's nodes and tolerates each taint once; pools without labels are left out", () => {
        const unlabelled: GpuPool = { ...gpuPools[0], name: "bare", placement: { nodeSelector: {}, tolerations: [] } };
        const values = devicePluginValues([...gpuPools, unlabelled]);
        const terms = at(values, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms") as unknown[];
        assert.equal(terms.length, gpuPools.length);
        const tolerations = values["tolerations"] as GpuPool["placement"]["tolerations"];
        assert.deepEqual(untolerated(tolerations, gpuPools.flatMap((p) => p.taints)), []);
        assert.equal(new Set(tolerations.map((t) => JSON.stringify(t))).size, tolerations.length);
    });

    it("cluster-autoscaler: the platform's values win over the shared defaults; the image follows the Kubernetes minor", () => {
        const system = { nodeSelector: { pool: "system" }, tolerations: [] };
        const platform = { cloudProvider: "aws", extraArgs: { expander: "priority" }, rbac: { serviceAccount: { annotations: { role: "arn" } } } };
        const account = { namespace: "kube-system", name: "scaler" };
        const values = clusterAutoscalerValues(platform, account, system, "1.34");
        assert.deepEqual(at(values, "rbac", "serviceAccount"), { create: true, name: "scaler", annotations: { role: "arn" } }, "runs as the account the platform's identity trusts");
        assert.equal(values["cloudProvider"], "aws");
        assert.equal(at(values, "extraArgs", "expander"), "priority");
        assert.equal(at(values, "extraArgs", "skip-nodes-with-local-storage"), false, "shared defaults stay where the platform is silent");
        assert.deepEqual(values["nodeSelector"], system.nodeSelector);
        assert.equal(at(values, "image", "tag"), CLUSTER_AUTOSCALER_IMAGE_TAGS["1.34"]);
        assert.equal(at(clusterAutoscalerValues(platform, account, system, "1.20"), "image"), undefined, "an unknown minor keeps the chart's image");
    });
});

describe("components: helpers", () => {
    it("merges values as Helm does: maps merge, lists and scalars replace, null deletes", () => {
        const base = { a: { b: 1, c: [1, 2] }, d: "x", e: { f: 1 } };
        assert.deepEqual(helmMerge(base, { a: { c: [3] }, d: null, e: "y" }), { a: { b: 1, c: [3] }, e: "y" });
        assert.deepEqual(base, { a: { b: 1, c: [1, 2] }, d: "x", e: { f: 1 } }, "inputs are not modified");
    });

    it("splits image references so that name:tag rebuilds them, digests included", () => {
        for (const ref of [IMAGES.notebook, "registry.example.org:5000/lab/notebook:1.2", `quay.io/lab/nb@sha256:${"a".repeat(64)}`]) {
            const { name, tag } = splitImage(ref);
            assert.equal(`${name}:${tag}`, ref);
        }
        assert.throws(() => splitImage("registry.example.org:5000/lab/notebook"), /no tag/);
    });
});

describe("components: the Spark example", () => {
    const base: SparkExampleInput = {
        namespace: "lab",
        serviceAccountName: "lab-spark",
        executorServiceAccountName: "lab-user",
        podLabels: { "azure.workload.identity/use": "true" },
        env: [],
        executorEnv: [],
        identityEnv: {},
        pool: userPool,
    };

    it("reads s3:// buckets through s3a with the AWS SDK's credential chain, honouring a custom endpoint", () => {
        const aws = sparkExampleApplication({ ...base, bucketUrl: "s3://data" });
        assert.deepEqual(at(aws, "spec", "arguments"), ["s3a://data/examples/words.txt"]);
        assert.equal(at(aws, "spec", "sparkConf", "spark.hadoop.fs.s3a.endpoint"), undefined);
        const minio = sparkExampleApplication({ ...base, bucketUrl: "s3://data", identityEnv: { AWS_ENDPOINT_URL_S3: "https://minio.lab", AWS_S3_ADDRESSING_STYLE: "path" } });
        assert.equal(at(minio, "spec", "sparkConf", "spark.hadoop.fs.s3a.endpoint"), "https://minio.lab");
        assert.equal(at(minio, "spec", "sparkConf", "spark.hadoop.fs.s3a.path.style.access"), "true");
        for (const role of ["driver", "executor"]) {
            const labels = at(minio, "spec", role, "labels") as Record<string, string>;
            for (const [key, value] of Object.entries({ ...base.podLabels, ...USER_CODE_LABELS })) assert.equal(labels[key], value, `${role}: ${key}`);
            assert.equal(labels[Object.keys(API_CLIENT_LABELS)[0]] !== undefined, role === "driver", `${role}: only the driver calls the Kubernetes API`);
        }
    });

    it("reads gs:// through Google's shaded connector and ADLS's abfs:// through abfss with Azure workload identity; without a bucket, a file of the image", () => {
        const gcs = sparkExampleApplication({ ...base, bucketUrl: "gs://data" });
        assert.deepEqual(at(gcs, "spec", "arguments"), ["gs://data/examples/words.txt"]);
        assert.match(String(at(gcs, "spec", "sparkConf", "spark.jars")), /gcs-connector-[\d.]+-shaded\.jar$/);
        const azure = sparkExampleApplication({ ...base, bucketUrl: "abfs://data@account.dfs.core.windows.net/" });
        assert.deepEqual(at(azure, "spec", "arguments"), ["abfss://data@account.dfs.core.windows.net/examples/words.txt"]);
        assert.equal(at(azure, "spec", "sparkConf", "spark.hadoop.fs.azure.account.oauth.provider.type"), "org.apache.hadoop.fs.azurebfs.oauth2.WorkloadIdentityTokenProvider");
        // the values come from the variables Azure's webhook injects into labelled pods
        assert.equal(at(azure, "spec", "sparkConf", "spark.hadoop.fs.azure.account.oauth2.token.file"), "${env.AZURE_FEDERATED_TOKEN_FILE}");
        assert.match(String(at(azure, "spec", "sparkConf", "spark.jars")), /hadoop-azure-[\d.]+\.jar$/);
        for (const manifest of [gcs, azure]) {
            const volume = (at(manifest, "spec", "volumes") as { name: string }[])[0].name;
            for (const role of ["driver", "executor"]) {
                assert.equal((at(manifest, "spec", role, "volumeMounts") as { name: string }[])[0].name, volume, `${role} mounts what the fetcher fills`);
                assert.equal((at(manifest, "spec", role, "initContainers") as unknown[]).length, 1);
            }
        }
        const local = sparkExampleApplication(base);
        assert.match(String((at(local, "spec", "arguments") as string[])[0]), /^file:\/\/\/opt\/spark\//);
        assert.equal(at(local, "spec", "volumes"), undefined, "nothing to fetch");
    });
});
