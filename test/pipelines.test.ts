import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate } from "@marcbachmann/cel-js";
import Ajv from "ajv";
import { parse } from "yaml";
import { USER_CODE_LABELS } from "../components/labels";
import { NAMESPACE_NAME_LABEL } from "../components/services/common";
import { ARGO_SERVER_POD_LABELS, ARGO_SIZES, artifactRepository, PIPELINE_EXAMPLE, RESTRICTED_CONTAINER, WORKFLOW_ACCOUNT, WORKFLOWS_BUCKET_PREFIX } from "../components/services/workflows";
import { workflowPodCondition, workflowPodValidations } from "../components/services/workflows-admission";
import { SUBMITTED_BY_LABEL, WORKFLOWS_PREFIX, WORKFLOWS_PROXY, WORKFLOWS_PROXY_PORT } from "../components/services/workflows-proxy";
import { CHARTS, SERVICE_CHARTS } from "../components/versions";
import type { Plan, PlannedResource } from "../plan/types";
import { chartDataDir } from "./chart-data";
import { systemPods } from "../components/capacity/demand";
import { containerResources } from "../components/capacity/requests";
import { ServicesSchema } from "../stacks/schema";
import { at } from "./k8s-checks";
import { signInProxyDir } from "./sign-in-proxy-fakes";
import { input, ofType, runPlan, variantStackFile } from "./harness";
import { valuesOf } from "./shared-layer-fixtures";

/*
 * Pipelines (issue 23): Argo Workflows on every platform, its values against the pinned chart, the Workflow
 * defaults against the pinned CRD, the workflow account's identity and fences, the sign-in proxy run here with
 * fakes of its libraries.
 */

type Labels = Record<string, string>;
type Peer = { podSelector?: { matchLabels?: Labels }; namespaceSelector?: { matchLabels?: Labels }; ipBlock?: unknown };

const STACKS = ["aws", "gcp", "azure", "local"] as const;
const plans = new Map<string, Promise<Plan>>();
function planWithWorkflows(stack: string): Promise<Plan> {
    if (!plans.has(stack)) {
        plans.set(
            stack,
            runPlan(stack, { stackFile: variantStackFile(stack, { "workbench:services": { workflows: true }, "workbench:systemPool": { size: "medium" } }) }).then((run) => {
                assert.equal(run.status, 0, run.stderr);
                return run.document;
            }),
        );
    }
    return plans.get(stack)!;
}

const argoValues = (plan: Plan) => valuesOf(plan, SERVICE_CHARTS.argoWorkflows.chart);
const userNamespaceOf = (plan: Plan) => {
    const hub = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs["chart"] === CHARTS.jupyterhub.chart)!;
    return String(at(hub.inputs["values"], "hub", "config", "KubeSpawner", "namespace") ?? hub.inputs["namespace"]);
};
const subset = (selector: Labels | undefined, labels: Labels) => selector !== undefined && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Ports of a policy's ingress rules that admit a pod (labels, namespace); "all" for a rule without ports. */
function admittedPorts(policy: PlannedResource, pod: { labels: Labels; namespace: string }): (number | "all")[] {
    const policyNamespace = String(input(policy, "metadata", "namespace"));
    const rules = input(policy, "spec", "ingress") as { from?: Peer[]; ports?: { port: number }[] }[];
    const admits = (peers: Peer[] | undefined) =>
        peers === undefined ||
        peers.some((peer) => {
            if (peer.ipBlock) return false;
            const namespace = peer.namespaceSelector ? subset(peer.namespaceSelector.matchLabels ?? {}, { [NAMESPACE_NAME_LABEL]: pod.namespace }) : pod.namespace === policyNamespace;
            return namespace && subset(peer.podSelector?.matchLabels ?? {}, pod.labels);
        });
    return rules.filter((r) => admits(r.from)).flatMap((r): (number | "all")[] => (r.ports ? r.ports.map((p) => p.port) : ["all"]));
}

/** Every leaf path of a values tree, stopping at free-form maps and lists (their keys are the user's). */
function leafPaths(value: unknown, defaults: unknown, prefix: string[] = []): string[][] {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return [prefix];
    if (defaults !== null && typeof defaults === "object" && !Array.isArray(defaults) && Object.keys(defaults).length === 0 && prefix.length > 0) return [prefix];
    return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
        leafPaths(child, defaults !== null && typeof defaults === "object" ? (defaults as Record<string, unknown>)[key] : undefined, [...prefix, key]),
    );
}

describe("pipelines: Argo Workflows (workbench:services.workflows)", function () {
    this.timeout(600_000);

    for (const stack of STACKS) {
        describe(`on ${stack}`, () => {
            it("sets only keys the pinned chart's values.yaml has (free-form maps excepted)", async function () {
                const dir = chartDataDir(SERVICE_CHARTS.argoWorkflows);
                if (!dir) this.skip();
                const defaults = parse(fs.readFileSync(path.join(dir!, "values.yaml"), "utf8")) as Record<string, unknown>;
                const values = argoValues(await planWithWorkflows(stack));
                const unknown = leafPaths(values, defaults).filter((p) => {
                    // a key is known when its parent exists in the defaults and is a map holding it (or a free-form map)
                    let node: unknown = defaults;
                    for (const key of p) {
                        if (node === null || typeof node !== "object" || Array.isArray(node)) return true;
                        const map = node as Record<string, unknown>;
                        // an empty map, or a label map (the chart's nodeSelector default), holds keys of the user's
                        if (Object.keys(map).length === 0 || Object.keys(map).every((k) => k.includes("/"))) return false;
                        if (!(key in map)) return true;
                        node = map[key];
                    }
                    return false;
                });
                assert.deepEqual(unknown.map((p) => p.join(".")), [], `keys the chart ${SERVICE_CHARTS.argoWorkflows.version} does not read`);
            });

            it("gives every workflow defaults the pinned Workflow CRD accepts: the workflow account, user-code labels, Pod Security restricted", async function () {
                const dir = chartDataDir(SERVICE_CHARTS.argoWorkflows);
                if (!dir) this.skip();
                const crd = parse(fs.readFileSync(path.join(dir!, "crds", "argoproj.io_workflows.yaml"), "utf8")) as { spec: { versions: { schema: { openAPIV3Schema: object } }[] } };
                const values = argoValues(await planWithWorkflows(stack));
                const defaults = at(values, "controller", "workflowDefaults") as { spec: Record<string, unknown> };
                const validate = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(crd.spec.versions[0].schema.openAPIV3Schema);
                const ok = validate({ apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", metadata: { name: "defaults" }, spec: defaults.spec });
                assert.ok(ok, JSON.stringify(validate.errors?.slice(0, 5)));
                assert.equal(defaults.spec["serviceAccountName"], WORKFLOW_ACCOUNT);
                const labels = at(defaults, "spec", "podMetadata", "labels") as Labels;
                assert.ok(subset(USER_CODE_LABELS, labels), "workflow pods carry the user-code label");
                assert.equal(at(defaults, "spec", "securityContext", "runAsNonRoot"), true);
                assert.equal(at(defaults, "spec", "securityContext", "seccompProfile", "type"), "RuntimeDefault");
                for (const container of ["mainContainer", "executor"]) {
                    assert.deepEqual(at(values, container, "securityContext"), RESTRICTED_CONTAINER, `${container} (and Argo's init and wait containers) as restricted requires`);
                }
                assert.deepEqual(at(values, "controller", "workflowNamespaces"), [userNamespaceOf(await planWithWorkflows(stack))], "workflows run in the user-code namespace");
            });

            it("the Argo server is reached only through the sign-in proxy, registered with the hub", async () => {
                const plan = await planWithWorkflows(stack);
                const serverLabels = { ...ARGO_SERVER_POD_LABELS, app: "server" };
                const ingress = ofType(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy").filter(
                    (p) => (input(p, "spec", "policyTypes") as string[]).includes("Ingress") && subset(input(p, "spec", "podSelector", "matchLabels") as Labels, serverLabels),
                );
                assert.equal(ingress.length, 1, "one ingress policy selects the server's pods");
                const platform = String(input(ingress[0], "metadata", "namespace"));
                const notebook = { labels: { ...USER_CODE_LABELS }, namespace: userNamespaceOf(plan) };
                assert.deepEqual(admittedPorts(ingress[0], notebook), [WORKFLOWS_PROXY_PORT], "user code reaches the proxy's port, never the server's");
                assert.deepEqual(admittedPorts(ingress[0], { labels: { app: "jupyterhub", component: "proxy" }, namespace: platform }), [WORKFLOWS_PROXY_PORT]);
                assert.deepEqual(admittedPorts(ingress[0], { labels: { "app.kubernetes.io/name": "dask-gateway" }, namespace: platform }), [], "other platform pods do not");
                const values = argoValues(plan);
                assert.deepEqual(at(values, "server", "authModes"), ["server"]);
                const proxy = (at(values, "server", "extraContainers") as { name: string; env: { name: string; value?: string }[] }[]).find((c) => c.name === "hub-auth");
                assert.equal(proxy?.env.find((e) => e.name === "JUPYTERHUB_SERVICE_PREFIX")?.value, `${WORKFLOWS_PREFIX}/`);
                const hub = valuesOf(plan, CHARTS.jupyterhub.chart);
                assert.equal(at(hub, "hub", "services", "workflows", "url"), `http://workflows.${platform}.svc:${WORKFLOWS_PROXY_PORT}`, "the hub proxies /services/workflows/ to the sign-in proxy");
                const scopes = at(hub, "hub", "loadRoles", "user", "scopes") as string[];
                assert.ok(scopes.includes("access:services!service=workflows"), "signed-in users may use it");
                // Hera joins API paths onto the host with urllib's urljoin (hera/workflows/service.py): run it here
                const url = JSON.stringify(hub).match(/"WORKBENCH_WORKFLOWS_URL","value":"([^"]+)"/)?.[1];
                assert.ok(url, "notebooks get the workflows URL");
                const joined = spawnSync("python3", ["-c", `from urllib.parse import urljoin; print(urljoin("${url}", "api/v1/workflows/x"))`], { encoding: "utf8" }).stdout.trim();
                assert.equal(joined, `http://workflows.${platform}.svc:${WORKFLOWS_PROXY_PORT}${WORKFLOWS_PREFIX}/api/v1/workflows/x`, "Hera's calls go under the proxy's prefix");
            });

            it("the admission policy holds the controller's pods and the workflow account's pods in the user namespace", async () => {
                const plan = await planWithWorkflows(stack);
                // the workflow pods' policy, beside the tenancy ones (components/tenancy/admission.ts)
                const policy = ofType(plan, "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy").find((p) => String(input(p, "metadata", "name")).endsWith("-workflow-pods"))!;
                assert.equal(at(input(policy, "spec", "matchConstraints"), "namespaceSelector", "matchLabels", NAMESPACE_NAME_LABEL), userNamespaceOf(plan));
                const condition = String(at(input(policy, "spec", "matchConditions"), 0, "expression"));
                assert.match(condition, /system:serviceaccount:[^:]+:argo-workflows-workflow-controller/);
                const binding = ofType(plan, "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding").find((b) => String(input(b, "metadata", "name")).endsWith("-workflow-pods"))!;
                assert.equal(input(binding, "spec", "policyName"), input(policy, "metadata", "name"));
                assert.deepEqual(input(binding, "spec", "validationActions"), ["Deny"]);
            });
        });
    }

    it("the getting-started notebook carries the pipeline sample and Hera and papermill are in the install list", async () => {
        const plan = await planWithWorkflows("aws");
        const text = JSON.stringify(ofType(plan, "kubernetes:core/v1:ConfigMap").filter((c) => String(input(c, "metadata", "name")).includes("getting-started")).map((c) => c.inputs));
        assert.ok(text.includes("CronWorkflow"), "the sample is in the notebook");
        for (const pkg of ["hera==", "papermill=="]) assert.ok(text.includes(pkg), `${pkg} pinned in the install list`);
    });

    it("the sample's CronWorkflow uses the field the pinned CRD requires (schedules: Argo 4 dropped schedule)", function () {
        const dir = chartDataDir(SERVICE_CHARTS.argoWorkflows);
        if (!dir) this.skip();
        const crd = parse(fs.readFileSync(path.join(dir!, "crds", "argoproj.io_cronworkflows.yaml"), "utf8")) as { spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: { required: string[]; properties: object } } } } }[] } };
        const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;
        const field = /CronWorkflow, (\w+)=/.exec(PIPELINE_EXAMPLE)?.[1];
        assert.ok(field && field in spec.properties, `CronWorkflow(${field}=…) is a field of the CRD`);
        assert.ok(spec.required.includes(String(field)));
        assert.match(PIPELINE_EXAMPLE, /global_config\.token = os\.environ\["JUPYTERHUB_API_TOKEN"\]/, "the notebook signs in with the person's hub token");
    });

    it("the fit check counts Argo's pods on the system pool at the requests its values set", async () => {
        const services = ServicesSchema.parse({ workflows: true, dask: false, spark: false });
        const pods = systemPods(services, false).filter((p) => p.component.startsWith("Argo"));
        assert.equal(pods.length, 2);
        const values = argoValues(await planWithWorkflows("aws"));
        assert.deepEqual(at(values, "controller", "resources"), containerResources(ARGO_SIZES.controller));
        assert.deepEqual(at(values, "server", "resources"), containerResources(ARGO_SIZES.server));
        assert.equal(pods.find((p) => p.component.includes("controller"))?.cpuMillis, ARGO_SIZES.controller.cpuMillis);
    });

    it("AWS: the workflow account's role trusts exactly that ServiceAccount and reaches only workflows/", async () => {
        const plan = await planWithWorkflows("aws");
        const subject = `system:serviceaccount:${userNamespaceOf(plan)}:${WORKFLOW_ACCOUNT}`;
        const role = ofType(plan, "aws:iam/role:Role").find((r) => String(input(r, "assumeRolePolicy")).includes(`"${subject}"`));
        assert.ok(role, `a role trusted by ${subject}`);
        const trust = JSON.parse(String(input(role, "assumeRolePolicy"))) as { Statement: { Condition: { StringEquals: Record<string, string> } }[] };
        assert.ok(trust.Statement.every((s) => Object.entries(s.Condition.StringEquals).some(([k, v]) => k.endsWith(":sub") && v === subject)), "the subject is that account, exactly");
        const policy = ofType(plan, "aws:iam/rolePolicy:RolePolicy").find((p) => p.dependsOn.includes(role.urn));
        const statements = (JSON.parse(String(input(policy!, "policy"))) as { Statement: { Action: string[]; Resource: string; Condition?: { StringLikeIfExists?: Record<string, string[]> } }[] }).Statement;
        assert.match(statements.find((s) => s.Action.includes("s3:PutObject"))!.Resource, /\/workflows\/\*$/);
        // IfExists: a HeadBucket names no prefix and passes (providers/aws/identity.ts); listings stay under the prefix
        assert.deepEqual(statements.find((s) => s.Action.includes("s3:ListBucket"))!.Condition?.StringLikeIfExists?.["s3:prefix"], [`${WORKFLOWS_BUCKET_PREFIX}*`]);
    });

    it("GCP: Workload Identity names exactly the workflow account, and its bucket grant is conditioned on workflows/", async () => {
        const plan = await planWithWorkflows("gcp");
        const gsa = ofType(plan, "gcp:serviceaccount/iAMMember:IAMMember").find((m) => String(input(m, "member")).endsWith(`[${userNamespaceOf(plan)}/${WORKFLOW_ACCOUNT}]`));
        assert.ok(gsa, "Workload Identity for the workflow account");
        const email = String(input(gsa, "serviceAccountId")).split("/").pop()!;
        // the object grant (each account also holds storage.buckets.get through a second, unconditioned grant)
        const grant = ofType(plan, "gcp:storage/bucketIAMMember:BucketIAMMember").find((m) => input(m, "role") === "roles/storage.objectUser" && String(input(m, "member")).includes(email.split("@")[0]));
        assert.match(String(input(grant!, "condition", "expression")), /\/objects\/workflows\//);
    });

    it("Azure: the federated credential's subject is exactly the workflow account", async () => {
        const plan = await planWithWorkflows("azure");
        const subject = `system:serviceaccount:${userNamespaceOf(plan)}:${WORKFLOW_ACCOUNT}`;
        const credentials = ofType(plan, "azure-native:managedidentity:FederatedIdentityCredential").filter((c) => input(c, "subject") === subject);
        assert.equal(credentials.length, 1, `one federated credential for ${subject}`);
    });

    it("the artifact repository is keyless and writes under the workflow identity's prefix on every bucket URL", () => {
        const cases: [string, Record<string, string>, string][] = [
            ["s3://bucket", { AWS_REGION: "eu-west-1" }, "s3"],
            ["gs://bucket", {}, "gcs"],
            ["abfs://data@acct.dfs.core.windows.net/", {}, "azure"],
        ];
        for (const [url, env, kind] of cases) {
            const repo = artifactRepository(url, env) as Record<string, Record<string, unknown>>;
            assert.ok(repo?.[kind], `${url}: a ${kind} repository`);
            const keys = String(repo[kind]["keyFormat"] ?? repo[kind]["blobNameFormat"]);
            assert.ok(keys.startsWith(WORKFLOWS_BUCKET_PREFIX), `${url}: keys under ${WORKFLOWS_BUCKET_PREFIX}`);
            assert.equal(JSON.stringify(repo).match(/Secret"/), null, `${url}: no key Secret`);
        }
        assert.equal(at(artifactRepository("abfs://data@acct.dfs.core.windows.net/", {}), "azure", "endpoint"), "https://acct.blob.core.windows.net");
        assert.equal(at(artifactRepository("s3://b", { AWS_ENDPOINT_URL_S3: "http://minio.local:9000" }), "s3", "endpoint"), "minio.local:9000");
    });

    it("the admission policy's CEL admits the pods Argo makes from the defaults and refuses the rest (evaluated here)", async () => {
        // a CEL evaluator from npm (@marcbachmann/cel-js); Kubernetes evaluates the same expressions with cel-go
        const controllerUser = "system:serviceaccount:workbench:argo-workflows-workflow-controller";
        const values = argoValues(await planWithWorkflows("aws"));
        const defaults = at(values, "controller", "workflowDefaults", "spec") as { serviceAccountName: string; podMetadata: { labels: Labels } };
        // what Argo's controller makes of a plain workflow: the defaults' account and labels, its emptyDir, the projected token
        const pod = (change: (p: { metadata: { labels: Labels }; spec: Record<string, unknown> }) => void = () => undefined) => {
            const p = {
                metadata: { labels: { ...defaults.podMetadata.labels, "workflows.argoproj.io/workflow": "report-abc" } },
                spec: {
                    serviceAccountName: defaults.serviceAccountName,
                    volumes: [
                        { name: "var-run-argo", emptyDir: {} },
                        { name: "kube-api-access-x", projected: { sources: [{ serviceAccountToken: { path: "token" } }, { configMap: { name: "kube-root-ca.crt" } }] } },
                    ],
                    containers: [{ name: "main", image: "x" }],
                },
            };
            change(p);
            return p;
        };
        const refused = (object: unknown, username = controllerUser) => {
            if (!evaluate(workflowPodCondition({ workflowAccount: WORKFLOW_ACCOUNT, controllerUser }), { object, request: { userInfo: { username } } })) return ["not matched"];
            return workflowPodValidations(WORKFLOW_ACCOUNT).filter((v) => evaluate(v.expression, { object }) !== true).map((v) => v.message);
        };
        assert.deepEqual(refused(pod()), [], "a plain workflow's pod is admitted");
        assert.equal(refused(pod((p) => (p.spec["serviceAccountName"] = "argo-workflows-server"))).length, 1, "another account is refused");
        assert.equal(refused(pod((p) => (p.spec["volumes"] = [{ name: "s", secret: { secretName: "postgres-superuser" } }]))).length, 1, "a Secret volume is refused");
        assert.equal(refused(pod((p) => (p.spec["volumes"] = [{ name: "h", persistentVolumeClaim: { claimName: "claim-bob" } }]))).length, 1, "another person's home is refused");
        assert.equal(refused(pod((p) => (p.spec["volumes"] = [{ name: "s", projected: { sources: [{ secret: { name: "hub" } }] } }]))).length, 1, "a projected Secret is refused");
        assert.equal(refused(pod((p) => (p.metadata.labels = {}))).length, 1, "a pod without the user-code label is refused");
        const secretEnv = (name: string) => [{ name: "main", image: "x", env: [{ name: "T", valueFrom: { secretKeyRef: { name, key: "token" } } }] }];
        assert.equal(refused(pod((p) => (p.spec["containers"] = secretEnv("serve-churn-hub-token")))).length, 1, "another Secret in the environment is refused");
        assert.equal(refused(pod((p) => (p.spec["initContainers"] = [{ name: "init", image: "x", envFrom: [{ secretRef: { name: "x" } }] }]))).length, 1, "envFrom a Secret is refused");
        assert.deepEqual(refused(pod((p) => (p.spec["containers"] = secretEnv(`${WORKFLOW_ACCOUNT}-object-store`)))), [], "the workflow identity's own keys are allowed");
        assert.deepEqual(refused(pod((p) => (p.spec["serviceAccountName"] = "other")), "alice"), ["not matched"], "pods others make with other accounts are the tenancy policy's");
        assert.equal(refused(pod((p) => (p.spec["volumes"] = [{ name: "h", hostPath: { path: "/" } }])), "alice").length, 1, "anyone's pod as the workflow account is held");
    });

    it("the sign-in proxy strips the prefix, stamps the submitter on creates and refuses other namespaces (run here)", () => {
        const dir = signInProxyDir("workflows_proxy.py", WORKFLOWS_PROXY);
        const probe = `import json, workflows_proxy as p
print(p.upstream_path("${WORKFLOWS_PREFIX}/api/v1/workflows/users?x=1"))
print(p.upstream_path("${WORKFLOWS_PREFIX}/workflows"))
body, err = p.stamp("POST", "/api/v1/workflows/users", json.dumps({"workflow": {"metadata": {"labels": {"${SUBMITTED_BY_LABEL}": "bob"}}, "spec": {}}}).encode(), "alice@example.org")
print(json.loads(body)["workflow"]["metadata"]["labels"]["${SUBMITTED_BY_LABEL}"], err)
body, err = p.stamp("POST", "/api/v1/cron-workflows/users", json.dumps({"cronWorkflow": {"spec": {}}}).encode(), "alice")
print(json.loads(body)["cronWorkflow"]["spec"]["workflowMetadata"]["labels"]["${SUBMITTED_BY_LABEL}"])
body, err = p.stamp("POST", "/api/v1/workflows/users/submit", json.dumps({"resourceKind": "WorkflowTemplate", "submitOptions": {"labels": "a=b,${SUBMITTED_BY_LABEL}=bob"}}).encode(), "alice")
print(json.loads(body)["submitOptions"]["labels"])
print(p.stamp("POST", "/api/v1/workflows/workbench", b"{}", "alice")[1])
print(p.stamp("GET", "/api/v1/workflows/kube-system", b"", "alice")[1])
print(p.stamp("GET", "/api/v1/userinfo", b"", "alice")[1])
`;
        const run = spawnSync("python3", ["-c", probe], {
            cwd: dir,
            env: { PYTHONPATH: dir, JUPYTERHUB_SERVICE_PREFIX: `${WORKFLOWS_PREFIX}/`, WORKFLOWS_NAMESPACE: "users", PATH: process.env["PATH"] },
            encoding: "utf8",
        });
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(run.stdout.trim().split("\n"), [
            "/api/v1/workflows/users?x=1",
            "/workflows",
            "alice_example.org None",
            "alice",
            `a=b,${SUBMITTED_BY_LABEL}=alice`,
            "(403, 'workflows run in the namespace users')",
            "(403, 'workflows run in the namespace users')",
            "None",
        ]);
    });
});
