import { GPU_CATALOG } from "../../providers/catalog/gpus";
import { GCP_REGIONS, GPU_REGIONS } from "../../providers/gcp/regions";
import { hexOf } from "./aws";
import { MockContext, PackageMocks, ResourceMock } from "./types";

/*
 * Answers for @pulumi/gcp: the outputs GCP would add (ids, e-mails, self links, endpoints) and the lookups
 * the platform makes before creating anything, for the stack's gcp:project. Regions and zones are the dated
 * catalog's (providers/gcp/regions.ts: every region Compute Engine listed), GPU machines are offered in the
 * regions the catalog records for their GPU, except the zones known to lack them (us-central1-f has no G2
 * or A3: the GKE facts sheet, from Cyclenerd's zone CSV and skypilot-catalog).
 */

/** The project number every mocked project has (GCP's documentation example). */
export const MOCK_PROJECT_NUMBER = "123456789012";

/** A project id the mock cannot read, as a project that does not exist (or is not the caller's) answers. */
export const UNREADABLE_PROJECT_PREFIX = "no-such-";

/** A project id whose Compute Engine and GKE APIs are still off, as in a project created a minute ago. */
export const NEW_PROJECT_PREFIX = "brand-new-";

const projectOf = (args: { inputs: Record<string, unknown> }, context: MockContext) =>
    (args.inputs.project as string | undefined) ?? context.config["gcp:project"] ?? "mock-project";

/** Pulumi auto-names physical resources `<logical name>-<7 hex>`. */
const autoName = (logicalName: string) => `${logicalName}-${hexOf(logicalName, 7)}`.toLowerCase();

/** A project id whose GPU quotas are all zero, as in a project that never asked for any. */
export const NO_GPU_QUOTA_PREFIX = "no-gpu-quota-";

/** A project id whose Cloud Quotas API is off, so its quotas cannot be read. */
export const QUOTA_API_OFF_PREFIX = "quota-api-off-";

/** A project id whose Resource Manager API is off (getProject fails as SERVICE_DISABLED), as a fresh project billed to itself. */
export const RESOURCE_MANAGER_OFF_PREFIX = "crm-off-";

/** The billing account getProject reports for every mocked project (a well-formed, made-up id). */
export const MOCK_BILLING_ACCOUNT = "01A2B3-C4D5E6-F7A8B9";

/** A project id without a billing account getProject can read (billing off, or Cloud Billing's API off). */
export const NO_BILLING_PREFIX = "unbilled-";

/** GPUs per region each mocked project may run (regional and GPUS-ALL-REGIONS), unless it is a no-quota project. */
export const MOCK_GPU_QUOTA = 4;

/** Machine types and the zones lacking them, per zone; absent: every zone of a region offering its GPU has it. */
const MISSING_MACHINES: Readonly<Record<string, readonly string[]>> = {
    "us-central1-f": ["g2-standard-4", "a3-highgpu-1g"],
};

/** The GPUs built into accelerator-optimized machines, as Compute Engine reports them. */
const BUILT_IN: Readonly<Record<string, { guestAcceleratorType: string; guestAcceleratorCount: number }>> = {
    "g2-standard-4": { guestAcceleratorType: "nvidia-l4", guestAcceleratorCount: 1 },
    "a2-highgpu-1g": { guestAcceleratorType: "nvidia-tesla-a100", guestAcceleratorCount: 1 },
    "a3-highgpu-1g": { guestAcceleratorType: "nvidia-h100-80gb", guestAcceleratorCount: 1 },
};

/** The accelerator each GPU machine of the catalog carries, and whether it is built in (G2, A2, A3) or attached (N1). */
const GPU_MACHINES: readonly { machine: string; accelerator: string }[] = Object.values(GPU_CATALOG).flatMap((entry) => {
    const gcp = entry.machines.gcp;
    return gcp?.acceleratorType ? gcp.instanceTypes.map((machine) => ({ machine, accelerator: gcp.acceleratorType as string })) : [];
});

/** Whether the zone offers a machine type: CPU machines everywhere, a built-in GPU's machine where its GPU is offered. */
function offered(zone: string, machine: string): boolean {
    if ((MISSING_MACHINES[zone] ?? []).includes(machine)) return false;
    if (!BUILT_IN[machine]) return true;
    const gpu = GPU_MACHINES.find((m) => m.machine === machine);
    return gpu === undefined || (GPU_REGIONS.regions[gpu.accelerator] ?? []).includes(zone.replace(/-[a-z]$/, ""));
}

const SHAPES: Readonly<Record<string, [number, number]>> = {
    "e2-standard-2": [2, 8192], "e2-standard-4": [4, 16384], "e2-standard-8": [8, 32768], "e2-standard-16": [16, 65536],
    "n1-standard-4": [4, 15360], "g2-standard-4": [4, 16384], "a2-highgpu-1g": [12, 87040], "a3-highgpu-1g": [26, 239616],
};

/** GKE versions per channel in a location, as getServerConfig answered in 2026-11. */
const CHANNEL_DEFAULT: Readonly<Record<string, string>> = {
    RAPID: "1.36.4-gke.1105000",
    REGULAR: "1.35.8-gke.1190000",
    STABLE: "1.34.10-gke.1071000",
    EXTENDED: "1.35.8-gke.1190000",
};
const CHANNEL_LATEST: Readonly<Record<string, string>> = {
    RAPID: "1.37.1-gke.1087000",
    REGULAR: "1.36.4-gke.1105000",
    STABLE: "1.35.8-gke.1190000",
    EXTENDED: "1.36.4-gke.1105000",
};
const VALID_MASTER_VERSIONS = [
    "1.37.1-gke.1087000", "1.36.5-gke.1030000", "1.36.4-gke.1105000", "1.35.9-gke.1015000", "1.35.8-gke.1190000",
    "1.34.11-gke.1023000", "1.34.10-gke.1071000", "1.33.12-gke.1052000",
];

function unreadable(project: string): boolean {
    return project.startsWith(UNREADABLE_PROJECT_PREFIX);
}

/**
 * An invoke failure as the engine reports it: the SDK rethrows a failed invoke RPC as `new Error(err.details)`,
 * so the provider's message travels in `details`.
 */
function invokeError(message: string): Error {
    return Object.assign(new Error(message), { details: `invocation of the provider function failed: ${message}` });
}

/** Compute Engine and GKE lookups in a project whose APIs are off fail as the Google APIs answer. */
function apiOff(project: string, api: string): void {
    if (!project.startsWith(NEW_PROJECT_PREFIX)) return;
    throw invokeError(
        `googleapi: Error 403: ${api} API has not been used in project ${MOCK_PROJECT_NUMBER} before or it is disabled. Enable it by visiting ` +
            `https://console.developers.google.com/apis/api/${api === "Compute Engine" ? "compute" : "container"}.googleapis.com/overview?project=${MOCK_PROJECT_NUMBER}, SERVICE_DISABLED`,
    );
}

function denied(project: string): never {
    throw invokeError(`googleapi: Error 403: The caller does not have permission, forbidden (project ${project})`);
}

const serviceAccount: ResourceMock = (args, context) => {
    const project = projectOf(args, context);
    const accountId = (args.inputs.accountId as string | undefined) ?? autoName(args.name).slice(0, 30);
    const email = `${accountId}@${project}.iam.gserviceaccount.com`;
    return { email, name: `projects/${project}/serviceAccounts/${email}`, uniqueId: BigInt(`0x${hexOf(email, 12)}`).toString(), member: `serviceAccount:${email}` };
};

/** Answers for @pulumi/gcp. */
export const gcpMocks: PackageMocks = {
    prefix: "gcp:",
    resources: {
        "gcp:projects/service:Service": (args, context) => ({ id: `${projectOf(args, context)}/${String(args.inputs.service)}` }),
        "gcp:compute/network:Network": (args, context) => {
            const name = autoName(args.name);
            return { name, selfLink: `https://www.googleapis.com/compute/v1/projects/${projectOf(args, context)}/global/networks/${name}`, gatewayIpv4: "" };
        },
        "gcp:compute/subnetwork:Subnetwork": (args, context) => {
            const name = autoName(args.name);
            const region = String(args.inputs.region);
            return {
                name,
                selfLink: `https://www.googleapis.com/compute/v1/projects/${projectOf(args, context)}/regions/${region}/subnetworks/${name}`,
                gatewayAddress: "10.0.0.1",
            };
        },
        "gcp:serviceaccount/account:Account": serviceAccount,
        "gcp:projects/iAMCustomRole:IAMCustomRole": (args, context) => {
            const name = `projects/${projectOf(args, context)}/roles/${String(args.inputs.roleId)}`;
            return { id: name, name, deleted: false };
        },
        "gcp:container/cluster:Cluster": (args, context) => {
            const name = String(args.inputs.name ?? autoName(args.name));
            const location = String(args.inputs.location);
            const version = (args.inputs.minMasterVersion as string | undefined) ?? CHANNEL_DEFAULT[String((args.inputs.releaseChannel as { channel?: string } | undefined)?.channel ?? "REGULAR")];
            return {
                name,
                endpoint: "203.0.113.20",
                masterVersion: version.includes("-gke.") ? version : VALID_MASTER_VERSIONS.find((v) => v.startsWith(`${version}.`)),
                masterAuth: { clusterCaCertificate: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1PQ0sKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=", clientCertificate: "", clientKey: "" },
                selfLink: `https://container.googleapis.com/v1/projects/${projectOf(args, context)}/locations/${location}/clusters/${name}`,
                labelFingerprint: hexOf(name, 8),
            };
        },
        "gcp:container/nodePool:NodePool": (args) => {
            const name = autoName(args.name);
            return { name, instanceGroupUrls: [], managedInstanceGroupUrls: [], version: "1.35.8-gke.1190000" };
        },
        // the pool's and provider's resource names carry the project's number (IAM's own spelling; a move's grant reads them)
        "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": (args) => ({
            name: `projects/${MOCK_PROJECT_NUMBER}/locations/global/workloadIdentityPools/${String(args.inputs.workloadIdentityPoolId)}`,
        }),
        "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": (args) => ({
            name: `projects/${MOCK_PROJECT_NUMBER}/locations/global/workloadIdentityPools/${String(args.inputs.workloadIdentityPoolId)}/providers/${String(args.inputs.workloadIdentityPoolProviderId)}`,
        }),
        "gcp:storage/bucket:Bucket": (args) => {
            const name = autoName(args.name);
            return { name, url: `gs://${name}`, selfLink: `https://www.googleapis.com/storage/v1/b/${name}`, projectNumber: MOCK_PROJECT_NUMBER };
        },
        "gcp:monitoring/notificationChannel:NotificationChannel": (args, context) => {
            const id = `projects/${projectOf(args, context)}/notificationChannels/${BigInt(`0x${hexOf(args.name, 12)}`).toString()}`;
            return { id, name: id, verificationStatus: "" };
        },
        "gcp:billing/budget:Budget": (args) => ({ name: `billingAccounts/${String(args.inputs.billingAccount)}/budgets/${hexOf(args.name, 8)}` }),
    },
    invokes: {
        "gcp:organizations/getProject:getProject": (args, context) => {
            const projectId = projectOf({ inputs: { project: args.inputs.projectId } }, context);
            if (unreadable(projectId)) denied(projectId);
            if (projectId.startsWith(RESOURCE_MANAGER_OFF_PREFIX)) {
                throw invokeError(
                    `googleapi: Error 403: Cloud Resource Manager API has not been used in project ${MOCK_PROJECT_NUMBER} before or it is disabled. Enable it by visiting ` +
                        `https://console.developers.google.com/apis/api/cloudresourcemanager.googleapis.com/overview?project=${MOCK_PROJECT_NUMBER} then retry., SERVICE_DISABLED`,
                );
            }
            // the provider reads billingAccount through Cloud Billing's getBillingInfo and leaves it empty when it cannot
            const billingAccount = projectId.startsWith(NO_BILLING_PREFIX) ? "" : MOCK_BILLING_ACCOUNT;
            return { id: `projects/${projectId}`, projectId, number: MOCK_PROJECT_NUMBER, name: projectId, billingAccount, labels: {}, effectiveLabels: {} };
        },
        "gcp:compute/getZones:getZones": (args, context) => {
            const project = projectOf(args, context);
            if (unreadable(project)) denied(project);
            apiOff(project, "Compute Engine");
            const region = String(args.inputs.region);
            return { id: `projects/${project}/regions/${region}`, project, region, names: [...(GCP_REGIONS.regions[region] ?? [])] };
        },
        "gcp:compute/getMachineTypes:getMachineTypes": (args, context) => {
            const project = projectOf(args, context);
            if (unreadable(project)) denied(project);
            apiOff(project, "Compute Engine");
            const zone = String(args.inputs.zone);
            const wanted = /name = "([^"]+)"/.exec(String(args.inputs.filter ?? ""))?.[1];
            // a zone the catalog does not know has no machines, as Compute Engine answers for a zone that does not exist
            const known = (GCP_REGIONS.regions[zone.replace(/-[a-z]$/, "")] ?? []).includes(zone);
            const names = Object.keys(SHAPES).filter((name) => known && (wanted === undefined || name === wanted) && offered(zone, name));
            return {
                id: `projects/${project}/zones/${zone}/machineTypes`,
                project,
                zone,
                filter: args.inputs.filter,
                machineTypes: names.map((name) => ({
                    name,
                    description: name,
                    guestCpus: SHAPES[name][0],
                    memoryMb: SHAPES[name][1],
                    isSharedCpus: false,
                    maximumPersistentDisks: 128,
                    maximumPersistentDisksSizeGb: 263168,
                    accelerators: BUILT_IN[name] ? [BUILT_IN[name]] : [],
                    bundledLocalSsds: [],
                    deprecateds: [],
                    selfLink: `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}/machineTypes/${name}`,
                })),
            };
        },
        "gcp:cloudquota/getSQuotaInfo:getSQuotaInfo": (args, context) => quotaInfo(args.inputs, context),
        "gcp:container/getEngineVersions:getEngineVersions": (args, context) => {
            const project = projectOf(args, context);
            if (unreadable(project)) denied(project);
            apiOff(project, "Kubernetes Engine");
            return {
                id: `projects/${project}/locations/${String(args.inputs.location)}`,
                project,
                location: args.inputs.location,
                defaultClusterVersion: CHANNEL_DEFAULT.REGULAR,
                latestMasterVersion: VALID_MASTER_VERSIONS[0],
                latestNodeVersion: VALID_MASTER_VERSIONS[0],
                releaseChannelDefaultVersion: { ...CHANNEL_DEFAULT },
                releaseChannelLatestVersion: { ...CHANNEL_LATEST },
                releaseChannelUpgradeTargetVersion: { ...CHANNEL_DEFAULT },
                validMasterVersions: [...VALID_MASTER_VERSIONS],
                validNodeVersions: [...VALID_MASTER_VERSIONS],
            };
        },
    },
};

/**
 * A Cloud Quotas QuotaInfo as the provider returns it (cloudquota.getSQuotaInfo, @pulumi/gcp 9.37): regional
 * GPU quotas come back as one dimensioned row per region (`dimensions: {region}`, `applicableLocations:
 * [region]`), GPUS-ALL-REGIONS as one row for `global`; each row's `details` holds the value in effect as a
 * string. Shapes as the Cloud Quotas API's QuotaInfo (cloud.google.com/docs/quotas/reference/rest/v1/
 * projects.locations.services.quotaInfos) and the responses recorded in public tools' fixtures.
 */
function quotaInfo(inputs: Record<string, unknown>, context: MockContext): Record<string, unknown> {
    const parent = String(inputs.parent);
    const project = parent.replace(/^projects\//, "") || (context.config["gcp:project"] ?? "mock-project");
    const quotaId = String(inputs.quotaId);
    const service = String(inputs.service);
    if (unreadable(project)) denied(project);
    if (project.startsWith(QUOTA_API_OFF_PREFIX) || project.startsWith(NEW_PROJECT_PREFIX)) {
        throw invokeError(
            `googleapi: Error 403: Cloud Quotas API has not been used in project ${MOCK_PROJECT_NUMBER} before or it is disabled. Enable it by visiting ` +
                `https://console.developers.google.com/apis/api/cloudquotas.googleapis.com/overview?project=${MOCK_PROJECT_NUMBER}, SERVICE_DISABLED`,
        );
    }
    const value = String(project.startsWith(NO_GPU_QUOTA_PREFIX) ? 0 : MOCK_GPU_QUOTA);
    const global = quotaId.endsWith("-per-project");
    const metric = quotaId.replace(/-per-project(-region)?$/, "").toLowerCase().replace(/-/g, "_");
    return {
        id: `${parent}/locations/global/services/${service}/quotaInfos/${quotaId}`,
        parent,
        quotaId,
        service,
        name: `projects/${MOCK_PROJECT_NUMBER}/locations/global/services/${service}/quotaInfos/${quotaId}`,
        metric: `${service}/${metric}`,
        metricDisplayName: metric.toUpperCase(),
        metricUnit: "1",
        quotaDisplayName: quotaId,
        containerType: "PROJECT",
        dimensions: global ? [] : ["region"],
        isConcurrent: false,
        isFixed: false,
        isPrecise: true,
        refreshInterval: "",
        serviceRequestQuotaUri: "https://console.cloud.google.com/iam-admin/quotas",
        quotaIncreaseEligibilities: [{ isEligible: true, ineligibilityReason: "" }],
        dimensionsInfos: global
            ? [{ dimensions: {}, details: [{ value }], applicableLocations: ["global"] }]
            : Object.keys(GCP_REGIONS.regions).map((region) => ({ dimensions: { region }, details: [{ value }], applicableLocations: [region] })),
    };
}
