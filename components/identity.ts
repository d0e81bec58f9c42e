import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BindingScope, ObjectStore, PrivateDestination, ServiceAccountRef } from "../providers/contract";

/** Arguments of {@link WorkloadAccount}. */
export interface WorkloadAccountArgs {
    /** Namespace the account lives in (created by the caller). */
    namespace: pulumi.Input<string>;
    /** The account's name; the identity binding trusts exactly `namespace/name`. */
    account: ServiceAccountRef;
    /** The bucket to bind; absent when the stack has no object storage. */
    objectStore?: ObjectStore;
    /** What of the bucket the identity may reach (users' accounts: all of it except the platform's prefixes). */
    scope?: BindingScope;
    /** Kubernetes provider of the cluster. */
    provider: k8s.Provider;
}

/** The environment variable holding the bucket's URL in every workload pod. */
export const BUCKET_URL_ENV = "WORKBENCH_BUCKET_URL";

/**
 * The one identity-bound ServiceAccount notebooks, Dask and Spark pods run as, plus what a pod
 * needs to use it: labels, plain environment, and a Secret holding any sensitive environment.
 */
export class WorkloadAccount extends pulumi.ComponentResource {
    /** Namespace and name of the ServiceAccount, as the identity binding names them. */
    readonly account: ServiceAccountRef;
    /** The ServiceAccount's name. */
    readonly serviceAccountName: pulumi.Output<string>;
    /** Labels every pod using the account carries (workload identity webhooks select on them). */
    readonly podLabels: Record<string, string>;
    /** Environment for the pods: plain values and references into {@link secretName}. */
    readonly env: k8s.types.input.core.v1.EnvVar[];
    /** The identity's plain environment by name (endpoint, region), for tools configured otherwise than by environment. */
    readonly identityEnv: Record<string, pulumi.Input<string>>;
    /** The Secret holding sensitive environment, when there is any. */
    readonly secretName?: pulumi.Output<string>;
    /** The bucket's URL, when there is a bucket. */
    readonly bucketUrl?: pulumi.Output<string>;
    /** What pods using the account need to exist first: the ServiceAccount and its Secret. */
    readonly readyWhen: pulumi.Resource[];
    /** Private addresses pods must reach for the bucket (empty for a cloud bucket). */
    readonly privateEgress: PrivateDestination[];

    constructor(name: string, args: WorkloadAccountArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:identity:WorkloadAccount", name, {}, opts);
        const identity = args.objectStore?.bindServiceAccount(args.account, args.scope);
        const excluded = args.scope?.excludePrefixes ?? [];
        if (identity && excluded.length > 0 && identity.excluded === false) {
            // the plan says so: users' code can read and change what the platform keeps there (backups, MLflow's artifacts)
            pulumi.log.warn(
                `${args.account.namespace}/${args.account.name} reaches ${excluded.join(", ")} in the bucket: the platform cannot exclude prefixes from this identity (e.g. an S3-compatible key shared by every account). ` +
                    "Give the platform's data its own bucket or a key scoped by the store's own policies.",
                this,
            );
        }
        const resourceOpts = { parent: this, provider: args.provider, dependsOn: identity?.readyWhen ?? [] };

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            name,
            {
                metadata: {
                    name: args.account.name,
                    namespace: args.namespace,
                    annotations: identity?.serviceAccountAnnotations ?? {},
                },
                // pods that need the Kubernetes API project their token themselves; the rest get none (DESIGN §5b.2)
                automountServiceAccountToken: false,
            },
            resourceOpts,
        );
        this.account = args.account;
        this.serviceAccountName = serviceAccount.metadata.name;
        this.podLabels = identity?.podLabels ?? {};
        this.bucketUrl = args.objectStore?.url;
        this.identityEnv = identity?.env ?? {};
        this.privateEgress = identity?.privateEgress ?? [];
        this.readyWhen = [serviceAccount];

        const env: k8s.types.input.core.v1.EnvVar[] = Object.entries(this.identityEnv).map(([envName, value]) => ({ name: envName, value }));
        if (this.bucketUrl) env.push({ name: BUCKET_URL_ENV, value: this.bucketUrl });

        const secretEnv = identity?.secretEnv ?? {};
        if (Object.keys(secretEnv).length > 0) {
            const secret = new k8s.core.v1.Secret(
                `${name}-env`,
                {
                    metadata: { name: `${args.account.name}-object-store`, namespace: args.namespace },
                    stringData: Object.fromEntries(Object.entries(secretEnv).map(([k, v]) => [k, pulumi.secret(v)])),
                },
                resourceOpts,
            );
            this.secretName = secret.metadata.name;
            this.readyWhen.push(secret);
            // the name is fixed above; the pods' releases wait for the Secret through readyWhen
            for (const key of Object.keys(secretEnv)) {
                env.push({ name: key, valueFrom: { secretKeyRef: { name: `${args.account.name}-object-store`, key } } });
            }
        }
        this.env = env;
        this.registerOutputs({ serviceAccountName: this.serviceAccountName, bucketUrl: this.bucketUrl });
    }
}
