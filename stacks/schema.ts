import { z } from "zod";
import { CLOUDS, CPU_SIZES, GPU_CLASSES } from "../providers/catalog";

/*
 * The stack configuration: every `workbench:<key>` a user can set, with its default.
 * Each top-level key here is one Pulumi config key; `Pulumi.yaml` declares the same keys
 * (a test keeps the two in step). Cross-key rules live in `rules.ts`.
 */

const dnsLabel = (max: number) =>
    z.string().regex(
        new RegExp(`^[a-z]([-a-z0-9]{0,${max - 2}}[a-z0-9])?$`),
        `must be lowercase letters, digits and '-', start with a letter, at most ${max} characters`,
    );

const count = (min: number, max: number) =>
    z.number().int(`must be a whole number`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

const userName = z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, "must be a user name of letters, digits, '.', '_', '@' or '-' (at most 64)");

const userList = z
    .array(userName)
    .refine((names) => new Set(names.map((n) => n.toLowerCase())).size === names.length, "must not repeat a name");

const email = z.email("must be an e-mail address");

/**
 * A JupyterHub group: a name of `workbench:users.groups`, or with GitHub sign-in a team as `org:team-slug`
 * (OAuthenticator's own spelling in `allowed_organizations`).
 */
const groupName = z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}(:[A-Za-z0-9][A-Za-z0-9._-]{0,99})?$/, "must be a group name of letters, digits, '.', '_' or '-', or a GitHub team as org:team-slug");

const pinnedImage = z
    .string()
    .regex(
        /^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)+(:[A-Za-z0-9._-]+|@sha256:[a-f0-9]{64})$/,
        "must be an image reference with an explicit tag or digest (registry/name:tag)",
    )
    .refine((image) => !/:latest$/.test(image), "must be pinned: ':latest' is not reproducible");

const labelMap = z.record(
    z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, "must be a Kubernetes label key"),
    z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, "must be a Kubernetes label value"),
);

/** A Kubernetes node taint; pods get the matching tolerations. */
export const TaintSchema = z.strictObject({
    key: z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, "must be a Kubernetes taint key"),
    value: z.string().optional(),
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});

/** The always-on pool that runs the hub, the proxy and the operators. */
export const SystemPoolSchema = z.strictObject({
    /** Node size class. */
    size: z.enum(CPU_SIZES).default("small"),
    /** Nodes, always on. */
    nodes: count(1, 10).default(1),
    /** Run the system pool on spot capacity (cheaper; the hub restarts when a node is reclaimed). */
    spot: z.boolean().default(false),
});

/** The CPU pool notebooks, Dask workers and Spark executors run on. */
export const UserPoolSchema = z.strictObject({
    size: z.enum(CPU_SIZES).default("medium"),
    minNodes: count(0, 100).default(0),
    maxNodes: count(1, 100).default(3),
    spot: z.boolean().default(true),
});

/**
 * An on-demand pool for served models and apps (docs/serving.md), apart from the user pool: with it, their CPU
 * replicas run on nodes that are always on and never spot (tainted so that nothing else lands there); without it
 * they share the user pool. Like the system pool it states its always-on `nodes`, which the plan checks the
 * replicas fit; like the user pool it has a `maxNodes` that scale-out may reach. No `spot`: being on demand is
 * what the pool is for (the user pool is the spot choice).
 */
export const ServingPoolSchema = z.strictObject({
    /** Node size class (the user pool's classes and instance families). */
    size: z.enum(CPU_SIZES).default("medium"),
    /** Nodes, always on: two at least, so the replicas spread across nodes survive the loss of one. */
    nodes: count(2, 50).default(2),
    /** Nodes scale-out under load may reach; unset: `nodes` (the pool does not grow, replicas use its spare room). */
    maxNodes: count(2, 100).optional(),
});

/** One GPU pool, scaled from zero. */
export const GpuPoolSchema = z.strictObject({
    /** Pool name: part of cloud resource names and of the notebook profile. */
    name: dnsLabel(12),
    /** Cloud-agnostic GPU class. */
    gpu: z.enum(GPU_CLASSES),
    minNodes: count(0, 20).default(0),
    maxNodes: count(1, 20).default(1),
    spot: z.boolean().default(true),
    /**
     * Who may start this pool's notebook profile: groups of `workbench:users.groups` (or, with GitHub sign-in,
     * teams as `org:team-slug`). Empty: everyone. The hub's profile list enforces it, so a start of the profile
     * by anyone else is refused, not only hidden.
     */
    groups: z.array(groupName).refine((names) => new Set(names).size === names.length, "must not repeat a group").optional(),
});

const uniqueNames = (pools: { name: string }[]) => new Set(pools.map((p) => p.name)).size === pools.length;

/** Object storage for data: retention, versioning and lifecycle. */
export const StorageSchema = z.strictObject({
    /** Keep the bucket (and its data) when the stack is destroyed. */
    retainOnDestroy: z.boolean().default(true),
    versioning: z.boolean().default(true),
    /** Days after which non-current object versions are deleted (0 keeps them). */
    noncurrentVersionDays: count(0, 3650).default(30),
    /** Days after which incomplete multipart uploads are aborted. */
    abortIncompleteUploadDays: count(1, 365).default(7),
    /** Size of each user's home volume, GiB. */
    homeSizeGiB: count(1, 1000).default(10),
});

/**
 * Per-person limits (fair use), enforced by the hub (servers, GPU servers) and by Dask Gateway (each
 * cluster's size), and stated in the `login` output: one person cannot scale a pool to its maximum alone.
 */
export const LimitsSchema = z.strictObject({
    /** Servers one person may run at once (more than 1 turns on named servers). */
    servers: count(1, 20).default(1),
    /** Of those, servers on a GPU profile one person may run at once. */
    gpuServers: count(1, 20).default(1),
    /** Workers one Dask cluster may have (the pool's capacity caps it too). */
    daskWorkers: count(1, 1000).default(8),
    /** Cores one Dask cluster may use, scheduler included. */
    daskCores: count(1, 10000).default(16),
});

/** The per-person limits when `workbench:users.limits` is not set. */
export const DEFAULT_LIMITS = LimitsSchema.parse({});

/** Who may use the hub. */
export const UsersSchema = z.strictObject(
    {
        /** Hub administrators: they approve sign-ups and manage users. */
        admins: userList.min(1, "must name at least one admin"),
        /** Users allowed in besides the admins (GitHub logins with GitHub auth). */
        allowed: userList.default([]),
        /**
         * JupyterHub groups: group name to members. With native sign-in members must be named in `admins` or
         * `allowed` (their accounts exist from the first start, so nobody can claim a member's name).
         */
        groups: z.record(groupName.refine((name) => !name.includes(":"), "must not contain ':' (that spelling is for GitHub teams)"), userList).optional(),
        /** Per-person limits on servers, GPU servers and Dask cluster size (unset: {@link DEFAULT_LIMITS}). */
        limits: LimitsSchema.optional(),
    },
    {
        error: (issue) =>
            issue.input === undefined
                ? "required: name at least one hub admin, e.g. pulumi config set --path 'workbench:users.admins[0]' alice"
                : undefined,
    },
);

/** How people sign in to the hub. */
export const AuthSchema = z.strictObject({
    /**
     * `native`: sign-up with admin approval (default). `github`: GitHub OAuth.
     * `dummy`: any name, no password — only for a local cluster.
     */
    type: z.enum(["native", "github", "dummy"]).default("native"),
    /** GitHub OAuth app client id (its secret goes in the secret key `workbench:githubClientSecret`). */
    githubClientId: z
        .string()
        .min(1)
        .refine((id) => !/^[0-9a-f]{40}$/.test(id), "looks like the client secret (40 hex digits): put that in pulumi config set --secret workbench:githubClientSecret, and the client id here")
        .optional(),
    /** GitHub organizations whose members may sign in, besides `users.allowed`. */
    githubOrganizations: z.array(z.string().regex(/^[A-Za-z0-9-]{1,39}$/, "must be a GitHub organization name")).default([]),
});

/** Notebook servers. */
export const NotebookSchema = z.strictObject({
    /** CPU notebook image (pinned); defaults to the project's pinned image. */
    image: pinnedImage.optional(),
    /** GPU notebook image (pinned); defaults to the project's pinned CUDA image. */
    gpuImage: pinnedImage.optional(),
    /** Stop servers idle this long, minutes. */
    cullIdleMinutes: count(10, 7 * 24 * 60).default(60),
    /** Stop any server after this long regardless of activity, hours (0: never). */
    maxAgeHours: count(0, 24 * 30).default(0),
    /**
     * Stop a server on a GPU profile after this long even while a kernel is busy, hours (0: never):
     * a forgotten training loop cannot keep a GPU node up for days. Homes survive the stop.
     */
    gpuMaxAgeHours: count(0, 24 * 30).default(8),
    /** Shut down kernels idle this long inside a running server, minutes (0: never); their memory and GPU are freed. */
    kernelCullIdleMinutes: count(0, 7 * 24 * 60).default(60),
});

/**
 * A service's switch: `true`/`false`, or an object with `enabled` and the service's own settings
 * (e.g. `{enabled: true, storageGiB: 20}`). Either way the program sees the object, defaults applied.
 */
export function serviceSwitch<S extends z.core.$ZodLooseShape>(enabledByDefault: boolean, settings: S) {
    const object = z.strictObject({ enabled: z.boolean().default(true), ...settings });
    return z
        .union([z.boolean(), object], {
            error: `must be true, false or {enabled: true${Object.keys(settings).length > 0 ? `, ${Object.keys(settings).join(", ")}` : ""}}`,
        })
        .transform((value) => (typeof value === "boolean" ? object.parse({ enabled: value }) : value))
        .prefault(enabledByDefault);
}

/**
 * What every data service accepts beside `enabled`: its volume and its requests on the always-on pool.
 * Unset takes the service's default for one person (docs/services.md lists them).
 */
const dataServiceSettings = {
    /** Size of the service's volume on the retained storage class, GiB. */
    storageGiB: count(1, 10_000).optional(),
    /** CPU the server requests, millicores. */
    cpuMillis: count(50, 64_000).optional(),
    /** Memory the server requests (and is limited to), MiB; the JVM heap or cache follows it. */
    memoryMiB: count(256, 262_144).optional(),
};

/** Shared services; each is one switch, with its settings beside it where it has any. */
export const ServicesSchema = z.strictObject({
    dask: serviceSwitch(true, {
        /** Dask clusters nobody uses shut down after this long, minutes; their workers' nodes then scale away. */
        idleTimeoutMinutes: count(5, 7 * 24 * 60).default(30),
    }),
    spark: serviceSwitch(true, {
        /**
         * Spark from notebooks: the "Spark" profile's server runs its owner's own Spark Connect server beside the
         * notebook, on the user pool (docs/tenancy.md); off leaves only SparkApplications submitted with a kubeconfig.
         */
        connectServer: z.boolean().default(true),
    }),
    postgres: serviceSwitch(false, {
        ...dataServiceSettings,
        /** Daily base backup and continuous WAL archive to the workbench bucket, through the service's own identity. */
        backup: z.boolean().default(true),
        /** Days backups are kept. */
        backupRetentionDays: count(1, 3650).default(30),
    }),
    mariadb: serviceSwitch(false, dataServiceSettings),
    mongodb: serviceSwitch(false, dataServiceSettings),
    opensearch: serviceSwitch(false, dataServiceSettings),
    elasticsearch: serviceSwitch(false, dataServiceSettings),
    cassandra: serviceSwitch(false, dataServiceSettings),
    orientdb: serviceSwitch(false, dataServiceSettings),
    ray: serviceSwitch(false, {
        /** CPU and memory of the always-on Ray head (with its autoscaler beside it). */
        cpuMillis: count(100, 64_000).optional(),
        memoryMiB: count(512, 262_144).optional(),
        /** Workers on the user pool at most (they start from zero). */
        maxWorkers: count(1, 100).default(4),
    }),
    mlflow: serviceSwitch(false, {
        cpuMillis: count(50, 64_000).optional(),
        memoryMiB: count(256, 262_144).optional(),
    }),
    /**
     * Pipelines: Argo Workflows' controller and server on the system pool, workflows in the user-code
     * namespace as their own account (docs/pipelines.md).
     */
    workflows: serviceSwitch(false, {
        /** Finished workflows (and their pods) are deleted after this many hours; their artifacts stay in the bucket. */
        keepFinishedHours: count(1, 24 * 90).default(72),
    }),
});

/** The names of the services, in the order the schema lists them. */
export type ServiceName = keyof z.output<typeof ServicesSchema>;

/** A name a served model or app is known by: a DNS label (its Deployment, Service and URL path). */
const servedName = dnsLabel(40);

/** Replicas of a served model or app: at least two, spread across nodes, so one node's loss is not an outage. */
const servedReplicas = count(2, 20).default(2);

/** How big each replica of a served model or app is (its requests on the serving pool). */
export const SERVED_SIZES = ["small", "medium", "large"] as const;

/** One model served by MLflow's model server from the registry (docs/serving.md). */
export const ServedModelSchema = z.strictObject({
    /** Name of the Deployment, Service and URL path. */
    name: servedName,
    /** A registered model at an alias: `models:/<name>@<alias>` (an alias, so promoting a version needs no config change). */
    model: z.string().regex(/^models:\/[A-Za-z0-9][A-Za-z0-9._ -]{0,199}@[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, "must be a registered model at an alias: models:/<name>@<alias>, e.g. models:/churn@champion"),
    replicas: servedReplicas,
    size: z.enum(SERVED_SIZES).default("small"),
    /** Serve on a GPU pool (one GPU per replica); the stack needs a GPU pool. */
    gpu: z.boolean().default(false),
    /** Also reachable through the hub at /services/<name>/ for signed-in users (in-cluster it always is). */
    signIn: z.boolean().default(true),
});

/** A git source at a pinned ref: a full commit SHA or a tag. */
const GitSourceSchema = z.strictObject({
    /** https URL of a public repository. */
    git: z.string().regex(/^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?\/[A-Za-z0-9._~\/-]+$/, "must be an https git URL such as https://github.com/me/app.git"),
    /** A full 40-character commit SHA, or a tag such as v1.2.0 (a branch moves: not accepted). */
    ref: z
        .string()
        .regex(/^([0-9a-f]{40}|v?[0-9]+(\.[0-9]+){0,2}([-+][A-Za-z0-9.-]+)?)$/, "must be pinned: a full 40-character commit SHA or a version tag such as v1.2.0 (a branch name moves)"),
});

/** A bucket source: the app's files under a prefix of the workbench bucket. */
const BucketSourceSchema = z.strictObject({
    /** Key prefix in the workbench bucket, e.g. apps/dashboard/. */
    bucketPrefix: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._\/-]*\/$/, "must be a key prefix ending in '/', e.g. apps/dashboard/"),
});

/** The environments an app may run in (the notebook images). */
export const APP_IMAGES = ["notebook", "gpuNotebook", "sparkNotebook"] as const;

/** One app (Streamlit, Panel, Voilà, Gradio, uvicorn…) served from a pinned source (docs/serving.md). */
export const ServedAppSchema = z.strictObject({
    name: servedName,
    /** Where the code comes from: `{git, ref}` at a pinned ref, or `{bucketPrefix}`. */
    source: z.union([GitSourceSchema, BucketSourceSchema], { error: "must be {git: <https URL>, ref: <commit SHA or tag>} or {bucketPrefix: <prefix/>}" }),
    /** The command, run in the source's directory; it must listen on $PORT (8080). */
    command: z.array(z.string().min(1)).min(1, "must name the command, e.g. [streamlit, run, app.py, --server.port, \"8080\"]"),
    /** Which environment (one of the notebook images). */
    image: z.enum(APP_IMAGES).default("notebook"),
    replicas: servedReplicas,
    size: z.enum(SERVED_SIZES).default("small"),
    /** Reachable without signing in to the hub (the plan warns). */
    public: z.boolean().default(false),
});

const uniqueServedNames = (entries: { name: string }[]) => new Set(entries.map((e) => e.name)).size === entries.length;

/** The monthly spending cap the plan checks and each cloud alerts on. */
export const BudgetSchema = z.strictObject({
    /** At least USD 10: less pays for no cluster at all, and a budget alert under it would only ring. */
    monthlyUsd: z.number().min(10, "must be at least 10 (USD a month): less pays for no cluster").max(1_000_000).default(167),
    alertEmails: z.array(email).default([]),
});

/** The usage the typical monthly cost assumes. */
export const UsageProfileSchema = z.strictObject({
    /** Hours a month the user pool runs one node. */
    userNodeHours: count(0, 744 * 100).default(120),
    /** Hours a month one GPU node runs, per GPU pool. */
    gpuNodeHours: count(0, 744 * 20).default(20),
    /** Data kept in the bucket, GB. */
    bucketGB: count(0, 10_000_000).default(100),
});

/** An IPv4 network in CIDR notation, with the host bits zero (clouds refuse `10.0.0.1/16`). */
const cidr = z
    .cidrv4({ error: "must be an IPv4 CIDR such as 203.0.113.0/24" })
    .refine(hostBitsZero, "must name the network, with the host bits zero (e.g. 10.0.0.0/16, not 10.0.0.1/16)");

function hostBitsZero(cidr: string): boolean {
    const [address, bits] = cidr.split("/");
    if (bits === undefined || !/^\d+$/.test(bits) || Number(bits) > 32) return true; // not a CIDR: the format check says so
    const octets = address.split(".").map(Number);
    if (octets.length !== 4 || octets.some((octet) => !(octet >= 0 && octet <= 255))) return true;
    const value = octets.reduce((sum, octet) => sum * 256 + octet, 0);
    const hostBits = 32 - Number(bits);
    return hostBits === 0 || value % 2 ** hostBits === 0;
}

/**
 * How the hub, the workbench's one entry point, is reached. Cloud-agnostic: every platform honours it.
 * `service`: LoadBalancer (a public address), NodePort, or ClusterIP (reached by `kubectl port-forward` only).
 * `sourceRanges`: CIDRs allowed to reach a LoadBalancer (an extra fence; Let's Encrypt needs the world).
 * `tls`: `auto` takes Let's Encrypt with `domain`, else a certificate the stack generates for an exposed hub,
 * else none (port-forward); `none` on an exposed hub is allowed only behind `sourceRanges`.
 */
export const HubSchema = z.strictObject({
    service: z.enum(["LoadBalancer", "NodePort", "ClusterIP"]).default("LoadBalancer"),
    sourceRanges: z.array(cidr).default([]),
    tls: z.enum(["auto", "letsencrypt", "self-signed", "none"]).default("auto"),
    /**
     * Addresses the generated (self-signed) certificate names besides `localhost`: the load balancer's IP or
     * host name once the first `pulumi up` has shown it (the `login` output says what to set), so browsers stop
     * adding a name mismatch to the warning. Changing it makes a new certificate (a new fingerprint).
     */
    certificateNames: z
        .array(
            z
                .string()
                .refine(
                    (name) => /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(name) || /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(name),
                    "must be an IPv4 address or a DNS name such as abc.elb.amazonaws.com",
                ),
        )
        .max(10)
        .optional(),
});

/** AWS-only settings (region is `aws:region`). */
export const AwsSchema = z.strictObject({
    /** Availability zones to spread subnets over (EKS needs two). */
    availabilityZones: count(2, 6).default(2),
    /** Nodes in private subnets behind one NAT gateway (about USD 33 a month idle). */
    privateNodes: z.boolean().default(false),
    /**
     * Give each spot GPU pool an on-demand twin node group with the same labels and taints, which the autoscaler
     * grows only when the spot group cannot get capacity (priority expander: spot first). Off by default: a node
     * from the twin costs the on-demand price, about three times spot.
     */
    spotGpuFallback: z.boolean().default(false),
    /**
     * The VPC CNI assigns /28 IPv4 prefixes instead of single addresses to the nodes' network interfaces, so a node
     * holds as many pods as managed node groups allow (110 below 30 vCPUs) instead of what its interfaces' addresses
     * allow (17 on a t3a.medium). Free; nodes are replaced one at a time when it changes (docs/aws.md). Off keeps the
     * address-per-pod mode, e.g. where the node subnet has no free /28 blocks left.
     */
    prefixDelegation: z.boolean().default(true),
    /** CIDRs allowed to reach the Kubernetes API endpoint. */
    apiAllowedCidrs: z.array(cidr).min(1).default(["0.0.0.0/0"]),
    /** Instance types for the system pool, overriding the size class. */
    systemInstanceTypes: z.array(z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "must be an EC2 instance type")).min(1).optional(),
    /** Instance types for the user pool, overriding the size class (same vCPU/memory shape). */
    userInstanceTypes: z.array(z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "must be an EC2 instance type")).min(1).optional(),
    /**
     * IAM roles or users besides the one running `pulumi up` that administer the cluster (EKS access
     * entries with AmazonEKSClusterAdminPolicy), e.g. a CI role or a teammate.
     */
    clusterAdmins: z
        .array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[A-Za-z0-9+=,.@_\/-]+$/, "must be an IAM role or user ARN such as arn:aws:iam::123456789012:role/ci-deployer"))
        .refine((arns) => new Set(arns).size === arns.length, "must not repeat a principal")
        .default([]),
});

/** GCP-only settings (project and zone are `gcp:project` and `gcp:zone`). */
export const GcpSchema = z.strictObject({
    /**
     * GKE release channel. EXTENDED follows REGULAR's versions and keeps a minor up to about 24 months, at an
     * extra fee once the minor leaves standard support (the plan warns with the date and the price).
     */
    releaseChannel: z.enum(["RAPID", "REGULAR", "STABLE", "EXTENDED"]).default("REGULAR"),
    /** Refuse `pulumi destroy` of the cluster until this is switched off. */
    deletionProtection: z.boolean().default(true),
    /**
     * A regional control plane (three replicas) instead of a zonal one; nodes stay in `gcp:zone`. The
     * GKE free-tier credit pays only a zonal cluster's fee, so this adds about USD 73 a month.
     */
    regional: z.boolean().default(false),
    /** Enable the Google APIs the stack uses (container, compute, iam, storage, …); off where APIs are managed elsewhere. */
    manageApis: z.boolean().default(true),
    /** Cloud Billing account id (e.g. 012345-6789AB-CDEF01) for the budget alert; without it there is no alert. */
    billingAccount: z
        .string()
        .regex(/^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/, "must be a billing account id such as 012345-6789AB-CDEF01 (gcloud billing accounts list)")
        .optional(),
    /**
     * The billing account's currency (ISO 4217, e.g. EUR): the Budget API refuses a budget in another currency than
     * its account's. `workbench:budget.monthlyUsd` is then taken as an amount in this currency.
     */
    budgetCurrency: z.string().regex(/^[A-Z]{3}$/, "must be a currency code such as USD or EUR (the billing account's currency)").default("USD"),
});

/** Azure-only settings (location is `azure-native:location`). */
export const AzureSchema = z.strictObject({
    /**
     * AKS pricing tier: Free has no uptime SLA and no fee; Standard adds the SLA (USD 0.10 an hour); Premium adds
     * long-term support (USD 0.60 an hour; cost/prices/azure.ts).
     */
    tier: z.enum(["Free", "Standard", "Premium"]).default("Free"),
    /** Network policy engine. */
    networkPolicy: z.enum(["cilium", "calico", "azure"]).default("cilium"),
    /**
     * Keep AKS's local accounts: the kubeconfig then holds a static admin certificate and needs no
     * kubelogin. Off by default: sign-in to the cluster goes through Entra ID (kubelogin) and Azure RBAC.
     */
    localAccounts: z.boolean().default(false),
    /**
     * How Pulumi's Kubernetes provider signs in through kubelogin (Entra ID clusters): azurecli (after `az login`),
     * workloadidentity (CI with a federated token), spn (a service principal's secret or certificate in the
     * environment), msi (a managed identity), azd. Never AKS's default devicecode, whose prompt nobody sees.
     */
    kubeloginMethod: z.enum(["azurecli", "workloadidentity", "spn", "msi", "azd"]).default("azurecli"),
    /**
     * When AKS may upgrade patch versions and roll node images (both drain the one system node, so running sessions
     * are cut): a weekly window of `durationHours` (4-24) from `startHourUtc` on `day`.
     */
    maintenanceWindow: z
        .strictObject({
            day: z.enum(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]).default("Sunday"),
            startHourUtc: z.number().int().min(0).max(23).default(2),
            durationHours: z.number().int().min(4).max(24).default(4),
        })
        .default({ day: "Sunday", startHourUtc: 2, durationHours: 4 }),
});

/** How an existing cluster describes one GPU pool: the labels and taints its nodes already carry. */
export const ExistingGpuNodesSchema = z.strictObject({
    /** Must equal the `name` of an entry of `workbench:gpuPools`. */
    pool: dnsLabel(12),
    nodeSelector: labelMap.default({ "nvidia.com/gpu.present": "true" }),
    /** Taints the GPU nodes carry, which GPU pods must tolerate. */
    taints: z.array(TaintSchema).default([{ key: "nvidia.com/gpu", effect: "NoSchedule" }]),
    /** Extended resource name of the GPU. */
    resourceName: z.string().default("nvidia.com/gpu"),
    gpusPerNode: count(1, 16).default(1),
    vcpu: count(1, 1024),
    memoryGiB: count(1, 16384),
});

/** An S3-compatible object store reached from the cluster (credentials in secret keys). */
export const ExistingObjectStoreSchema = z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("none") }),
    z.strictObject({
        type: z.literal("s3"),
        /** HTTPS endpoint of the S3-compatible service. */
        endpoint: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name"),
        region: z.string().min(1).default("us-east-1"),
        /** Path-style addressing (most on-prem stores need it). */
        forcePathStyle: z.boolean().default(true),
        /** Private address ranges the endpoint is on, if any: notebooks' network policy opens them on its port. */
        privateCidrs: z.array(cidr).default([]),
    }),
]);

/** A storage class for an existing cluster: use one by name, or create a retained one. */
export const ExistingStorageClassSchema = z.strictObject({
    /** Storage class for homes and databases. */
    name: dnsLabel(63),
    /** Create the class with this provisioner and `reclaimPolicy: Retain`; omit to use an existing class. */
    provisioner: z.string().min(1).optional(),
    /** Provisioner parameters when the class is created. */
    parameters: z.record(z.string(), z.string()).default({}),
});

/**
 * CSI snapshots on an existing cluster, which the workbench cannot look up: the cluster must run the snapshot CRDs
 * and controller (most distributions ship them with their CSI driver); the homes are then backed up by snapshot.
 */
export const ExistingVolumeSnapshotsSchema = z.strictObject({
    /** The CSI driver of the homes' volumes; unset: `storageClass.provisioner`, which it must equal when both are set. */
    driver: z.string().min(1).optional(),
    /** A VolumeSnapshotClass of that driver the cluster already has; unset: the workbench creates one (`workbench-snapshots`). */
    className: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "must be a VolumeSnapshotClass name (kubectl get volumesnapshotclass lists them)")
        .optional(),
    /** Parameters of the class the workbench creates (the driver's own, e.g. Longhorn's `type: snap`). */
    parameters: z.record(z.string(), z.string()).default({}),
});

/**
 * Settings for a cluster the user already runs (kind, k3d, on-prem, another vendor).
 * `workbench:userPool.size` describes the shape of its user nodes.
 */
export const ExistingSchema = z.strictObject({
    /** Kubeconfig context; omitted uses the current one (or the secret `workbench:kubeconfig`). */
    context: z.string().min(1).optional(),
    storageClass: ExistingStorageClassSchema.default({ name: "standard", parameters: {} }),
    systemNodeSelector: labelMap.default({}),
    userNodeSelector: labelMap.default({}),
    /** Taints the user nodes carry; notebook, Dask and Spark pods tolerate them. */
    userTaints: z.array(TaintSchema).default([]),
    gpuNodes: z.array(ExistingGpuNodesSchema).default([]),
    /** With `workbench:servingPool`: the labels of the nodes served models and apps run on (required then). */
    servingNodeSelector: labelMap.optional(),
    /** Taints those nodes carry, which served pods tolerate (e.g. `workbench.io/serving=true:NoSchedule`). */
    servingTaints: z.array(TaintSchema).optional(),
    /** Install NVIDIA's device plugin (off when the cluster runs the GPU operator). */
    installNvidiaDevicePlugin: z.boolean().default(false),
    /** Replaced by `workbench:hub.service` (validation says so when it is set). */
    hubService: z.enum(["LoadBalancer", "NodePort", "ClusterIP"]).optional(),
    objectStore: ExistingObjectStoreSchema.default({ type: "none" }),
    /**
     * Private ranges where pods reach the API server (`kubectl get endpoints kubernetes`), for the pods that
     * call it (Spark drivers); empty when it is at a public address. kind: the control-plane node's address.
     */
    apiServerCidrs: z.array(cidr).default([]),
    /** The API server's port at those addresses (6443 on kind and kubeadm clusters). */
    apiServerPort: count(1, 65535).default(6443),
    /** CSI snapshots of the homes' volumes, where the cluster takes them; unset: homes are backed up by file. */
    volumeSnapshots: ExistingVolumeSnapshotsSchema.optional(),
});

/** A Kubernetes ServiceAccount as `<namespace>/<name>`. */
const serviceAccountRef = z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\/[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, "must be a ServiceAccount as <namespace>/<name>, e.g. workbench/workbench-move");

/**
 * The stack this one moves from (set on the TARGET stack): its bucket is copied into this stack's bucket by a
 * transfer Job, then restored from there (docs/move.md). `bucket`'s form follows the source cloud (an S3 or GCS
 * bucket name; on Azure `<storage account>/<container>`); the grant fields are what the source's `moveGrant`
 * output prints once its second `pulumi up` has granted this stack's Job read access.
 */
export const MoveFromSchema = z.strictObject({
    /** The source stack's cloud. */
    cloud: z.enum(CLOUDS),
    /** The source bucket: S3 or GCS bucket name, Azure `<account>/<container>`, or the S3-compatible bucket. */
    bucket: z.string().min(1),
    /** The source bucket's region (AWS, an S3-compatible store). */
    region: z.string().regex(/^[a-z0-9-]{2,32}$/, "must be a region name such as us-east-1").optional(),
    /** The S3-compatible endpoint of an existing cluster's store (cloud `existing`). */
    endpoint: z.url({ protocol: /^https$/, error: "must be an https URL" }).optional(),
    /** The data to copy, GB, for the plan's price of the move; unset: `workbench:usageProfile.bucketGB`. */
    estimatedGB: count(0, 10_000_000).optional(),
    /** AWS source: the read-only role its `moveGrant` output names. */
    roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_\/-]+$/, "must be an IAM role ARN such as arn:aws:iam::123456789012:role/workbench-move-read").optional(),
    /** GCP source: the workload identity pool provider its `moveGrant` output names. */
    workloadIdentityProvider: z
        .string()
        .regex(/^projects\/\d+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]{4,32}\/providers\/[a-z0-9-]{4,32}$/, "must be a provider name such as projects/123456789/locations/global/workloadIdentityPools/POOL/providers/PROVIDER")
        .optional(),
    /** Azure source: the user-assigned identity's client id its `moveGrant` output names. */
    clientId: z.uuid("must be a client id (a UUID)").optional(),
    /** Azure source: the Entra tenant id its `moveGrant` output names. */
    tenantId: z.uuid("must be a tenant id (a UUID)").optional(),
});

/**
 * The stack this one moves to (set on the SOURCE stack, for the second `pulumi up`): the target cluster's public
 * OIDC issuer and its transfer Job's ServiceAccount, both printed by the target's `move` output. The source then
 * grants exactly that ServiceAccount read-only access to its bucket, with no key.
 */
export const MoveToSchema = z.strictObject({
    /** The target stack's cloud. */
    cloud: z.enum(CLOUDS),
    /** The target cluster's OIDC issuer, as its `move` output prints it. */
    issuer: z.url({ protocol: /^https$/, error: "must be the target cluster's https:// OIDC issuer URL (its move output prints it)" }),
    /** The target's transfer Job ServiceAccount, `<namespace>/<name>`. */
    serviceAccount: serviceAccountRef,
});

/**
 * The whole `workbench:` namespace. Every key is optional in Pulumi terms; the defaults
 * below describe a personal workbench.
 */
/** What the scheduled backups may skip: a data service, or `homes` (users' home volumes). */
export const BACKUP_TARGETS = ["homes", "postgres", "mariadb", "mongodb", "opensearch", "elasticsearch", "cassandra", "orientdb"] as const;

/** A backup target (`workbench:backups.optOut`, `workbench:restore.services`). */
export type BackupTarget = (typeof BACKUP_TARGETS)[number];

/** How the homes are backed up (`workbench:backups.method`; docs/backups.md). */
export const HOMES_BACKUP_METHODS = ["auto", "snapshots", "files"] as const;

/** A configured homes backup method. */
export type HomesBackupSetting = (typeof HOMES_BACKUP_METHODS)[number];

/**
 * Scheduled backups of homes and every data service into the bucket (docs/backups.md): on by default; a data
 * service without a backup is refused by the policy pack unless it is named in `optOut`.
 */
export const BackupsSchema = z.strictObject({
    /** Back up at all (false is an opt-out of everything, which the plan states). */
    enabled: z.boolean().default(true),
    /** When, as a five-field cron in UTC (Velero, CronJobs); PostgreSQL's own schedule follows it. */
    schedule: z
        .string()
        .regex(/^(\S+\s+){4}\S+$/, "must be a five-field cron expression in UTC, such as \"0 3 * * *\" (daily at 03:00)")
        .default("0 3 * * *"),
    /** Days each backup is kept. */
    retentionDays: count(1, 3650).default(30),
    /** Targets deliberately left without a backup (`homes` or a data service's name). */
    optOut: z.array(z.enum(BACKUP_TARGETS)).refine((names) => new Set(names).size === names.length, "must not repeat a name").default([]),
    /**
     * How the homes are read: `snapshots` (a CSI snapshot of every home, running or not, and of the hub's database,
     * moved into the bucket by Velero's data mover), `files` (file-system backup of the volumes running servers
     * mount: nothing of stopped servers, nor the hub's database), or `auto`: snapshots where the platform offers them
     * and the system pool has room for what they run there, else files, and the plan says which and why.
     */
    method: z.enum(HOMES_BACKUP_METHODS).default("auto"),
});

/**
 * Rebuild this workbench from a backup in its own bucket (docs/backups.md): the homes before users' first start,
 * the databases bootstrapped from their backups. The "move" procedure sets the same key after copying a source's
 * bucket into this one.
 */
export const RestoreSchema = z.strictObject({
    /** The backup to restore: a Velero backup's name (`<name>-homes-<timestamp>`) or `latest`. */
    from: z.string().regex(/^(latest|[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)$/, "must be latest or a backup's name (velero backup get lists them)"),
    /** Restore the homes (a Velero Restore of the backup). */
    homes: z.boolean().default(true),
    /** The data services to restore from their latest backups; absent means every enabled one with a backup. */
    services: z.array(z.enum(BACKUP_TARGETS).exclude(["homes"])).optional(),
});

export const WorkbenchConfigSchema = z.strictObject({
    /** Which platform to build on. */
    cloud: z.enum(CLOUDS).default("existing"),
    /** Prefix of every cloud resource name. */
    name: dnsLabel(20).default("workbench"),
    /**
     * Kubernetes minor version, e.g. "1.35"; unset takes the cloud's default from the version catalog
     * (providers/catalog/kubernetes), which the platform checks against the cloud's support window.
     */
    kubernetesVersion: z.string().regex(/^1\.\d{2}$/, 'must be a minor version such as "1.35", quoted (YAML reads 1.30 unquoted as 1.3)').optional(),
    systemPool: SystemPoolSchema.default(SystemPoolSchema.parse({})),
    userPool: UserPoolSchema.default(UserPoolSchema.parse({})),
    gpuPools: z.array(GpuPoolSchema).max(8).refine(uniqueNames, "pool names must be unique").default([]),
    /** An on-demand pool of its own for served models and apps; unset, they run on the user pool. */
    servingPool: ServingPoolSchema.optional(),
    storage: StorageSchema.default(StorageSchema.parse({})),
    users: UsersSchema,
    auth: AuthSchema.default(AuthSchema.parse({})),
    /** DNS name of the hub; with it the hub serves HTTPS from Let's Encrypt. */
    domain: z
        .string()
        .regex(/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a DNS name such as hub.example.org")
        .optional(),
    /** Contact address for Let's Encrypt (needed with `domain`). */
    tlsEmail: email.optional(),
    /** How the hub is reached: Service type, source ranges, TLS. */
    hub: HubSchema.default(HubSchema.parse({})),
    notebook: NotebookSchema.default(NotebookSchema.parse({})),
    services: ServicesSchema.default(ServicesSchema.parse({})),
    /** Models served from MLflow's registry, each highly available (needs services.mlflow). */
    models: z.array(ServedModelSchema).max(20).refine(uniqueServedNames, "names must be unique").default([]),
    /** Apps served from a pinned source, each highly available, behind the hub's sign-in unless public. */
    apps: z.array(ServedAppSchema).max(20).refine(uniqueServedNames, "names must be unique").default([]),
    backups: BackupsSchema.default(BackupsSchema.parse({})),
    restore: RestoreSchema.optional(),
    budget: BudgetSchema.default(BudgetSchema.parse({})),
    usageProfile: UsageProfileSchema.default(UsageProfileSchema.parse({})),
    aws: AwsSchema.default(AwsSchema.parse({})),
    gcp: GcpSchema.default(GcpSchema.parse({})),
    azure: AzureSchema.default(AzureSchema.parse({})),
    existing: ExistingSchema.default(ExistingSchema.parse({})),
    /** Move from another stack's bucket (on this, the target stack): docs/move.md. */
    moveFrom: MoveFromSchema.optional(),
    /** Grant a target stack's transfer Job read access to this bucket (on the source stack): docs/move.md. */
    moveTo: MoveToSchema.optional(),
});

/** Keys holding secrets: set with `pulumi config set --secret`, never read as plain config. */
export const SECRET_KEYS = ["githubClientSecret", "kubeconfig", "s3AccessKeyId", "s3SecretAccessKey", "moveFromAccessKeyId", "moveFromSecretAccessKey"] as const;

/** One of {@link SECRET_KEYS}. */
export type SecretKey = (typeof SECRET_KEYS)[number];

/** The validated, defaulted stack configuration. */
export type WorkbenchConfig = z.output<typeof WorkbenchConfigSchema>;
/** A GPU pool as configured. */
export type GpuPoolConfig = WorkbenchConfig["gpuPools"][number];
/** The serving pool as configured. */
export type ServingPoolConfig = NonNullable<WorkbenchConfig["servingPool"]>;

/** The per-person limits of a configuration: `workbench:users.limits`, each unset one at its default. */
export function limitsOf(users: Pick<WorkbenchConfig["users"], "limits">): z.output<typeof LimitsSchema> {
    return users.limits ?? DEFAULT_LIMITS;
}

/** The JupyterHub groups of a configuration (`workbench:users.groups`). */
export function groupsOf(users: Pick<WorkbenchConfig["users"], "groups">): Record<string, string[]> {
    return users.groups ?? {};
}
