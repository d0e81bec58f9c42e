import { at, Finding, finding, known, list, ofTypes, PolicyStack, PolicySubject, record, releasesOf, WorkbenchPolicy } from "./subject";
import { hubFacts, strings } from "./workbench";

/*
 * DESIGN §5b as policies: users' code runs in namespaces that enforce Pod Security `restricted` and are not the
 * hub's; no account of such a namespace holds a role that reads Secrets or reaches RBAC, nodes or namespaces,
 * and one that creates pods does so under a ValidatingAdmissionPolicy naming it; no shared Spark Connect server
 * and no Ray without authentication; no ingress rule there admits every pod; pods that need no API mount no token.
 */

const NAMESPACE = "kubernetes:core/v1:Namespace";
const SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount";
const ROLE_TYPES = ["kubernetes:rbac.authorization.k8s.io/v1:Role", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"];
const BINDING_TYPES = ["kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"];
const ADMISSION_POLICY = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy";
const ADMISSION_BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** Resources a user-code account must never reach, whatever the verb. */
const FORBIDDEN_RESOURCES = ["secrets", "roles", "rolebindings", "clusterroles", "clusterrolebindings", "nodes", "namespaces", "serviceaccounts", "validatingwebhookconfigurations", "mutatingwebhookconfigurations", "validatingadmissionpolicies", "validatingadmissionpolicybindings"];

/** Custom resources by kind (their type token depends on how they are declared). */
function byKind(stack: PolicyStack, kind: string): PolicySubject[] {
    return stack.resources.filter((r) => r.props.kind === kind);
}

/** The namespaces where users' code runs: the notebooks', the Dask clusters', the Spark jobs' and the Ray clusters'. */
export function userCodeNamespaces(stack: PolicyStack): string[] {
    const namespaces = new Set<string>();
    for (const hub of hubFacts(stack)) if (hub.notebookNamespace) namespaces.add(hub.notebookNamespace);
    for (const dask of releasesOf(stack, "dask-gateway")) {
        const ns = at(dask.props.values, "gateway", "backend", "namespace");
        namespaces.add(typeof ns === "string" && known(ns) ? ns : String(dask.props.namespace));
    }
    for (const spark of releasesOf(stack, "spark-operator")) for (const ns of strings(at(spark.props.values, "spark", "jobNamespaces"))) namespaces.add(ns);
    for (const ray of byKind(stack, "RayCluster")) {
        const ns = at(ray.props, "metadata", "namespace");
        if (typeof ns === "string" && known(ns)) namespaces.add(ns);
    }
    return [...namespaces].filter((ns) => known(ns) && ns !== "undefined");
}

/** Users' code runs in namespaces apart from the hub's that enforce Pod Security restricted. */
export const userCodeNamespaceRestricted: WorkbenchPolicy = {
    name: "user-code-namespace-restricted",
    description: "Notebooks, Dask clusters, Spark jobs and Ray run in namespaces that are not the hub's and whose Pod Security admission enforces `restricted`.",
    check: (stack) => {
        const findings: Finding[] = [];
        for (const hub of hubFacts(stack)) {
            if (hub.notebookNamespace !== undefined && hub.notebookNamespace === hub.namespace) {
                findings.push(finding(hub.release, `notebooks start in the hub's own namespace ${hub.namespace}, beside every platform Secret (set KubeSpawner.namespace to the user namespace)`));
            }
        }
        const declared = ofTypes(stack, NAMESPACE);
        for (const ns of userCodeNamespaces(stack)) {
            const namespace = declared.find((n) => at(n.props, "metadata", "name") === ns);
            if (!namespace) continue; // a namespace the program does not declare is judged where it is declared
            if (record(at(namespace.props, "metadata", "labels"))["pod-security.kubernetes.io/enforce"] !== "restricted") {
                findings.push(finding(namespace, "users' code runs here but Pod Security does not enforce `restricted` (label pod-security.kubernetes.io/enforce)"));
            }
        }
        return findings;
    },
};

/** Whether a rule grants any of these verbs on a resource. */
function grants(rule: unknown, resource: string, verbs: string[]): boolean {
    const resources = strings(at(rule, "resources"));
    const ruleVerbs = strings(at(rule, "verbs"));
    return (resources.includes(resource) || resources.includes("*")) && (ruleVerbs.includes("*") || verbs.some((v) => ruleVerbs.includes(v)));
}

/** No account of a user-code namespace holds Kubernetes power; one that creates pods is under an admission policy. */
export const userCodeNoKubePower: WorkbenchPolicy = {
    name: "user-code-no-kube-power",
    description:
        "No ServiceAccount of a user-code namespace is bound to a role that reads Secrets or reaches RBAC, nodes, namespaces or admission; one that may create pods is named by a ValidatingAdmissionPolicy with a Deny binding; every such role is declared in the program; charts create none.",
    check: (stack) => {
        const findings: Finding[] = [];
        const userNamespaces = userCodeNamespaces(stack);
        const roles = ofTypes(stack, ...ROLE_TYPES);
        const admitted = ofTypes(stack, ADMISSION_POLICY).filter((policy) => {
            const name = at(policy.props, "metadata", "name");
            return ofTypes(stack, ADMISSION_BINDING).some((b) => at(b.props, "spec", "policyName") === name && strings(at(b.props, "spec", "validationActions")).includes("Deny"));
        });
        for (const binding of ofTypes(stack, ...BINDING_TYPES)) {
            const subjects = list(at(binding.props, "subjects")).filter((s) => at(s, "kind") === "ServiceAccount" && userNamespaces.includes(String(at(s, "namespace"))));
            if (subjects.length === 0) continue;
            const ref = record(at(binding.props, "roleRef"));
            const role = roles.find((r) => at(r.props, "metadata", "name") === ref.name && (ref.kind === "ClusterRole" || at(r.props, "metadata", "namespace") === at(binding.props, "metadata", "namespace")));
            if (!role) {
                findings.push(finding(binding, `binds a user-code account to ${String(ref.kind)} ${String(ref.name)}, which the program does not declare`));
                continue;
            }
            const rules = list(at(role.props, "rules"));
            for (const resource of FORBIDDEN_RESOURCES) {
                if (rules.some((rule) => grants(rule, resource, ["get", "list", "watch", "create", "update", "patch", "delete", "escalate", "bind", "impersonate"]))) {
                    findings.push(finding(binding, `gives a user-code account rights on ${resource}`));
                }
            }
            if (rules.some((rule) => grants(rule, "pods", ["update", "patch"]) || grants(rule, "pods/exec", ["create"]))) findings.push(finding(binding, "lets a user-code account change or enter pods"));
            if (rules.some((rule) => grants(rule, "pods", ["create"]))) {
                for (const subject of subjects) {
                    const user = `system:serviceaccount:${String(at(subject, "namespace"))}:${String(at(subject, "name"))}`;
                    const shaped = admitted.some((policy) => list(at(policy.props, "spec", "matchConditions")).some((c) => String(at(c, "expression")).includes(user)));
                    if (!shaped) findings.push(finding(binding, `lets ${user} create pods with no ValidatingAdmissionPolicy shaping them`));
                }
            }
        }
        for (const spark of releasesOf(stack, "spark-operator")) {
            const jobs = strings(at(spark.props.values, "spark", "jobNamespaces"));
            if (at(spark.props.values, "spark", "rbac", "create") !== false && jobs.some((ns) => userNamespaces.includes(ns))) {
                findings.push(finding(spark, "spark.rbac.create is not false: the chart's Role grants the job account every verb on pods, ConfigMaps, claims and Services"));
            }
        }
        return findings;
    },
};

/** No shared Spark Connect server; no Ray without token authentication. */
export const noSharedUnauthenticatedEngine: WorkbenchPolicy = {
    name: "no-shared-unauthenticated-engine",
    description: "No Spark Connect server shared by everyone (users' Java would run in one driver); every Ray cluster authenticates its callers (token mode).",
    check: (stack) => {
        const findings: Finding[] = [];
        for (const connect of byKind(stack, "SparkConnect")) findings.push(finding(connect, "a shared Spark Connect server runs every user's code in one driver; give each person their own"));
        for (const ray of byKind(stack, "RayCluster")) {
            if (at(ray.props, "spec", "authOptions", "mode") !== "token") findings.push(finding(ray, "the Ray cluster takes callers without authentication (spec.authOptions.mode is not token)"));
        }
        return findings;
    },
};

/** In user-code namespaces, each workload's ingress names its sources; nothing admits every pod. */
export const perWorkloadIngress: WorkbenchPolicy = {
    name: "per-workload-ingress",
    description: "In user-code namespaces no NetworkPolicy admits every pod or every source; notebooks have an ingress policy of their own.",
    check: (stack) => {
        const findings: Finding[] = [];
        const userNamespaces = userCodeNamespaces(stack);
        const policies = ofTypes(stack, NETWORK_POLICY).filter((p) => userNamespaces.includes(String(at(p.props, "metadata", "namespace"))));
        for (const policy of policies) {
            for (const rule of list(at(policy.props, "spec", "ingress"))) {
                const from = list(at(rule, "from"));
                if (from.length === 0) findings.push(finding(policy, "an ingress rule without sources admits every pod of the cluster"));
                for (const peer of from) {
                    const pods = at(peer, "podSelector");
                    const empty = Object.keys(record(at(pods, "matchLabels"))).length === 0 && list(at(pods, "matchExpressions")).length === 0;
                    const broad = pods !== undefined && empty && at(peer, "namespaceSelector") === undefined;
                    if (broad) findings.push(finding(policy, "an ingress rule admits every pod of the namespace (podSelector {}): name the workload's own sources"));
                }
            }
        }
        for (const hub of hubFacts(stack)) {
            if (!hub.notebookNamespace || hub.notebookNamespace === hub.namespace) continue;
            const fenced = policies.some(
                (p) => at(p.props, "metadata", "namespace") === hub.notebookNamespace && at(p.props, "spec", "podSelector", "matchLabels", "component") === "singleuser-server" && strings(at(p.props, "spec", "policyTypes")).includes("Ingress"),
            );
            if (!fenced) findings.push(finding(hub.release, `no ingress policy selects the notebooks in ${hub.notebookNamespace}`));
        }
        return findings;
    },
};

/**
 * The annotation by which a user-code ServiceAccount declares why its pods need a Kubernetes token (Argo's executor
 * reports each step's result through the API). It counts only together with an admission policy that names the
 * account, so its pods stay shaped whatever a workflow asks for.
 */
export const TOKEN_NEEDED_ANNOTATION = "workbench.io/kubernetes-token";

/** Whether an admission policy of the plan names the account (in its match conditions or rules). */
function heldByAdmission(stack: PolicyStack, account: string): boolean {
    return ofTypes(stack, ADMISSION_POLICY).some((policy) => JSON.stringify(policy.props).includes(`'${account}'`) || JSON.stringify(policy.props).includes(`\"${account}\"`));
}

/** Pods that need no Kubernetes API mount no token. */
export const noTokenWhereNoneNeeded: WorkbenchPolicy = {
    name: "no-token-where-none-needed",
    description: "Notebooks, Dask schedulers and workers, Ray's pods and the ServiceAccounts of user-code namespaces mount no Kubernetes token (automountServiceAccountToken false); Ray's autoscaler alone mounts one.",
    check: (stack) => {
        const findings: Finding[] = [];
        for (const hub of hubFacts(stack)) {
            if (at(hub.values, "hub", "config", "KubeSpawner", "automount_service_account_token") !== false) findings.push(finding(hub.release, "notebooks mount a Kubernetes token (hub.config.KubeSpawner.automount_service_account_token is not false)"));
        }
        for (const dask of releasesOf(stack, "dask-gateway")) {
            for (const role of ["scheduler", "worker"]) {
                if (at(dask.props.values, "gateway", "backend", role, "extraPodConfig", "automountServiceAccountToken") !== false) findings.push(finding(dask, `Dask ${role}s mount a Kubernetes token`));
            }
        }
        for (const ray of byKind(stack, "RayCluster")) {
            const templates = [at(ray.props, "spec", "headGroupSpec", "template"), ...list(at(ray.props, "spec", "workerGroupSpecs")).map((g) => at(g, "template"))];
            if (templates.some((t) => at(t, "spec", "automountServiceAccountToken") !== false)) findings.push(finding(ray, "a Ray pod mounts a Kubernetes token in every container (users' code included)"));
        }
        const userNamespaces = userCodeNamespaces(stack);
        for (const account of ofTypes(stack, SERVICE_ACCOUNT).filter((sa) => userNamespaces.includes(String(at(sa.props, "metadata", "namespace"))))) {
            if (at(account.props, "automountServiceAccountToken") === false) continue;
            const name = String(at(account.props, "metadata", "name"));
            const why = record(at(account.props, "metadata", "annotations"))[TOKEN_NEEDED_ANNOTATION];
            if (typeof why === "string" && why.trim() !== "" && heldByAdmission(stack, name)) continue;
            findings.push(
                finding(
                    account,
                    `hands its token to every pod that runs as it (automountServiceAccountToken is not false${why ? `; its ${TOKEN_NEEDED_ANNOTATION} annotation needs an admission policy naming the account` : ""})`,
                ),
            );
        }
        return findings;
    },
};

/** The tenancy policies, in the order they are reported. */
export const TENANCY_POLICIES: readonly WorkbenchPolicy[] = [userCodeNamespaceRestricted, userCodeNoKubePower, noSharedUnauthenticatedEngine, perWorkloadIngress, noTokenWhereNoneNeeded];
