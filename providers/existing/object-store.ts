import * as pulumi from "@pulumi/pulumi";
import { BackupLocation, BindingScope, ObjectStore, ServiceAccountRef, WorkloadIdentity } from "../contract";

/** Where an S3-compatible bucket lives. */
export interface S3CompatibleSettings {
    /** http(s) endpoint of the service. */
    endpoint: string;
    bucket: string;
    region: string;
    /** Path-style addressing (most self-hosted stores need it). */
    forcePathStyle: boolean;
    /** Private address ranges the endpoint is on (none when it is public). */
    privateCidrs: string[];
}

/** The TCP port an http(s) endpoint listens on. */
export function endpointPort(endpoint: string): number {
    const url = new URL(endpoint);
    return url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
}

/** Access key pair for the bucket, from secret config. */
export interface S3Credentials {
    accessKeyId: pulumi.Output<string>;
    secretAccessKey: pulumi.Output<string>;
}

/**
 * A bucket on an S3-compatible endpoint outside the cluster. Such stores have no workload identity,
 * so the binding hands the shared layer the key pair as secret environment (kept in a Kubernetes
 * Secret, never in plain config or Helm values).
 */
export class S3CompatibleStore implements ObjectStore {
    readonly url: pulumi.Output<string>;
    readonly bucket: pulumi.Output<string>;
    readonly backupLocation: BackupLocation;

    constructor(private readonly settings: S3CompatibleSettings, private readonly credentials: S3Credentials) {
        this.bucket = pulumi.output(settings.bucket);
        this.url = pulumi.output(`s3://${settings.bucket}`);
        // Velero's AWS plugin speaks to any S3-compatible endpoint, with the key pair in its credentials file
        this.backupLocation = {
            provider: "aws",
            config: { region: settings.region, s3Url: settings.endpoint, s3ForcePathStyle: String(settings.forcePathStyle) },
        };
    }

    bindServiceAccount(_account: ServiceAccountRef, scope?: BindingScope): WorkloadIdentity {
        const { endpoint, region, forcePathStyle, privateCidrs } = this.settings;
        return {
            serviceAccountAnnotations: {},
            podLabels: {},
            env: {
                AWS_ENDPOINT_URL_S3: endpoint,
                AWS_REGION: region,
                AWS_DEFAULT_REGION: region,
                AWS_S3_ADDRESSING_STYLE: forcePathStyle ? "path" : "virtual",
            },
            secretEnv: {
                AWS_ACCESS_KEY_ID: this.credentials.accessKeyId,
                AWS_SECRET_ACCESS_KEY: this.credentials.secretAccessKey,
            },
            privateEgress: privateCidrs.map((cidr) => ({ cidr, ports: [endpointPort(endpoint)] })),
            // one key pair for the whole bucket: a store's own policies could narrow it, this program cannot
            reach: "bucket",
            // the same key for every account: excluded prefixes cannot be enforced here (the shared layer warns)
            excluded: (scope?.excludePrefixes ?? []).length === 0,
            principal: pulumi.interpolate`access key for ${endpoint}`,
            readyWhen: [],
        };
    }
}
