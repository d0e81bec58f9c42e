import { gpuClassesOn, unsupportedGpuHint } from "../providers/catalog";
import { ConfigProblem } from "./errors";
import { ProviderSettings } from "./provider-settings";
import { SecretKey, WorkbenchConfig } from "./schema";

/** What the cross-key rules see: each key that parsed on its own, the secrets that are set, the provider settings. */
export interface RuleInput {
    /** Keys whose own value is valid; a rule that needs a missing key stays silent (its key already has a problem). */
    parsed: Partial<WorkbenchConfig>;
    /** Secret keys that are set. */
    secretsSet: ReadonlySet<SecretKey>;
    provider: ProviderSettings;
}

type Rule = (input: RuleInput) => ConfigProblem[];

const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const GCP_ZONE = /^[a-z]+-[a-z]+\d-[a-z]$/;
const GCP_PROJECT = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
const AZURE_LOCATION = /^[a-z]+[a-z0-9]*$/;

/** Services the shared layer can deploy in this version; the rest are rejected rather than silently skipped. */
export const AVAILABLE_SERVICES: ReadonlySet<keyof WorkbenchConfig["services"]> = new Set(["dask", "spark"]);

const providerSettingsRequired: Rule = ({ parsed, provider }) => {
    const problems: ConfigProblem[] = [];
    const need = (key: string, given: string | undefined, pattern: RegExp, example: string) => {
        if (given === undefined) {
            problems.push({ key, given, allowed: `required when workbench:cloud is ${parsed.cloud}; e.g. pulumi config set ${key} ${example}` });
        } else if (!pattern.test(given)) {
            problems.push({ key, given, allowed: `must look like ${example}` });
        }
    };
    switch (parsed.cloud) {
        case "aws":
            need("aws:region", provider.awsRegion, AWS_REGION, "us-east-1");
            break;
        case "gcp":
            need("gcp:project", provider.gcpProject, GCP_PROJECT, "my-project-123");
            need("gcp:zone", provider.gcpZone, GCP_ZONE, "us-central1-a");
            break;
        case "azure":
            need("azure-native:location", provider.azureLocation, AZURE_LOCATION, "eastus");
            break;
    }
    return problems;
};

/** `gcp:region`, when set, must be the region `gcp:zone` is in: GKE, the bucket and the node pools all follow the zone. */
const gcpRegionMatchesZone: Rule = ({ parsed, provider }) => {
    const { gcpRegion, gcpZone } = provider;
    if (parsed.cloud !== "gcp" || gcpRegion === undefined || gcpZone === undefined || !GCP_ZONE.test(gcpZone)) return [];
    const zoneRegion = gcpZone.replace(/-[a-z]$/, "");
    return gcpRegion === zoneRegion
        ? []
        : [{ key: "gcp:region", given: gcpRegion, allowed: `must be the region of gcp:zone ${gcpZone} (${zoneRegion}), or unset: pulumi config rm gcp:region` }];
};

const gpuClassesOffered: Rule = ({ parsed }) => {
    const { cloud, gpuPools } = parsed;
    if (!cloud || !gpuPools) return [];
    const offered = gpuClassesOn(cloud);
    return gpuPools.flatMap((pool, i) =>
        offered.includes(pool.gpu)
            ? []
            : [{ key: `workbench:gpuPools[${i}].gpu`, given: pool.gpu, allowed: `${cloud} offers no ${pool.gpu} GPU; ${unsupportedGpuHint(pool.gpu, cloud)}` }],
    );
};

const poolBoundsOrdered: Rule = ({ parsed }) => {
    const problems: ConfigProblem[] = [];
    if (parsed.userPool && parsed.userPool.minNodes > parsed.userPool.maxNodes) {
        problems.push({ key: "workbench:userPool.minNodes", given: parsed.userPool.minNodes, allowed: `must not exceed userPool.maxNodes (${parsed.userPool.maxNodes})` });
    }
    parsed.gpuPools?.forEach((pool, i) => {
        if (pool.minNodes > pool.maxNodes) {
            problems.push({ key: `workbench:gpuPools[${i}].minNodes`, given: pool.minNodes, allowed: `must not exceed gpuPools[${i}].maxNodes (${pool.maxNodes})` });
        }
    });
    return problems;
};

const authComplete: Rule = ({ parsed, secretsSet }) => {
    const { auth, cloud } = parsed;
    if (!auth) return [];
    const problems: ConfigProblem[] = [];
    if (auth.type === "dummy" && cloud && cloud !== "existing") {
        problems.push({ key: "workbench:auth.type", given: auth.type, allowed: `dummy sign-in accepts any password and is only for a local cluster; use native or github on ${cloud}` });
    }
    if (auth.type === "github") {
        if (!auth.githubClientId) {
            problems.push({ key: "workbench:auth.githubClientId", given: undefined, allowed: "required with auth.type github: the OAuth app's client id" });
        }
        if (!secretsSet.has("githubClientSecret")) {
            problems.push({ key: "workbench:githubClientSecret", given: undefined, allowed: "required with auth.type github; set it with pulumi config set --secret workbench:githubClientSecret" });
        }
        if (parsed.domain === undefined && "domain" in parsed) {
            problems.push({ key: "workbench:domain", given: undefined, allowed: "required with auth.type github: the OAuth callback needs a stable hub address" });
        }
    }
    return problems;
};

const tlsNeedsEmail: Rule = ({ parsed }) =>
    parsed.domain !== undefined && parsed.tlsEmail === undefined && "tlsEmail" in parsed
        ? [{ key: "workbench:tlsEmail", given: undefined, allowed: "required with workbench:domain: Let's Encrypt's contact address" }]
        : [];

const domainNeedsReachableHub: Rule = ({ parsed }) =>
    parsed.cloud === "existing" && parsed.domain !== undefined && parsed.existing?.hubService === "ClusterIP"
        ? [{ key: "workbench:existing.hubService", given: "ClusterIP", allowed: "with workbench:domain the hub must be reachable for Let's Encrypt: LoadBalancer or NodePort" }]
        : [];

const servicesAvailable: Rule = ({ parsed }) =>
    Object.entries(parsed.services ?? {}).flatMap(([service, { enabled }]) =>
        enabled && !AVAILABLE_SERVICES.has(service as keyof WorkbenchConfig["services"])
            ? [{ key: `workbench:services.${service}`, given: enabled, allowed: `not available in this version yet; available: ${[...AVAILABLE_SERVICES].join(", ")}` }]
            : [],
    );

const existingGpuNodesMatchPools: Rule = ({ parsed }) => {
    const { cloud, gpuPools, existing } = parsed;
    if (cloud !== "existing" || !gpuPools || !existing) return [];
    const described = new Set(existing.gpuNodes.map((n) => n.pool));
    const configured = new Set(gpuPools.map((p) => p.name));
    return [
        ...gpuPools.flatMap((pool, i) =>
            described.has(pool.name)
                ? []
                : [{ key: `workbench:gpuPools[${i}].name`, given: pool.name, allowed: `on an existing cluster, describe its nodes in workbench:existing.gpuNodes (an entry with pool: ${pool.name})` }],
        ),
        ...existing.gpuNodes.flatMap((nodes, i) =>
            configured.has(nodes.pool)
                ? []
                : [{ key: `workbench:existing.gpuNodes[${i}].pool`, given: nodes.pool, allowed: `must name a pool of workbench:gpuPools (${[...configured].join(", ") || "none configured"})` }],
        ),
    ];
};

const existingObjectStoreCredentials: Rule = ({ parsed, secretsSet }) => {
    if (parsed.cloud !== "existing" || parsed.existing?.objectStore.type !== "s3") return [];
    return (["s3AccessKeyId", "s3SecretAccessKey"] as const)
        .filter((key) => !secretsSet.has(key))
        .map((key) => ({ key: `workbench:${key}`, given: undefined, allowed: `required with existing.objectStore.type s3; set it with pulumi config set --secret workbench:${key}` }));
};

const RULES: readonly Rule[] = [
    providerSettingsRequired,
    gcpRegionMatchesZone,
    gpuClassesOffered,
    poolBoundsOrdered,
    authComplete,
    tlsNeedsEmail,
    domainNeedsReachableHub,
    servicesAvailable,
    existingGpuNodesMatchPools,
    existingObjectStoreCredentials,
];

/** Every cross-key problem of a configuration. */
export function crossKeyProblems(input: RuleInput): ConfigProblem[] {
    return RULES.flatMap((rule) => rule(input));
}
