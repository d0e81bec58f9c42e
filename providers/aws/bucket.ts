import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { WorkbenchConfig } from "../../stacks/schema";
import { AwsContext } from "./context";
import { PolicyDocument } from "./irsa";

/** Arguments of {@link DataBucket}. */
export interface DataBucketArgs {
    /** Names, region, partition and tags shared by the platform's resources. */
    context: AwsContext;
    /** `workbench:storage`: retention, versioning and lifecycle. */
    storage: WorkbenchConfig["storage"];
}

/** A bucket policy statement that refuses every request not made over TLS. */
export function denyInsecureTransport(bucketArn: string): PolicyDocument["Statement"][number] {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}

/**
 * The workbench's private S3 bucket and every protection S3 offers on it: public access blocked at the
 * bucket, ACLs disabled (owner enforced), default encryption, versioning, a lifecycle that aborts
 * abandoned multipart uploads and expires old versions, and a policy that refuses plain HTTP.
 *
 * With `storage.retainOnDestroy` (the default) the bucket AND its protections are retained on
 * `pulumi destroy`: a bucket kept with its data but stripped of its public access block and
 * TLS-only policy would be worse than a deleted one. No `forceDestroy`: S3 refuses to delete a
 * bucket that still holds data.
 */
export class DataBucket extends pulumi.ComponentResource {
    /** The bucket resource. */
    readonly bucket: aws.s3.Bucket;
    /** The bucket's name. */
    readonly bucketName: pulumi.Output<string>;
    /** The bucket's ARN. */
    readonly arn: pulumi.Output<string>;
    /** `s3://<bucket>`. */
    readonly url: pulumi.Output<string>;
    /** The protections, which callers wait for before giving anyone access. */
    readonly protections: pulumi.Resource[];

    constructor(name: string, args: DataBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:aws:Bucket", name, {}, opts);
        const { context, storage } = args;
        const retainOnDelete = storage.retainOnDestroy;
        const options = { parent: this, retainOnDelete };

        // auto-named (`<name>-<random>`): bucket names are global, a fixed one would collide
        this.bucket = new aws.s3.Bucket(name, { tags: context.tags }, options);
        this.bucketName = this.bucket.bucket;
        this.arn = this.bucket.arn;
        this.url = pulumi.interpolate`s3://${this.bucket.bucket}`;
        const bucket = this.bucket.bucket;

        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            name,
            { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            options,
        );
        const ownership = new aws.s3.BucketOwnershipControls(name, { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } }, options);
        const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            options,
        );
        // Suspended rather than absent when off, so switching versioning off later is a change S3 accepts.
        const versioning = new aws.s3.BucketVersioning(
            name,
            { bucket, versioningConfiguration: { status: storage.versioning ? "Enabled" : "Suspended" } },
            options,
        );

        const rules: aws.types.input.s3.BucketLifecycleConfigurationRule[] = [
            {
                id: "abort-incomplete-multipart-uploads",
                status: "Enabled",
                filter: { prefix: "" },
                abortIncompleteMultipartUpload: { daysAfterInitiation: storage.abortIncompleteUploadDays },
            },
        ];
        if (storage.noncurrentVersionDays > 0) {
            rules.push({
                id: "expire-noncurrent-versions",
                status: "Enabled",
                filter: { prefix: "" },
                noncurrentVersionExpiration: { noncurrentDays: storage.noncurrentVersionDays },
                // a delete marker left with no versions behind it only costs listing time
                expiration: { expiredObjectDeleteMarker: true },
            });
        }
        // lifecycle rules on versions are validated against the versioning state, so they follow it
        const lifecycle = new aws.s3.BucketLifecycleConfiguration(name, { bucket, rules }, { ...options, dependsOn: [versioning] });

        const policy = new aws.s3.BucketPolicy(
            name,
            {
                bucket,
                policy: pulumi.jsonStringify(this.arn.apply((arn): PolicyDocument => ({ Version: "2012-10-17", Statement: [denyInsecureTransport(arn)] }))),
            },
            // S3 rejects concurrent changes to a bucket's access settings
            { ...options, dependsOn: [publicAccess, ownership] },
        );

        this.protections = [publicAccess, ownership, encryption, versioning, lifecycle, policy];
        this.registerOutputs({ bucketName: this.bucketName, url: this.url });
    }
}
