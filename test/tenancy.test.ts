import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Plan, PlannedResource } from "../plan/types";
import { USER_CODE_LABELS } from "../components/labels";
import { S3CompatibleStore } from "../providers/existing/object-store";
import { CHARTS } from "../components/versions";
import { RESTRICTED_NAMESPACE_LABELS } from "../components/tenancy/zones";
import { input, ofType, PROJECT_DIR, runPlan } from "./harness";
import { at } from "./k8s-checks";
import { PLACED_SCENARIO, planOfScenario, valuesOf } from "./shared-layer-fixtures";
import { notebookLabels, personalConnectOf, policiesSelecting, userNamespaceOf } from "./tenancy-fixtures";

/*
 * DESIGN §5b on every shipped stack and the all-services variant, read from the rendered plan: the user
 * namespace enforces Pod Security restricted and holds no platform Secret; every role an account of the user
 * namespace holds is one the workbench declared; pods that need no API mount no token; every kind of
 * user-code pod has its own ingress policy.
 */

const ALL_SERVICES = path.join(PROJECT_DIR, "test", "stacks", "Pulumi.all-services.yaml");

const STACKS: Array<{ label: string; plan: () => Promise<Plan> }> = [
    ...["aws", "gcp", "azure", "local"].map((stack) => ({ label: stack, plan: async () => (await runPlan(stack)).document })),
    { label: "all-services (aws)", plan: async () => (await runPlan("aws", { stackFile: ALL_SERVICES })).document },
];

type Rule = { apiGroups?: string[]; resources?: string[]; verbs?: string[] };

/** The Roles bound to a ServiceAccount in the plan (RoleBindings and ClusterRoleBindings naming it), with their rules. */
function rolesOf(plan: Plan, account: { namespace: string; name: string }): Array<{ binding: PlannedResource; rules: Rule[] }> {
    const bindings = [...ofType(plan, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"), ...ofType(plan, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")];
    const roles = [...ofType(plan, "kubernetes:rbac.authorization.k8s.io/v1:Role"), ...ofType(plan, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")];
    return bindings
        .filter((b) => ((input(b, "subjects") ?? []) as Array<{ kind: string; namespace?: string; name: string }>).some((s) => s.kind === "ServiceAccount" && s.namespace === account.namespace && s.name === account.name))
        .map((binding) => {
            const ref = input(binding, "roleRef") as { kind: string; name: string };
            const role = roles.find((r) => input(r, "metadata", "name") === ref.name && (ref.kind === "ClusterRole" || input(r, "metadata", "namespace") === input(binding, "metadata", "namespace")));
            assert.ok(role, `${String(input(binding, "metadata", "name"))} binds a Role the plan declares (${ref.kind} ${ref.name})`);
            return { binding, rules: (input(role, "rules") ?? []) as Rule[] };
        });
}

/** Whether a rule grants a verb on a core resource. */
function grants(rule: Rule, resource: string, verbs: string[]): boolean {
    const groups = rule.apiGroups ?? [];
    const resources = rule.resources ?? [];
    return (groups.includes("") || groups.includes("*")) && (resources.includes(resource) || resources.includes("*")) && verbs.some((v) => (rule.verbs ?? []).includes(v) || (rule.verbs ?? []).includes("*"));
}

/** The ServiceAccounts of the user namespace. */
function userAccounts(plan: Plan): PlannedResource[] {
    return ofType(plan, "kubernetes:core/v1:ServiceAccount").filter((sa) => input(sa, "metadata", "namespace") === userNamespaceOf(plan));
}

for (const stack of STACKS) {
    describe(`tenancy (DESIGN §5b): ${stack.label}`, () => {
        it("two zones: the user namespace enforces Pod Security restricted, is retained, and holds no platform Secret", async () => {
            const plan = await stack.plan();
            const users = userNamespaceOf(plan);
            const platform = String(at(plan.outputs, "namespace"));
            assert.notEqual(users, platform);
            const namespace = ofType(plan, "kubernetes:core/v1:Namespace").find((n) => input(n, "metadata", "name") === users);
            assert.ok(namespace, "the user namespace is planned");
            const labels = input(namespace, "metadata", "labels") as Record<string, string>;
            for (const mode of ["enforce", "audit", "warn"]) assert.equal(labels[`pod-security.kubernetes.io/${mode}`], "restricted", mode);
            assert.deepEqual(labels, { ...RESTRICTED_NAMESPACE_LABELS });
            assert.equal(namespace.retainOnDelete, true, "homes live there: forgetting the namespace never deletes them");
            // Secrets in the user namespace: only the users' own (an S3-compatible key of their account, Ray's shared token,
            // each database's ordinary account for notebooks, §5b.6: the superusers' Secrets stay in the platform namespace,
            // test/services-fences.test.ts)
            const secrets = ofType(plan, "kubernetes:core/v1:Secret").filter((s) => input(s, "metadata", "namespace") === users).map((s) => String(input(s, "metadata", "name")));
            for (const name of secrets) assert.match(name, /^(.*-object-store|ray-auth-token|[a-z]+-client)$/, `${name} is no platform credential`);
            // the hub starts notebooks there, and the getting-started files they run come from there, marked as the platform's
            const hub = valuesOf(plan, CHARTS.jupyterhub.chart);
            assert.equal(at(hub, "hub", "config", "KubeSpawner", "namespace"), users);
            // notebooks reach the hub across namespaces, and the hub and proxy reach them (z2jh's own rules see one namespace)
            assert.equal(at(hub, "hub", "config", "JupyterHub", "hub_connect_url"), `http://hub.${platform}.svc.cluster.local:8081`);
            const inUsers = { "kubernetes.io/metadata.name": users };
            assert.deepEqual(at(hub, "hub", "networkPolicy", "ingress", 0, "from", 0, "namespaceSelector", "matchLabels"), inUsers);
            for (const egress of [at(hub, "hub", "networkPolicy", "egress", 0), at(hub, "proxy", "chp", "networkPolicy", "egress", 0)]) {
                assert.deepEqual(at(egress, "to", 0, "namespaceSelector", "matchLabels"), inUsers);
                assert.deepEqual(at(egress, "ports", 0, "port"), 8888);
            }
            const gettingStarted = ofType(plan, "kubernetes:core/v1:ConfigMap").find((c) => String(input(c, "metadata", "name")).endsWith("getting-started"));
            assert.ok(gettingStarted);
            assert.equal(input(gettingStarted, "metadata", "namespace"), users);
            assert.equal((input(gettingStarted, "metadata", "labels") as Record<string, string>)["workbench.io/platform"], "true");
        });

        it("no Kubernetes power in user code: every role of a user-namespace account is declared, none reads Secrets, only the Spark driver creates pods", async () => {
            const plan = await stack.plan();
            const users = userNamespaceOf(plan);
            const hub = valuesOf(plan, CHARTS.jupyterhub.chart);
            const notebooks = String(at(hub, "singleuser", "serviceAccountName"));
            for (const sa of userAccounts(plan)) {
                const account = { namespace: users, name: String(input(sa, "metadata", "name")) };
                assert.equal(input(sa, "automountServiceAccountToken"), false, `${account.name} hands no token to pods that do not ask`);
                const rules = rolesOf(plan, account).flatMap((r) => r.rules);
                for (const rule of rules) {
                    assert.ok(!grants(rule, "secrets", ["get", "list", "watch"]), `${account.name} reads no Secret`);
                    for (const resource of ["pods", "configmaps"]) assert.ok(!grants(rule, resource, ["update", "patch"]), `${account.name} changes no ${resource}`);
                    assert.ok(!grants(rule, "persistentvolumeclaims", ["create", "get"]), `${account.name} reaches no claim`);
                }
                const createsPods = rules.some((rule) => grants(rule, "pods", ["create"]));
                assert.equal(createsPods, account.name.endsWith("-spark"), `only the Spark driver's account creates pods (${account.name})`);
                if (account.name === notebooks) assert.deepEqual(rules, [], "the notebooks' account holds no role");
            }
            // no chart hands a user-code account a role: the Spark operator's chart creates none
            const spark = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs["chart"] === CHARTS.sparkOperator.chart);
            if (spark) {
                assert.equal(at(spark.inputs["values"], "spark", "rbac", "create"), false);
                assert.equal(at(spark.inputs["values"], "spark", "serviceAccount", "create"), false);
                // the driver account, and nothing else, is what the admission policy shapes
                const policy = ofType(plan, "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy").find((p) => String(input(p, "metadata", "name")).endsWith("-spark-driver-pods"));
                assert.ok(policy, "the admission policy ships with Spark");
                const condition = (input(policy, "spec", "matchConditions") as Array<{ expression: string }>)[0].expression;
                assert.ok(condition.includes(`system:serviceaccount:${users}:${String(at(spark.inputs["values"], "spark", "serviceAccount", "name"))}`));
                const bindings = ofType(plan, "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding").filter((b) => input(b, "spec", "policyName") === input(policy, "metadata", "name"));
                assert.equal(bindings.length, 1);
                assert.deepEqual(input(bindings[0], "spec", "validationActions"), ["Deny"]);
            }
            // the hub's role in the user namespace: servers and their claims, no Secrets
            const hubRoles = rolesOf(plan, { namespace: String(at(plan.outputs, "namespace")), name: "hub" });
            assert.equal(hubRoles.length, 1);
            assert.equal(input(hubRoles[0].binding, "metadata", "namespace"), users);
            for (const rule of hubRoles[0].rules) assert.ok(!grants(rule, "secrets", ["get", "create"]));
        });

        it("no token where none is needed: notebooks, Dask, executors and Ray's head container mount none", async () => {
            const plan = await stack.plan();
            const hub = valuesOf(plan, CHARTS.jupyterhub.chart);
            assert.equal(at(hub, "hub", "config", "KubeSpawner", "automount_service_account_token"), false);
            const dask = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs["chart"] === CHARTS.daskGateway.chart);
            if (dask) for (const role of ["scheduler", "worker"]) assert.equal(at(dask.inputs["values"], "gateway", "backend", role, "extraPodConfig", "automountServiceAccountToken"), false);
            const ray = plan.resources.find((r) => r.inputs["kind"] === "RayCluster");
            if (ray) {
                const head = at(ray.inputs, "spec", "headGroupSpec", "template", "spec") as Record<string, unknown>;
                assert.equal(head["automountServiceAccountToken"], false, "KubeRay's autoscaler token is not the whole pod's");
                const containers = head["containers"] as Array<{ name: string; volumeMounts?: Array<{ mountPath: string }> }>;
                for (const c of containers) assert.ok(!(c.volumeMounts ?? []).some((m) => m.mountPath.startsWith("/var/run/secrets/kubernetes.io")), `${c.name} has no Kubernetes token`);
                const autoscalerMounts = at(ray.inputs, "spec", "autoscalerOptions", "volumeMounts") as Array<{ name: string; mountPath: string }>;
                assert.deepEqual(autoscalerMounts.map((m) => m.mountPath), ["/var/run/secrets/kubernetes.io/serviceaccount"], "the autoscaler alone gets the token");
                for (const group of at(ray.inputs, "spec", "workerGroupSpecs") as Array<Record<string, unknown>>) assert.equal(at(group, "template", "spec", "automountServiceAccountToken"), false);
            }
        });

        it("Pod Security restricted: every pod spec the program writes for the user namespace carries what restricted requires", async () => {
            const plan = await stack.plan();
            const hub = valuesOf(plan, CHARTS.jupyterhub.chart);
            assert.equal(at(hub, "singleuser", "cloudMetadata", "blockWithIptables"), false, "no NET_ADMIN init container");
            const spawner = at(hub, "hub", "config", "KubeSpawner") as Record<string, Record<string, unknown>>;
            assertRestrictedPod(spawner["pod_security_context"], "notebooks");
            assertRestrictedContainer(spawner["container_security_context"], "notebooks");
            const dask = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs["chart"] === CHARTS.daskGateway.chart);
            if (dask) {
                for (const role of ["scheduler", "worker"]) {
                    assertRestrictedPod(at(dask.inputs["values"], "gateway", "backend", role, "extraPodConfig", "securityContext"), `Dask ${role}`);
                    assertRestrictedContainer(at(dask.inputs["values"], "gateway", "backend", role, "extraContainerConfig", "securityContext"), `Dask ${role}`);
                }
            }
            const ray = plan.resources.find((r) => r.inputs["kind"] === "RayCluster");
            if (ray) {
                const pods = [at(ray.inputs, "spec", "headGroupSpec", "template", "spec"), ...(at(ray.inputs, "spec", "workerGroupSpecs") as unknown[]).map((g) => at(g, "template", "spec"))] as Array<Record<string, unknown>>;
                for (const pod of pods) {
                    assertRestrictedPod(pod["securityContext"], "Ray pod");
                    for (const c of pod["containers"] as Array<Record<string, unknown>>) assertRestrictedContainer(c["securityContext"], `Ray ${String(c["name"])}`);
                }
                assertRestrictedContainer(at(ray.inputs, "spec", "autoscalerOptions", "securityContext"), "Ray autoscaler");
            }
        });

        it("fences per workload: notebooks admit only the hub and proxy; Dask, Spark and Ray pods have their own ingress; nothing admits every pod", async () => {
            const plan = await stack.plan();
            const users = userNamespaceOf(plan);
            const platform = String(at(plan.outputs, "namespace"));
            const policies = ofType(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy").filter((p) => input(p, "metadata", "namespace") === users);
            for (const policy of policies) {
                for (const rule of (input(policy, "spec", "ingress") ?? []) as Array<{ from?: unknown[] }>) {
                    assert.ok(rule.from && rule.from.length > 0, `${policy.name}: an ingress rule names its sources`);
                    for (const peer of rule.from) assert.notDeepEqual(peer, { podSelector: {} }, `${policy.name}: no rule admits every pod`);
                }
            }
            // notebooks: the hub's and proxy's pods of the platform namespace, on the notebook port only
            const notebookIngress = policiesSelecting(plan, users, notebookLabels(plan), "Ingress").flatMap((p) => (input(p, "spec", "ingress") ?? []) as Array<{ from: Array<Record<string, unknown>>; ports?: Array<{ port: number }> }>);
            assert.ok(notebookIngress.length > 0);
            for (const rule of notebookIngress) {
                assert.deepEqual(rule.ports?.map((p) => p.port), [8888]);
                for (const peer of rule.from) assert.deepEqual(peer["namespaceSelector"], { matchLabels: { "kubernetes.io/metadata.name": platform } });
            }
            const hub = valuesOf(plan, CHARTS.jupyterhub.chart);
            const dask = { ...USER_CODE_LABELS, "gateway.dask.org/cluster": "c1", "app.kubernetes.io/component": "dask-worker" };
            const executor = { ...USER_CODE_LABELS, "spark-role": "executor" };
            const driver = { ...USER_CODE_LABELS, "spark-role": "driver" };
            const kinds: Array<[string, Record<string, string>, boolean]> = [
                ["Dask", dask, ofType(plan, "kubernetes:helm.sh/v3:Release").some((r) => r.inputs["chart"] === CHARTS.daskGateway.chart)],
                ["Spark executor", executor, ofType(plan, "kubernetes:helm.sh/v3:Release").some((r) => r.inputs["chart"] === CHARTS.sparkOperator.chart)],
                ["Spark driver", driver, ofType(plan, "kubernetes:helm.sh/v3:Release").some((r) => r.inputs["chart"] === CHARTS.sparkOperator.chart)],
                ["Ray", { ...USER_CODE_LABELS, "ray.io/cluster": "ray" }, plan.resources.some((r) => r.inputs["kind"] === "RayCluster")],
            ];
            for (const [kind, labels, enabled] of kinds) {
                const ingress = policiesSelecting(plan, users, labels, "Ingress").flatMap((p) => (input(p, "spec", "ingress") ?? []) as unknown[]);
                assert.equal(ingress.length > 0, enabled, `${kind}: its own ingress exactly when it runs`);
            }
            // a notebook is no Dask pod, executor or driver: none of their rules admits a plain notebook
            const notebook = notebookLabels(plan);
            for (const [kind, labels] of kinds.filter(([k]) => k !== "Ray")) {
                const sources = policiesSelecting(plan, users, labels, "Ingress").flatMap((p) => ((input(p, "spec", "ingress") ?? []) as Array<{ from: Array<{ podSelector?: unknown; namespaceSelector?: unknown }> }>).flatMap((r) => r.from));
                const admitsNotebook = sources.some((peer) => !peer.namespaceSelector && peer.podSelector !== undefined && selectorMatches(peer.podSelector, notebook));
                assert.equal(admitsNotebook, false, `${kind} admits no notebook`);
            }
            assert.equal(at(hub, "singleuser", "networkPolicy", "enabled"), false, "z2jh's policy cannot select pods of the user namespace");
        });
    });
}

/** Whether a label selector (matchLabels, matchExpressions) matches labels. */
function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
    const s = (selector ?? {}) as { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
    return (
        Object.entries(s.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
        (s.matchExpressions ?? []).every((e) => (e.operator === "Exists" ? e.key in labels : e.operator === "In" ? (e.values ?? []).includes(labels[e.key]) : true))
    );
}

/** What restricted requires of a pod's securityContext (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted). */
function assertRestrictedPod(context: unknown, what: string): void {
    assert.equal(at(context, "runAsNonRoot"), true, `${what}: runAsNonRoot`);
    assert.equal(at(context, "seccompProfile", "type"), "RuntimeDefault", `${what}: seccomp`);
}

/** What restricted requires of each container. */
function assertRestrictedContainer(context: unknown, what: string): void {
    assert.equal(at(context, "allowPrivilegeEscalation"), false, `${what}: allowPrivilegeEscalation`);
    assert.deepEqual(at(context, "capabilities", "drop"), ["ALL"], `${what}: capabilities dropped`);
    assert.notEqual(at(context, "privileged"), true, `${what}: not privileged`);
}

describe("tenancy: users' identities leave the platform's bucket prefixes out", () => {
    it("an S3-compatible key cannot exclude prefixes: the binding says so, and the plan warns", async () => {
        const store = new S3CompatibleStore(
            { endpoint: "https://minio.lab:9000", bucket: "data", region: "us-east-1", forcePathStyle: true, privateCidrs: [] },
            { accessKeyId: pulumi.output("id"), secretAccessKey: pulumi.output("key") },
        );
        const account = { namespace: "workbench-users", name: "workbench-user" };
        assert.equal(store.bindServiceAccount(account, { excludePrefixes: ["backups/", "mlflow/"] }).excluded, false);
        assert.equal(store.bindServiceAccount(account).excluded, true, "nothing asked, nothing missed");
        const plan = (await planOfScenario(PLACED_SCENARIO)).warnings;
        assert.ok(plan.some((w) => /workbench-users\/workbench-user reaches backups\/, mlflow\//.test(w)), plan.join("\n"));
    });
});

describe("tenancy: the review's attack steps, walked on the shipped AWS stack (notes/reviews/security.md §1, §2, §7)", () => {
    it("the notebooks' account cannot create a pod, read a Secret or touch a ConfigMap", async () => {
        const plan = (await runPlan("aws")).document;
        const account = { namespace: userNamespaceOf(plan), name: String(at(valuesOf(plan, CHARTS.jupyterhub.chart), "singleuser", "serviceAccountName")) };
        assert.deepEqual(rolesOf(plan, account), [], "no RoleBinding or ClusterRoleBinding names it");
        assert.equal(at(valuesOf(plan, CHARTS.jupyterhub.chart), "hub", "config", "KubeSpawner", "automount_service_account_token"), false, "and it holds no token to try with");
    });

    it("a pod of user A cannot reach user B's Connect server: loopback only, and B's pod admits A on no port", async () => {
        const plan = (await runPlan("aws")).document;
        const personal = personalConnectOf(plan);
        assert.ok(personal, "Spark from notebooks is on in the shipped AWS stack");
        assert.ok((personal.sidecar["command"] as string[]).includes("spark.connect.grpc.binding.address=127.0.0.1"));
        const users = userNamespaceOf(plan);
        const bob = { ...notebookLabels(plan), ...personal.labels, "hub.jupyter.org/username": "bob" };
        const alice = { ...notebookLabels(plan), "hub.jupyter.org/username": "alice" };
        const rules = policiesSelecting(plan, users, bob, "Ingress").flatMap((p) => (input(p, "spec", "ingress") ?? []) as Array<{ from: Array<{ podSelector?: unknown; namespaceSelector?: unknown }>; ports?: Array<{ port: number }> }>);
        assert.ok(rules.length > 0, "Bob's pod is fenced");
        for (const rule of rules) {
            assert.ok(!(rule.ports ?? []).some((p) => p.port === 15002), "no rule opens the Connect port");
            const admitsAlice = rule.from.some((peer) => !peer.namespaceSelector && selectorMatches(peer.podSelector, alice));
            assert.equal(admitsAlice, false, `Alice's notebook is no source of ${JSON.stringify(rule.from)}`);
        }
        // and Alice's Spark executors reach only the driver ports of Bob's pod, where Spark's authentication answers
        const executorRules = rules.filter((rule) => rule.from.some((peer) => selectorMatches(peer.podSelector, { ...USER_CODE_LABELS, "spark-role": "executor" })));
        for (const rule of executorRules) assert.deepEqual((rule.ports ?? []).map((p) => p.port), [7078, 7079]);
    });
});
