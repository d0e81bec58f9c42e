import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { USER_CODE_LABELS } from "../labels";

/*
 * Admission for workflow pods (DESIGN §5b.2): Argo's controller creates pods from users' workflow specs, and a
 * spec may name any ServiceAccount, volume or label. This policy holds every pod the controller creates in the
 * user namespace, and every pod there running as the workflow account, to the workflow account, no Secret,
 * claim or host volume (no other person's volume, no platform credential), and the user-code labels the fences
 * select on. The tenancy policy for other user-code pods is separate; the lead reconciles the two.
 */

/** Arguments of {@link workflowAdmission}. */
export interface WorkflowAdmissionArgs {
    /** The workbench's name: prefix of the cluster-scoped objects' names. */
    workbench: string;
    /** The namespace workflows run in. */
    userNamespace: string;
    /** The ServiceAccount workflow pods must run as. */
    workflowAccount: string;
    /** The Argo controller's identity as the API server sees it (`system:serviceaccount:<ns>:<name>`). */
    controllerUser: string;
    provider: k8s.Provider;
    dependsOn: pulumi.Resource[];
}

/** The Secret workflow pods may read keys from: the workflow identity's own keys (an S3-compatible store), if any. */
export const workflowKeysSecret = (workflowAccount: string) => `${workflowAccount}-object-store`;

/** A CEL condition every container of a list (`containers`, `initContainers`) meets: no Secret in its environment but the account's keys. */
function noSecretEnv(list: string, workflowAccount: string): string {
    const container =
        `(!has(c.env) || c.env.all(e, !has(e.valueFrom) || !has(e.valueFrom.secretKeyRef) || e.valueFrom.secretKeyRef.name == '${workflowKeysSecret(workflowAccount)}'))` +
        " && (!has(c.envFrom) || c.envFrom.all(f, !has(f.secretRef)))";
    return `(!has(object.spec.${list}) || object.spec.${list}.all(c, ${container}))`;
}

/** The policy's checks, each a CEL expression over the pod and the message a refused submitter reads. */
export function workflowPodValidations(workflowAccount: string): { expression: string; message: string }[] {
    const [labelKey, labelValue] = Object.entries(USER_CODE_LABELS)[0];
    return [
        {
            // the user namespace holds Secrets for notebooks and served models (service tokens): not a workflow's to take
            expression: `${noSecretEnv("containers", workflowAccount)} && ${noSecretEnv("initContainers", workflowAccount)}`,
            message: "workflow pods take no Secret into their environment (secretKeyRef, envFrom): the workflow account's bucket identity is in the pod already",
        },
        {
            expression: `has(object.spec.serviceAccountName) && object.spec.serviceAccountName == '${workflowAccount}'`,
            message: `workflow pods run as the ServiceAccount ${workflowAccount} (remove serviceAccountName from the workflow)`,
        },
        {
            expression:
                "!has(object.spec.volumes) || object.spec.volumes.all(v, !has(v.secret) && !has(v.persistentVolumeClaim) && !has(v.hostPath) && !has(v.ephemeral) && " +
                "(!has(v.projected) || v.projected.sources.all(s, !has(s.secret))))",
            message: "workflow pods mount no Secret, PersistentVolumeClaim or host path: keep data in the bucket (artifacts) instead",
        },
        {
            expression: `has(object.metadata.labels) && '${labelKey}' in object.metadata.labels && object.metadata.labels['${labelKey}'] == '${labelValue}'`,
            message: `workflow pods carry the label ${labelKey}=${labelValue} (the user-code fences select on it)`,
        },
    ];
}

/** Which pods the policy holds: those the controller creates, and any running as the workflow account. */
export function workflowPodCondition(args: Pick<WorkflowAdmissionArgs, "workflowAccount" | "controllerUser">): string {
    return `request.userInfo.username == '${args.controllerUser}' || (has(object.spec.serviceAccountName) && object.spec.serviceAccountName == '${args.workflowAccount}')`;
}

/** The ValidatingAdmissionPolicy and its binding (admissionregistration.k8s.io/v1, GA since Kubernetes 1.30). */
export function workflowAdmission(name: string, args: WorkflowAdmissionArgs, parent: pulumi.Resource): k8s.admissionregistration.v1.ValidatingAdmissionPolicy {
    const opts = { parent, provider: args.provider, dependsOn: args.dependsOn };
    const policyName = `${args.workbench}-workflow-pods`;
    const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
        name,
        {
            metadata: { name: policyName },
            spec: {
                failurePolicy: "Fail",
                matchConstraints: {
                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.userNamespace } },
                    resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] }],
                },
                matchConditions: [{ name: "workflow-pods", expression: workflowPodCondition(args) }],
                validations: workflowPodValidations(args.workflowAccount).map((v) => ({ ...v, reason: "Forbidden" })),
            },
        },
        opts,
    );
    new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
        name,
        {
            metadata: { name: policyName },
            spec: {
                policyName,
                validationActions: ["Deny"],
                matchResources: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.userNamespace } } },
            },
        },
        { ...opts, dependsOn: [...args.dependsOn, policy] },
    );
    return policy;
}
