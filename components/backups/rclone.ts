import * as pulumi from "@pulumi/pulumi";
import type { BackupLocation, WorkloadIdentity } from "../../providers/contract";

/*
 * rclone's remote `store` for the bucket, as RCLONE_CONFIG_STORE_* variables (rclone docs "Config file" →
 * environment variables). `env_auth` makes each backend take the pod's workload identity the way its cloud's SDK
 * does: S3 the web-identity token IRSA injects (or the key pair of an S3-compatible store), GCS the metadata
 * server (GKE workload identity), Azure Blob the federated token the workload-identity webhook injects.
 */

/** The environment that configures rclone's `store` remote for this bucket and identity. */
export function rcloneEnv(location: BackupLocation, identity: Pick<WorkloadIdentity, "env">): Record<string, pulumi.Input<string>> {
    switch (location.provider) {
        case "aws": {
            const endpoint = location.config["s3Url"];
            return {
                RCLONE_CONFIG_STORE_TYPE: "s3",
                RCLONE_CONFIG_STORE_PROVIDER: endpoint ? "Other" : "AWS",
                RCLONE_CONFIG_STORE_ENV_AUTH: "true",
                RCLONE_CONFIG_STORE_REGION: location.config["region"] ?? identity.env["AWS_REGION"] ?? "us-east-1",
                ...(endpoint ? { RCLONE_CONFIG_STORE_ENDPOINT: endpoint, RCLONE_CONFIG_STORE_FORCE_PATH_STYLE: location.config["s3ForcePathStyle"] ?? "true" } : {}),
            };
        }
        case "gcp":
            return { RCLONE_CONFIG_STORE_TYPE: "google cloud storage", RCLONE_CONFIG_STORE_ENV_AUTH: "true", RCLONE_CONFIG_STORE_BUCKET_POLICY_ONLY: "true" };
        case "azure":
            return {
                RCLONE_CONFIG_STORE_TYPE: "azureblob",
                RCLONE_CONFIG_STORE_ENV_AUTH: "true",
                RCLONE_CONFIG_STORE_ACCOUNT: location.config["storageAccount"] ?? identity.env["AZURE_STORAGE_ACCOUNT_NAME"] ?? "",
            };
    }
}
