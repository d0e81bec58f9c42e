import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MoveReadGrant, MoveReadRequest } from "../contract";
import { AwsContext } from "./context";
import { PolicyDocument, serviceAccountSubject, STS_AUDIENCE } from "./irsa";

/*
 * The source side of a move off AWS (docs/move.md): an IAM OIDC provider for the TARGET cluster's issuer and a role
 * only the target's transfer Job ServiceAccount can assume (AssumeRoleWithWebIdentity, `:sub` and `:aud` both
 * StringEquals), allowed to list the bucket and read its objects and nothing else: no write, no delete, no other
 * bucket. The target projects a token with audience sts.amazonaws.com and hands rclone AWS_ROLE_ARN and
 * AWS_WEB_IDENTITY_TOKEN_FILE (aws-sdk-go-v2's default chain, rclone's s3 `env_auth`).
 */

/**
 * The issuer as IAM's condition keys spell it: the provider's URL without `https://`, exactly as given (the provider
 * is created with the same URL, so the two agree; an AKS issuer ends in `/`, kept on both, since the `iss` of its
 * tokens does too: whether IAM normalises such a URL is not verified here, see docs/move.md).
 */
export function issuerHost(issuer: string): string {
    return issuer.replace(/^https:\/\//, "");
}

/** The trust policy: exactly one ServiceAccount of the target cluster, for STS's audience. */
export function moveTrustPolicy(providerArn: string, request: MoveReadRequest): PolicyDocument {
    const host = issuerHost(request.issuer);
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "TheTargetsTransferJobOnly",
                Effect: "Allow",
                Principal: { Federated: providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { [`${host}:sub`]: serviceAccountSubject(request.account), [`${host}:aud`]: STS_AUDIENCE } },
            },
        ],
    };
}

/** Read-only: list the bucket, get its objects. Nothing that writes, deletes or reaches another bucket. */
export function moveReadPolicy(bucketArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "ListTheBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArn },
            { Sid: "ReadItsObjects", Effect: "Allow", Action: ["s3:GetObject"], Resource: `${bucketArn}/*` },
        ],
    };
}

/** Creates the grant under `parent`. */
export function grantMoveRead(
    args: { context: AwsContext; bucketArn: pulumi.Output<string>; bucketName: pulumi.Output<string>; request: MoveReadRequest },
    parent: pulumi.Resource,
): MoveReadGrant {
    const { context, request } = args;
    const name = `${context.name}-move-read`;
    const provider = new aws.iam.OpenIdConnectProvider(
        name,
        {
            url: request.issuer,
            clientIdLists: [STS_AUDIENCE],
            // IAM verifies the issuer's certificate through its trusted CAs for public issuers; no thumbprint pinned
            tags: context.tags,
        },
        { parent },
    );
    const role = new aws.iam.Role(
        name,
        {
            description: `Read-only access to the workbench bucket for ${request.account.namespace}/${request.account.name} of the cluster at ${request.issuer} (a move)`,
            assumeRolePolicy: pulumi.jsonStringify(provider.arn.apply((arn) => moveTrustPolicy(arn, request))),
            tags: context.tags,
        },
        { parent },
    );
    new aws.iam.RolePolicy(name, { role: role.name, policy: pulumi.jsonStringify(args.bucketArn.apply(moveReadPolicy)) }, { parent });
    return {
        principal: role.arn,
        audience: STS_AUDIENCE,
        moveFrom: { cloud: "aws", bucket: args.bucketName, region: context.region, roleArn: role.arn },
    };
}
