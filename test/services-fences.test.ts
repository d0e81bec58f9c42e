import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { MLFLOW_WORKER_MIB } from "../components/capacity/requests";
import { isValueMap } from "../components/helm/merge";
import { USER_CODE_LABELS } from "../components/labels";
import { CASSANDRA_USER, START_SCRIPT as CASSANDRA_START_SCRIPT } from "../components/services/cassandra";
import { NAMESPACE_NAME_LABEL, URL_SAFE_SPECIALS } from "../components/services/common";
import { ELASTICSEARCH_START_SCRIPT, ELASTICSEARCH_USER } from "../components/services/elasticsearch";
import { artifactDestination, HUB_AUTH_PROXY, MLFLOW_PREFIX, MLFLOW_PROXY_PORT } from "../components/services/mlflow";
import { MONGODB_INIT_SCRIPT } from "../components/services/mongodb";
import { OPENSEARCH_PASSWORD_RULE, OPENSEARCH_USER_SCRIPT } from "../components/services/opensearch";
import { ORIENTDB_START_SCRIPT } from "../components/services/orientdb";
import { azureBlobUrl, CNPG_IN_TREE_BARMAN_REMOVED_IN, CNPG_VERSION } from "../components/services/postgres";
import { CHARTS, SERVICE_CHARTS } from "../components/versions";
import type { Plan, PlannedResource } from "../plan/types";
import { input, ofType, runPlan, tempDir, variantStackFile } from "./harness";
import { notebookEgress } from "./tenancy-fixtures";
import { signInProxyDir } from "./sign-in-proxy-fakes";
import { at } from "./k8s-checks";
import { allServicesPlan } from "./services-fixtures";

/*
 * The data services' fences and accounts, each as the relationship a deployed cluster depends on (issues 18,
 * 19, 20): a probe's request against the server's check, a password against the server's documented rule, the
 * accounts notebooks get against the grants the server's scripts make (run here with fakes), each
 * NetworkPolicy's peers against the pods that must (and must not) reach a server, and what a delete keeps.
 */

type Labels = Record<string, string>;
interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Container {
    name: string;
    command?: string[];
    args?: string[];
    env?: EnvVar[];
    resources?: { limits?: Labels };
    readinessProbe?: Probe;
    livenessProbe?: Probe;
}
interface Probe {
    exec?: { command: string[] };
    tcpSocket?: { port: number | string };
    httpGet?: { path: string; port: number | string; httpHeaders?: { name: string; value: string }[] };
    periodSeconds?: number;
}
interface Peer {
    podSelector?: { matchLabels?: Labels };
    namespaceSelector?: { matchLabels?: Labels };
    ipBlock?: { cidr: string; except?: string[] };
}
interface Rule {
    from?: Peer[];
    to?: Peer[];
    ports?: { port: number; protocol?: string }[];
}

const DATABASES = ["postgres", "mariadb", "mongodb", "opensearch", "elasticsearch", "cassandra", "orientdb"] as const;
const URL_ENV: Record<(typeof DATABASES)[number], string> = {
    postgres: "WORKBENCH_POSTGRES_URL",
    mariadb: "WORKBENCH_MARIADB_URL",
    mongodb: "WORKBENCH_MONGODB_URL",
    opensearch: "WORKBENCH_OPENSEARCH_URL",
    elasticsearch: "WORKBENCH_ELASTICSEARCH_URL",
    cassandra: "WORKBENCH_CASSANDRA_URL",
    orientdb: "WORKBENCH_ORIENTDB_URL",
};

/** A shipped stack with every service on, on a pool large enough (the fit check's answer for all of them). */
const allServices = (stack: "aws" | "gcp" | "azure"): Promise<Plan> => allServicesPlan(stack);

const hubValues = (plan: Plan) => {
    const release = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs["chart"] === CHARTS.jupyterhub.chart);
    assert.ok(release && isValueMap(release.inputs["values"]));
    return release;
};
const notebookEnv = (plan: Plan) => Object.values(at(hubValues(plan).inputs["values"], "singleuser", "extraEnv") as Record<string, EnvVar>);
/** Where notebooks run: KubeSpawner's namespace where set, else the hub's. */
function userNamespaceOf(plan: Plan): string {
    const hub = hubValues(plan);
    return String(at(hub.inputs["values"], "hub", "config", "KubeSpawner", "namespace") ?? hub.inputs["namespace"]);
}
const subset = (selector: Labels | undefined, labels: Labels) => selector !== undefined && Object.entries(selector).every(([k, v]) => labels[k] === v);
const policies = (plan: Plan, type: "Ingress" | "Egress") =>
    ofType(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy").filter((p) => (input(p, "spec", "policyTypes") as string[]).includes(type));
/** The policies of a type selecting pods with these labels. */
const selecting = (plan: Plan, labels: Labels, type: "Ingress" | "Egress") => policies(plan, type).filter((p) => subset(input(p, "spec", "podSelector", "matchLabels") as Labels, labels));
function named(plan: Plan, type: string, name: string): PlannedResource {
    const found = ofType(plan, type).find((r) => input(r, "metadata", "name") === name);
    assert.ok(found, `${type} ${name} is planned`);
    return found;
}
/** A workload's pod template labels and containers (StatefulSet, Deployment). */
function podOf(resource: PlannedResource): { labels: Labels; containers: Container[]; spec: Record<string, unknown> } {
    const template = input(resource, "spec", "template") as { metadata: { labels: Labels }; spec: { containers: Container[] } & Record<string, unknown> };
    return { labels: template.metadata.labels, containers: template.spec.containers, spec: template.spec };
}

/** Pods a peer list admits, tested against a pod's labels and namespace (the policy's own namespace for a bare podSelector). */
function admits(peers: Peer[] | undefined, pod: { labels: Labels; namespace: string }, policyNamespace: string): boolean {
    if (peers === undefined) return true;
    return peers.some((peer) => {
        if (peer.ipBlock) return false;
        const namespace = peer.namespaceSelector ? subset(peer.namespaceSelector.matchLabels ?? {}, { [NAMESPACE_NAME_LABEL]: pod.namespace }) : pod.namespace === policyNamespace;
        return namespace && subset(peer.podSelector?.matchLabels ?? {}, pod.labels);
    });
}
/** The ports of a policy's rules that admit this pod (undefined: every port). */
function admittedPorts(policy: PlannedResource, pod: { labels: Labels; namespace: string }): (number | "all")[] {
    const namespace = String(input(policy, "metadata", "namespace"));
    return (input(policy, "spec", "ingress") as Rule[]).filter((r) => admits(r.from, pod, namespace)).flatMap((r): (number | "all")[] => (r.ports ? r.ports.map((p) => p.port) : ["all"]));
}

/** MLflow's host check (mlflow/server/security_utils.py `is_allowed_host_header`): `*` allows all, a pattern with `*` is an fnmatch, else exact. */
function mlflowAllowsHost(allowed: string[], host: string): boolean {
    if (!host) return false;
    if (allowed.includes("*")) return true;
    return allowed.some((pattern) => (pattern.includes("*") ? new RegExp(`^${pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(host) : host === pattern));
}

/** A fake server's body: it runs until the script's account-making loop is done (DONE logged), at most 5 s. */
const SERVER_UNTIL_DONE = `for _ in $(seq 100); do grep -q DONE "$FAKE_LOG" && exit 0; sleep 0.05; done`;

/** Runs a shell script with fake commands (name → body) first on PATH; returns what they logged. */
function runWithFakes(script: string, fakes: Record<string, string>, env: Record<string, string>, shell = "bash"): { log: string; status: number | null; stderr: string } {
    const dir = tempDir("workbench-fakes-");
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const log = path.join(dir, "log");
    fs.writeFileSync(log, "");
    for (const [name, body] of Object.entries(fakes)) {
        const file = path.join(bin, name);
        fs.writeFileSync(file, `#!/bin/bash\n${body}\n`);
        fs.chmodSync(file, 0o755);
    }
    // absolute paths the scripts exec are rewritten to the fakes of the same name
    const rewritten = script.replace(/(?<![\w/])\/(?:bin|usr\/local\/bin|orientdb\/bin)\/([\w.-]+)/g, (whole, name: string) => (name in fakes ? name : whole));
    const file = path.join(dir, "script.sh");
    fs.writeFileSync(file, rewritten);
    // no stdin, as in the pod: bash with a socket for stdin and no SHLVL reads ~/.bashrc first (a remote shell, it thinks)
    const run = spawnSync(shell, [file], { env: { PATH: `${bin}:${process.env["PATH"]}`, FAKE_LOG: log, ...env }, encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "pipe"] });
    // the scripts leave their account-making loop in the background: give it the moment it needs
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && !fs.readFileSync(log, "utf8").includes("DONE")) spawnSync("sleep", ["0.1"]);
    return { log: fs.readFileSync(log, "utf8"), status: run.status, stderr: run.stderr };
}

describe("data services: fences, accounts and probes, as the servers check them", function () {
    this.timeout(600_000);
    before(() => {
        for (const stack of ["aws", "azure", "gcp"] as const) void allServices(stack).catch(() => undefined);
    });

    describe("MLflow (issue 20 §1, §6, §14; issue 18 §5b.6)", () => {
        it("the readiness probe's request passes MLflow's host check (the kubelet's own Host, the pod IP, would get 403)", async () => {
            const plan = await allServices("aws");
            const [server] = podOf(named(plan, "kubernetes:apps/v1:Deployment", "mlflow")).containers;
            const command = server.command ?? [];
            const allowed = command[command.indexOf("--allowed-hosts") + 1].split(",");
            const probe = server.readinessProbe?.httpGet;
            assert.ok(probe, "an HTTP probe");
            assert.ok(probe.path.startsWith(command[command.indexOf("--static-prefix") + 1]), "at the health route --static-prefix moves (not one of the exempt /health, /version)");
            const host = probe.httpHeaders?.find((h) => h.name.toLowerCase() === "host")?.value ?? `10.1.2.3:${String(probe.port)}`;
            assert.ok(mlflowAllowsHost(allowed, host), `MLflow accepts the probe's Host ${host} (allowed: ${allowed.join(", ")})`);
            assert.ok(!mlflowAllowsHost(allowed, `10.1.2.3:${String(probe.port)}`), "a pod IP is not allowed, so the header is what makes the probe pass");
        });

        it("the memory limit holds the workers MLflow is started with", async () => {
            const plan = await allServices("aws");
            const [server] = podOf(named(plan, "kubernetes:apps/v1:Deployment", "mlflow")).containers;
            const workers = Number((server.command ?? [])[(server.command ?? []).indexOf("--workers") + 1]);
            const limitMiB = Number(String(server.resources?.limits?.["memory"]).replace(/Mi$/, ""));
            assert.ok(workers >= 1);
            assert.ok(workers * MLFLOW_WORKER_MIB <= limitMiB, `${workers} worker(s) × ${MLFLOW_WORKER_MIB} MiB fit in ${limitMiB} MiB`);
        });

        it("notebooks reach the API only through the sign-in proxy, with their own hub token; MLflow's own port admits no pod", async () => {
            const plan = await allServices("aws");
            const env = notebookEnv(plan);
            const uri = new URL(String(env.find((e) => e.name === "MLFLOW_TRACKING_URI")?.value));
            assert.equal(env.find((e) => e.name === "MLFLOW_TRACKING_TOKEN")?.value, "$(JUPYTERHUB_API_TOKEN)", "the user's own token, expanded by Kubernetes from KubeSpawner's variable");
            const service = named(plan, "kubernetes:core/v1:Service", "mlflow");
            const ports = input(service, "spec", "ports") as { port: number; targetPort: string }[];
            assert.deepEqual(ports.map((p) => p.targetPort), ["hub-auth"], "the Service publishes the sign-in proxy only");
            assert.equal(Number(uri.port), MLFLOW_PROXY_PORT);
            assert.equal(uri.pathname, MLFLOW_PREFIX, "the hub's prefix, which the proxy serves");
            const deployment = named(plan, "kubernetes:apps/v1:Deployment", "mlflow");
            const pod = podOf(deployment);
            const [, proxy] = pod.containers;
            assert.equal(proxy.env?.find((e) => e.name === "JUPYTERHUB_SERVICE_PREFIX")?.value, `${MLFLOW_PREFIX}/`);
            const scopes = at(hubValues(plan).inputs["values"], "hub", "config", "KubeSpawner", "server_token_scopes") as string[];
            assert.ok(scopes.includes("access:services!service=mlflow"), "the notebook's token carries the scope the proxy checks");
            const [ingress] = selecting(plan, pod.labels, "Ingress");
            const notebook = { labels: { ...USER_CODE_LABELS }, namespace: userNamespaceOf(plan) };
            assert.deepEqual(admittedPorts(ingress, notebook), [MLFLOW_PROXY_PORT], "user code reaches the proxy's port only");
            const namespace = String(input(deployment, "metadata", "namespace"));
            assert.deepEqual(admittedPorts(ingress, { labels: { app: "jupyterhub", component: "proxy", release: "jupyterhub" }, namespace }), [MLFLOW_PROXY_PORT], "the hub's proxy reaches it for the UI");
            assert.deepEqual(admittedPorts(ingress, { labels: { "app.kubernetes.io/name": "dask-gateway" }, namespace }), [], "other platform pods do not");
        });

        it("the sign-in proxy forwards the API under the prefix to MLflow's root and leaves the UI's paths as they are (run here)", () => {
            const dir = signInProxyDir("hub_auth_proxy.py", HUB_AUTH_PROXY);
            const probe = `import hub_auth_proxy as p\nfor uri in ["${MLFLOW_PREFIX}/api/2.0/mlflow/runs/create", "${MLFLOW_PREFIX}/api/2.0/mlflow-artifacts/artifacts/1/a.txt?x=1", "${MLFLOW_PREFIX}/ajax-api/2.0/mlflow/runs/search", "${MLFLOW_PREFIX}/static-files/index.html", "${MLFLOW_PREFIX}/health"]:\n    print(p.upstream_path(uri))\n`;
            const run = spawnSync("python3", ["-c", probe], { cwd: dir, env: { PYTHONPATH: dir, JUPYTERHUB_SERVICE_PREFIX: `${MLFLOW_PREFIX}/`, PATH: process.env["PATH"] }, encoding: "utf8" });
            assert.equal(run.status, 0, run.stderr);
            assert.deepEqual(run.stdout.trim().split("\n"), [
                "/api/2.0/mlflow/runs/create",
                "/api/2.0/mlflow-artifacts/artifacts/1/a.txt?x=1",
                `${MLFLOW_PREFIX}/ajax-api/2.0/mlflow/runs/search`,
                `${MLFLOW_PREFIX}/static-files/index.html`,
                `${MLFLOW_PREFIX}/health`,
            ]);
        });

        it("the artifact destination takes every Azure URL form the platform may publish in the form MLflow's repository for it parses", () => {
            // mlflow/store/artifact/azure_data_lake_artifact_repo.py `_parse_abfss_uri`, azure_blob_artifact_repo.py `parse_wasbs_uri`
            const adls = /^abfss:\/\/([^@]+)@([^.]+)\.dfs\.core\.windows\.net\/mlflow$/;
            const blob = /^wasbs:\/\/([^@]+)@([^.]+)\.blob\.core\.(windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)\/mlflow$/;
            assert.match(artifactDestination("abfs://data@acct.dfs.core.windows.net/"), adls);
            assert.match(artifactDestination("abfss://data@acct.dfs.core.windows.net"), adls);
            assert.match(artifactDestination("wasb://data@acct.blob.core.windows.net/"), blob);
            assert.match(artifactDestination("wasbs://data@acct.blob.core.windows.net/"), blob);
            assert.match(artifactDestination("https://acct.blob.core.windows.net/data"), blob);
            assert.equal(artifactDestination("s3://bucket"), "s3://bucket/mlflow");
            assert.equal(artifactDestination("gs://bucket/"), "gs://bucket/mlflow");
        });
    });

    describe("probes that start no second runtime (issue 20 §7, §9)", () => {
        it("Cassandra's liveness checks the CQL port without nodetool (a second JVM with the server's heap)", async () => {
            const plan = await allServices("aws");
            const [server] = podOf(named(plan, "kubernetes:apps/v1:StatefulSet", "cassandra")).containers;
            const liveness = server.livenessProbe!;
            assert.ok(!(liveness.exec?.command ?? []).join(" ").includes("nodetool"), "no nodetool");
            assert.ok(liveness.tcpSocket, "a TCP check");
            assert.equal(Number(liveness.tcpSocket.port), 9042);
        });

        it("MongoDB's liveness runs no mongosh (Node.js); its readiness runs it at most every 30 s", async () => {
            const plan = await allServices("aws");
            const [server] = podOf(named(plan, "kubernetes:apps/v1:StatefulSet", "mongodb")).containers;
            const uses = (probe: Probe | undefined) => (probe?.exec?.command ?? []).join(" ").includes("mongosh");
            assert.ok(!uses(server.livenessProbe), "liveness without mongosh");
            assert.equal(Number(server.livenessProbe?.tcpSocket?.port), 27017);
            if (uses(server.readinessProbe)) assert.ok((server.readinessProbe?.periodSeconds ?? 10) >= 30, "readiness with mongosh at most every 30 s");
        });
    });

    it("OpenSearch's generated passwords always meet its documented rule and sit in a URL unescaped (issue 20 §8)", async () => {
        const plan = await allServices("aws");
        const passwords = ofType(plan, "random:index/randomPassword:RandomPassword").filter((r) => r.name.startsWith("workbench-opensearch-"));
        assert.ok(passwords.length > 0);
        for (const p of passwords) {
            const i = p.inputs as { length: number; special?: boolean; overrideSpecial?: string; minSpecial?: number; minUpper?: number; minLower?: number; minNumeric?: number };
            // what the generator guarantees, against what the rule requires
            assert.ok(i.length >= 8, `${p.name}: 8 characters at least`);
            assert.ok((i.minUpper ?? 0) >= 1 && (i.minLower ?? 0) >= 1 && (i.minNumeric ?? 0) >= 1, `${p.name}: an upper, a lower, a digit`);
            assert.ok(i.special === true && (i.minSpecial ?? 0) >= 1 && i.overrideSpecial, `${p.name}: a special character always`);
            for (const c of i.overrideSpecial) {
                assert.ok(/[^A-Za-z0-9]/.test(c), `${c} counts as special under the documented rule`);
                assert.ok(URL_SAFE_SPECIALS.includes(c) && encodeURIComponent(c) === c, `${c} needs no escaping in a URL`);
            }
            // the weakest password the constraints allow still passes
            const weakest = "A".repeat(i.minUpper ?? 0) + "a".repeat(i.minLower ?? 0) + "1".repeat(i.minNumeric ?? 0) + i.overrideSpecial[0].repeat(i.minSpecial ?? 0);
            assert.match(weakest.padEnd(i.length, "a"), OPENSEARCH_PASSWORD_RULE);
        }
        assert.doesNotMatch("abcdEFGH1234", OPENSEARCH_PASSWORD_RULE, "letters and digits alone fail the documented rule");
    });

    describe("an ordinary account per database; superusers stay with the server (issue 18 §5b.6)", () => {
        it("notebooks read each URL from a Secret in their own namespace that no server reads its superuser from", async () => {
            const plan = await allServices("aws");
            const userNamespace = userNamespaceOf(plan);
            const env = notebookEnv(plan);
            const workloads = [...ofType(plan, "kubernetes:apps/v1:StatefulSet"), ...ofType(plan, "kubernetes:apps/v1:Deployment")];
            const serverSecrets = new Set(workloads.flatMap((w) => podOf(w).containers.flatMap((c) => (c.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : [])))));
            const helmSecrets = new Set(
                ofType(plan, "kubernetes:helm.sh/v3:Release").flatMap((r) => JSON.stringify(r.inputs["values"]).match(/"secretKeyRef":\{"name":"[^"]+"/g) ?? []).map((m) => m.split('"')[5]),
            );
            for (const db of DATABASES) {
                const ref = env.find((e) => e.name === URL_ENV[db])?.valueFrom?.secretKeyRef;
                assert.ok(ref, `${db}: notebooks get ${URL_ENV[db]} from a Secret`);
                const secret = ofType(plan, "kubernetes:core/v1:Secret").find((s) => input(s, "metadata", "name") === ref.name && input(s, "metadata", "namespace") === userNamespace);
                assert.ok(secret, `${db}: ${ref.name} is in the notebooks' namespace ${userNamespace}`);
                assert.ok(!serverSecrets.has(ref.name) && !helmSecrets.has(ref.name), `${db}: no server reads its credentials from ${ref.name}`);
            }
        });

        it("PostgreSQL: the notebooks' role is the database's owner, and no superuser Secret exists", async () => {
            const plan = await allServices("aws");
            const [cluster] = ofType(plan, "kubernetes:postgresql.cnpg.io/v1:Cluster");
            assert.equal(input(cluster, "spec", "enableSuperuserAccess"), false);
            assert.equal(input(cluster, "spec", "bootstrap", "initdb", "owner"), "workbench", "CloudNativePG's initdb owner: LOGIN, no SUPERUSER, no CREATEROLE");
        });

        it("MongoDB: the init script gives the ordinary user readWrite on its own database only", () => {
            const calls: unknown[] = [];
            const db = { getSiblingDB: (name: string) => ({ createUser: (spec: unknown) => calls.push({ db: name, spec }) }) };
            const process = { env: { MONGODB_APP_USER: "workbench", MONGODB_APP_PASSWORD: "pw" } };
            // mongosh runs the file as JavaScript with `db` and `process` in scope
            new Function("db", "process", MONGODB_INIT_SCRIPT)(db, process);
            assert.deepEqual(calls, [{ db: "admin", spec: { user: "workbench", pwd: "pw", roles: [{ role: "readWrite", db: "workbench" }] } }]);
        });

        it("Cassandra: the start script turns on permission checks and makes a non-superuser role limited to its keyspace (run here)", () => {
            const yaml = path.join(tempDir("cassandra-"), "cassandra.yaml");
            fs.writeFileSync(yaml, "authenticator:\n  class_name: AllowAllAuthenticator\nauthorizer:\n  class_name: AllowAllAuthorizer\n");
            const script = CASSANDRA_START_SCRIPT.replace("/etc/cassandra/cassandra.yaml", yaml);
            const run = runWithFakes(
                script,
                {
                    cqlsh: `echo "cqlsh $*" >> "$FAKE_LOG"; case "$*" in *"GRANT CREATE"*) echo DONE >> "$FAKE_LOG";; esac; exit 0`,
                    "docker-entrypoint.sh": SERVER_UNTIL_DONE,
                },
                { CASSANDRA_PASSWORD: "super", CASSANDRA_APP_USER: CASSANDRA_USER, CASSANDRA_APP_PASSWORD: "apppw" },
            );
            assert.equal(run.status, 0, run.stderr);
            assert.match(fs.readFileSync(yaml, "utf8"), /class_name: PasswordAuthenticator[\s\S]*class_name: CassandraAuthorizer/);
            assert.match(run.log, /CREATE ROLE IF NOT EXISTS workbench WITH PASSWORD = 'apppw' AND LOGIN = true AND SUPERUSER = false/);
            assert.match(run.log, /GRANT ALL PERMISSIONS ON KEYSPACE workbench TO workbench/);
            assert.doesNotMatch(run.log, /SUPERUSER = true|ON ALL ROLES|GRANT ALL PERMISSIONS ON ALL KEYSPACES/);
        });

        it("Elasticsearch: the start script makes a role without security or cluster-admin privileges and its user (run here)", () => {
            const run = runWithFakes(
                ELASTICSEARCH_START_SCRIPT,
                { curl: `printf 'curl %s\\n' "$*" >> "$FAKE_LOG"; case "$*" in *_security/user/*) echo DONE >> "$FAKE_LOG";; esac; exit 0`, tini: SERVER_UNTIL_DONE },
                { ELASTIC_PASSWORD: "super", ES_APP_USER: ELASTICSEARCH_USER, ES_APP_PASSWORD: "apppw" },
            );
            assert.equal(run.status, 0, run.stderr);
            const role = /_security\/role\/workbench -d (\{.*\})/.exec(run.log);
            assert.ok(role, run.log);
            const body = JSON.parse(role[1]) as { cluster: string[]; indices: { names: string[]; privileges: string[]; allow_restricted_indices?: boolean }[] };
            assert.deepEqual(body.cluster, ["monitor"], "cluster: monitor only (no manage, manage_security, all)");
            assert.ok(body.indices.every((i) => i.allow_restricted_indices !== true), "no system indices");
            assert.match(run.log, /_security\/user\/workbench -d \{"password":"apppw","roles":\["workbench"\]\}/);
        });

        it("OpenSearch: the sidecar makes a role without security permissions, its user and the mapping (run here)", () => {
            const run = runWithFakes(
                OPENSEARCH_USER_SCRIPT,
                { curl: `printf 'curl %s\\n' "$*" >> "$FAKE_LOG"; case "$*" in *rolesmapping*) echo DONE >> "$FAKE_LOG";; esac; exit 0`, sleep: "exit 0" },
                { ADMIN_PASSWORD: "super", APP_USER: "workbench", APP_PASSWORD: "app-pw" },
            );
            assert.equal(run.status, 0, run.stderr);
            const role = /api\/roles\/workbench -d (\{.*\})/.exec(run.log);
            assert.ok(role, run.log);
            const body = JSON.parse(role[1]) as { cluster_permissions: string[]; index_permissions: { allowed_actions: string[] }[] };
            assert.deepEqual(body.cluster_permissions, ["cluster_monitor"]);
            assert.ok(!JSON.stringify(body).includes("security"), "nothing of the security plugin");
            assert.match(run.log, /internalusers\/workbench -d \{"password":"app-pw"\}/);
            assert.match(run.log, /rolesmapping\/workbench -d \{"users":\["workbench"\]\}/);
        });

        it("OrientDB: the start script makes the database and a `writer` user in it, not a server user (run here)", () => {
            const run = runWithFakes(
                ORIENTDB_START_SCRIPT,
                { curl: `printf 'curl %s\\n' "$*" >> "$FAKE_LOG"; case "$*" in *UPDATE*) echo DONE >> "$FAKE_LOG";; esac; exit 0`, "server.sh": SERVER_UNTIL_DONE },
                { ORIENTDB_ROOT_PASSWORD: "root", ORIENTDB_APP_DATABASE: "workbench", ORIENTDB_APP_USER: "workbench", ORIENTDB_APP_PASSWORD: "apppw" },
            );
            assert.equal(run.status, 0, run.stderr);
            assert.match(run.log, /database\/workbench\/plocal/);
            assert.match(run.log, /command\/workbench\/sql -d CREATE USER workbench IDENTIFIED BY 'apppw' ROLE writer/);
            assert.doesNotMatch(run.log, /ROLE admin|orientdb-server-config/);
        });
    });

    describe("NetworkPolicies: who reaches a server, and what a server reaches (issue 18 §5b.5, tenancy layout)", () => {
        it("every data server admits user code of the user namespace and named platform pods only", async () => {
            const plan = await allServices("aws");
            const userNamespace = userNamespaceOf(plan);
            const servicePolicies = policies(plan, "Ingress").filter((p) => p.urn.includes("workbench:services:"));
            assert.ok(servicePolicies.length >= 8);
            for (const policy of servicePolicies) {
                for (const rule of input(policy, "spec", "ingress") as Rule[]) {
                    assert.ok(rule.from && rule.from.length > 0, `${policy.name}: every rule names its peers`);
                    for (const peer of rule.from) {
                        const userCode = subset(peer.namespaceSelector?.matchLabels, { [NAMESPACE_NAME_LABEL]: userNamespace }) && JSON.stringify(peer.podSelector?.matchLabels) === JSON.stringify(USER_CODE_LABELS);
                        const namedPlatformPods = peer.namespaceSelector === undefined && Object.keys(peer.podSelector?.matchLabels ?? {}).length > 0;
                        // Ray runs in the user namespace: its one platform peer is KubeRay's operator, named by its chart's label
                        const operatorOfRay =
                            policy.name === "workbench-ray-ingress" &&
                            subset(peer.namespaceSelector?.matchLabels, { [NAMESPACE_NAME_LABEL]: String(plan.outputs["namespace"]) }) &&
                            JSON.stringify(peer.podSelector?.matchLabels) === JSON.stringify({ "app.kubernetes.io/name": "kuberay-operator" });
                        assert.ok(userCode || namedPlatformPods || operatorOfRay, `${policy.name}: ${JSON.stringify(peer)} is user code of ${userNamespace} or named platform pods`);
                    }
                }
            }
        });

        it("notebooks' egress to each database names its pods in the platform namespace", async () => {
            const plan = await allServices("aws");
            // notebooks' egress is the user-code fence in the user namespace (components/tenancy/network-policies.ts)
            const egress = notebookEgress(plan) as Rule[];
            const [cluster] = ofType(plan, "kubernetes:postgresql.cnpg.io/v1:Cluster");
            const platform = String(input(cluster, "metadata", "namespace"));
            const toPostgres = egress.find((r) => r.to?.some((p) => subset(p.podSelector?.matchLabels, { "cnpg.io/cluster": "postgres" })));
            assert.ok(toPostgres?.to?.every((p) => subset(p.namespaceSelector?.matchLabels, { [NAMESPACE_NAME_LABEL]: platform })), "the rule selects the platform namespace, where the server runs");
        });

        it("CloudNativePG's instance manager (8000) admits its operator only; PostgreSQL (5432) user code and MLflow", async () => {
            const plan = await allServices("aws");
            const [cluster] = ofType(plan, "kubernetes:postgresql.cnpg.io/v1:Cluster");
            const namespace = String(input(cluster, "metadata", "namespace"));
            const [policy] = selecting(plan, { "cnpg.io/cluster": "postgres" }, "Ingress");
            const operatorRelease = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs["chart"] === SERVICE_CHARTS.cloudnativePg.chart)!;
            // the chart's pod labels: cloudnative-pg/charts v0.29.0 templates/_helpers.tpl selectorLabels (chart name, release name)
            const operatorPod = { labels: { "app.kubernetes.io/name": "cloudnative-pg", "app.kubernetes.io/instance": String(operatorRelease.inputs["name"]) }, namespace };
            assert.deepEqual(admittedPorts(policy, operatorPod), [8000]);
            assert.deepEqual(admittedPorts(policy, { labels: { ...USER_CODE_LABELS }, namespace: userNamespaceOf(plan) }), [5432], "user code: the database, not the instance manager");
            const mlflow = podOf(named(plan, "kubernetes:apps/v1:Deployment", "mlflow"));
            assert.deepEqual(admittedPorts(policy, { labels: mlflow.labels, namespace }), [5432], "MLflow: its database");
            assert.deepEqual(admittedPorts(policy, { labels: { "app.kubernetes.io/name": "mariadb" }, namespace }), [], "other pods: nothing");
        });

        it("every data server has an egress fence: DNS, its peers, and the API server and bucket only where it needs them", async () => {
            for (const stack of ["aws", "azure"] as const) {
                const plan = await allServices(stack);
                const servers = [...ofType(plan, "kubernetes:apps/v1:StatefulSet"), ...ofType(plan, "kubernetes:apps/v1:Deployment")].filter((w) => w.urn.includes("workbench:services:") && !w.urn.includes("Ray"));
                assert.ok(servers.length >= 6);
                const pods = [...servers.map((w) => ({ what: String(input(w, "metadata", "name")), labels: podOf(w).labels })), { what: "postgres", labels: { "cnpg.io/cluster": "postgres" } }, { what: "opensearch", labels: { "app.kubernetes.io/name": "opensearch", "app.kubernetes.io/instance": "opensearch" } }];
                for (const pod of pods) {
                    const fences = selecting(plan, pod.labels, "Egress").filter((p) => p.urn.includes("workbench:services:"));
                    assert.equal(fences.length, 1, `${stack}: ${pod.what} has its egress fence`);
                    const rules = input(fences[0], "spec", "egress") as Rule[];
                    assert.ok(rules.some((r) => !r.to && r.ports?.every((p) => p.port === 53)), `${stack}: ${pod.what} resolves names`);
                    const publicRules = rules.filter((r) => r.to?.some((p) => p.ipBlock?.cidr === "0.0.0.0/0"));
                    if (!["postgres", "mlflow"].includes(pod.what)) assert.deepEqual(publicRules, [], `${stack}: ${pod.what} reaches no address outside the cluster`);
                    for (const rule of publicRules) assert.ok(rule.to?.every((p) => (p.ipBlock?.except ?? []).includes("169.254.0.0/16")), `${stack}: ${pod.what}: not the metadata server through the public rule`);
                }
                const postgres = input(selecting(plan, { "cnpg.io/cluster": "postgres" }, "Egress")[0], "spec", "egress") as Rule[];
                assert.ok(postgres.some((r) => r.to?.some((p) => p.ipBlock) && r.ports?.some((p) => p.port === 443)), `${stack}: PostgreSQL reaches the bucket (443) for its backups`);
            }
        });
    });

    it("only where the platform's identity lives on the metadata server (GKE) may the bucket's users among the servers reach it", async () => {
        const reachesMetadata = (plan: Plan, labels: Labels) =>
            selecting(plan, labels, "Egress").some((p) => (input(p, "spec", "egress") as Rule[]).some((r) => r.to?.some((peer) => peer.ipBlock?.cidr === "169.254.169.254/32")));
        const postgres = { "cnpg.io/cluster": "postgres" };
        const mlflow = { "app.kubernetes.io/name": "mlflow", "app.kubernetes.io/part-of": "workbench" };
        const gcp = await allServices("gcp");
        assert.ok(reachesMetadata(gcp, postgres) && reachesMetadata(gcp, mlflow), "GKE Workload Identity: PostgreSQL's backups and MLflow's artifacts get their tokens there");
        assert.ok(!reachesMetadata(gcp, { "app.kubernetes.io/name": "mariadb", "app.kubernetes.io/part-of": "workbench" }), "a server without a bucket identity does not");
        for (const stack of ["aws", "azure"] as const) {
            const plan = await allServices(stack);
            assert.ok(!reachesMetadata(plan, postgres) && !reachesMetadata(plan, mlflow), `${stack}: the metadata server (the node's identity) stays closed`);
        }
    });

    describe("CloudNativePG backups (issue 20 §10; Azure workload identity)", () => {
        it("Azure: backups go to the bucket's Blob endpoint through DefaultAzureCredential as the Cluster's own federated account", async () => {
            const plan = await allServices("azure");
            const [cluster] = ofType(plan, "kubernetes:postgresql.cnpg.io/v1:Cluster");
            const store = input(cluster, "spec", "backup", "barmanObjectStore") as { destinationPath: string; azureCredentials: Record<string, unknown> };
            assert.ok(store, "the Cluster backs up");
            assert.deepEqual(store.azureCredentials, { useDefaultAzureCredentials: true }, "barman-cloud --credential default: workload identity from the injected variables");
            assert.match(store.destinationPath, /^https:\/\/[a-z0-9]+\.blob\.core\.windows\.net\/[^/]+\/backups\/postgres$/, "barman-cloud's Azure form");
            const [scheduled] = ofType(plan, "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup");
            assert.equal(input(scheduled, "spec", "suspend"), false);
            const labels = input(cluster, "spec", "inheritedMetadata", "labels") as Labels;
            assert.equal(labels["azure.workload.identity/use"], "true", "AKS's webhook injects the token into the instance pods");
            const clientId = input(cluster, "spec", "serviceAccountTemplate", "metadata", "annotations", "azure.workload.identity/client-id");
            assert.ok(clientId, "the Cluster's account names its identity");
            const subject = `system:serviceaccount:${String(input(cluster, "metadata", "namespace"))}:${String(input(cluster, "metadata", "name"))}`;
            const federated = plan.resources.filter((r) => /FederatedIdentityCredential/.test(r.type) && JSON.stringify(r.inputs).includes(subject));
            assert.equal(federated.length, 1, `one federated credential trusts ${subject}`);
            const blob = azureBlobUrl("abfs://data@acct.dfs.core.windows.net/");
            assert.equal(blob, "https://acct.blob.core.windows.net/data");
        });

        it("in-tree Barman Cloud backups come with a warning naming the CloudNativePG release that removes them", async () => {
            const plan = await allServices("aws");
            const [cluster] = ofType(plan, "kubernetes:postgresql.cnpg.io/v1:Cluster");
            assert.ok(input(cluster, "spec", "backup", "barmanObjectStore"));
            const warning = plan.warnings.find((w) => w.includes("barmanObjectStore"));
            assert.ok(warning, "the plan warns");
            assert.ok(warning.includes(CNPG_IN_TREE_BARMAN_REMOVED_IN) && warning.includes(CNPG_VERSION));
            const operator = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs["chart"] === SERVICE_CHARTS.cloudnativePg.chart)!;
            assert.equal(operator.inputs["version"], "0.29.0", `chart 0.29.0 is CloudNativePG ${CNPG_VERSION} (the release the warning quotes)`);
        });
    });

    it("switching a service off keeps its data: database custom resources and claims are retained on delete (issue 19)", async () => {
        const plan = await allServices("aws");
        for (const type of ["kubernetes:postgresql.cnpg.io/v1:Cluster", "kubernetes:postgresql.cnpg.io/v1:Database"]) {
            for (const r of ofType(plan, type)) assert.equal(r.retainOnDelete, true, `${r.name} is retained on delete (CloudNativePG owns the claims: deleting the Cluster deletes them)`);
        }
        for (const set of ofType(plan, "kubernetes:apps/v1:StatefulSet").filter((s) => s.urn.includes("workbench:services:"))) {
            assert.equal(input(set, "spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"), "Retain", `${set.name}: its claims outlive it`);
        }
        const local = await runPlan("local", { stackFile: variantStackFile("local", { "workbench:services": { postgres: true, mlflow: true }, "workbench:backups": { optOut: ["homes", "postgres"] } }) });
        assert.equal(local.status, 0, local.stderr);
        const claims = ofType(local.document, "kubernetes:core/v1:PersistentVolumeClaim").filter((c) => c.urn.includes("workbench:services:"));
        assert.ok(claims.length > 0, "MLflow keeps artifacts on a claim without a bucket");
        for (const claim of claims) assert.equal(claim.retainOnDelete, true, `${claim.name} is retained on delete`);
    });

    it("Elasticsearch runs without the machine-learning controller (issue 20 §12)", async () => {
        const plan = await allServices("aws");
        const [server] = podOf(named(plan, "kubernetes:apps/v1:StatefulSet", "elasticsearch")).containers;
        assert.equal(server.env?.find((e) => e.name === "xpack.ml.enabled")?.value, "false");
    });
});
