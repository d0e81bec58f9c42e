import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { BoundIdentities } from "../bindings";
import { BindingScope, ObjectStore, ServiceAccountRef, WorkloadIdentity } from "../contract";
import { DataBucket } from "./bucket";
import { GcpContext, gcpName } from "./context";

/** The ServiceAccount annotation that makes GKE's metadata server hand a pod the named Google account's tokens. */
export const GSA_ANNOTATION = "iam.gke.io/gcp-service-account";

/** The role that lets a Kubernetes ServiceAccount act as a Google service account through Workload Identity. */
export const WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser";

/**
 * Read, write, list and delete the bucket's objects and multipart uploads, nothing about the bucket
 * itself or its IAM (unlike objectAdmin, which may also change object IAM). Granted on the bucket only.
 */
export const BUCKET_ROLE = "roles/storage.objectUser";

/** `serviceAccount:<project>.svc.id.goog[<namespace>/<name>]`: exactly one Kubernetes ServiceAccount of the project's clusters. */
export function workloadIdentityMember(project: string, account: ServiceAccountRef): string {
    return `serviceAccount:${project}.svc.id.goog[${account.namespace}/${account.name}]`;
}

/** Arguments of {@link GcsObjectStore}. */
export interface GcsObjectStoreArgs {
    context: GcpContext;
    bucket: DataBucket;
    /** The cluster: the project's Workload Identity pool exists only once a cluster with it does. */
    cluster: pulumi.Resource;
    /** Parent of the accounts and bindings that bindings create: the platform. */
    parent: pulumi.Resource;
}

/**
 * The bucket as the shared layer sees it. Binding a ServiceAccount creates a Google service account that
 * only that namespace/ServiceAccount may act as (Workload Identity) and that may use this bucket's objects
 * and nothing else; pods get its tokens from GKE's metadata server, with no key anywhere.
 */
export class GcsObjectStore implements ObjectStore {
    readonly url: pulumi.Output<string>;
    readonly bucket: pulumi.Output<string>;
    private readonly bindings = new BoundIdentities();

    constructor(private readonly args: GcsObjectStoreArgs) {
        this.url = args.bucket.url;
        this.bucket = args.bucket.bucketName;
    }

    bindServiceAccount(account: ServiceAccountRef, scope?: BindingScope): WorkloadIdentity {
        return this.bindings.of(account, scope, (key) => this.bind(account, key, scope));
    }

    /** Creates the account's identity (once: {@link BoundIdentities}). */
    private bind(account: ServiceAccountRef, key: string, scope: BindingScope | undefined): WorkloadIdentity {

        const { context, bucket, cluster, parent } = this.args;
        const name = `${context.name}-${account.namespace}-${account.name}`;
        const gsa = new gcp.serviceaccount.Account(
            name,
            {
                project: context.project,
                accountId: gcpName(`${context.name}-${context.stack}-${account.name}`, 30),
                displayName: `ServiceAccount ${key} of GKE cluster ${context.clusterName}`,
                description: "Workload Identity for notebooks, Dask and Spark: the workbench bucket only",
            },
            { parent },
        );
        const trust = new gcp.serviceaccount.IAMMember(
            name,
            { serviceAccountId: gsa.name, role: WORKLOAD_IDENTITY_USER, member: workloadIdentityMember(context.project, account) },
            // "Identity Pool does not exist" until the first Workload Identity cluster of the project does
            { parent, dependsOn: [cluster] },
        );
        const access = new gcp.storage.BucketIAMMember(
            name,
            {
                bucket: bucket.bucketName,
                role: BUCKET_ROLE,
                member: pulumi.interpolate`serviceAccount:${gsa.email}`,
                // an IAM condition (uniform bucket-level access allows them): objects under the prefix, and the
                // bucket itself, against which listing is checked
                // a scope with exclusions only (users' accounts) is the whole bucket here; the GCP helper enforces exclusions
                condition: scope?.prefix
                    ? {
                          title: `only ${scope.prefix}`,
                          expression: pulumi.interpolate`resource.name == "projects/_/buckets/${bucket.bucketName}" || resource.name.startsWith("projects/_/buckets/${bucket.bucketName}/objects/${scope.prefix}")`,
                      }
                    : undefined,
            },
            { parent },
        );
        const identity: WorkloadIdentity = {
            serviceAccountAnnotations: { [GSA_ANNOTATION]: gsa.email },
            podLabels: {},
            env: {
                // google-auth, gcsfs and the GCS connector find the project here rather than asking for it
                GOOGLE_CLOUD_PROJECT: context.project,
                // the metadata server can be slow to answer in a pod's first seconds; gcsfs would fall back to anonymous
                GCE_METADATA_TIMEOUT: "10",
            },
            secretEnv: {},
            // the metadata server is reached through the capability podsNeedMetadataServer; the bucket is public-internet GCS
            privateEgress: [],
            reach: scope ? "prefix" : "bucket",
            principal: gsa.email,
            readyWhen: [trust, access],
        };
        return identity;
    }
}
