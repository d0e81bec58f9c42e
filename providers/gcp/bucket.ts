import * as gcpStorage from "@pulumi/gcp/storage";
import type * as gcpInput from "@pulumi/gcp/types/input";
import * as pulumi from "@pulumi/pulumi";
import type { WorkbenchConfig } from "../../stacks/schema";
import { GcpContext } from "./context";

/** Arguments of {@link DataBucket}. */
export interface DataBucketArgs {
    /** Names, project, region and labels shared by the platform's resources. */
    context: GcpContext;
    /** `workbench:storage`: retention, versioning and lifecycle. */
    storage: WorkbenchConfig["storage"];
    /** Resources the bucket waits for (the Storage API). */
    dependsOn: pulumi.Resource[];
}

/** The lifecycle rules `workbench:storage` asks for. */
export function lifecycleRules(storage: WorkbenchConfig["storage"]): gcpInput.storage.BucketLifecycleRule[] {
    const rules: gcpInput.storage.BucketLifecycleRule[] = [
        { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: storage.abortIncompleteUploadDays } },
    ];
    if (storage.noncurrentVersionDays > 0) {
        rules.push({ action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: storage.noncurrentVersionDays, withState: "ARCHIVED" } });
    }
    return rules;
}

/**
 * The workbench's private GCS bucket, in the cluster's region: uniform bucket-level access (IAM only, no
 * object ACLs), public access prevention enforced, versioning and lifecycle from `workbench:storage`.
 * GCS encrypts every object at rest (Google-managed keys); it has no bucket policy to refuse plain HTTP as S3
 * has, and its clients (gcsfs, the GCS connector, gcloud) use HTTPS. No `forceDestroy`: GCS refuses to
 * delete a bucket that still holds objects, and with `storage.retainOnDestroy` (the default) `pulumi
 * destroy` leaves the bucket, its data and its settings in place.
 */
export class DataBucket extends pulumi.ComponentResource {
    readonly bucket: gcpStorage.Bucket;
    /** The bucket's name. */
    readonly bucketName: pulumi.Output<string>;
    /** `gs://<bucket>`. */
    readonly url: pulumi.Output<string>;

    constructor(name: string, args: DataBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:gcp:Bucket", name, {}, opts);
        const { context, storage } = args;
        // auto-named (`<name>-<random>`): bucket names are global, a fixed one would collide
        this.bucket = new gcpStorage.Bucket(
            name,
            {
                project: context.project,
                location: context.region.toUpperCase(),
                storageClass: "STANDARD",
                uniformBucketLevelAccess: true,
                publicAccessPrevention: "enforced",
                versioning: { enabled: storage.versioning },
                lifecycleRules: lifecycleRules(storage),
                // GCS keeps (and bills) deleted objects 7 days by default; versioning already keeps them, for
                // storage.noncurrentVersionDays, so soft delete only adds billed copies (shuffles, checkpoints)
                softDeletePolicy: storage.versioning ? { retentionDurationSeconds: 0 } : undefined,
                forceDestroy: false,
                labels: context.labels,
            },
            { parent: this, retainOnDelete: storage.retainOnDestroy, dependsOn: args.dependsOn },
        );
        this.bucketName = this.bucket.name;
        this.url = pulumi.interpolate`gs://${this.bucket.name}`;
        this.registerOutputs({ bucketName: this.bucketName, url: this.url });
    }
}
