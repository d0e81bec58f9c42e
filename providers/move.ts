import * as pulumi from "@pulumi/pulumi";
import type { WorkbenchConfig } from "../stacks/schema";
import { Cloud } from "./catalog";
import { WorkloadIdentity } from "./contract";

/*
 * How the transfer Job of a move (components/move/transfer.ts) reaches the two buckets with rclone, as data: the
 * options of an rclone remote (set as RCLONE_CONFIG_<REMOTE>_<OPTION>, rclone docs/content/docs.md "Config file":
 * environment variables), the path in it, and the environment and files the remote's credentials come from. Each
 * cloud's answer lives here, SDK-free, so the shared layer never branches on a cloud's name and no cloud SDK loads.
 * Options verified against rclone v1.75.0 (components/versions.ts): s3 `env_auth`, `provider`, `region`, `endpoint`,
 * `no_check_bucket`, `force_path_style`, `access_key_id`, `secret_access_key`; googlecloudstorage `env_auth`
 * (google.DefaultClient, so GOOGLE_APPLICATION_CREDENTIALS with an external_account file), `bucket_policy_only`;
 * azureblob `env_auth` (azidentity.NewDefaultAzureCredential: AZURE_CLIENT_ID, AZURE_TENANT_ID,
 * AZURE_FEDERATED_TOKEN_FILE), `account`, `key`, `no_check_container`.
 */

/** Where the source's projected ServiceAccount token is mounted in the transfer Job. */
export const MOVE_TOKEN_DIR = "/var/run/secrets/workbench-move";
/** The token's file name in {@link MOVE_TOKEN_DIR}. */
export const MOVE_TOKEN_FILE = "token";
/** Where the source's credential files (a GCS external_account configuration) are mounted. */
export const MOVE_CREDENTIALS_DIR = "/etc/workbench-move";

/** One side of the copy, as rclone reaches it. */
export interface RcloneRemote {
    /** The remote's options (RCLONE_CONFIG_<REMOTE>_<OPTION>), plain. */
    options: Record<string, pulumi.Input<string>>;
    /** Options that are credentials: kept in a Secret, injected by reference. */
    secretOptions: Record<string, pulumi.Input<string>>;
    /** The bucket, or container, within the remote. */
    path: pulumi.Input<string>;
    /** Environment the remote's credentials come from (the federated source's role, client, credential file). */
    env: Record<string, pulumi.Input<string>>;
    /** Files to mount at {@link MOVE_CREDENTIALS_DIR}, by name (no secret in them: they point at the token file). */
    files: Record<string, pulumi.Input<string>>;
    /** The audience of the projected ServiceAccount token the source's grant trusts; absent with a key. */
    tokenAudience?: pulumi.Input<string>;
}

/** The target's own bucket, written with the transfer Job's bound identity (whose environment the pod already has). */
export function targetRemote(cloud: Cloud, bucket: pulumi.Input<string>, identity: Pick<WorkloadIdentity, "env">): RcloneRemote {
    const base = { secretOptions: {}, env: {}, files: {} };
    switch (cloud) {
        case "aws":
            // the bound role may not create buckets: skip rclone's bucket check/creation
            return { ...base, options: { type: "s3", provider: "AWS", env_auth: "true", region: identity.env["AWS_REGION"] ?? "", no_check_bucket: "true" }, path: bucket };
        case "gcp":
            // GKE's metadata server serves the bound account's tokens (Application Default Credentials)
            return { ...base, options: { type: "google cloud storage", env_auth: "true", bucket_policy_only: "true" }, path: bucket };
        case "azure":
            // the account is the identity's AZURE_STORAGE_ACCOUNT_NAME; AKS's webhook gives the pod the federated token
            return {
                ...base,
                options: { type: "azureblob", env_auth: "true", account: identity.env["AZURE_STORAGE_ACCOUNT_NAME"] ?? "", no_check_container: "true" },
                path: bucket,
            };
        case "existing":
            // the store's key pair is in the pod's environment (AWS_ACCESS_KEY_ID, from the binding's Secret)
            return {
                ...base,
                options: {
                    type: "s3",
                    provider: "Other",
                    env_auth: "true",
                    endpoint: identity.env["AWS_ENDPOINT_URL_S3"] ?? "",
                    region: identity.env["AWS_REGION"] ?? "us-east-1",
                    force_path_style: pulumi.output(identity.env["AWS_S3_ADDRESSING_STYLE"] ?? "path").apply((style) => String(style === "path")),
                    no_check_bucket: "true",
                },
                path: bucket,
            };
    }
}

/** The source's keys, where the move reads with a key (`workbench:moveFromAccessKeyId`/`moveFromSecretAccessKey`). */
export interface MoveKeys {
    accessKeyId?: pulumi.Input<string>;
    secretAccessKey?: pulumi.Input<string>;
}

/** The source bucket, read through its federated grant, or with a key where federation is not possible. */
export function sourceRemote(from: NonNullable<WorkbenchConfig["moveFrom"]>, keys: MoveKeys | undefined): RcloneRemote {
    const token = `${MOVE_TOKEN_DIR}/${MOVE_TOKEN_FILE}`;
    const none = { secretOptions: {}, env: {}, files: {} };
    switch (from.cloud) {
        case "aws":
            if (keys) {
                return { ...none, options: { type: "s3", provider: "AWS", region: from.region ?? "" }, secretOptions: s3Keys(keys), path: from.bucket };
            }
            // aws-sdk-go-v2's default chain: web identity from the environment (rclone s3 env_auth)
            return {
                ...none,
                options: { type: "s3", provider: "AWS", env_auth: "true", region: from.region ?? "" },
                env: { AWS_ROLE_ARN: from.roleArn ?? "", AWS_WEB_IDENTITY_TOKEN_FILE: token, AWS_ROLE_SESSION_NAME: "workbench-move" },
                tokenAudience: "sts.amazonaws.com",
                path: from.bucket,
            };
        case "gcp": {
            if (keys) {
                // an HMAC key through Cloud Storage's S3-compatible XML API
                return { ...none, options: { type: "s3", provider: "GCS", endpoint: "https://storage.googleapis.com" }, secretOptions: s3Keys(keys), path: from.bucket };
            }
            const audience = `//iam.googleapis.com/${from.workloadIdentityProvider ?? ""}`;
            return {
                ...none,
                options: { type: "google cloud storage", env_auth: "true", bucket_policy_only: "true" },
                env: { GOOGLE_APPLICATION_CREDENTIALS: `${MOVE_CREDENTIALS_DIR}/gcp-credentials.json` },
                files: { "gcp-credentials.json": JSON.stringify(externalAccount(audience, token), null, 2) },
                tokenAudience: audience,
                path: from.bucket,
            };
        }
        case "azure": {
            const [account, container] = from.bucket.split("/");
            if (keys) {
                return { ...none, options: { type: "azureblob", account }, secretOptions: { key: keys.secretAccessKey ?? "" }, path: container };
            }
            return {
                ...none,
                options: { type: "azureblob", env_auth: "true", account },
                env: { AZURE_CLIENT_ID: from.clientId ?? "", AZURE_TENANT_ID: from.tenantId ?? "", AZURE_FEDERATED_TOKEN_FILE: token },
                tokenAudience: "api://AzureADTokenExchange",
                path: container,
            };
        }
        case "existing":
            return {
                ...none,
                options: { type: "s3", provider: "Other", endpoint: from.endpoint ?? "", region: from.region ?? "us-east-1", force_path_style: "true" },
                secretOptions: s3Keys(keys ?? {}),
                path: from.bucket,
            };
    }
}

function s3Keys(keys: MoveKeys): Record<string, pulumi.Input<string>> {
    return { access_key_id: keys.accessKeyId ?? "", secret_access_key: keys.secretAccessKey ?? "" };
}

/**
 * A Google `external_account` credential configuration: STS trades the projected Kubernetes token (the subject token,
 * a JWT read from a file) for a federated access token; no service account impersonation (the bucket grants the
 * federated principal directly). Fields as https://google.aip.dev/auth/4117 and `gcloud iam workload-identity-pools
 * create-cred-config` write them.
 */
export function externalAccount(audience: string, tokenFile: string): Record<string, unknown> {
    return {
        type: "external_account",
        audience,
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        token_url: "https://sts.googleapis.com/v1/token",
        credential_source: { file: tokenFile },
    };
}
