import * as gcpProjects from "@pulumi/gcp/projects";
import * as gcpServiceaccount from "@pulumi/gcp/serviceaccount";
import * as gcpStorage from "@pulumi/gcp/storage";
import * as pulumi from "@pulumi/pulumi";
import { BoundIdentities } from "../bindings";
import { BackupLocation, BindingScope, MoveReadGrant, MoveReadRequest, ObjectStore, ServiceAccountRef, WorkloadIdentity } from "../contract";
import { DataBucket } from "./bucket";
import { GcpContext, gcpName } from "./context";
import { grantMoveRead } from "./move-grant";

/** The ServiceAccount annotation that makes GKE's metadata server hand a pod the named Google account's tokens. */
export const GSA_ANNOTATION = "iam.gke.io/gcp-service-account";

/** The role that lets a Kubernetes ServiceAccount act as a Google service account through Workload Identity. */
export const WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser";

/**
 * Read, write, list and delete the bucket's objects and multipart uploads, nothing about the bucket
 * itself or its IAM (unlike objectAdmin, which may also change object IAM). Granted on the bucket only.
 */
export const BUCKET_ROLE = "roles/storage.objectUser";

/**
 * The one bucket-level permission objectUser lacks and clients need: barman-cloud (CloudNativePG's backups) checks
 * the bucket exists before archiving (`_check_bucket_existence` → `exists()`, GET b/<bucket>: storage.buckets.get),
 * and so do gcsfs's `exists(bucket)` and `info(bucket)`. A custom role with only it, granted on the bucket: the
 * predefined roles that hold it (legacyBucketReader, objectViewer's bucket-level siblings) also list every object.
 * Sources: EnterpriseDB/barman barman/cloud_providers/google_cloud_storage.py; googleapis/google-cloud-python#9065.
 */
export const BUCKET_METADATA_PERMISSIONS: readonly string[] = ["storage.buckets.get"];

/** IAM Conditions allow at most this many logical operators (`&&`, `||`, `!`) in one expression (IAM "Conditions overview", limits). */
export const MAX_CONDITION_OPERATORS = 12;

/** `projects/_/buckets/<bucket>`: how IAM conditions name the bucket (listing is checked on it). */
const bucketResource = (bucket: string) => `projects/_/buckets/${bucket}`;

/** A CEL string literal. */
const literal = (text: string) => JSON.stringify(text);

/** The prefix of a listing request, `''` when the request names none (GCS request attribute for storage.objects.list). */
const LIST_PREFIX = "api.getAttribute('storage.googleapis.com/objectListPrefix', '')";

/**
 * The IAM condition that limits an identity to the objects under `prefix`: the objects themselves, and listings
 * whose prefix starts with it. Not the bucket as a whole: a listing of the bucket's root (or any other prefix)
 * is refused, so the identity cannot enumerate other keys' names. (Policies: apache/polaris
 * GcpCredentialsStorageIntegration uses the same two clauses; GCS documents `objectListPrefix` for IAM Conditions.)
 */
export function prefixCondition(bucket: string, prefix: string): string {
    return `resource.name.startsWith(${literal(`${bucketResource(bucket)}/objects/${prefix}`)}) || ${LIST_PREFIX}.startsWith(${literal(prefix)})`;
}

/**
 * The IAM condition that gives an identity the whole bucket except `excluded` prefixes: any object whose name
 * starts with none of them, and the bucket itself (where listing is checked) for listings whose prefix starts
 * with none of them. What a condition cannot exclude: a listing is allowed or refused as a whole, so a listing
 * of the bucket's root (or of a prefix shorter than an excluded one, e.g. `back`) still returns the names, sizes
 * and times of the excluded objects; their contents can be neither read nor written, nor can objects be created
 * or deleted there.
 */
export function exclusionCondition(bucket: string, excluded: readonly string[]): string {
    const objects = `${bucketResource(bucket)}/objects/`;
    const anyObject = excluded.map((prefix) => `resource.name.startsWith(${literal(`${objects}${prefix}`)})`).join(" || ");
    const anyListing = excluded.map((prefix) => `${LIST_PREFIX}.startsWith(${literal(prefix)})`).join(" || ");
    const expression =
        `(resource.name == ${literal(bucketResource(bucket))} && !(${anyListing})) || ` +
        `(resource.name.startsWith(${literal(objects)}) && !(${anyObject}))`;
    const operators = (expression.match(/&&|\|\||!\(/g) ?? []).length;
    if (operators > MAX_CONDITION_OPERATORS) {
        throw new Error(`excluding ${excluded.join(", ")} needs ${operators} logical operators; an IAM condition allows ${MAX_CONDITION_OPERATORS}: exclude fewer, shorter-named prefixes`);
    }
    return expression;
}

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
    /** What every account and grant waits for: the APIs (IAM's above all: on a new project it is still off). */
    dependsOn: pulumi.Resource[];
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
    readonly backupLocation: BackupLocation;
    private readonly bindings = new BoundIdentities();
    private metadataRole?: gcpProjects.IAMCustomRole;

    constructor(private readonly args: GcsObjectStoreArgs) {
        this.url = args.bucket.url;
        this.bucket = args.bucket.bucketName;
        // Velero's GCP plugin takes Application Default Credentials from the metadata server (GKE workload identity)
        this.backupLocation = { provider: "gcp", config: {} };
    }

    bindServiceAccount(account: ServiceAccountRef, scope?: BindingScope): WorkloadIdentity {
        return this.bindings.of(account, scope, (key) => this.bind(account, key, scope));
    }

    grantMoveRead(request: MoveReadRequest): MoveReadGrant {
        const { context, bucket, dependsOn, parent } = this.args;
        return grantMoveRead({ context, bucketName: bucket.bucketName, request, dependsOn }, parent);
    }

    /** The project's custom role holding {@link BUCKET_METADATA_PERMISSIONS}, created with the first binding. */
    private bucketMetadataRole(): gcpProjects.IAMCustomRole {
        const { context, parent, dependsOn } = this.args;
        this.metadataRole ??= new gcpProjects.IAMCustomRole(
            `${context.name}-bucket-metadata`,
            {
                project: context.project,
                // project-unique; a deleted role keeps its id for a while, which the provider undeletes on re-create
                roleId: gcpName(`${context.name}-${context.stack}-bucket-metadata`, 64).replace(/-/g, "_"),
                title: `Workbench ${context.stack}: read the bucket's metadata`,
                description: "storage.buckets.get only: barman-cloud and gcsfs check the bucket exists; granted on the workbench bucket",
                permissions: [...BUCKET_METADATA_PERMISSIONS],
                stage: "GA",
            },
            { parent, dependsOn },
        );
        return this.metadataRole;
    }

    /** Creates the account's identity (once: {@link BoundIdentities}). */
    private bind(account: ServiceAccountRef, key: string, scope: BindingScope | undefined): WorkloadIdentity {
        const { context, bucket, cluster, parent, dependsOn } = this.args;
        const name = `${context.name}-${account.namespace}-${account.name}`;
        const excluded = scope?.prefix === undefined ? (scope?.excludePrefixes ?? []) : [];
        const reaches = scope?.prefix ? `${scope.prefix} only` : excluded.length > 0 ? `the bucket except ${excluded.join(", ")}` : "the whole bucket";
        const gsa = new gcpServiceaccount.Account(
            name,
            {
                project: context.project,
                accountId: gcpName(`${context.name}-${context.stack}-${account.name}`, 30),
                displayName: `ServiceAccount ${key} of GKE cluster ${context.clusterName}`,
                description: `Workload Identity for ${key}: the workbench bucket, ${reaches}`.slice(0, 256),
            },
            // IAM's API is still off on a new project until its Service resource is done
            { parent, dependsOn },
        );
        const trust = new gcpServiceaccount.IAMMember(
            name,
            { serviceAccountId: gsa.name, role: WORKLOAD_IDENTITY_USER, member: workloadIdentityMember(context.project, account) },
            // "Identity Pool does not exist" until the first Workload Identity cluster of the project does
            { parent, dependsOn: [cluster, ...dependsOn] },
        );
        const member = pulumi.interpolate`serviceAccount:${gsa.email}`;
        const condition = scope?.prefix
            ? { title: `only ${scope.prefix}`.slice(0, 100), expression: bucket.bucketName.apply((b) => prefixCondition(b, scope.prefix as string)) }
            : excluded.length > 0
              ? { title: `all but ${excluded.join(", ")}`.slice(0, 100), expression: bucket.bucketName.apply((b) => exclusionCondition(b, excluded)) }
              : undefined;
        // an IAM condition (uniform bucket-level access allows them) on the object role
        const access = new gcpStorage.BucketIAMMember(name, { bucket: bucket.bucketName, role: BUCKET_ROLE, member, condition }, { parent, dependsOn });
        const metadata = new gcpStorage.BucketIAMMember(
            `${name}-metadata`,
            { bucket: bucket.bucketName, role: this.bucketMetadataRole().name, member },
            { parent, dependsOn },
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
            reach: scope?.prefix ? "prefix" : "bucket",
            // the condition refuses every read and write under the excluded prefixes; listings of a parent still show their names (exclusionCondition)
            excluded: true,
            principal: gsa.email,
            readyWhen: [trust, access, metadata],
        };
        return identity;
    }
}
