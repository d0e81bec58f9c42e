import * as assert from "node:assert/strict";
import { executorTemplateOf, personalConnectConf, personalConnectOf } from "./tenancy-fixtures";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import {
    GETTING_STARTED_DIR,
    gettingStartedSections,
    installerScript,
    INSTALLER_FILE,
    NOTEBOOK_FILE,
    notebookMarkdown,
    postStartCommand,
    SPARK_BUCKET_EXAMPLE,
} from "../components/hub/getting-started";
import { isValueMap, ValueMap } from "../components/helm/merge";
import { KERNEL_CULLING_CONFIG_PATH } from "../components/hub/jupyterhub-values";
import { API_CLIENT_LABELS, USER_CODE_LABELS } from "../components/labels";
import { SPARK_EXAMPLE_CONFIGMAP, SPARK_EXAMPLE_KEY } from "../components/spark/operator";
import { personalConnectConnection } from "../components/spark/connect";
import { PERSONAL_CONNECT_PORT, SPARK_PROFILE } from "../components/spark/personal-connect";
import { SPARK_JARS_DIR } from "../components/spark/storage";
import { CHARTS, IMAGES, SPARK_CONNECTORS } from "../components/versions";
import type { Plan } from "../plan/types";

import { ConfigError } from "../stacks/errors";
import { validateConfig } from "../stacks/load";
import { input, ofType, PROJECT_DIR, runPlan, tempDir, variantStackFile } from "./harness";
import { DASK_GATEWAY_OPTIONS_STUB } from "./hub-python";
import { at } from "./k8s-checks";
import { configOf, GITHUB_SCENARIO, PLACED, PLACED_SCENARIO, planOfScenario, releaseOf, SCENARIOS, valuesOf } from "./shared-layer-fixtures";

/*
 * A data scientist's first hour, checked on every planned configuration: a SparkSession without a
 * kubeconfig, Spark without dependency resolution, pinned images per environment, Dask's scheduler
 * off the CUDA image, GPU servers that stop, the getting-started notebook, and where to point DNS.
 */

type EnvVar = { name: string; value?: string };
type Override = { image?: string; extra_pod_config?: { activeDeadlineSeconds?: number } };
type Profile = { slug: string; kubespawner_override: Override; profile_options?: { environment: { choices: Record<string, { kubespawner_override: Override }> } } };

const hubValues = (plan: Plan) => valuesOf(plan, CHARTS.jupyterhub.chart);
const notebookEnv = (plan: Plan) => Object.values(at(hubValues(plan), "singleuser", "extraEnv") as Record<string, EnvVar>);

function sparkExampleOf(plan: Plan): ValueMap {
    const configMap = ofType(plan, "kubernetes:core/v1:ConfigMap").find((r) => input(r, "metadata", "name") === SPARK_EXAMPLE_CONFIGMAP);
    assert.ok(configMap);
    const manifest: unknown = parse(String(input(configMap, "data", SPARK_EXAMPLE_KEY)));
    assert.ok(isValueMap(manifest));
    return manifest;
}

const PINNED = /^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)+(:[A-Za-z0-9._-]+|@sha256:[a-f0-9]{64})$/;

describe("first hour: Spark from a notebook, without a kubeconfig", () => {
    for (const scenario of SCENARIOS) {
        it(`${scenario.label}: the Spark profile's server brings its owner's own Spark Connect server, whose executors start on the user pool as the notebooks' account`, async () => {
            const plan = await planOfScenario(scenario);
            const config = configOf(scenario);
            const personal = personalConnectOf(plan);
            const enabled = config.services.spark.enabled && config.services.spark.connectServer;
            assert.equal(personal !== undefined, enabled, "the hub's hook exactly when Spark from notebooks is on");
            assert.equal(ofType(plan, "kubernetes:sparkoperator.k8s.io/v1alpha1:SparkConnect").length, 0, "no shared, always-on Connect server");
            const profiles = at(hubValues(plan), "singleuser", "profileList") as Array<{ slug: string; kubespawner_override: Record<string, unknown> }>;
            assert.equal(profiles.some((p) => p.slug === SPARK_PROFILE), enabled, "a Spark profile exactly when it is on");
            if (!personal) return;
            const namespace = String(at(plan.outputs, "userNamespace"));
            const conf = personalConnectConf(personal);
            // theirs alone: gRPC on the pod's loopback, a secret per start (the hook adds it), the endpoint in SPARK_REMOTE
            assert.equal(conf["spark.connect.grpc.binding.address"], "127.0.0.1");
            assert.equal(conf["spark.connect.grpc.binding.port"], String(PERSONAL_CONNECT_PORT));
            assert.equal(personal.tokenEnv, "SPARK_CONNECT_AUTHENTICATE_TOKEN");
            assert.ok(!notebookEnv(plan).some((e) => e.name === "SPARK_REMOTE"), "no shared endpoint for every notebook");
            // the driver account runs the pod; its token is in the sidecar alone
            const spark = valuesOf(plan, CHARTS.sparkOperator.chart);
            assert.equal(personal.serviceAccount, String(at(spark, "spark", "serviceAccount", "name")));
            const tokenVolume = personal.volumes.find((v) => JSON.stringify(v).includes("serviceAccountToken"));
            assert.ok(tokenVolume);
            const mounts = personal.sidecar["volumeMounts"] as Array<{ name: string; mountPath: string }>;
            assert.ok(mounts.some((m) => m.name === tokenVolume["name"] && m.mountPath === "/var/run/secrets/kubernetes.io/serviceaccount"));
            // executors: in the user namespace, owned by the server's pod, the notebooks' account, no token, the user pool
            assert.equal(conf["spark.kubernetes.namespace"], namespace);
            assert.equal(conf["spark.kubernetes.driver.pod.name"], "$(POD_NAME)");
            const account = String(at(hubValues(plan), "singleuser", "serviceAccountName"));
            assert.equal(conf["spark.kubernetes.authenticate.executor.serviceAccountName"], account);
            const template = executorTemplateOf(plan)!;
            assert.equal(at(template, "spec", "serviceAccountName"), account);
            assert.equal(at(template, "spec", "automountServiceAccountToken"), false);
            const executorLabels = at(template, "metadata", "labels") as Record<string, string>;
            for (const [k, v] of Object.entries(USER_CODE_LABELS)) assert.equal(executorLabels[k], v);
            assert.equal(executorLabels[Object.keys(API_CLIENT_LABELS)[0]], undefined, "executors do not call the API");
            assert.deepEqual(at(template, "spec", "nodeSelector"), at(hubValues(plan), "singleuser", "nodeSelector"));
            assert.deepEqual(at(template, "spec", "tolerations"), at(hubValues(plan), "singleuser", "extraTolerations"));
            assert.equal(conf["spark.dynamicAllocation.enabled"], "true");
            assert.equal(conf["spark.dynamicAllocation.minExecutors"], "0", "the user pool can go back to zero");
            assert.ok(Number(conf["spark.dynamicAllocation.maxExecutors"]) >= 1);
            assert.equal(conf["spark.authenticate"], "true", "another person's pod cannot join a driver's RPC");
        });

        it(`${scenario.label}: Spark resolves nothing at submit time; connectors come from the pinned Hadoop image or by exact URL`, async () => {
            const plan = await planOfScenario(scenario);
            const config = configOf(scenario);
            const bucket = at(plan.outputs, "bucketUrl");
            // the bucket as each platform names it (Azure: ADLS's abfs://container@account.dfs.core.windows.net/)
            const scheme = typeof bucket === "string" ? /^(s3|gs|abfs):/.exec(bucket)?.[1] : undefined;
            const connectors = scheme ? SPARK_CONNECTORS[scheme === "abfs" ? "az" : (scheme as "s3" | "gs")] : undefined;
            // where the connectors should come from, by what is known of the stack's nodes: the managed clouds'
            // default pools are x86-64, where Apache's amd64 Hadoop image runs; an existing cluster's nodes are not known
            const expectImage = connectors?.image !== undefined && config.cloud !== "existing";
            const documents: { document: unknown; pods: ValueMap[] }[] = [];
            const example = sparkExampleOf(plan);
            documents.push({ document: example, pods: [at(example, "spec", "driver") as ValueMap, at(example, "spec", "executor") as ValueMap] });
            const personal = personalConnectOf(plan);
            if (personal) {
                const sidecarPod = { initContainers: personal.initContainers, containers: [personal.sidecar] } as ValueMap;
                documents.push({ document: { spec: { sparkConf: personalConnectConf(personal) }, sidecar: personal.sidecar }, pods: [sidecarPod, at(executorTemplateOf(plan), "spec") as ValueMap] });
            }
            for (const { document, pods } of documents) {
                const text = JSON.stringify(document);
                assert.doesNotMatch(text, /--packages|spark\.jars\.packages|spark\.jars\.ivy|"packages"/);
                const sparkConf = (at(document, "spec", "sparkConf") ?? {}) as Record<string, string>;
                const jars = (sparkConf["spark.jars"] ?? "").split(",").filter(Boolean);
                assert.deepEqual(jars.map((jar) => path.basename(jar)), (connectors?.download ?? []).map((jar) => jar.file), "spark.jars: the scheme's connectors exactly");
                for (const jar of jars) assert.ok(jar.startsWith(`local://${SPARK_JARS_DIR}/`), `${jar} is read from the pod's own jar directory`);
                for (const pod of pods) {
                    const init = ((pod["initContainers"] ?? []) as ValueMap[]).filter((c) => /connectors$/.test(String(c["name"])));
                    if (!connectors) {
                        assert.equal(init.length, 0, "no connector without a bucket");
                        continue;
                    }
                    assert.equal(init.length, 1);
                    const command = (init[0]["command"] as string[]).join(" ");
                    if (expectImage) {
                        assert.equal(init[0]["image"], IMAGES.hadoop, "copied from the pinned Hadoop image");
                        for (const file of connectors.image!.files) assert.ok(command.includes(`${connectors.image!.directory}/${file}`), `${file} is copied`);
                        assert.doesNotMatch(command, /https?:/, "nothing is downloaded");
                    } else {
                        assert.equal(init[0]["image"], IMAGES.spark, "downloaded by the Spark image's python");
                        for (const jar of connectors.download) {
                            assert.match(jar.url, /^https:\/\/repo1\.maven\.org\/maven2\/.+\.jar$/);
                            assert.ok(command.includes(jar.url), `${jar.file} is fetched from its exact URL`);
                        }
                    }
                    const mounts = (pod["volumeMounts"] ?? ((pod["containers"] as ValueMap[] | undefined)?.[0]?.["volumeMounts"] ?? [])) as ValueMap[];
                    assert.ok(mounts.some((m) => m["mountPath"] === SPARK_JARS_DIR), "Spark reads the jars the init container put there");
                }
            }
            if (config.services.spark.enabled) {
                assert.doesNotMatch(JSON.stringify(valuesOf(plan, CHARTS.sparkOperator.chart)), /packages/);
            }
        });
    }

    it("the Spark connection gives notebooks the thin client, pinned, and an example that needs no setup", () => {
        const connection = personalConnectConnection();
        assert.deepEqual(connection.pythonPackages, [`pyspark-client==${IMAGES.spark.split(":").pop()}`], "the client matches the server's Spark");
        assert.match(connection.notebookExample!.code, /SparkSession\.builder\.getOrCreate\(\)/);
        assert.doesNotMatch(connection.notebookExample!.code, /remote\(|sc:\/\//, "the endpoint comes from SPARK_REMOTE");
    });

    it("S3-compatible stores: Spark uses path-style access, s3fs gets it from FSSPEC_S3, boto3 from an AWS config file in the mount", async () => {
        const plan = await planOfScenario(PLACED_SCENARIO);
        const conf = personalConnectConf(personalConnectOf(plan)!);
        assert.equal(conf["spark.hadoop.fs.s3a.path.style.access"], "true");
        assert.equal(conf["spark.hadoop.fs.s3a.endpoint"], PLACED.endpoint);
        const env = notebookEnv(plan);
        const fsspec = JSON.parse(env.find((e) => e.name === "FSSPEC_S3")?.value ?? "{}") as ValueMap;
        assert.equal(at(fsspec, "config_kwargs", "s3", "addressing_style"), "path");
        const dask = valuesOf(plan, CHARTS.daskGateway.chart);
        const daskEnv = at(dask, "gateway", "backend", "worker", "extraContainerConfig", "env") as EnvVar[];
        assert.ok(daskEnv.some((e) => e.name === "FSSPEC_S3"), "Dask workers read the bucket the same way");
        const awsConfig = env.find((e) => e.name === "AWS_CONFIG_FILE")?.value ?? "";
        assert.ok(awsConfig.startsWith(`${GETTING_STARTED_DIR}/`));
        const configMap = ofType(plan, "kubernetes:core/v1:ConfigMap").find((r) => String(input(r, "metadata", "name")).endsWith("getting-started"))!;
        assert.match(String(input(configMap, "data", path.basename(awsConfig))), /s3 =\n\s+addressing_style = path/);

        const aws = await planOfScenario(SCENARIOS.find((s) => s.stack === "aws" && !s.stackFile) ?? PLACED_SCENARIO);
        if (aws !== plan) assert.ok(!notebookEnv(aws).some((e) => e.name === "FSSPEC_S3" || e.name === "AWS_CONFIG_FILE"), "AWS S3 needs neither");
    });
});

describe("first hour: the right image for each job", () => {
    for (const scenario of SCENARIOS) {
        it(`${scenario.label}: every profile's image, and each environment choice's, is pinned and listed in versions.ts`, async () => {
            const plan = await planOfScenario(scenario);
            const config = configOf(scenario);
            const listed = new Set<string>([...Object.values(IMAGES), ...[config.notebook.image, config.notebook.gpuImage].filter((i): i is string => i !== undefined)]);
            const profiles = at(hubValues(plan), "singleuser", "profileList") as Profile[];
            const images: string[] = [];
            const base = at(hubValues(plan), "singleuser", "image") as { name: string; tag: string };
            images.push(`${base.name}:${base.tag}`);
            for (const profile of profiles) {
                if (profile.kubespawner_override.image) images.push(profile.kubespawner_override.image);
                for (const choice of Object.values(profile.profile_options?.environment.choices ?? {})) images.push(choice.kubespawner_override.image!);
            }
            for (const image of images) {
                assert.match(image, PINNED, image);
                assert.doesNotMatch(image, /:latest$/);
                assert.ok(listed.has(image), `${image} is listed in versions.ts`);
            }
            // the Spark profile is the Spark environment, with its own Connect server (docs/tenancy.md)
            for (const profile of profiles.filter((p) => p.slug === SPARK_PROFILE)) assert.equal(profile.kubespawner_override.image, IMAGES.sparkNotebook);
            const cpu = profiles.filter((p) => !p.slug.startsWith("gpu-") && p.slug !== SPARK_PROFILE);
            for (const profile of cpu) {
                const choices = Object.values(profile.profile_options?.environment.choices ?? {}).map((c) => c.kubespawner_override.image);
                assert.ok(choices.includes(config.notebook.image ?? IMAGES.notebook) && choices.includes(IMAGES.sparkNotebook), `${profile.slug}: Dask/PyData and Spark to choose from`);
            }
            for (const profile of profiles.filter((p) => p.slug.startsWith("gpu-"))) assert.equal(profile.kubespawner_override.image, config.notebook.gpuImage ?? IMAGES.gpuNotebook);
        });
    }

    it("environments tell the user how big their first pull is", async () => {
        const plan = await planOfScenario(PLACED_SCENARIO);
        const profiles = at(hubValues(plan), "singleuser", "profileList") as (Profile & { description: string; profile_options?: { environment: { choices: Record<string, { display_name: string }> } } })[];
        for (const profile of profiles) {
            const texts = profile.profile_options ? Object.values(profile.profile_options.environment.choices).map((c) => c.display_name) : [profile.description];
            for (const text of texts) assert.match(text, /\d+(\.\d+)? GB/, text);
        }
    });
});

describe("first hour: Dask keeps its scheduler on the CPU image", () => {
    it("choosing a GPU worker pool sets the worker container's image only (the handler, run in Python)", async function () {
        if (spawnSync("python3", ["--version"]).status !== 0) {
            this.test!.title += " — skipped: no python3";
            this.skip();
        }
        const plan = await planOfScenario(PLACED_SCENARIO);
        const dask = valuesOf(plan, CHARTS.daskGateway.chart);
        const config = Object.values(at(dask, "gateway", "extraConfig") as Record<string, string>).join("\n");
        const gpuPool = `gpu-${PLACED.gpuNodes[0].pool}`;
        // dask_gateway_server stubbed: the handler is called as the gateway calls it, with the chosen options
        const harness = `
${DASK_GATEWAY_OPTIONS_STUB}
class _Section(dict):
    def __getattr__(self, key): return self.setdefault(key, {})
    def __setattr__(self, key, value): self[key] = value
class _Config(dict):
    def __getattr__(self, key): return self.setdefault(key, _Section())
c = _Config()
exec(sys.stdin.read(), {"c": c})
chosen = types.SimpleNamespace(worker_pool=${JSON.stringify(gpuPool)}, worker_cores=1, worker_memory=4)
print(json.dumps(c.Backend["cluster_options"].handler(chosen)))
`;
        const overrides = JSON.parse(execFileSync("python3", ["-c", harness], { input: config, encoding: "utf8" })) as ValueMap;
        assert.equal(overrides["image"], undefined, "no cluster-wide image: the scheduler keeps the notebook image");
        assert.equal(at(overrides, "worker_extra_container_config", "image"), IMAGES.gpuNotebook);
        assert.ok(at(overrides, "worker_extra_container_config", "resources", "limits", "nvidia.com/gpu"));
        const schedulerImage = at(dask, "gateway", "backend", "image") as { name: string; tag: string };
        assert.equal(`${schedulerImage.name}:${schedulerImage.tag}`, IMAGES.notebook);
    });

    it("schedulers and workers run users' code: fenced as such, and without a Kubernetes token", async () => {
        const plan = await planOfScenario(PLACED_SCENARIO);
        const dask = valuesOf(plan, CHARTS.daskGateway.chart);
        const config = Object.values(at(dask, "gateway", "extraConfig") as Record<string, string>).join("\n");
        const data = JSON.parse(JSON.parse(/json\.loads\(("(?:[^"\\]|\\.)*")\)/.exec(config)![1])) as { podLabels: Record<string, string>; idleTimeoutSeconds: number };
        for (const [k, v] of Object.entries(USER_CODE_LABELS)) assert.equal(data.podLabels[k], v);
        assert.match(config, /scheduler_extra_pod_labels = _workbench\["podLabels"\]/);
        assert.match(config, /worker_extra_pod_labels = _workbench\["podLabels"\]/);
        assert.equal(data.idleTimeoutSeconds, configOf(PLACED_SCENARIO).services.dask.idleTimeoutMinutes * 60);
        for (const role of ["scheduler", "worker"]) assert.equal(at(dask, "gateway", "backend", role, "extraPodConfig", "automountServiceAccountToken"), false, role);
    });
});

describe("first hour: GPUs that stop", () => {
    for (const scenario of SCENARIOS) {
        it(`${scenario.label}: GPU profiles carry workbench:notebook.gpuMaxAgeHours as the pod's deadline; kernels idle past kernelCullIdleMinutes are shut down`, async () => {
            const plan = await planOfScenario(scenario);
            const config = configOf(scenario);
            const profiles = at(hubValues(plan), "singleuser", "profileList") as (Profile & { description: string })[];
            for (const profile of profiles) {
                const deadline = profile.kubespawner_override.extra_pod_config?.activeDeadlineSeconds;
                if (profile.slug.startsWith("gpu-")) {
                    assert.equal(deadline, config.notebook.gpuMaxAgeHours * 3600, profile.slug);
                    assert.ok(profile.description.includes(`${config.notebook.gpuMaxAgeHours} h`), "the spawn page says so");
                } else {
                    assert.equal(deadline, undefined, `${profile.slug}: CPU servers follow the hub's culler only`);
                }
            }
            const file = at(hubValues(plan), "singleuser", "extraFiles", "workbench-kernel-culling") as ValueMap;
            assert.equal(file["mountPath"], KERNEL_CULLING_CONFIG_PATH);
            assert.equal(at(file, "data", "MappingKernelManager", "cull_idle_timeout"), config.notebook.kernelCullIdleMinutes * 60);
            const login = String(at(plan.outputs, "login"));
            assert.ok(login.includes(`${config.notebook.kernelCullIdleMinutes} min`), login);
            if (config.gpuPools.length > 0) assert.ok(login.includes(`GPU servers ${config.notebook.gpuMaxAgeHours} h`), login);
        });
    }
});

describe("first hour: the getting-started notebook", () => {
    for (const scenario of SCENARIOS) {
        it(`${scenario.label}: every new home gets it from a ConfigMap, mounted read-only and copied without overwriting`, async () => {
            const plan = await planOfScenario(scenario);
            const singleuser = at(hubValues(plan), "singleuser") as ValueMap;
            const [volume] = at(singleuser, "storage", "extraVolumes") as { name: string; configMap: { name: string } }[];
            const configMap = ofType(plan, "kubernetes:core/v1:ConfigMap").find((r) => input(r, "metadata", "name") === volume.configMap.name);
            assert.ok(configMap, "the mounted ConfigMap is planned");
            const notebook = JSON.parse(String(input(configMap, "data", NOTEBOOK_FILE))) as { cells: { cell_type: string; source: string[] }[] };
            const text = notebook.cells.map((cell) => cell.source.join("")).join("\n");
            const config = configOf(scenario);
            if (config.services.dask.enabled) assert.match(text, /Gateway\(\)/);
            if (config.services.spark.enabled && config.services.spark.connectServer) assert.match(text, /SparkSession/);
            if (config.gpuPools.length > 0) assert.match(text, /torch\.cuda/);
            assert.equal(text.includes("fsspec.core.url_to_fs"), at(plan.outputs, "bucketUrl") !== undefined, "the bucket section exactly with a bucket");
            const [mount] = at(singleuser, "storage", "extraVolumeMounts") as { name: string; mountPath: string; readOnly: boolean }[];
            assert.deepEqual(mount, { name: volume.name, mountPath: GETTING_STARTED_DIR, readOnly: true });
            assert.deepEqual(at(singleuser, "lifecycleHooks", "postStart", "exec", "command"), postStartCommand());
            assert.ok(releaseOf(plan, CHARTS.jupyterhub.chart)!.dependsOn.includes(configMap.urn), "the hub starts once the ConfigMap exists");
        });
    }

    it("the start hook copies the notebook into a new home, keeps a user's own file, and never fails the server", () => {
        const dir = tempDir("first-start-");
        const source = path.join(dir, "mount");
        fs.mkdirSync(source);
        fs.writeFileSync(path.join(source, NOTEBOOK_FILE), "shipped");
        fs.writeFileSync(path.join(source, INSTALLER_FILE), "import sys; sys.exit(3)");
        const [shell, flag, script] = postStartCommand();
        const run = (home: string) => spawnSync(shell, [flag, script.split(GETTING_STARTED_DIR).join(source)], { env: { ...process.env, HOME: home } });
        const fresh = path.join(dir, "fresh");
        fs.mkdirSync(fresh);
        assert.equal(run(fresh).status, 0, "a failing installer does not fail the hook");
        assert.equal(fs.readFileSync(path.join(fresh, NOTEBOOK_FILE), "utf8"), "shipped");
        const used = path.join(dir, "used");
        fs.mkdirSync(used);
        fs.writeFileSync(path.join(used, NOTEBOOK_FILE), "my notes");
        assert.equal(run(used).status, 0);
        assert.equal(fs.readFileSync(path.join(used, NOTEBOOK_FILE), "utf8"), "my notes", "a user's file is never overwritten");
    });

    it("the installer installs only what is missing, once: a marker per package list and Python", function () {
        if (spawnSync("python3", ["--version"]).status !== 0) this.skip();
        const home = tempDir("installer-");
        const script = path.join(home, "install.py");
        // pip is there; pyspark-client counts as there when pyspark is (here neither matters: pip is enough)
        fs.writeFileSync(script, installerScript(["pip>=1"]));
        const run = spawnSync("python3", [script], { env: { ...process.env, HOME: home }, encoding: "utf8" });
        assert.equal(run.status, 0, run.stderr);
        assert.doesNotMatch(run.stdout, /installing/, "nothing to install");
        assert.equal(fs.readdirSync(path.join(home, ".workbench")).filter((f) => f.startsWith("installed-")).length, 1, "the marker makes the next start skip it");

        // the Spark image's pyspark (under $SPARK_HOME, not pip-installed) already holds the Connect client
        const sparkHome = path.join(home, "spark");
        fs.mkdirSync(path.join(sparkHome, "python", "pyspark"), { recursive: true });
        fs.writeFileSync(script, installerScript(["pyspark-client==4.0.4"]));
        const spark = spawnSync("python3", [script], { env: { ...process.env, HOME: home, SPARK_HOME: sparkHome }, encoding: "utf8" });
        assert.equal(spark.status, 0, spark.stderr);
        assert.doesNotMatch(spark.stdout, /installing/, "pyspark-client is not installed over the image's pyspark");
    });

    it("the notebook's Spark cell reads the bucket at the URL the stack's Spark pods are set up for, on every stack with a bucket", async function () {
        if (spawnSync("python3", ["--version"]).status !== 0) {
            this.test!.title += " — skipped: no python3";
            this.skip();
        }
        // the cell up to its Spark call: how it turns WORKBENCH_BUCKET_URL into the URL it reads
        const conversion = SPARK_BUCKET_EXAMPLE.code!.split("\nwords = ")[0] + "\nprint(spark_url)";
        let checked = 0;
        for (const scenario of SCENARIOS) {
            const plan = await planOfScenario(scenario);
            const bucket = at(plan.outputs, "bucketUrl");
            if (typeof bucket !== "string") continue;
            const run = spawnSync("python3", ["-c", conversion], { env: { ...process.env, WORKBENCH_BUCKET_URL: bucket }, encoding: "utf8" });
            assert.equal(run.status, 0, run.stderr);
            // the example SparkApplication reads <the URL its connectors and settings serve>/examples/words.txt
            const argument = String((at(sparkExampleOf(plan), "spec", "arguments") as string[])[0]);
            assert.equal(`${run.stdout.trim()}/examples/words.txt`, argument, `${scenario.label}: ${bucket}`);
            checked++;
        }
        assert.ok(checked >= 3, "AWS, GCP and Azure stacks have buckets");
    });

    it("docs/first-hour.md holds the notebook's sections", () => {
        const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "first-hour.md"), "utf8");
        const sections = gettingStartedSections(
            { login: "", cullIdleMinutes: 60, maxAgeHours: 0, gpuMaxAgeHours: 8, kernelCullIdleMinutes: 60, hasBucket: true, hasGpus: true },
            [],
        );
        for (const section of sections.filter((s) => s.code)) assert.ok(doc.includes(section.code!), `${section.title} is in docs/first-hour.md`);
        assert.ok(notebookMarkdown(sections).length > 0);
    });
});

describe("first hour: where to point DNS and what to register with GitHub", () => {
    const domainOnly = { label: "aws+domain", stack: "aws", stackFile: variantStackFile("aws", { "workbench:domain": "hub.example.org", "workbench:tlsEmail": "alice@example.org" }) };

    for (const scenario of [...SCENARIOS, domainOnly]) {
        it(`${scenario.label}: a DNS output exactly with workbench:domain, a callback URL exactly with GitHub sign-in`, async () => {
            const plan = scenario === domainOnly ? await runPlan(scenario.stack, { stackFile: scenario.stackFile }).then((run) => {
                assert.equal(run.status, 0, run.stderr);
                return run.document;
            }) : await planOfScenario(scenario);
            const config = configOf(scenario);
            const dns = at(plan.outputs, "dns") as ValueMap | undefined;
            assert.equal(dns !== undefined, config.domain !== undefined);
            if (dns) {
                assert.equal(dns["name"], config.domain);
                assert.match(String(dns["instruction"]), new RegExp(config.domain!.replace(/\./g, "\\.")));
            }
            const callback = at(plan.outputs, "githubOAuthCallback");
            assert.equal(callback !== undefined, config.auth.type === "github");
            if (callback !== undefined) {
                assert.equal(callback, at(hubValues(plan), "hub", "config", "GitHubOAuthenticator", "oauth_callback_url"), "the URL the hub itself sends GitHub");
            }
        });
    }

    it("the GitHub scenario is among those checked", () => assert.ok(GITHUB_SCENARIO));
});




describe("first hour: the new keys", () => {
    const minimal = { "workbench:users": JSON.stringify({ admins: ["alice"] }) };
    it("default to stopping GPU servers after 8 h, idle kernels after 60 min, idle Dask clusters after 30 min, with the Connect server on", () => {
        const { config } = validateConfig("defaults", minimal);
        assert.equal(config.notebook.gpuMaxAgeHours, 8);
        assert.equal(config.notebook.kernelCullIdleMinutes, 60);
        assert.equal(config.services.dask.idleTimeoutMinutes, 30);
        assert.equal(config.services.spark.connectServer, true);
        const set = validateConfig("set", { ...minimal, "workbench:services": JSON.stringify({ dask: { idleTimeoutMinutes: 90 }, spark: { connectServer: false } }) }).config;
        assert.equal(set.services.dask.idleTimeoutMinutes, 90);
        assert.equal(set.services.dask.enabled, true);
        assert.equal(set.services.spark.connectServer, false);
    });

    it("reject bad values naming the key", () => {
        try {
            validateConfig("bad", { ...minimal, "workbench:notebook": JSON.stringify({ gpuMaxAgeHours: -1 }), "workbench:services": JSON.stringify({ dask: { idleTimeoutMinutes: 1 } }) });
            assert.fail("accepted");
        } catch (error) {
            assert.ok(error instanceof ConfigError);
            const keys = error.problems.map((p) => p.key);
            assert.ok(keys.includes("workbench:notebook.gpuMaxAgeHours"), keys.join());
            assert.ok(keys.some((k) => k.startsWith("workbench:services.dask")), keys.join());
        }
    });
});
