import assert from "node:assert/strict";
import { planViolations } from "../plan/policy";
import type { Plan, PlannedResource } from "../plan/types";

/*
 * Crafted plans that break each tenancy policy (policy/tenancy.ts), as the review's findings would
 * (notes/reviews/security.md §1, §2, §3, §7): the policy pack's test runs them with the others.
 */

type Values = Record<string, unknown>;

function find(plan: Plan, predicate: (r: PlannedResource) => boolean, what: string): PlannedResource {
    const found = plan.resources.find(predicate);
    assert.ok(found, `${what} in the plan`);
    return found;
}

const hubRelease = (plan: Plan) => find(plan, (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs["chart"] === "jupyterhub", "the hub's release");
const spawner = (plan: Plan) => ((hubRelease(plan).inputs["values"] as Values)["hub"] as { config: { KubeSpawner: Values } }).config.KubeSpawner;

function add(plan: Plan, type: string, name: string, inputs: Values): PlannedResource {
    const resource: PlannedResource = { urn: `urn:pulumi:test::workbench::${type}::${name}`, type, name, custom: true, remote: false, inputs, protect: false, retainOnDelete: false, dependsOn: [] };
    plan.resources.push(resource);
    return resource;
}

/** The policy reports the resource, with a message matching the pattern. */
function assertViolates(plan: Plan, policy: string, resource: PlannedResource, pattern: RegExp): void {
    const found = planViolations(plan);
    assert.ok(
        found.some((v) => v.policy === policy && v.message.startsWith(`${resource.type} ${resource.name}:`) && pattern.test(v.message)),
        `${policy} should report ${resource.type} ${resource.name} matching ${pattern}; found:\n${found.map((v) => `[${v.policy}] ${v.message}`).join("\n")}`,
    );
}

const USERS = "workbench-users";

/** Per policy, plans that make it fail. */
export const TENANCY_BREAKAGES: Record<string, Array<{ title: string; base: string; run: (plan: Plan) => void }>> = {
    "user-code-namespace-restricted": [
        {
            title: "the user namespace without Pod Security, and notebooks spawned beside the hub",
            base: "aws",
            run: (plan) => {
                const namespace = find(plan, (r) => r.type === "kubernetes:core/v1:Namespace" && r.name === USERS, "the user namespace");
                (namespace.inputs["metadata"] as Values)["labels"] = {};
                assertViolates(plan, "user-code-namespace-restricted", namespace, /restricted/);
                spawner(plan)["namespace"] = "workbench";
                assertViolates(plan, "user-code-namespace-restricted", hubRelease(plan), /hub's own namespace/);
            },
        },
    ],
    "user-code-no-kube-power": [
        {
            title: "the notebooks' account bound to a Role that reads Secrets; the Spark chart's own Role; the driver without its admission policy",
            base: "aws",
            run: (plan) => {
                add(plan, "kubernetes:rbac.authorization.k8s.io/v1:Role", "loot", { metadata: { name: "loot", namespace: USERS }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }] });
                const binding = add(plan, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "loot", {
                    metadata: { name: "loot", namespace: USERS },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "loot" },
                    subjects: [{ kind: "ServiceAccount", namespace: USERS, name: "workbench-user" }],
                });
                assertViolates(plan, "user-code-no-kube-power", binding, /secrets/);
                const spark = find(plan, (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs["chart"] === "spark-operator", "the Spark operator");
                ((spark.inputs["values"] as Values)["spark"] as Values)["rbac"] = { create: true };
                assertViolates(plan, "user-code-no-kube-power", spark, /rbac\.create/);
                plan.resources = plan.resources.filter((r) => !r.type.startsWith("kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy"));
                const driver = find(plan, (r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding" && r.name === "workbench-spark-driver", "the driver's binding");
                assertViolates(plan, "user-code-no-kube-power", driver, /no ValidatingAdmissionPolicy/);
            },
        },
    ],
    "no-shared-unauthenticated-engine": [
        {
            title: "a shared Spark Connect server, and a Ray cluster without a token",
            base: "aws",
            run: (plan) => {
                const connect = add(plan, "kubernetes:sparkoperator.k8s.io/v1alpha1:SparkConnect", "shared", { apiVersion: "sparkoperator.k8s.io/v1alpha1", kind: "SparkConnect", metadata: { name: "spark-connect", namespace: USERS }, spec: {} });
                assertViolates(plan, "no-shared-unauthenticated-engine", connect, /shared Spark Connect/);
                const ray = add(plan, "kubernetes:ray.io/v1:RayCluster", "open-ray", { apiVersion: "ray.io/v1", kind: "RayCluster", metadata: { name: "ray", namespace: USERS }, spec: { headGroupSpec: { template: { spec: { automountServiceAccountToken: false } } } } });
                assertViolates(plan, "no-shared-unauthenticated-engine", ray, /without authentication/);
            },
        },
    ],
    "per-workload-ingress": [
        {
            title: "the user-code fence admitting every pod of the namespace again",
            base: "aws",
            run: (plan) => {
                const fence = find(plan, (r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && r.name === "workbench-network-user-code", "the user-code fence");
                (fence.inputs["spec"] as Values)["ingress"] = [{ from: [{ podSelector: {} }] }];
                assertViolates(plan, "per-workload-ingress", fence, /every pod of the namespace/);
            },
        },
    ],
    "no-token-where-none-needed": [
        {
            title: "notebooks with a token, and the notebooks' account handing its token out",
            base: "aws",
            run: (plan) => {
                spawner(plan)["automount_service_account_token"] = true;
                assertViolates(plan, "no-token-where-none-needed", hubRelease(plan), /notebooks mount a Kubernetes token/);
                const account = find(plan, (r) => r.type === "kubernetes:core/v1:ServiceAccount" && (r.inputs["metadata"] as Values)["name"] === "workbench-user", "the notebooks' account");
                delete account.inputs["automountServiceAccountToken"];
                assertViolates(plan, "no-token-where-none-needed", account, /automountServiceAccountToken/);
                // a declared need does not count without an admission policy naming the account
                (account.inputs["metadata"] as Values)["annotations"] = { "workbench.io/kubernetes-token": "a reason" };
                assertViolates(plan, "no-token-where-none-needed", account, /needs an admission policy naming the account/);
            },
        },
    ],
};
