import * as assert from "node:assert/strict";
import { notebookEgress } from "./tenancy-fixtures";
import { parse } from "yaml";
import { isValueMap, ValueMap } from "../components/helm/merge";
import { SPARK_EXAMPLE_CONFIGMAP, SPARK_EXAMPLE_KEY } from "../components/spark/operator";
import { CHARTS } from "../components/versions";
import type { Plan } from "../plan/types";
import type { Taint, Toleration } from "../providers/contract";
import { chartDataDir, chartDefaults, missingChartData, schemaViolations, unknownKeys } from "./chart-data";
import { input, ofType, resource } from "./harness";
import { at, untolerated } from "./k8s-checks";
import {
    configOf,
    descendantsOf,
    GITHUB_SCENARIO,
    PLACED,
    PLACED_SCENARIO,
    planOfScenario,
    releaseOf,
    SCENARIOS,
    valuesOf,
} from "./shared-layer-fixtures";

type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
type Profile = { slug: string; default?: boolean; kubespawner_override: ValueMap };

const hubValues = (plan: Plan) => valuesOf(plan, CHARTS.jupyterhub.chart);
const daskValues = (plan: Plan) => valuesOf(plan, CHARTS.daskGateway.chart);
const sparkValues = (plan: Plan) => valuesOf(plan, CHARTS.sparkOperator.chart);
const profilesOf = (plan: Plan) => at(hubValues(plan), "singleuser", "profileList") as Profile[];
const notebookEnv = (plan: Plan) => Object.values(at(hubValues(plan), "singleuser", "extraEnv") as Record<string, EnvVar>);

/** The workload ServiceAccount the identity binding was given (the one under the WorkloadAccount component). */
function workloadServiceAccount(plan: Plan): { namespace: string; name: string } {
    // the notebooks' account (`<name>-user`); the Spark driver's has its own WorkloadAccount
    const account = ofType(plan, "workbench:identity:WorkloadAccount").find((r) => r.name.endsWith("-user"));
    assert.ok(account, "the shared layer has a WorkloadAccount");
    const [serviceAccount] = descendantsOf(plan, account).filter((r) => r.type === "kubernetes:core/v1:ServiceAccount");
    assert.ok(serviceAccount);
    return { namespace: String(input(serviceAccount, "metadata", "namespace")), name: String(input(serviceAccount, "metadata", "name")) };
}

/** The example SparkApplication, as the ConfigMap holds it. */
function sparkExample(plan: Plan): ValueMap {
    const configMap = ofType(plan, "kubernetes:core/v1:ConfigMap").find((r) => input(r, "metadata", "name") === SPARK_EXAMPLE_CONFIGMAP);
    assert.ok(configMap, "the Spark example is in the cluster");
    const manifest: unknown = parse(String(input(configMap, "data", SPARK_EXAMPLE_KEY)));
    assert.ok(isValueMap(manifest));
    return manifest;
}

// a root hook: the scenarios start planning in parallel child processes as the run begins, and each
// test then reads its plan from the harness's cache
before(() => {
    for (const scenario of SCENARIOS) void planOfScenario(scenario).catch(() => undefined);
});

describe("shared layer: Helm values against the charts' own reference data", () => {
    it("the check itself rejects what a chart does not accept (a misspelt key, a wrong type)", function () {
        const dir = chartDataDir(CHARTS.jupyterhub);
        if (!dir) {
            this.test!.title += ` — skipped: ${missingChartData(CHARTS.jupyterhub)}`;
            this.skip();
        }
        assert.ok(schemaViolations(dir, { singleuser: { profilelist: [] } }).some((v) => v.includes("profilelist")));
        assert.ok(schemaViolations(dir, { cull: { timeout: "an hour" } }).length > 0);
        assert.deepEqual(schemaViolations(dir, {}), [], "the chart's own defaults pass");
    });

    for (const scenario of SCENARIOS) {
        for (const pin of [CHARTS.jupyterhub, CHARTS.daskGateway]) {
            it(`${scenario.label}: ${pin.chart} values, merged over the chart's defaults, validate against its ${pin.version} schema`, async function () {
                const dir = chartDataDir(pin);
                if (!dir) {
                    this.test!.title += ` — skipped: ${missingChartData(pin)}`;
                    this.skip();
                }
                const plan = await planOfScenario(scenario);
                if (!releaseOf(plan, pin.chart)) {
                    assert.equal(configOf(scenario).services.dask.enabled, false, `${pin.chart} is only left out when its service is off`);
                    return;
                }
                assert.deepEqual(schemaViolations(dir, valuesOf(plan, pin.chart)), []);
            });
        }

        it(`${scenario.label}: spark-operator and nvidia-device-plugin values set only keys their charts define (no schema published)`, async function () {
            const plan = await planOfScenario(scenario);
            let checked = 0;
            for (const pin of [CHARTS.sparkOperator, CHARTS.nvidiaDevicePlugin]) {
                const dir = chartDataDir(pin);
                if (!dir || !releaseOf(plan, pin.chart)) continue;
                assert.deepEqual(unknownKeys(valuesOf(plan, pin.chart), chartDefaults(dir)), [], pin.chart);
                checked++;
            }
            if (checked === 0) {
                this.test!.title += " — skipped: no such release or no reference data";
                this.skip();
            }
        });
    }
});

describe("shared layer: notebooks, Dask and Spark run as the identity-bound ServiceAccount", () => {
    for (const scenario of SCENARIOS) {
        it(`${scenario.label}: notebooks, Dask schedulers and workers, Spark jobs and the example use the account the identity binding names`, async () => {
            const plan = await planOfScenario(scenario);
            const config = configOf(scenario);
            const account = workloadServiceAccount(plan);
            // users' code runs in the user namespace; the charts' controllers stay in the platform's (DESIGN §5b.1)
            assert.equal(account.namespace, at(plan.outputs, "userNamespace"));
            const driver = `${String(at(plan.outputs, "namespace"))}-spark`;

            assert.equal(at(hubValues(plan), "singleuser", "serviceAccountName"), account.name);
            assert.equal(at(hubValues(plan), "hub", "config", "KubeSpawner", "namespace"), account.namespace, "notebooks start in the account's namespace");
            const workloadCharts: string[] = [CHARTS.jupyterhub.chart, CHARTS.daskGateway.chart, CHARTS.sparkOperator.chart];
            for (const release of ofType(plan, "kubernetes:helm.sh/v3:Release").filter((r) => workloadCharts.includes(String(r.inputs["chart"])))) {
                assert.equal(release.inputs["namespace"], at(plan.outputs, "namespace"), `${String(release.inputs["chart"])} runs in the platform namespace`);
            }
            if (config.services.dask.enabled) {
                assert.equal(at(daskValues(plan), "gateway", "backend", "namespace"), account.namespace, "Dask clusters start in the account's namespace");
                for (const role of ["scheduler", "worker"]) {
                    assert.equal(at(daskValues(plan), "gateway", "backend", role, "extraPodConfig", "serviceAccountName"), account.name, `Dask ${role}s`);
                }
            }
            if (config.services.spark.enabled) {
                // drivers run as their own account (its Role declared by the workbench), executors as the notebooks'
                assert.deepEqual(at(sparkValues(plan), "spark", "serviceAccount"), { create: false, name: driver });
                assert.equal(at(sparkValues(plan), "spark", "rbac", "create"), false, "the chart grants no Role: the workbench declares the driver's");
                assert.deepEqual(at(sparkValues(plan), "spark", "jobNamespaces"), [account.namespace]);
                const example = sparkExample(plan);
                assert.equal(at(example, "metadata", "namespace"), account.namespace);
                assert.equal(at(example, "spec", "driver", "serviceAccount"), driver);
                assert.equal(at(example, "spec", "executor", "serviceAccount"), account.name);
            }
            // a cloud identity's trust (IRSA, federated credential) that names a ServiceAccount of the user namespace names one of its two accounts
            const subjects = [...JSON.stringify(plan.resources).matchAll(/system:serviceaccount:([a-z0-9-]+):([a-z0-9-]+)/g)];
            // (the data services' backup accounts, backup-<service>, are checked by test/backups.test.ts)
            for (const [, namespace, name] of subjects.filter(([, namespace, name]) => namespace === account.namespace && !name.startsWith("backup-"))) {
                assert.ok(name === account.name || (config.services.spark.enabled && name === driver), `${namespace}/${name}`);
            }
        });
    }

    it("pods carry the identity's environment: the bucket URL, and the store's keys only by Secret reference", async () => {
        const plan = await planOfScenario(PLACED_SCENARIO);
        const secretRefs = (env: EnvVar[]) => env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => `${e.name}<-${e.valueFrom!.secretKeyRef!.name}/${e.valueFrom!.secretKeyRef!.key}`);
        const keyRefs = ["AWS_ACCESS_KEY_ID<-workbench-user-object-store/AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY<-workbench-user-object-store/AWS_SECRET_ACCESS_KEY"];
        const secret = resource(plan, "kubernetes:core/v1:Secret", "workbench-user-env");
        assert.equal(input(secret, "metadata", "name"), "workbench-user-object-store");
        assert.equal(input(secret, "stringData"), "[secret]", "the keys are kept secret in the stack");

        const daskEnv = at(daskValues(plan), "gateway", "backend", "worker", "extraContainerConfig", "env") as EnvVar[];
        const sparkEnv = at(sparkExample(plan), "spec", "executor", "env") as EnvVar[];
        for (const [who, env] of [["notebooks", notebookEnv(plan)], ["Dask workers", daskEnv], ["Spark executors", sparkEnv]] as const) {
            assert.equal(env.find((e) => e.name === "WORKBENCH_BUCKET_URL")?.value, `s3://${PLACED.bucket}`, who);
            assert.equal(env.find((e) => e.name === "AWS_ENDPOINT_URL_S3")?.value, PLACED.endpoint, who);
            assert.deepEqual(secretRefs(env).sort(), keyRefs, who);
        }
    });
});

describe("shared layer: JupyterHub", () => {
    for (const scenario of SCENARIOS) {
        it(`${scenario.label}: idle notebooks are culled after workbench:notebook.cullIdleMinutes, and every server after maxAgeHours`, async () => {
            const plan = await planOfScenario(scenario);
            const { notebook } = configOf(scenario);
            const cull = at(hubValues(plan), "cull") as ValueMap;
            assert.equal(cull["enabled"], true);
            assert.equal(cull["timeout"], notebook.cullIdleMinutes * 60);
            assert.ok(Number(cull["every"]) <= notebook.cullIdleMinutes * 60, "checked at least once per timeout");
            assert.equal(cull["maxAge"], notebook.maxAgeHours * 3600);
        });

        it(`${scenario.label}: sign-in is the configured authenticator, and never dummy on a cloud`, async () => {
            const plan = await planOfScenario(scenario);
            const config = configOf(scenario);
            const hubConfig = at(hubValues(plan), "hub", "config") as ValueMap;
            const authenticator = at(hubConfig, "JupyterHub", "authenticator_class");
            // dummy sign-in only on a hub reached by port-forward (validation enforces it)
            if (config.hub.service !== "ClusterIP") assert.notEqual(authenticator, "dummy");
            const expected = { native: "workbench_native.WorkbenchNativeAuthenticator", github: "github", dummy: "dummy" }[config.auth.type];
            assert.equal(authenticator, expected);
            assert.deepEqual(at(hubConfig, "Authenticator", "admin_users"), config.users.admins);
            assert.deepEqual(at(hubConfig, "Authenticator", "allowed_users"), config.users.allowed);
        });

        it(`${scenario.label}: homes and the hub database live on the retained storage class; the metadata server is blocked unless pods need it`, async () => {
            const plan = await planOfScenario(scenario);
            const values = hubValues(plan);
            const retained = ofType(plan, "kubernetes:storage.k8s.io/v1:StorageClass").filter((r) => input(r, "reclaimPolicy") === "Retain");
            assert.equal(retained.length, 1, "the platform provides one retained class");
            const className = input(retained[0], "metadata", "name");
            assert.equal(at(values, "singleuser", "storage", "dynamic", "storageClass"), className);
            assert.equal(at(values, "singleuser", "storage", "capacity"), `${configOf(scenario).storage.homeSizeGiB}Gi`);
            assert.equal(at(values, "hub", "db", "type"), "sqlite-pvc");
            assert.equal(at(values, "hub", "db", "pvc", "storageClassName"), className);
            // GKE serves Workload Identity from its metadata server (DESIGN §4); the existing platform and AWS do not
            const metadataNeeded = configOf(scenario).cloud === "gcp";
            // Pod Security restricted refuses z2jh's NET_ADMIN init container: the notebooks' fence does it
            assert.equal(at(values, "singleuser", "cloudMetadata", "blockWithIptables"), false);
            const toMetadata = notebookEgress(plan).filter((rule) => (rule.to ?? []).some((peer) => peer.ipBlock?.cidr === "169.254.169.254/32"));
            assert.equal(toMetadata.length > 0, metadataNeeded, "notebooks reach the metadata server exactly where it serves identity");
            for (const rule of notebookEgress(plan)) {
                for (const peer of rule.to ?? []) {
                    if (peer.ipBlock?.cidr === "0.0.0.0/0") assert.ok(peer.ipBlock.except?.includes("169.254.0.0/16"), "the internet rule leaves link-local addresses out");
                }
            }
        });

        it(`${scenario.label}: one public entry point: the hub's proxy, exposed as the platform says, and nothing else`, async () => {
            const plan = await planOfScenario(scenario);
            const config = configOf(scenario);
            // every platform exposes the hub as workbench:hub.service says
            const exposure = config.hub.service;
            assert.equal(at(hubValues(plan), "proxy", "service", "type"), exposure);
            if (releaseOf(plan, CHARTS.daskGateway.chart)) assert.equal(at(daskValues(plan), "traefik", "service", "type"), "ClusterIP");
            const exposed = ofType(plan, "kubernetes:helm.sh/v3:Release").filter((r) => /"(LoadBalancer|NodePort)"/.test(JSON.stringify(r.inputs["values"])));
            assert.deepEqual(exposed.map((r) => r.inputs["chart"]), exposure === "ClusterIP" ? [] : [CHARTS.jupyterhub.chart]);
            const hubUrl = String(at(plan.outputs, "hubUrl"));
            const login = String(at(plan.outputs, "login"));
            // an exposed hub serves HTTPS (a generated certificate without a domain)
            if (config.domain) assert.equal(hubUrl, `https://${config.domain}`);
            else if (exposure === "LoadBalancer") assert.match(hubUrl, /^https:\/\/[a-z0-9.:-]+$/, "the proxy's load balancer address");
            else if (exposure === "NodePort") assert.match(hubUrl, /^https:\/\/<any node's address>:/);
            else {
                assert.equal(hubUrl, "http://localhost:8080");
                assert.ok(login.includes("port-forward service/proxy-public 8080:80"), login);
            }
            assert.ok(login.includes(hubUrl), login);
        });

        it(`${scenario.label}: notebooks reach in-cluster exactly the enabled services, and get their connection settings`, async () => {
            const plan = await planOfScenario(scenario);
            const config = configOf(scenario);
            // notebooks are fenced in the user namespace: z2jh's policy is off there, the user-code fence applies
            assert.equal(at(hubValues(plan), "singleuser", "networkPolicy", "enabled"), false);
            type Rule = { to: { podSelector?: { matchLabels: Record<string, string> }; namespaceSelector?: unknown; ipBlock?: { cidr: string; except?: string[] } }[]; ports: { port: number }[] };
            const all = notebookEgress(plan) as Rule[];
            const platformNamespace = String(at(plan.outputs, "namespace"));
            const userNamespace = String(at(plan.outputs, "userNamespace"));
            // services are pods of a namespace named exactly: the platform's (data services, the gateway) or the user namespace (Spark Connect)
            const toPlatform = (rule: Rule) =>
                rule.to?.length > 0 &&
                rule.to.every((peer) => peer.podSelector && [platformNamespace, userNamespace].some((ns) => JSON.stringify(peer.namespaceSelector) === JSON.stringify({ matchLabels: { "kubernetes.io/metadata.name": ns } })));
            // what is not a service: DNS (no destination), pods of the user namespace, the hub's API, the internet without private ranges
            const rules = all.filter((rule) => rule.to !== undefined && rule.ports !== undefined && (toPlatform(rule) || rule.to.some((peer) => peer.ipBlock && peer.ipBlock.cidr !== "0.0.0.0/0" && !peer.ipBlock.cidr.startsWith("169.254."))));
            const hubRule = rules.filter((rule) => rule.to.some((peer) => peer.podSelector?.matchLabels?.["component"] === "hub"));
            assert.equal(hubRule.length, 1, "notebooks reach the hub's API");
            for (const rule of all) for (const peer of rule.to ?? []) if (peer.ipBlock?.cidr === "0.0.0.0/0") assert.ok(peer.ipBlock.except?.includes("10.0.0.0/8"), "no blanket access to private addresses");
            // a private S3-compatible store is reached on its own addresses and port, and only there
            const toAddresses = rules.filter((rule) => rule.to.some((peer) => peer.ipBlock));
            const store = config.existing.objectStore;
            const privateCidrs = config.cloud === "existing" && store.type === "s3" ? store.privateCidrs : [];
            assert.deepEqual(
                toAddresses.map((rule) => [rule.to.map((peer) => peer.ipBlock?.cidr), rule.ports.map((p) => p.port)]),
                privateCidrs.map((cidr) => [[cidr], [store.type === "s3" && new URL(store.endpoint).protocol === "https:" ? 443 : 80]]),
            );
            const egress = rules.filter((rule) => !toAddresses.includes(rule) && !hubRule.includes(rule)) as { to: { podSelector: { matchLabels: Record<string, string> } }[]; ports: { port: number }[] }[];
            const env = notebookEnv(plan);
            const services = at(plan.outputs, "services") as string[];
            const sparkConnect = config.services.spark.enabled && config.services.spark.connectServer;
            const toSpark = egress.filter((rule) => rule.to[0].podSelector.matchLabels["workbench.io/spark-connect"] === "server");
            // each person's Connect server is on their own pod's loopback: no notebook reaches any over the network
            assert.equal(toSpark.length, 0, "no rule to any Spark Connect server");
            const toDask = egress.filter((rule) => !toSpark.includes(rule));
            if (config.services.dask.enabled) {
                assert.equal(toDask.length, 1, "one rule: to Dask Gateway's proxy");
                const selector = toDask[0].to[0].podSelector.matchLabels;
                assert.equal(selector["app.kubernetes.io/instance"], releaseOf(plan, CHARTS.daskGateway.chart)!.inputs["name"], "the rule selects the gateway release's pods");
                assert.equal(selector["app.kubernetes.io/component"], "traefik");
                const address = env.find((e) => e.name === "DASK_GATEWAY__ADDRESS")?.value ?? "";
                assert.match(address, new RegExp(`^http://traefik-${String(at(daskValues(plan), "fullnameOverride"))}\\.${String(at(plan.outputs, "namespace"))}/services/dask-gateway$`));
                assert.ok(env.some((e) => e.name === "DASK_GATEWAY__PROXY_ADDRESS"));
                assert.ok(services.includes("dask-gateway"));
            } else {
                assert.deepEqual(toDask, [], "Dask off: no rule to the gateway");
                assert.ok(!env.some((e) => e.name.startsWith("DASK_GATEWAY__")));
                assert.ok(!services.includes("dask-gateway"));
            }
            // SPARK_REMOTE comes with the Spark profile's own server (the hub's hook), never as a shared endpoint
            assert.equal(env.some((e) => e.name === "SPARK_REMOTE"), false);
            assert.equal(typeof at(hubValues(plan), "hub", "extraConfig", "30-spark-connect") === "string", sparkConnect);
            assert.ok(!env.some((e) => e.name.startsWith("WORKBENCH_SPARK_")), "no variables nothing reads");
            assert.equal(services.includes("spark-connect"), sparkConnect);
        });
    }

    it("GPU profiles: each tolerates every taint its pool reports, selects a subset of its labels, and requests its GPUs", async () => {
        const plan = await planOfScenario(PLACED_SCENARIO);
        const profiles = profilesOf(plan);
        for (const pool of PLACED.gpuNodes) {
            const profile = profiles.find((p) => p.slug === `gpu-${pool.pool}`);
            assert.ok(profile, `a profile for pool ${pool.pool}`);
            const override = profile.kubespawner_override;
            assert.deepEqual(untolerated(override["tolerations"] as Toleration[], pool.taints), [], pool.pool);
            for (const [key, value] of Object.entries(override["node_selector"] as Record<string, string>)) {
                assert.equal((pool.nodeSelector as Record<string, string>)[key], value, `${pool.pool} selects ${key}=${value}, which its nodes carry`);
            }
            assert.deepEqual(override["extra_resource_limits"], { "nvidia.com/gpu": String("gpusPerNode" in pool ? pool.gpusPerNode : 1) });
        }
    });

    it("CPU profiles run on the user pool: its node selector, tolerating its taints; exactly one is preselected", async () => {
        const plan = await planOfScenario(PLACED_SCENARIO);
        const singleuser = at(hubValues(plan), "singleuser") as ValueMap;
        assert.deepEqual(singleuser["nodeSelector"], PLACED.user);
        const tolerations = [...(singleuser["extraTolerations"] as Toleration[])];
        assert.deepEqual(untolerated(tolerations, [PLACED.userTaint]), []);
        const cpu = profilesOf(plan).filter((p) => p.slug.startsWith("cpu-"));
        assert.ok(cpu.length >= 2);
        assert.equal(profilesOf(plan).filter((p) => p.default).length, 1);
        assert.ok(cpu.every((p) => p.kubespawner_override["node_selector"] === undefined), "CPU profiles keep the user-pool selector");
    });

    it("the hub, its proxy and scheduler run on the system pool; notebooks carry the workload identity's labels", async () => {
        const plan = await planOfScenario(PLACED_SCENARIO);
        const values = hubValues(plan);
        for (const path of [["hub"], ["proxy", "chp"], ["proxy", "traefik"], ["scheduling", "userScheduler"]]) {
            assert.deepEqual(at(values, ...path, "nodeSelector"), PLACED.system, path.join("."));
        }
        assert.equal(at(values, "scheduling", "userPlaceholder", "enabled"), false, "no placeholder keeps a user node up");
        assert.equal(at(values, "prePuller", "continuous", "enabled"), false, "no image puller on user nodes");
        assert.equal(at(values, "singleuser", "extraLabels", "hub.jupyter.org/network-access-hub"), "true");
    });

    it("native sign-up needs an admin's approval; GitHub sign-in reads its client secret from a Secret over HTTPS", async () => {
        const native = at(hubValues(await planOfScenario(PLACED_SCENARIO)), "hub", "config") as ValueMap;
        assert.equal(at(native, "NativeAuthenticator", "open_signup"), false);

        const plan = await planOfScenario(GITHUB_SCENARIO);
        const config = configOf(GITHUB_SCENARIO);
        const values = hubValues(plan);
        const github = at(values, "hub", "config", "GitHubOAuthenticator") as ValueMap;
        assert.equal(github["client_id"], config.auth.githubClientId);
        assert.equal(github["oauth_callback_url"], `https://${config.domain}/hub/oauth_callback`);
        assert.deepEqual(github["allowed_organizations"], config.auth.githubOrganizations);
        assert.equal(github["client_secret"], undefined, "the secret is not in the values");
        const ref = at(values, "hub", "extraEnv", "GITHUB_CLIENT_SECRET", "valueFrom", "secretKeyRef") as { name: string; key: string };
        const secret = ofType(plan, "kubernetes:core/v1:Secret").find((r) => input(r, "metadata", "name") === ref.name);
        assert.ok(secret, "the referenced Secret is part of the stack");
        assert.equal(input(secret, "stringData"), "[secret]");
        assert.deepEqual(at(values, "proxy", "https"), { enabled: true, type: "letsencrypt", hosts: [config.domain], letsencrypt: { contactEmail: config.tlsEmail } });
    });

    it("no secret appears in plain text in any Helm values", async () => {
        for (const scenario of [PLACED_SCENARIO, GITHUB_SCENARIO]) {
            const plan = await planOfScenario(scenario);
            for (const release of ofType(plan, "kubernetes:helm.sh/v3:Release")) {
                const text = JSON.stringify(release.inputs["values"]);
                assert.ok(isValueMap(release.inputs["values"]), `${release.name}: values are not a secret as a whole`);
                for (const leak of ["secret-placeholder", "mock-password", "[secret]"]) assert.ok(!text.includes(leak), `${release.name} values contain ${leak}`);
            }
        }
    });
});

describe("shared layer: Dask Gateway", () => {
    it("authenticates through the hub with one generated token both read from the same Secret; users get access by scope", async () => {
        const plan = await planOfScenario(PLACED_SCENARIO);
        const dask = daskValues(plan);
        const hub = hubValues(plan);
        const gatewayAuth = at(dask, "gateway", "auth", "jupyterhub") as ValueMap;
        assert.equal(at(dask, "gateway", "auth", "type"), "jupyterhub");
        const service = String(gatewayAuth["jupyterhubServiceName"]);
        const hubRef = Object.values(at(hub, "hub", "extraEnv") as Record<string, EnvVar>).map((e) => e.valueFrom?.secretKeyRef).find((ref) => ref?.name === gatewayAuth["apiTokenFromSecretName"]);
        assert.deepEqual(hubRef, { name: gatewayAuth["apiTokenFromSecretName"], key: gatewayAuth["apiTokenFromSecretKey"] }, "the hub reads the token the gateway reads");
        const secret = ofType(plan, "kubernetes:core/v1:Secret").find((r) => input(r, "metadata", "name") === gatewayAuth["apiTokenFromSecretName"]);
        assert.ok(secret);
        assert.equal(input(secret, "stringData"), "[secret]");
        assert.ok(ofType(plan, "random:index/randomPassword:RandomPassword").some((r) => secret.dependsOn.includes(r.urn)), "the token is generated");
        assert.ok(releaseOf(plan, CHARTS.jupyterhub.chart)!.dependsOn.includes(secret.urn), "the hub starts once the token exists");
        assert.match(String(at(hub, "hub", "services", service, "url")), /^http:\/\/traefik-/);
        assert.ok((at(hub, "hub", "loadRoles", "user", "scopes") as string[]).includes(`access:services!service=${service}`));
        assert.ok((at(hub, "hub", "config", "KubeSpawner", "server_token_scopes") as string[]).includes(`access:services!service=${service}`));
    });

    it("runs schedulers and workers on the user pool with the notebook image, the gateway on the system pool, and offers each GPU pool", async () => {
        const plan = await planOfScenario(PLACED_SCENARIO);
        const dask = daskValues(plan);
        const hub = hubValues(plan);
        for (const role of ["scheduler", "worker"]) {
            const pod = at(dask, "gateway", "backend", role, "extraPodConfig") as ValueMap;
            assert.deepEqual(pod["nodeSelector"], PLACED.user, role);
            assert.deepEqual(untolerated(pod["tolerations"] as Toleration[], [PLACED.userTaint]), [], role);
        }
        assert.deepEqual(at(dask, "gateway", "backend", "image"), at(hub, "singleuser", "image"), "the notebook's image: client and cluster match");
        for (const component of ["gateway", "controller", "traefik"]) assert.deepEqual(at(dask, component, "nodeSelector"), PLACED.system, component);

        const config = String(Object.values(at(dask, "gateway", "extraConfig") as Record<string, string>).join("\n"));
        const data = JSON.parse(JSON.parse(/json\.loads\(("(?:[^"\\]|\\.)*")\)/.exec(config)![1])) as {
            idleTimeoutSeconds: number;
            pools: Record<string, { nodeSelector: Record<string, string>; tolerations: Toleration[]; gpu?: { resource: string } }>;
        };
        assert.ok(data.idleTimeoutSeconds > 0, "idle clusters shut down");
        for (const gpu of PLACED.gpuNodes) {
            const pool = data.pools[`gpu-${gpu.pool}`];
            assert.ok(pool?.gpu, `GPU workers on ${gpu.pool} are an option`);
            assert.deepEqual(untolerated(pool.tolerations, gpu.taints as readonly Taint[]), []);
            assert.deepEqual(pool.nodeSelector, gpu.nodeSelector);
        }
        assert.match(config, /cluster_max_workers/, "cluster size is limited by what the pool can hold");
    });
});

describe("shared layer: Spark and cluster plumbing", () => {
    it("the example SparkApplication reads the bucket through s3a on the S3-compatible endpoint, on the user pool", async () => {
        const plan = await planOfScenario(PLACED_SCENARIO);
        const spec = at(sparkExample(plan), "spec") as ValueMap;
        assert.deepEqual(spec["arguments"], [`s3a://${PLACED.bucket}/examples/words.txt`]);
        assert.equal(at(spec, "sparkConf", "spark.hadoop.fs.s3a.endpoint"), PLACED.endpoint);
        assert.equal(at(spec, "sparkConf", "spark.hadoop.fs.s3a.path.style.access"), "true");
        for (const role of ["driver", "executor"]) {
            assert.deepEqual(at(spec, role, "nodeSelector"), PLACED.user, role);
            assert.deepEqual(untolerated(at(spec, role, "tolerations") as Toleration[], [PLACED.userTaint]), [], role);
        }
        assert.match(String(at(plan.outputs, "sparkExample")), new RegExp(`get configmap ${SPARK_EXAMPLE_CONFIGMAP} .*\\| kubectl apply -f -`));
        assert.deepEqual(at(sparkValues(plan), "controller", "nodeSelector"), PLACED.system);
    });

    it("NVIDIA's device plugin runs only on the GPU pools' nodes, tolerating their taints, where the platform asks for it", async () => {
        const plan = await planOfScenario(PLACED_SCENARIO);
        const values = valuesOf(plan, CHARTS.nvidiaDevicePlugin.chart);
        const terms = at(values, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms") as { matchExpressions: { key: string; operator: string; values: string[] }[] }[];
        const selected = terms.map((term) => Object.fromEntries(term.matchExpressions.map((e) => [e.key, e.values[0]])));
        assert.deepEqual(selected, PLACED.gpuNodes.map((gpu) => gpu.nodeSelector));
        assert.deepEqual(untolerated(values["tolerations"] as Toleration[], PLACED.gpuNodes.flatMap((gpu) => gpu.taints as readonly Taint[])), []);

        const local = await planOfScenario(SCENARIOS.find((s) => s.label === "local")!);
        assert.equal(releaseOf(local, CHARTS.nvidiaDevicePlugin.chart), undefined, "no GPU pools, no plugin");
        assert.equal(releaseOf(local, CHARTS.clusterAutoscaler.chart), undefined, "an existing cluster scales itself");
    });

    it("where the platform asks for a cluster-autoscaler, it runs on the system pool with the platform's settings", async function () {
        const plans = await Promise.all(SCENARIOS.map(planOfScenario));
        const withAutoscaler = plans.filter((plan) => releaseOf(plan, CHARTS.clusterAutoscaler.chart));
        if (withAutoscaler.length === 0) {
            this.test!.title += " — skipped: no landed platform asks for one";
            this.skip();
        }
        for (const plan of withAutoscaler) {
            const values = valuesOf(plan, CHARTS.clusterAutoscaler.chart);
            assert.equal(typeof values["cloudProvider"], "string", "the platform's settings are there");
            const hub = hubValues(plan);
            assert.deepEqual(values["nodeSelector"], at(hub, "hub", "nodeSelector"), "beside the hub, on the system pool");
            assert.equal(at(values, "extraArgs", "skip-nodes-with-local-storage"), false);
        }
    });
});
