import * as gcpIam from "@pulumi/gcp/iam";
import * as gcpStorage from "@pulumi/gcp/storage";
import * as pulumi from "@pulumi/pulumi";
import { MoveReadGrant, MoveReadRequest, ServiceAccountRef } from "../contract";
import { GcpContext, gcpName } from "./context";

/*
 * The source side of a move off GCP (docs/move.md): a workload identity federation pool with one OIDC provider for
 * the TARGET cluster's issuer, admitting only tokens whose subject is the target's transfer Job ServiceAccount, and
 * `roles/storage.objectViewer` (get and list objects, nothing that writes) on this bucket for exactly that
 * subject's federated principal (direct resource access: no Google service account, no key). The target writes an
 * `external_account` credential file (token from a projected ServiceAccount token whose audience is the provider's
 * name) and rclone's GCS `env_auth` reads it through Application Default Credentials
 * (rclone backend/googlecloudstorage: `google.DefaultClient`; golang.org/x/oauth2/google external_account).
 */

/** The read-only role granted on the bucket. */
export const MOVE_READ_ROLE = "roles/storage.objectViewer";

/** `system:serviceaccount:<namespace>:<name>`. */
const subjectOf = (account: ServiceAccountRef) => `system:serviceaccount:${account.namespace}:${account.name}`;

/** The provider's condition: the one ServiceAccount's tokens, nobody else's from that issuer. */
export function moveAttributeCondition(account: ServiceAccountRef): string {
    return `assertion.sub == ${JSON.stringify(subjectOf(account)).replace(/"/g, "'")}`;
}

/** The federated principal of one subject of a pool (`pool` is the pool's resource name, projects/<number>/…). */
export function movePrincipal(pool: string, account: ServiceAccountRef): string {
    return `principal://iam.googleapis.com/${pool}/subject/${subjectOf(account)}`;
}

/** The pool's (and its provider's) id: 4-32 lowercase letters, digits and '-', never starting with the reserved `gcp-`. */
export function moveIdentityPoolId(name: string, stack: string): string {
    const id = gcpName(`${name}-move-${stack}`, 32);
    return id.startsWith("gcp-") ? gcpName(`wb-${id}`, 32) : id;
}

/** Creates the grant under `parent`. */
export function grantMoveRead(
    args: { context: GcpContext; bucketName: pulumi.Output<string>; request: MoveReadRequest; dependsOn: pulumi.Resource[] },
    parent: pulumi.Resource,
): MoveReadGrant {
    const { context, request } = args;
    // pool and provider ids: 4-32 characters, not starting with `gcp-`; a deleted pool's id stays taken ~30 days
    const id = moveIdentityPoolId(context.name, context.stack);
    const options = { parent, dependsOn: args.dependsOn };
    const pool = new gcpIam.WorkloadIdentityPool(
        `${context.name}-move`,
        { project: context.project, workloadIdentityPoolId: id, displayName: "workbench move (read-only)", description: `Tokens of ${request.account.namespace}/${request.account.name} at ${request.issuer}` },
        options,
    );
    const provider = new gcpIam.WorkloadIdentityPoolProvider(
        `${context.name}-move`,
        {
            project: context.project,
            workloadIdentityPoolId: pool.workloadIdentityPoolId,
            workloadIdentityPoolProviderId: id,
            attributeMapping: { "google.subject": "assertion.sub" },
            attributeCondition: moveAttributeCondition(request.account),
            // no allowedAudiences: the token's audience must then be this provider's own resource name (IAM's default)
            oidc: { issuerUri: request.issuer },
        },
        options,
    );
    const principal = pool.name.apply((name) => movePrincipal(name, request.account));
    new gcpStorage.BucketIAMMember(`${context.name}-move-read`, { bucket: args.bucketName, role: MOVE_READ_ROLE, member: principal }, options);
    return {
        principal,
        audience: pulumi.interpolate`//iam.googleapis.com/${provider.name}`,
        moveFrom: { cloud: "gcp", bucket: args.bucketName, workloadIdentityProvider: provider.name },
    };
}
