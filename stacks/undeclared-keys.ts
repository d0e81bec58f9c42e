/*
 * The keys Pulumi.yaml cannot declare: optional keys without a default and the secret keys. The CLI treats a
 * declared key without a default as required (pulumi/pulumi pkg/workspace/config.go, mergeConfig) and refuses a
 * plaintext default for a secret one, so these stay undeclared; the program validates them (stacks/schema.ts) and
 * their descriptions live here, for the stack files' JSON Schema and the docs.
 */

/** One-line descriptions of the workbench keys Pulumi.yaml leaves undeclared, by key. */
export const UNDECLARED_KEY_DESCRIPTIONS: Readonly<Record<string, string>> = {
    kubernetesVersion: "Kubernetes minor version of the cluster, e.g. \"1.35\"; unset takes the cloud's default from the version catalog.",
    domain: "DNS name of the hub (optional); with it the hub serves HTTPS from Let's Encrypt.",
    tlsEmail: "Contact e-mail for Let's Encrypt; required with domain.",
    githubClientSecret: "GitHub OAuth app client secret (with auth.type github).",
    servingPool: "An on-demand pool of its own for served models and apps: {size, nodes (always on, >= 2), maxNodes}; unset, they run on the user pool; see docs/serving.md.",
    restore: "Rebuild from a backup in this stack's bucket: {from: latest|<backup name>, homes: true, services: [names]}; see docs/backups.md.",
    kubeconfig: "Kubeconfig of an existing cluster (optional; the ambient kubeconfig is used otherwise).",
    s3AccessKeyId: "Access key id for an existing cluster's S3-compatible object store.",
    s3SecretAccessKey: "Secret access key for an existing cluster's S3-compatible object store.",
    moveFrom: "On the target of a move: the source stack's {cloud, bucket, region, estimatedGB} and the grant fields its moveGrant output prints (docs/move.md).",
    moveTo: "On the source of a move: the target's {cloud, issuer, serviceAccount} from its move output; grants that ServiceAccount read-only access to this bucket (docs/move.md).",
    moveFromAccessKeyId: "A read-only access key (or GCS HMAC key id) of a move's source bucket, where federation is not possible (docs/move.md).",
    moveFromSecretAccessKey: "The secret of that key (an Azure source: the storage account key) (docs/move.md).",
};
