import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BoundIdentities } from "../bindings";
import { BackupLocation, BindingScope, MoveReadGrant, MoveReadRequest, ObjectStore, ServiceAccountRef, WorkloadIdentity } from "../contract";
import { DataBucket } from "./bucket";
import { AwsContext } from "./context";
import { irsaRole, OidcProvider, PolicyDocument, ROLE_ARN_ANNOTATION } from "./irsa";
import { grantMoveRead } from "./move-grant";

/** The object actions a bound identity is given, and denied under an excluded prefix. */
export const OBJECT_ACTIONS: readonly string[] = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];

/**
 * Read and write the bucket's objects, nothing more. Deleting a version, changing the bucket's
 * policy or settings are left out: with versioning on, a notebook's mistake stays recoverable.
 *
 * With a `prefix`, objects are limited to that prefix, and listing to keys under it whenever the request
 * names a prefix. `StringLikeIfExists`, not `StringLike`: HeadBucket is authorised by `s3:ListBucket` and
 * carries no `s3:prefix` key, and barman-cloud (CloudNativePG's backups) HEADs the bucket before every WAL
 * archive and backup, treating a 403 as fatal (EnterpriseDB/barman `cloud_providers/aws_s3.py`,
 * `_check_bucket_existence`; https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html). The price:
 * a ListObjects without a prefix also passes, so the role can list the names of keys outside its prefix,
 * never read or write them.
 *
 * With `excludePrefixes` (an identity reaching the whole bucket), an explicit Deny, which no Allow overrides,
 * on the object actions under each prefix and on listing it (`s3:prefix` under it).
 */
export function bucketAccessPolicy(bucketArn: string, scope: BindingScope = {}): PolicyDocument {
    const { prefix, excludePrefixes = [] } = scope;
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ListTheBucket",
                Effect: "Allow",
                Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
                Resource: bucketArn,
                ...(prefix ? { Condition: { StringLikeIfExists: { "s3:prefix": [`${prefix}*`] } } } : {}),
            },
            {
                Sid: "ReadWriteItsObjects",
                Effect: "Allow",
                Action: [...OBJECT_ACTIONS],
                Resource: `${bucketArn}/${prefix ?? ""}*`,
            },
            ...(excludePrefixes.length > 0
                ? [
                      {
                          Sid: "NotTheExcludedObjects",
                          Effect: "Deny" as const,
                          Action: [...OBJECT_ACTIONS, "s3:GetObjectVersion", "s3:DeleteObjectVersion"],
                          Resource: excludePrefixes.map((excluded) => `${bucketArn}/${excluded}*`),
                      },
                      {
                          Sid: "NotListingTheExcluded",
                          Effect: "Deny" as const,
                          Action: ["s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"],
                          Resource: bucketArn,
                          Condition: { StringLike: { "s3:prefix": excludePrefixes.map((excluded) => `${excluded}*`) } },
                      },
                  ]
                : []),
        ],
    };
}

/** Arguments of {@link S3ObjectStore}. */
export interface S3ObjectStoreArgs {
    /** Names, region, partition and tags shared by the platform's resources. */
    context: AwsContext;
    /** The bucket the bound accounts may read and write. */
    bucket: DataBucket;
    /** The cluster's OIDC provider, which the bindings' roles trust. */
    oidc: OidcProvider;
    /** Parent of the roles that bindings create: the platform. */
    parent: pulumi.Resource;
}

/**
 * The bucket as the shared layer sees it. Binding a ServiceAccount creates an IAM role that only that
 * ServiceAccount can assume (IRSA) and that reaches only this bucket; pods get it through the
 * ServiceAccount's annotation, with no keys in the cluster.
 */
export class S3ObjectStore implements ObjectStore {
    readonly url: pulumi.Output<string>;
    readonly bucket: pulumi.Output<string>;
    readonly backupLocation: BackupLocation;
    private readonly bindings = new BoundIdentities();

    constructor(private readonly args: S3ObjectStoreArgs) {
        this.url = args.bucket.url;
        this.bucket = args.bucket.bucketName;
        // Velero's AWS plugin signs in with the pod's web identity (IRSA) and needs the bucket's region
        this.backupLocation = { provider: "aws", config: { region: args.context.region } };
    }

    bindServiceAccount(account: ServiceAccountRef, scope?: BindingScope): WorkloadIdentity {
        return this.bindings.of(account, scope, (key) => this.bind(account, key, scope));
    }

    grantMoveRead(request: MoveReadRequest): MoveReadGrant {
        const { context, bucket, parent } = this.args;
        return grantMoveRead({ context, bucketArn: bucket.arn, bucketName: bucket.bucketName, request }, parent);
    }

    /** Creates the account's identity (once: {@link BoundIdentities}). */
    private bind(account: ServiceAccountRef, key: string, scope: BindingScope | undefined): WorkloadIdentity {

        const { context, bucket, oidc, parent } = this.args;
        const name = `${context.name}-${account.namespace}-${account.name}`;
        const role = irsaRole(
            name,
            { oidc, account, description: `ServiceAccount ${key} of EKS cluster ${context.clusterName}: the workbench bucket`, tags: context.tags },
            { parent },
        );
        const policy = new aws.iam.RolePolicy(
            name,
            { role: role.name, policy: pulumi.jsonStringify(bucket.arn.apply((arn) => bucketAccessPolicy(arn, scope))) },
            { parent },
        );
        const identity: WorkloadIdentity = {
            serviceAccountAnnotations: { [ROLE_ARN_ANNOTATION]: role.arn },
            podLabels: {},
            // the SDKs find the region here; without it S3 clients in some libraries guess us-east-1
            env: { AWS_REGION: context.region, AWS_DEFAULT_REGION: context.region },
            secretEnv: {},
            privateEgress: [],
            reach: scope?.prefix ? "prefix" : "bucket",
            // IAM's explicit Deny enforces every exclusion (true too when none was asked for)
            excluded: true,
            principal: role.arn,
            readyWhen: [policy, ...bucket.protections],
        };
        return identity;
    }
}
