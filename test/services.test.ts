import { notebookEgress } from "./tenancy-fixtures";
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { isValueMap, ValueMap } from "../components/helm/merge";
import { DataServiceName } from "../components/services/catalog";
import { SPARK_EXAMPLE_CONFIGMAP, SPARK_EXAMPLE_KEY } from "../components/spark/operator";
import { CHARTS, SERVICE_CHARTS } from "../components/versions";
import { ARGO_CONTROLLER_POD_LABELS, ARGO_SERVER_POD_LABELS } from "../components/services/workflows";
import type { Plan, PlannedResource } from "../plan/types";
import { input, ofType, runPlan, variantStackFile } from "./harness";
import { at } from "./k8s-checks";
import { descendantsOf, valuesOf } from "./shared-layer-fixtures";
import { BASE_STACKS, CASES, planCase, releaseValues, serviceComponent } from "./services-fixtures";

type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
type Labels = Record<string, string>;
type Rule = { to?: { podSelector?: { matchLabels?: Labels }; namespaceSelector?: { matchLabels?: Labels } }[]; ports?: { port: number }[] };

/** The variable each service documents (docs/services.md), and whether its value comes from a Secret. */
const VARIABLES: Record<DataServiceName, { name: string; secret: boolean }[]> = {
    postgres: [{ name: "WORKBENCH_POSTGRES_URL", secret: true }],
    mariadb: [{ name: "WORKBENCH_MARIADB_URL", secret: true }],
    mongodb: [{ name: "WORKBENCH_MONGODB_URL", secret: true }],
    opensearch: [{ name: "WORKBENCH_OPENSEARCH_URL", secret: true }],
    elasticsearch: [{ name: "WORKBENCH_ELASTICSEARCH_URL", secret: true }],
    cassandra: [{ name: "WORKBENCH_CASSANDRA_URL", secret: true }],
    orientdb: [{ name: "WORKBENCH_ORIENTDB_URL", secret: true }],
    ray: [{ name: "RAY_ADDRESS", secret: false }, { name: "RAY_AUTH_TOKEN", secret: true }],
    // MLflow's API is reached through the hub's sign-in with the user's own hub token; its database's URL comes with it
    mlflow: [{ name: "MLFLOW_TRACKING_URI", secret: false }, { name: "WORKBENCH_POSTGRES_URL", secret: true }],
    // pipelines: the Argo server through the hub's sign-in (docs/pipelines.md)
    workflows: [{ name: "WORKBENCH_WORKFLOWS_URL", secret: false }, { name: "WORKBENCH_WORKFLOWS_NAMESPACE", secret: false }],
};

/** A server pod as the plan describes it, whatever made it (StatefulSet, Deployment, operator resource, chart). */
interface Server {
    what: string;
    podLabels: Labels;
    nodeSelector: unknown;
    tolerations: unknown;
    requests: unknown;
    /** The storage class of its volume; undefined for stateless servers. */
    storageClass?: unknown;
}

function serversOf(below: PlannedResource[]): Server[] {
    return below.flatMap((r): Server[] => {
        const spec = (...path: string[]) => input(r, "spec", ...path);
        switch (r.type) {
            case "kubernetes:apps/v1:StatefulSet":
            case "kubernetes:apps/v1:Deployment":
                return [{
                    what: r.type,
                    podLabels: spec("template", "metadata", "labels") as Labels,
                    nodeSelector: spec("template", "spec", "nodeSelector"),
                    tolerations: spec("template", "spec", "tolerations"),
                    requests: at(spec("template", "spec", "containers"), 0, "resources", "requests"),
                    storageClass: at(spec("volumeClaimTemplates"), 0, "spec", "storageClassName"),
                }];
            case "kubernetes:postgresql.cnpg.io/v1:Cluster":
                return [{
                    what: "CloudNativePG Cluster",
                    podLabels: { "cnpg.io/cluster": String(input(r, "metadata", "name")) },
                    nodeSelector: spec("affinity", "nodeSelector"),
                    tolerations: spec("affinity", "tolerations"),
                    requests: spec("resources", "requests"),
                    storageClass: spec("storage", "storageClass"),
                }];
            case "kubernetes:ray.io/v1:RayCluster":
                return [{
                    what: "Ray head",
                    podLabels: { ...(spec("headGroupSpec", "template", "metadata", "labels") as Labels), "ray.io/cluster": String(input(r, "metadata", "name")), "ray.io/node-type": "head" },
                    nodeSelector: spec("headGroupSpec", "template", "spec", "nodeSelector"),
                    tolerations: spec("headGroupSpec", "template", "spec", "tolerations"),
                    requests: at(spec("headGroupSpec", "template", "spec", "containers"), 0, "resources", "requests"),
                }];
            case "kubernetes:helm.sh/v3:Release": {
                const values = releaseValues(r);
                // Argo Workflows' chart places its controller and server each under its own key (charts/argo-workflows values.yaml)
                if (r.inputs["chart"] === SERVICE_CHARTS.argoWorkflows.chart) {
                    return ([["controller", ARGO_CONTROLLER_POD_LABELS], ["server", ARGO_SERVER_POD_LABELS]] as const).map(([part, podLabels]) => ({
                        what: `argo-workflows ${part}`,
                        podLabels: { ...podLabels },
                        nodeSelector: at(values, part, "nodeSelector"),
                        tolerations: at(values, part, "tolerations"),
                        requests: at(values, part, "resources", "requests"),
                    }));
                }
                return [{
                    what: `${String(r.inputs["chart"])} release`,
                    // the selector labels every chart here puts on its pods
                    podLabels: { "app.kubernetes.io/name": String(r.inputs["chart"]), "app.kubernetes.io/instance": String(r.inputs["name"]) },
                    nodeSelector: values["nodeSelector"],
                    tolerations: values["tolerations"],
                    requests: at(values, "resources", "requests"),
                    storageClass: at(values, "persistence", "storageClass"),
                }];
            }
            default:
                return [];
        }
    });
}

const hubValues = (plan: Plan) => valuesOf(plan, CHARTS.jupyterhub.chart);
const notebookEnv = (plan: Plan) => Object.values(at(hubValues(plan), "singleuser", "extraEnv") as Record<string, EnvVar>);
const subset = (selector: Labels, labels: Labels) => Object.entries(selector).every(([k, v]) => labels[k] === v);

function sparkPodEnv(plan: Plan): EnvVar[] {
    const configMap = ofType(plan, "kubernetes:core/v1:ConfigMap").find((r) => input(r, "metadata", "name") === SPARK_EXAMPLE_CONFIGMAP);
    assert.ok(configMap, "the Spark example is in the cluster");
    const manifest: unknown = parse(String(input(configMap, "data", SPARK_EXAMPLE_KEY)));
    assert.ok(isValueMap(manifest));
    const driver = at(manifest, "spec", "driver", "env") as EnvVar[];
    const executor = at(manifest, "spec", "executor", "env") as EnvVar[];
    // a variable both driver and executors get
    return driver.filter((d) => executor.some((e) => e.name === d.name));
}

function daskPodEnv(plan: Plan): EnvVar[] {
    const values = valuesOf(plan, CHARTS.daskGateway.chart);
    const scheduler = at(values, "gateway", "backend", "scheduler", "extraContainerConfig", "env") as EnvVar[];
    const worker = at(values, "gateway", "backend", "worker", "extraContainerConfig", "env") as EnvVar[];
    return scheduler.filter((s) => worker.some((w) => w.name === s.name));
}

/** A Secret of the plan has this key (in stringData, hidden as a secret, or data). */
function secretHasKey(plan: Plan, ref: { name: string; key: string }): boolean {
    return ofType(plan, "kubernetes:core/v1:Secret").some((s) => {
        if (input(s, "metadata", "name") !== ref.name) return false;
        const data = (s.inputs["stringData"] ?? s.inputs["data"]) as unknown;
        // a wholly secret map hides its keys; the Secret's name is then what can be checked
        return data === "[secret]" || (isValueMap(data) && ref.key in data);
    });
}

describe("data services: each alone and all together, on every landed platform", function () {
    // some twenty plans share the machine's cores; they start when this suite does (not at load, where
    // they would queue ahead of every other file's plans)
    this.timeout(600_000);
    before(() => {
        for (const c of CASES) void planCase(c).catch(() => undefined);
    });
    for (const c of CASES) {
        describe(c.label, () => {
            it("plans; where the always-on pool is too small it first fails naming the size, and that size plans", async () => {
                const result = await planCase(c);
                assert.ok(result.plan.resources.length > 0);
                if (result.resized) {
                    const registered = result.resized.failed.document.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
                    assert.deepEqual(registered.map((r) => r.urn), [], "the failed plan registered nothing but the Stack");
                }
            });

            for (const service of c.services) {
                it(`${service}: notebooks, Dask and Spark pods get its variables, by Secret reference where secret`, async () => {
                    const { plan } = await planCase(c);
                    for (const variable of VARIABLES[service]) {
                        for (const [where, env] of [["notebooks", notebookEnv(plan)], ["Dask", daskPodEnv(plan)], ["Spark", sparkPodEnv(plan)]] as const) {
                            const found = env.find((e) => e.name === variable.name);
                            assert.ok(found, `${where} get ${variable.name}`);
                            // made from the hub's per-user token: only notebooks have it
                            if (service === "mlflow") assert.equal(env.some((e) => e.name === "MLFLOW_TRACKING_TOKEN"), where === "notebooks", `${where}: MLFLOW_TRACKING_TOKEN only where a hub token exists`);
                            if (variable.secret) {
                                const ref = found.valueFrom?.secretKeyRef;
                                assert.ok(ref, `${where}: ${variable.name} comes from a Secret`);
                                assert.equal(found.value, undefined);
                                assert.ok(secretHasKey(plan, ref), `the Secret ${ref.name} the variable names is planned`);
                            }
                        }
                    }
                });

                it(`${service}: its server sits on the always-on pool with requests, its volume on the retained class`, async () => {
                    const { plan } = await planCase(c);
                    const component = serviceComponent(plan, service);
                    assert.ok(component, `${service} is deployed`);
                    const servers = serversOf(descendantsOf(plan, component));
                    assert.ok(servers.length > 0, `${service} runs a server`);
                    const system = { nodeSelector: at(hubValues(plan), "hub", "nodeSelector"), tolerations: at(hubValues(plan), "hub", "tolerations") };
                    const retained = at(hubValues(plan), "singleuser", "storage", "dynamic", "storageClass");
                    for (const server of servers) {
                        assert.deepEqual(server.nodeSelector, system.nodeSelector, `${server.what} uses the system pool's selector (as the hub)`);
                        assert.deepEqual(server.tolerations ?? [], system.tolerations ?? [], `${server.what} tolerates as the hub does`);
                        assert.ok(isValueMap(server.requests) && server.requests["cpu"] && server.requests["memory"], `${server.what} requests CPU and memory`);
                        if (server.storageClass !== undefined) assert.equal(server.storageClass, retained, `${server.what} keeps its data on the retained class (the homes')`);
                    }
                    if (!["ray", "mlflow", "workflows"].includes(service)) {
                        assert.ok(servers.some((s) => s.storageClass !== undefined), `${service} keeps its data on a volume`);
                    }
                });

                it(`${service}: notebooks may reach exactly its pods and port, and its own policy admits user code and named platform pods only`, async () => {
                    const { plan } = await planCase(c);
                    const component = serviceComponent(plan, service)!;
                    const below = descendantsOf(plan, component);
                    const policies = below.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && (input(r, "spec", "policyTypes") as string[]).includes("Ingress"));
                    assert.equal(policies.length, 1, `${service} has its own ingress NetworkPolicy`);
                    const policy = policies[0];
                    assert.deepEqual(input(policy, "spec", "policyTypes"), ["Ingress"]);
                    const ingress = input(policy, "spec", "ingress") as { from: { podSelector?: { matchLabels?: Labels }; namespaceSelector?: { matchLabels?: Labels } }[]; ports?: { port: number }[] }[];
                    // only named pods of the workbench's namespaces; from another namespace, user code only
                    const workbenchNamespaces = [String(plan.outputs["namespace"]), String(plan.outputs["userNamespace"])];
                    for (const rule of ingress) {
                        for (const peer of rule.from) {
                            assert.ok(Object.keys(peer.podSelector?.matchLabels ?? {}).length > 0, "named pods, never every pod");
                            if (peer.namespaceSelector) {
                                assert.ok(workbenchNamespaces.includes(peer.namespaceSelector.matchLabels?.["kubernetes.io/metadata.name"] ?? ""), "only pods of the workbench's namespaces");
                                // from another namespace: user code, or (Ray, which runs with users' code) KubeRay's operator
                                const operator = service === "ray" && peer.podSelector?.matchLabels?.["app.kubernetes.io/name"] === "kuberay-operator";
                                assert.ok(operator || peer.podSelector?.matchLabels?.["workbench.io/user-code"] === "true", "from another namespace: user code only");
                            }
                        }
                    }
                    const selected = input(policy, "spec", "podSelector", "matchLabels") as Labels;
                    const servers = serversOf(below);
                    assert.ok(servers.some((s) => subset(selected, s.podLabels)), "the policy selects the service's server pods");

                    const egress = notebookEgress(plan) as Rule[];
                    const toService = egress.filter((rule) => {
                        const labels = rule.to?.[0]?.podSelector?.matchLabels;
                        return labels !== undefined && servers.some((s) => subset(labels, s.podLabels));
                    });
                    assert.ok(toService.length > 0, "notebooks' egress names the service's pods");
                    // the ports notebooks are admitted on: from the user namespace (a platform service), or, for a service
                    // running beside the notebooks (Ray, in the user namespace), from the notebooks' own pods
                    const fromNotebooks = (peer: { podSelector?: { matchLabels?: Labels }; namespaceSelector?: { matchLabels?: Labels } }) =>
                        peer.namespaceSelector
                            ? peer.podSelector?.matchLabels?.["workbench.io/user-code"] === "true"
                            : service === "ray" && peer.podSelector?.matchLabels?.["component"] === "singleuser-server";
                    const admitted = ingress.filter((rule) => rule.from.some(fromNotebooks)).flatMap((rule) => rule.ports?.map((p) => p.port) ?? []);
                    for (const rule of toService) {
                        assert.ok(rule.ports && rule.ports.length > 0, "egress is opened to ports, not to every port");
                        for (const { port } of rule.ports) assert.ok(admitted.length === 0 || admitted.includes(port), `port ${port} is one the service admits from user code`);
                    }
                });
            }

            it("no generated credential appears in plain text anywhere in the plan", async () => {
                const { plan } = await planCase(c);
                const text = JSON.stringify(plan);
                assert.ok(!/mock-password-/.test(text), "the random passwords' values (mock-password-…) are hidden");
            });
        });
    }
});

describe("data services: switched off, unknown, or too big for the always-on pool", function () {
    this.timeout(600_000);
    for (const { stack } of BASE_STACKS) {
        it(`${stack}: with the services off (as shipped) nothing of them is planned`, async () => {
            const run = await runPlan(stack);
            assert.equal(run.status, 0);
            const types = run.document.resources.map((r) => r.type);
            assert.ok(!types.some((t) => t.startsWith("workbench:services:")), "no service component");
            assert.ok(!types.some((t) => /cnpg|ray\.io/.test(t)), "no operator resources");
            const servicePolicies = run.document.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && r.urn.includes("workbench:services:"));
            assert.deepEqual(servicePolicies.map((r) => r.name), [], "no service policies");
            const charts = ofType(run.document, "kubernetes:helm.sh/v3:Release").map((r) => r.inputs["chart"]);
            for (const chart of ["cloudnative-pg", "opensearch", "kuberay-operator"]) assert.ok(!charts.includes(chart));
        });
    }

    it("an unknown service name fails, listing the known ones, and registers nothing", async () => {
        const run = await runPlan("aws", { stackFile: variantStackFile("aws", { "workbench:services": { postgress: true } }) });
        assert.notEqual(run.status, 0);
        const problem = run.document.problems?.find((p) => p.key === "workbench:services.postgress");
        assert.ok(problem, JSON.stringify(run.document.problems));
        for (const known of ["postgres", "mariadb", "mongodb", "opensearch", "elasticsearch", "cassandra", "orientdb", "ray", "mlflow"]) {
            assert.ok(problem.allowed.includes(known), `lists ${known}: ${problem.allowed}`);
        }
        assert.deepEqual(run.document.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
    });

    it("every service on the default small system node fails with the size to choose, and registers nothing", async () => {
        // the all-services case's first plan, on the shipped (small) system pool
        const { resized } = await planCase(CASES.find((c) => c.label === "aws+all")!);
        assert.ok(resized, "every service does not fit the shipped system pool");
        const run = resized.failed;
        assert.notEqual(run.status, 0);
        const problem = run.document.problems?.find((p) => p.key === "workbench:systemPool.size");
        assert.ok(problem, JSON.stringify(run.document.problems));
        assert.match(problem.allowed, /choose systemPool\.size (medium|large|xlarge)/);
        assert.ok(run.stderr.includes("workbench:systemPool.size"));
        assert.deepEqual(run.document.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.urn), []);
    });
});

describe("data services: wiring between the pieces", function () {
    this.timeout(600_000);
    const allOn = (stack: string) => CASES.find((c) => c.label === `${stack}+all`)!;

    it("PostgreSQL backs up daily to the bucket as its own ServiceAccount, whose identity is not the notebooks'", async () => {
        const { plan } = await planCase(allOn("aws"));
        const [cluster] = ofType(plan, "kubernetes:postgresql.cnpg.io/v1:Cluster");
        const [scheduled] = ofType(plan, "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup");
        assert.equal(input(scheduled, "spec", "cluster", "name"), input(cluster, "metadata", "name"), "the schedule names the Cluster");
        assert.equal((String(input(scheduled, "spec", "schedule")).split(" ")).length, 6, "CloudNativePG's cron has six fields");
        assert.equal(input(scheduled, "spec", "suspend"), false);
        const store = input(cluster, "spec", "backup", "barmanObjectStore") as ValueMap;
        assert.match(String(store["destinationPath"]), /^s3:\/\/.+\/backups\/postgres$/);
        assert.match(String(input(cluster, "spec", "backup", "retentionPolicy")), /^\d+d$/);
        // CloudNativePG runs the instance as a ServiceAccount named after the Cluster: the role must trust exactly it
        const roleArn = String(input(cluster, "spec", "serviceAccountTemplate", "metadata", "annotations", "eks.amazonaws.com/role-arn"));
        const roles = ofType(plan, "aws:iam/role:Role");
        const trusting = (subject: string) => roles.filter((r) => String(r.inputs["assumeRolePolicy"]).includes(subject));
        const postgresRole = trusting(`system:serviceaccount:workbench:${String(input(cluster, "metadata", "name"))}"`);
        assert.equal(postgresRole.length, 1, "one role trusts the Cluster's ServiceAccount");
        assert.ok(roleArn.includes(`role/${postgresRole[0].name}-`), `${roleArn} is that role (${postgresRole[0].name})`);
        const notebookRole = trusting("system:serviceaccount:workbench:workbench-user\"");
        assert.notEqual(postgresRole[0].urn, notebookRole[0]?.urn);
    });

    it("PostgreSQL on a stack without a bucket plans without backups and says so", async () => {
        const { plan } = await planCase(allOn("local"));
        const [cluster] = ofType(plan, "kubernetes:postgresql.cnpg.io/v1:Cluster");
        assert.equal(input(cluster, "spec", "backup"), undefined);
        assert.ok(plan.warnings.some((w) => /PostgreSQL backups are off/.test(w)));
    });

    it("MLflow keeps its metadata in its own PostgreSQL database and its UI behind the hub's sign-in", async () => {
        const { plan } = await planCase(allOn("aws"));
        const [database] = ofType(plan, "kubernetes:postgresql.cnpg.io/v1:Database");
        const [cluster] = ofType(plan, "kubernetes:postgresql.cnpg.io/v1:Cluster");
        assert.equal(input(database, "spec", "cluster", "name"), input(cluster, "metadata", "name"));
        const roles = input(cluster, "spec", "managed", "roles") as { name: string; passwordSecret: { name: string } }[];
        assert.ok(roles.some((r) => r.name === input(database, "spec", "owner")), "the database's owner is a managed role");
        const deployment = ofType(plan, "kubernetes:apps/v1:Deployment").find((d) => input(d, "metadata", "name") === "mlflow")!;
        const [server, proxy] = input(deployment, "spec", "template", "spec", "containers") as { command: string[]; env: EnvVar[] }[];
        const backend = server.env.find((e) => e.name === "MLFLOW_BACKEND_STORE_URI")!;
        assert.equal(backend.valueFrom?.secretKeyRef?.name, roles[0].passwordSecret.name, "MLflow signs in as that role");
        const hub = hubValues(plan);
        const registered = at(hub, "hub", "services", "mlflow", "url") as string;
        assert.match(registered, /:8000$/, "the hub proxies /services/mlflow/ to the sign-in proxy");
        const prefix = proxy.env.find((e) => e.name === "JUPYTERHUB_SERVICE_PREFIX")?.value;
        assert.equal(prefix, "/services/mlflow/");
        const staticPrefix = server.command[server.command.indexOf("--static-prefix") + 1];
        assert.equal(`${staticPrefix}/`, prefix, "MLflow serves under the prefix the hub proxies");
        // notebooks call the API through the sign-in proxy under the hub's prefix; the proxy forwards <prefix>/api/… to
        // MLflow's root, where --static-prefix leaves the REST API (mlflow/server/handlers.py _get_rest_path)
        const uri = new URL(notebookEnv(plan).find((e) => e.name === "MLFLOW_TRACKING_URI")!.value!);
        assert.equal(`${uri.pathname}/`, prefix, "the client appends /api/2.0/... to the proxied prefix");
        const service = ofType(plan, "kubernetes:core/v1:Service").find((r) => input(r, "metadata", "name") === "mlflow")!;
        assert.equal(uri.hostname.split(".")[0], input(service, "metadata", "name"));
        const port = (input(service, "spec", "ports") as { port: number; targetPort: string }[]).find((p) => p.port === Number(uri.port));
        assert.equal(port?.targetPort, "hub-auth", "the URI's port reaches the sign-in proxy, which checks the user's hub token");
        const scopes = at(hub, "hub", "loadRoles", "user", "scopes") as string[];
        assert.ok(scopes.includes("access:services!service=mlflow"), "users may use the service once signed in");
        const serviceAccount = String(input(deployment, "spec", "template", "spec", "serviceAccountName"));
        assert.notEqual(serviceAccount, "workbench-user", "MLflow's artifacts use their own account");
    });

    it("Ray's workers start from zero on the user pool and on each GPU pool, running users' code fenced as notebooks", async () => {
        const { plan } = await planCase(allOn("aws"));
        const [rayCluster] = ofType(plan, "kubernetes:ray.io/v1:RayCluster");
        const groups = input(rayCluster, "spec", "workerGroupSpecs") as { groupName: string; minReplicas: number; replicas: number; template: { metadata: { labels: Labels }; spec: { nodeSelector: Labels; containers: { resources: { limits: Labels } }[] } } }[];
        const hub = hubValues(plan);
        const userSelector = at(hub, "singleuser", "nodeSelector") as Labels;
        assert.deepEqual(groups[0].template.spec.nodeSelector, userSelector, "the CPU group on the user pool");
        const gpuProfiles = (at(hub, "singleuser", "profileList") as { kubespawner_override: { node_selector?: Labels } }[]).flatMap((p) => (p.kubespawner_override.node_selector ? [p.kubespawner_override.node_selector] : []));
        for (const group of groups) {
            assert.equal(group.minReplicas, 0);
            assert.equal(group.replicas, 0);
            assert.equal(group.template.metadata.labels["workbench.io/user-code"], "true");
        }
        const gpuGroups = groups.filter((g) => g.groupName.startsWith("gpu-"));
        assert.equal(gpuGroups.length, 1, "one group per GPU pool");
        assert.ok(gpuProfiles.some((selector) => subset(selector, gpuGroups[0].template.spec.nodeSelector)), "the GPU group lands where the GPU profile does");
        assert.equal(gpuGroups[0].template.spec.containers[0].resources.limits["nvidia.com/gpu"], "1");
        const workerEnv = (groups[0].template.spec.containers[0] as unknown as { env: EnvVar[] }).env;
        assert.deepEqual(workerEnv.find((e) => e.name === "WORKBENCH_POSTGRES_URL"), notebookEnv(plan).find((e) => e.name === "WORKBENCH_POSTGRES_URL"), "Ray tasks reach PostgreSQL as notebooks do");
        // KubeRay (v1.7.0 raycluster_types.go) reads the token from authOptions.secretName, key `auth_token`
        const token = notebookEnv(plan).find((e) => e.name === "RAY_AUTH_TOKEN")?.valueFrom?.secretKeyRef;
        assert.deepEqual(token, { name: input(rayCluster, "spec", "authOptions", "secretName"), key: "auth_token" }, "notebooks hold the cluster's token");
        assert.equal(input(rayCluster, "spec", "authOptions", "mode"), "token");
        const head = input(rayCluster, "spec", "headGroupSpec", "template", "metadata", "labels") as Labels;
        assert.equal(head["workbench.io/user-code"], "true");
        assert.equal(input(rayCluster, "spec", "rayVersion"), String(at(input(rayCluster, "spec", "headGroupSpec", "template", "spec", "containers"), 0, "image")).split(":")[1].split("-")[0], "the image is the declared Ray version");
    });
});
