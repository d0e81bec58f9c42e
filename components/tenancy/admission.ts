import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { API_CLIENT_LABELS, USER_CODE_LABELS } from "../labels";
import { PLATFORM_OBJECT_LABELS } from "./zones";

/*
 * The one account in the user namespace that may create pods is the Spark driver's (its executors). A
 * ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, GA since Kubernetes 1.30) shapes every pod it
 * creates: the executor account only, no Kubernetes token, no volume that reaches a Secret, a claim or the
 * node, no privilege, no secret environment beyond the account's own, the user-code label and no label that
 * opens another fence. A second policy keeps it off the platform's ConfigMaps in that namespace (the
 * getting-started files every server runs), and a third lets it delete only the pods it owns. CEL as Kubernetes evaluates it: `object` is the pod after
 * mutation, null on DELETE; `oldObject` null on CREATE.
 */

/** One CEL rule with the message the API server returns when it is false. */
export interface CelValidation {
    /** The CEL expression; true admits. */
    expression: string;
    /** What the refusal says. */
    message: string;
}

/** What the pod policy is made of. */
export interface SparkPodPolicyInput {
    /** The namespace the driver account lives in. */
    namespace: string;
    /** The driver's ServiceAccount: the policy applies to requests it makes. */
    driverAccount: string;
    /** The only ServiceAccount its pods may run as (the executors'). */
    executorAccount: string;
    /** Secrets the executors may read environment from (the workload account's own, e.g. an S3-compatible key). */
    allowedSecretEnv: readonly string[];
    /**
     * Audiences of projected tokens the cloud's workload-identity webhook adds (AWS `sts.amazonaws.com`, Azure
     * `api://AzureADTokenExchange`): the API server rejects them, so they give no Kubernetes power.
     */
    identityTokenAudiences: readonly string[];
}

/** Workload-identity webhooks' token audiences on the clouds that project one (EKS pod identity webhook; Azure workload identity). */
export const IDENTITY_TOKEN_AUDIENCES: readonly string[] = ["sts.amazonaws.com", "api://AzureADTokenExchange"];

const celString = (value: string): string => JSON.stringify(value);
const celList = (values: readonly string[]): string => `[${values.map(celString).join(", ")}]`;

/** The request's user for a ServiceAccount, as the API server names it. */
export function serviceAccountUser(namespace: string, name: string): string {
    return `system:serviceaccount:${namespace}:${name}`;
}

/** Labels that would open a fence meant for others: z2jh's access labels, the API-client egress, the platform's mark. */
const FORBIDDEN_LABEL_PREFIXES = ["hub.jupyter.org/network-access"];
const FORBIDDEN_LABELS = [...Object.keys(API_CLIENT_LABELS), ...Object.keys(PLATFORM_OBJECT_LABELS)];

/** The pod policy's rules. Variables: `containers` (all containers, init containers included). */
export function sparkPodValidations(input: SparkPodPolicyInput): CelValidation[] {
    const [userCodeKey, userCodeValue] = Object.entries(USER_CODE_LABELS)[0];
    const audiences = celList(input.identityTokenAudiences);
    return [
        {
            expression: `has(object.spec.serviceAccountName) && object.spec.serviceAccountName == ${celString(input.executorAccount)}`,
            message: `pods created by ${input.driverAccount} must run as ${input.executorAccount}`,
        },
        {
            expression: "has(object.spec.automountServiceAccountToken) && object.spec.automountServiceAccountToken == false",
            message: "pods created by the Spark driver must set automountServiceAccountToken: false",
        },
        {
            expression:
                "!has(object.spec.volumes) || object.spec.volumes.all(v, has(v.emptyDir) || has(v.configMap) || has(v.downwardAPI) || " +
                `(has(v.projected) && v.projected.sources.all(s, has(s.configMap) || has(s.downwardAPI) || ` +
                `(has(s.serviceAccountToken) && has(s.serviceAccountToken.audience) && s.serviceAccountToken.audience in ${audiences}))))`,
            message: "pods created by the Spark driver may mount only emptyDir, configMap, downwardAPI and workload-identity token volumes (no Secret, claim, hostPath or Kubernetes token)",
        },
        {
            expression:
                "!(has(object.spec.hostNetwork) && object.spec.hostNetwork) && !(has(object.spec.hostPID) && object.spec.hostPID) && " +
                "!(has(object.spec.hostIPC) && object.spec.hostIPC)",
            message: "pods created by the Spark driver may not use the node's network, process or IPC namespace",
        },
        {
            expression:
                "variables.containers.all(c, !has(c.securityContext) || (!(has(c.securityContext.privileged) && c.securityContext.privileged) && " +
                "!(has(c.securityContext.capabilities) && has(c.securityContext.capabilities.add) && c.securityContext.capabilities.add.exists(a, a != 'NET_BIND_SERVICE'))))",
            message: "pods created by the Spark driver may not be privileged or add capabilities",
        },
        {
            expression:
                "variables.containers.all(c, (!has(c.envFrom) || c.envFrom.all(e, !has(e.secretRef))) && " +
                `(!has(c.env) || c.env.all(e, !has(e.valueFrom) || !has(e.valueFrom.secretKeyRef) || e.valueFrom.secretKeyRef.name in ${celList(input.allowedSecretEnv)})))`,
            message: "pods created by the Spark driver may read environment only from the workload account's own Secret",
        },
        {
            expression: `has(object.metadata.labels) && ${celString(userCodeKey)} in object.metadata.labels && object.metadata.labels[${celString(userCodeKey)}] == ${celString(userCodeValue)}`,
            message: `pods created by the Spark driver must carry the user-code label ${userCodeKey}=${userCodeValue}`,
        },
        {
            expression:
                `!has(object.metadata.labels) || object.metadata.labels.all(k, !(k in ${celList(FORBIDDEN_LABELS)}) && ` +
                `!${celList(FORBIDDEN_LABEL_PREFIXES)}.exists(p, k.startsWith(p)))`,
            message: "pods created by the Spark driver may not carry API-client, platform or hub access labels",
        },
    ];
}

/** The expression of the `containers` variable: every container the pod would run. */
export const CONTAINERS_VARIABLE =
    "object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : []) + " +
    "(has(object.spec.ephemeralContainers) ? object.spec.ephemeralContainers : [])";

/** The ConfigMap policy's rule: the platform's objects in the user namespace stay the platform's. */
export function platformConfigMapValidations(): CelValidation[] {
    const [key] = Object.keys(PLATFORM_OBJECT_LABELS);
    const marked = (o: string) => `(${o} != null && has(${o}.metadata.labels) && ${celString(key)} in ${o}.metadata.labels)`;
    return [{ expression: `!${marked("object")} && !${marked("oldObject")}`, message: "the Spark driver may not create, change or delete the platform's ConfigMaps" }];
}

/**
 * The key in a bound ServiceAccount token's `userInfo.extra` naming the pod the token was issued to (the kubelet's
 * projected tokens carry it; kubernetes/kubernetes pkg/serviceaccount/claims.go, `PodNameKey`).
 */
export const TOKEN_POD_NAME_KEY = "authentication.kubernetes.io/pod-name";

/**
 * The delete rule: the driver account is shared by every person's Spark (the example's driver, each Spark profile
 * server's sidecar), and its Role's `delete` on pods cannot say whose. A driver may delete only the pods it owns
 * (its executors, which Spark makes with an owner reference to the driver pod), so one person's Spark cannot stop
 * another person's server or executors.
 */
export function ownPodDeleteValidations(): CelValidation[] {
    const key = celString(TOKEN_POD_NAME_KEY);
    return [
        {
            expression:
                `has(request.userInfo.extra) && ${key} in request.userInfo.extra && oldObject != null && has(oldObject.metadata.ownerReferences) && ` +
                `oldObject.metadata.ownerReferences.exists(r, r.kind == "Pod" && r.name == request.userInfo.extra[${key}][0])`,
            message: "the Spark driver may delete only the pods it owns (its executors)",
        },
    ];
}

/** The delete policy's spec. */
export function ownPodDeletePolicySpec(input: Pick<SparkPodPolicyInput, "namespace" | "driverAccount">): Record<string, unknown> {
    return {
        failurePolicy: "Fail",
        matchConstraints: {
            resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["DELETE"], resources: ["pods"] }],
        },
        matchConditions: [{ name: "spark-driver", expression: `request.userInfo.username == ${celString(serviceAccountUser(input.namespace, input.driverAccount))}` }],
        validations: ownPodDeleteValidations(),
    };
}

/** The pod policy's spec (what the API server evaluates). */
export function sparkPodPolicySpec(input: SparkPodPolicyInput): Record<string, unknown> {
    return {
        failurePolicy: "Fail",
        matchConstraints: {
            resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] }],
        },
        matchConditions: [{ name: "spark-driver", expression: `request.userInfo.username == ${celString(serviceAccountUser(input.namespace, input.driverAccount))}` }],
        variables: [{ name: "containers", expression: CONTAINERS_VARIABLE }],
        validations: sparkPodValidations(input),
    };
}

/** The ConfigMap policy's spec. */
export function platformConfigMapPolicySpec(input: Pick<SparkPodPolicyInput, "namespace" | "driverAccount">): Record<string, unknown> {
    return {
        failurePolicy: "Fail",
        matchConstraints: {
            resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE", "DELETE"], resources: ["configmaps"] }],
        },
        matchConditions: [{ name: "spark-driver", expression: `request.userInfo.username == ${celString(serviceAccountUser(input.namespace, input.driverAccount))}` }],
        validations: platformConfigMapValidations(),
    };
}

/** Arguments of {@link SparkAdmission}. */
export interface SparkAdmissionArgs extends SparkPodPolicyInput {
    /** The workbench's name: the policies are cluster-scoped and named after it. */
    workbench: string;
    /** Kubernetes provider of the cluster. */
    provider: k8s.Provider;
    /** The cluster, first. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** The admission policies and their bindings (Deny): shipped by the program, so no pod the driver creates escapes them. */
export class SparkAdmission extends pulumi.ComponentResource {
    /** The policies' names (for the docs and tests). */
    readonly policyNames: string[];

    constructor(name: string, args: SparkAdmissionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:tenancy:SparkAdmission", name, {}, opts);
        const resourceOpts = { parent: this, provider: args.provider, dependsOn: args.dependsOn };
        const policies: Array<[string, Record<string, unknown>]> = [
            [`${args.workbench}-spark-driver-pods`, sparkPodPolicySpec(args)],
            [`${args.workbench}-platform-configmaps`, platformConfigMapPolicySpec(args)],
            [`${args.workbench}-spark-driver-deletes`, ownPodDeletePolicySpec(args)],
        ];
        this.policyNames = [];
        for (const [policyName, spec] of policies) {
            const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(policyName, { metadata: { name: policyName }, spec }, resourceOpts);
            new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
                policyName,
                { metadata: { name: policyName }, spec: { policyName, validationActions: ["Deny"] } },
                { ...resourceOpts, dependsOn: [...args.dependsOn, policy] },
            );
            this.policyNames.push(policyName);
        }
        this.registerOutputs({ policyNames: this.policyNames });
    }
}
