import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BoundIdentities } from "../bindings";
import { BindingScope, ObjectStore, ServiceAccountRef, WorkloadIdentity } from "../contract";
import { DataBucket } from "./bucket";
import { AwsContext } from "./context";
import { irsaRole, OidcProvider, PolicyDocument, ROLE_ARN_ANNOTATION } from "./irsa";

/**
 * Read and write the bucket's objects, nothing more. Deleting a version, changing the bucket's
 * policy or settings are left out: with versioning on, a notebook's mistake stays recoverable.
 * With a prefix, listing is limited to keys under it (`s3:prefix`) and objects to that prefix.
 */
export function bucketAccessPolicy(bucketArn: string, prefix?: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ListTheBucket",
                Effect: "Allow",
                Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
                Resource: bucketArn,
                ...(prefix ? { Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } } } : {}),
            },
            {
                Sid: "ReadWriteItsObjects",
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                Resource: `${bucketArn}/${prefix ?? ""}*`,
            },
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
    private readonly bindings = new BoundIdentities();

    constructor(private readonly args: S3ObjectStoreArgs) {
        this.url = args.bucket.url;
        this.bucket = args.bucket.bucketName;
    }

    bindServiceAccount(account: ServiceAccountRef, scope?: BindingScope): WorkloadIdentity {
        return this.bindings.of(account, scope, (key) => this.bind(account, key, scope));
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
            { role: role.name, policy: pulumi.jsonStringify(bucket.arn.apply((arn) => bucketAccessPolicy(arn, scope?.prefix))) },
            { parent },
        );
        const identity: WorkloadIdentity = {
            serviceAccountAnnotations: { [ROLE_ARN_ANNOTATION]: role.arn },
            podLabels: {},
            // the SDKs find the region here; without it S3 clients in some libraries guess us-east-1
            env: { AWS_REGION: context.region, AWS_DEFAULT_REGION: context.region },
            secretEnv: {},
            privateEgress: [],
            reach: scope ? "prefix" : "bucket",
            principal: role.arn,
            readyWhen: [policy, ...bucket.protections],
        };
        return identity;
    }
}
