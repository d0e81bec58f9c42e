import * as assert from "node:assert/strict";
import { parse } from "yaml";
import type { Plan } from "../plan/types";
import { SPARK_EXAMPLE_CONFIGMAP, SPARK_EXAMPLE_KEY } from "../components/spark/operator";
import { input, ofType, runPlan } from "./harness";
import { at } from "./k8s-checks";
import { AdmissionPolicySpec, AdmissionRequest, evaluate } from "./tenancy-cel";
import { userNamespaceOf } from "./tenancy-fixtures";

/*
 * The admission policy the program ships, compiled and evaluated against the pods the Spark driver would
 * create: an executor as Spark 4 builds it (the example's executor settings, plus the volumes Spark adds)
 * is admitted; each of the review's escalations (notes/reviews/security.md §1: a Secret volume, a
 * claim, another ServiceAccount, a Kubernetes token, privilege, the node's namespaces, a label that opens
 * another fence, environment from another Secret) is refused, and so is any change to the platform's
 * ConfigMaps in the user namespace.
 */

type Pod = Record<string, any>;

function policyOf(plan: Plan, suffix: string): AdmissionPolicySpec {
    const policy = ofType(plan, "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy").find((p) => String(input(p, "metadata", "name")).endsWith(suffix));
    assert.ok(policy, `the plan ships the ${suffix} policy`);
    return input(policy, "spec") as AdmissionPolicySpec;
}

/** The example's executor settings (account, labels, environment), as the operator hands them to Spark. */
function exampleExecutor(plan: Plan): { serviceAccount: string; labels: Record<string, string>; env: unknown[] } {
    const configMap = ofType(plan, "kubernetes:core/v1:ConfigMap").find((r) => input(r, "metadata", "name") === SPARK_EXAMPLE_CONFIGMAP);
    assert.ok(configMap);
    const manifest = parse(String(input(configMap, "data", SPARK_EXAMPLE_KEY)));
    const executor = at(manifest, "spec", "executor") as { serviceAccount: string; labels: Record<string, string>; env?: unknown[] };
    return { serviceAccount: executor.serviceAccount, labels: executor.labels, env: executor.env ?? [] };
}

/**
 * An executor pod as Spark 4.0's BasicExecutorFeatureStep and MountLocalDirsFeatureStep build it, after the
 * example's settings and the platform's identity webhook (IRSA projects a token for STS).
 */
function executorPod(plan: Plan): Pod {
    const executor = exampleExecutor(plan);
    const restricted = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "word-count-exec-1", namespace: userNamespaceOf(plan), labels: { ...executor.labels, "spark-role": "executor", "spark-app-selector": "spark-1234", "spark-exec-id": "1" } },
        spec: {
            serviceAccountName: executor.serviceAccount,
            automountServiceAccountToken: false,
            securityContext: { runAsUser: 185, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            containers: [{ name: "spark-kubernetes-executor", image: "apache/spark:4.0.4", env: [...executor.env, { name: "_SPARK_AUTH_SECRET", value: "generated" }], securityContext: restricted, volumeMounts: [{ name: "spark-local-dir-1", mountPath: "/var/data/spark-1" }] }],
            volumes: [
                { name: "spark-local-dir-1", emptyDir: {} },
                { name: "spark-conf-volume-exec", configMap: { name: "spark-exec-1234-conf-map" } },
                { name: "aws-iam-token", projected: { sources: [{ serviceAccountToken: { audience: "sts.amazonaws.com", expirationSeconds: 86400, path: "token" } }] } },
            ],
        },
    };
}

const clone = (pod: Pod): Pod => JSON.parse(JSON.stringify(pod)) as Pod;

function create(_plan: Plan, user: string, object: Pod): AdmissionRequest {
    return { request: { userInfo: { username: user }, operation: "CREATE" }, object, oldObject: null };
}

const driverUser = (plan: Plan) => `system:serviceaccount:${userNamespaceOf(plan)}:${String(at(plan.outputs, "namespace"))}-spark`;

for (const stack of ["aws", "local"]) {
    describe(`tenancy: the Spark driver's admission policy, compiled and evaluated (${stack})`, () => {
        it("admits an executor as Spark builds it, on the notebooks' account without a token", async () => {
            const plan = (await runPlan(stack)).document;
            const verdict = evaluate(policyOf(plan, "-spark-driver-pods"), create(plan, driverUser(plan), executorPod(plan)));
            assert.deepEqual(verdict, { applies: true, denied: [] });
        });

        it("does not apply to anyone else: the hub still starts notebooks with their home claims", async () => {
            const plan = (await runPlan(stack)).document;
            const notebook = clone(executorPod(plan));
            notebook.spec.volumes.push({ name: "home", persistentVolumeClaim: { claimName: "claim-alice" } });
            const hub = `system:serviceaccount:${String(at(plan.outputs, "namespace"))}:hub`;
            assert.deepEqual(evaluate(policyOf(plan, "-spark-driver-pods"), create(plan, hub, notebook)), { applies: false });
        });

        const attacks: Array<[string, (pod: Pod, plan: Plan) => void, RegExp]> = [
            ["a Secret volume (the hub's cookie secret)", (pod) => pod.spec.volumes.push({ name: "loot", secret: { secretName: "hub" } }), /may mount only/],
            ["another person's home claim", (pod) => pod.spec.volumes.push({ name: "home", persistentVolumeClaim: { claimName: "claim-bob" } }), /may mount only/],
            ["a generic ephemeral claim", (pod) => pod.spec.volumes.push({ name: "scratch", ephemeral: { volumeClaimTemplate: { spec: {} } } }), /may mount only/],
            ["a hostPath to the node's root", (pod) => pod.spec.volumes.push({ name: "root", hostPath: { path: "/" } }), /may mount only/],
            ["a projected Kubernetes token (no audience: the API server's)", (pod) => pod.spec.volumes.push({ name: "kube", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } }), /may mount only/],
            ["a projected Secret", (pod) => pod.spec.volumes.push({ name: "s", projected: { sources: [{ secret: { name: "hub" } }] } }), /may mount only/],
            ["the driver's own account", (pod, plan) => (pod.spec.serviceAccountName = `${String(at(plan.outputs, "namespace"))}-spark`), /must run as/],
            ["the namespace's default account", (pod) => (pod.spec.serviceAccountName = "default"), /must run as/],
            ["no serviceAccountName at all", (pod) => delete pod.spec.serviceAccountName, /must run as/],
            ["an automounted token", (pod) => (pod.spec.automountServiceAccountToken = true), /automountServiceAccountToken/],
            ["a token left to the account's default", (pod) => delete pod.spec.automountServiceAccountToken, /automountServiceAccountToken/],
            ["a privileged container", (pod) => (pod.spec.containers[0].securityContext.privileged = true), /privileged/],
            ["a privileged init container", (pod) => (pod.spec.initContainers = [{ name: "x", image: "busybox", securityContext: { privileged: true } }]), /privileged/],
            ["NET_ADMIN", (pod) => (pod.spec.containers[0].securityContext.capabilities = { add: ["NET_ADMIN"] }), /capabilities/],
            ["the node's network", (pod) => (pod.spec.hostNetwork = true), /node's network/],
            ["the node's processes", (pod) => (pod.spec.hostPID = true), /node's network/],
            ["no user-code label (out of the fence)", (pod) => delete pod.metadata.labels["workbench.io/user-code"], /user-code label/],
            ["the hub's access label", (pod) => (pod.metadata.labels["hub.jupyter.org/network-access-proxy-api"] = "true"), /labels/],
            ["the API-client label", (pod) => (pod.metadata.labels["workbench.io/kube-api-client"] = "true"), /labels/],
            ["environment from a platform Secret", (pod) => pod.spec.containers[0].env.push({ name: "P", valueFrom: { secretKeyRef: { name: "workbench-postgres-superuser", key: "password" } } }), /environment/],
            ["every key of a Secret", (pod) => (pod.spec.containers[0].envFrom = [{ secretRef: { name: "hub" } }]), /environment/],
        ];
        for (const [attack, mutate, message] of attacks) {
            it(`refuses a pod with ${attack}`, async () => {
                const plan = (await runPlan(stack)).document;
                const pod = clone(executorPod(plan));
                mutate(pod, plan);
                const verdict = evaluate(policyOf(plan, "-spark-driver-pods"), create(plan, driverUser(plan), pod));
                assert.equal(verdict.applies, true);
                assert.ok(verdict.applies && verdict.denied.some((m) => message.test(m)), `denied: ${JSON.stringify(verdict)}`);
            });
        }

        it("keeps the driver off the platform's ConfigMaps (the getting-started installer every server runs), not off its own", async () => {
            const plan = (await runPlan(stack)).document;
            const policy = policyOf(plan, "-platform-configmaps");
            const gettingStarted = ofType(plan, "kubernetes:core/v1:ConfigMap").find((c) => String(input(c, "metadata", "name")).endsWith("getting-started"))!;
            const platformMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: input(gettingStarted, "metadata", "name"), labels: input(gettingStarted, "metadata", "labels") }, data: { "install-packages.py": "evil" } };
            const own = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "spark-exec-1234-conf-map", labels: { "spark-app-selector": "spark-1234" } }, data: {} };
            const user = driverUser(plan);
            const decide = (operation: "CREATE" | "UPDATE" | "DELETE", object: Pod | null, oldObject: Pod | null) =>
                evaluate(policy, { request: { userInfo: { username: user }, operation }, object, oldObject });
            assert.deepEqual(decide("CREATE", own, null), { applies: true, denied: [] });
            assert.deepEqual(decide("DELETE", null, own), { applies: true, denied: [] });
            for (const [operation, object, oldObject] of [["UPDATE", platformMap, platformMap], ["DELETE", null, platformMap], ["CREATE", platformMap, null]] as const) {
                const verdict = decide(operation, object, oldObject);
                assert.ok(verdict.applies && verdict.denied.length === 1, `${operation} of the platform's ConfigMap is refused`);
            }
            // stripping the mark in an update does not help: the old object carries it
            const stripped = { ...platformMap, metadata: { name: platformMap.metadata.name } };
            assert.ok((decide("UPDATE", stripped, platformMap) as { denied: string[] }).denied.length === 1);
        });

        it("lets a driver delete its own executors and nobody else's pods (another person's server or executors)", async () => {
            const plan = (await runPlan(stack)).document;
            const policy = policyOf(plan, "-spark-driver-deletes");
            // alice's Spark profile server is her driver; Spark owns each executor to its driver pod
            const owned = (owner: string): Pod => {
                const pod = clone(executorPod(plan));
                pod.metadata.ownerReferences = [{ apiVersion: "v1", kind: "Pod", name: owner, uid: `${owner}-uid`, controller: true }];
                return pod;
            };
            const bobServer: Pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "jupyter-bob", labels: { "hub.jupyter.org/username": "bob" } }, spec: { containers: [] } };
            const fromPod = (podName: string | undefined, oldObject: Pod): AdmissionRequest => ({
                request: { userInfo: { username: driverUser(plan), ...(podName ? { extra: { "authentication.kubernetes.io/pod-name": [podName] } } : {}) }, operation: "DELETE" },
                object: null,
                oldObject,
            });
            assert.deepEqual(evaluate(policy, fromPod("jupyter-alice", owned("jupyter-alice"))), { applies: true, denied: [] }, "her own executor");
            for (const [what, request] of [
                ["bob's executor", fromPod("jupyter-alice", owned("jupyter-bob"))],
                ["bob's server", fromPod("jupyter-alice", bobServer)],
                ["a token that names no pod", fromPod(undefined, owned("jupyter-alice"))],
            ] as const) {
                const verdict = evaluate(policy, request);
                assert.ok(verdict.applies && verdict.denied.length === 1, `${what} is refused: ${JSON.stringify(verdict)}`);
            }
            // the hub deleting a server at stop is not the driver: the policy does not apply
            assert.deepEqual(evaluate(policy, { request: { userInfo: { username: "system:serviceaccount:workbench:hub" }, operation: "DELETE" }, object: null, oldObject: bobServer }), { applies: false });
        });
    });
}
