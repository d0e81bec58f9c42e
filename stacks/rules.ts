import { isDeepStrictEqual } from "node:util";
import { restoreProblems, volumeSnapshotProblems } from "./backup-rules";
import { AWS_PRICES } from "../cost/prices/aws";
import { AZURE_PRICES } from "../cost/prices/azure";
import { azureLocationProblems } from "../providers/azure/regions";
import { GCP_PRICES } from "../cost/prices/gcp";
import { multiGpuMachineWarnings } from "../cost/gpu-machines";
import { gpuClassesOn, unsupportedGpuHint } from "../providers/catalog";
import { ConfigProblem } from "./errors";
import { moveFromProblems, moveToProblems, moveWarnings } from "./move-rules";
import { ProviderSettings } from "./provider-settings";
import { servingProblems, servingWarnings } from "./serving-rules";
import { groupsOf, limitsOf, SecretKey, WorkbenchConfig, WorkbenchConfigSchema } from "./schema";

/** What the cross-key rules see: each key that parsed on its own, the secrets that are set, the provider settings. */
export interface RuleInput {
    /** Keys whose own value is valid; a rule that needs a missing key stays silent (its key already has a problem). */
    parsed: Partial<WorkbenchConfig>;
    /** Secret keys that are set. */
    secretsSet: ReadonlySet<SecretKey>;
    provider: ProviderSettings;
}

type Rule = (input: RuleInput) => ConfigProblem[];
/** A finding that does not stop the plan: printed as a warning. */
type WarningRule = (input: RuleInput) => string[];

// Region names as each cloud spells them: us-east-1, us-gov-west-1; us-central1, europe-west10
// (zone: europe-west10-a); eastus, westeurope, southafricanorth.
const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
const GCP_REGION = /^[a-z]+-[a-z]+\d{1,2}$/;
const GCP_ZONE = /^[a-z]+-[a-z]+\d{1,2}-[a-z]$/;
const GCP_PROJECT = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
const AZURE_LOCATION = /^[a-z]+[a-z0-9]*$/;


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
            if (provider.gcpRegion !== undefined && !GCP_REGION.test(provider.gcpRegion)) {
                problems.push({ key: "gcp:region", given: provider.gcpRegion, allowed: "must look like us-central1" });
            }
            // a zone outside gcp:region is gcpRegionMatchesZone's
            break;
        case "azure":
            // a name from Azure's location catalog (providers/azure/regions.ts): a display name ("West Europe") gets the
            // name to type, an unknown one the nearest names
            if (provider.azureLocation === undefined) need("azure-native:location", provider.azureLocation, AZURE_LOCATION, "eastus");
            else problems.push(...azureLocationProblems(provider.azureLocation));
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
    const { auth } = parsed;
    if (!auth) return [];
    const problems: ConfigProblem[] = [];
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

/** The TLS the hub serves: `auto` resolved against the domain and the Service type. */
export type HubTls = "letsencrypt" | "self-signed" | "none";

/**
 * What `workbench:hub.tls` means for this stack: `auto` is Let's Encrypt with a domain, a certificate the
 * stack generates for an exposed hub without one, and none for a hub reached by port-forward only.
 */
export function effectiveHubTls(hub: WorkbenchConfig["hub"], domain: string | undefined): HubTls {
    if (hub.tls !== "auto") return hub.tls;
    if (domain !== undefined) return "letsencrypt";
    return hub.service === "ClusterIP" ? "none" : "self-signed";
}

/** Whether anyone but a port-forwarding cluster user can reach the hub. */
export function hubExposed(hub: WorkbenchConfig["hub"]): boolean {
    return hub.service !== "ClusterIP";
}

const hubExposureSafe: Rule = ({ parsed }) => {
    const { hub, auth } = parsed;
    if (!hub) return [];
    const problems: ConfigProblem[] = [];
    if (auth?.type === "dummy" && hubExposed(hub)) {
        problems.push({
            key: "workbench:auth.type",
            given: auth.type,
            allowed: `dummy sign-in accepts any name and password: only on a hub that is not exposed (workbench:hub.service ClusterIP, reached by kubectl port-forward; it is ${hub.service}); otherwise use native or github`,
        });
    }
    if (hub.sourceRanges.length > 0 && hub.service !== "LoadBalancer") {
        problems.push({ key: "workbench:hub.sourceRanges", given: hub.sourceRanges, allowed: `only with workbench:hub.service LoadBalancer (it is ${hub.service})` });
    }
    if ("domain" in parsed) {
        const tls = effectiveHubTls(hub, parsed.domain);
        if (tls === "letsencrypt" && parsed.domain === undefined) {
            problems.push({ key: "workbench:hub.tls", given: hub.tls, allowed: "letsencrypt needs workbench:domain (and workbench:tlsEmail); without a domain use self-signed" });
        }
        if (tls === "letsencrypt" && hub.sourceRanges.length > 0) {
            problems.push({
                key: "workbench:hub.sourceRanges",
                given: hub.sourceRanges,
                allowed: "Let's Encrypt's HTTP-01 check must reach the hub from anywhere: drop the source ranges, or set workbench:hub.tls self-signed to keep them",
            });
        }
        if (tls === "none" && hubExposed(hub) && hub.sourceRanges.length === 0 && auth?.type !== "dummy") {
            problems.push({
                key: "workbench:hub.tls",
                given: hub.tls,
                allowed: `passwords would cross the network in plain HTTP on a ${hub.service} hub: use auto/self-signed/letsencrypt, fence it with workbench:hub.sourceRanges, or set workbench:hub.service ClusterIP (port-forward)`,
            });
        }
        if (parsed.domain !== undefined && hub.service === "ClusterIP") {
            problems.push({ key: "workbench:hub.service", given: "ClusterIP", allowed: "with workbench:domain the hub must be reachable for Let's Encrypt: LoadBalancer or NodePort" });
        }
    }
    return problems;
};

const hubServiceMoved: Rule = ({ parsed }) =>
    parsed.existing?.hubService !== undefined
        ? [{ key: "workbench:existing.hubService", given: parsed.existing.hubService, allowed: `replaced by workbench:hub.service on every platform; set pulumi config set --path workbench:hub.service ${parsed.existing.hubService} and remove existing.hubService` }]
        : [];


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

/** IAM's limit on role names, and what Pulumi's auto-naming appends (`-` and 7 random hex digits). */
const IAM_ROLE_NAME_MAX = 64;
const AUTONAME_SUFFIX = 8;

/**
 * The longest IAM role name the AWS platform derives from `workbench:name`: the notebooks' bucket role,
 * `<name>-<namespace>-<serviceAccount>` with the namespace `<name>` and the ServiceAccount `<name>-user`
 * (test/config.test.ts plans the longest allowed name and checks every role of the plan).
 */
export function longestAwsRoleName(name: string): string {
    // <name>-<namespace>-<account>: the Spark driver's account in the user namespace is the longest (DESIGN §5b)
    return `${name}-${name}-users-${name}-spark`;
}

const awsNamesFit: Rule = ({ parsed }) => {
    if (parsed.cloud !== "aws" || parsed.name === undefined) return [];
    if (longestAwsRoleName(parsed.name).length + AUTONAME_SUFFIX <= IAM_ROLE_NAME_MAX) return [];
    let longest = parsed.name.length;
    while (longest > 1 && longestAwsRoleName("x".repeat(longest)).length + AUTONAME_SUFFIX > IAM_ROLE_NAME_MAX) longest--;
    return [
        {
            key: "workbench:name",
            given: parsed.name,
            allowed: `at most ${longest} characters on aws: IAM role names (at most ${IAM_ROLE_NAME_MAX}) are derived from it, e.g. ${longestAwsRoleName(parsed.name)} plus Pulumi's ${AUTONAME_SUFFIX}-character suffix`,
        },
    ];
};

/**
 * Groups decide who may start each GPU profile: a group a pool names must exist (`users.groups`, or a GitHub team
 * with GitHub sign-in), and with native sign-in a member must be a named user, whose account exists from the first
 * start (else whoever signs up first under that name, once approved, would hold the group's rights).
 */
const groupsDefined: Rule = ({ parsed }) => {
    const { users, gpuPools, auth } = parsed;
    if (!users) return [];
    const problems: ConfigProblem[] = [];
    const defined = Object.keys(groupsOf(users));
    const github = auth?.type === "github";
    for (const [i, pool] of (gpuPools ?? []).entries()) {
        for (const group of pool.groups ?? []) {
            if (group.includes(":")) {
                if (auth !== undefined && !github) {
                    problems.push({ key: `workbench:gpuPools[${i}].groups`, given: group, allowed: "a GitHub team (org:team-slug) needs workbench:auth.type github; otherwise name a group of workbench:users.groups" });
                }
            } else if (!defined.includes(group)) {
                problems.push({
                    key: `workbench:gpuPools[${i}].groups`,
                    given: group,
                    allowed:
                        `must name a group defined in workbench:users.groups (${defined.length > 0 ? `defined: ${defined.join(", ")}` : "none defined"}); ` +
                        `define it with pulumi config set --path 'workbench:users.groups.${group}[0]' <user>${github ? ", or name a GitHub team as org:team-slug" : ""}`,
                });
            }
        }
    }
    if (auth !== undefined && auth.type === "native") {
        const named = new Set([...users.admins, ...users.allowed].map((name) => name.toLowerCase()));
        for (const [group, members] of Object.entries(groupsOf(users))) {
            const strangers = members.filter((member) => !named.has(member.toLowerCase()));
            if (strangers.length > 0) {
                problems.push({
                    key: `workbench:users.groups.${group}`,
                    given: strangers,
                    allowed: "with native sign-in a group member must be named in workbench:users.admins or workbench:users.allowed (so the account exists before anyone can sign up under that name)",
                });
            }
        }
    }
    const limits = limitsOf(users);
    if (limits.gpuServers > limits.servers) {
        problems.push({ key: "workbench:users.limits.gpuServers", given: limits.gpuServers, allowed: `must not exceed workbench:users.limits.servers (${limits.servers})` });
    }
    return problems;
};

const RULES: readonly Rule[] = [
    awsNamesFit,
    providerSettingsRequired,
    gcpRegionMatchesZone,
    gpuClassesOffered,
    poolBoundsOrdered,
    authComplete,
    tlsNeedsEmail,
    hubExposureSafe,
    hubServiceMoved,
    existingGpuNodesMatchPools,
    existingObjectStoreCredentials,
    groupsDefined,
    ({ parsed }) => servingProblems(parsed),
    moveFromProblems,
    moveToProblems,
    ({ parsed }) => restoreProblems(parsed),
    ({ parsed }) => volumeSnapshotProblems(parsed),
];

/** Every cross-key problem of a configuration. */
export function crossKeyProblems(input: RuleInput): ConfigProblem[] {
    return RULES.flatMap((rule) => rule(input));
}

/** The settings blocks of each cloud: set on a stack of another cloud, they are ignored. */
const CLOUD_BLOCKS = ["aws", "gcp", "azure", "existing"] as const;

const otherCloudSettingsIgnored: WarningRule = ({ parsed }) =>
    CLOUD_BLOCKS.filter(
        (block) => parsed.cloud !== undefined && block !== parsed.cloud && parsed[block] !== undefined && !isDeepStrictEqual(parsed[block], WorkbenchConfigSchema.shape[block].parse(undefined)),
    ).map((block) => `workbench:${block} is set but workbench:cloud is ${parsed.cloud}: its settings are ignored (remove them, or set workbench:cloud ${block})`);

/** The region each cloud's prices are for, and the region the stack runs in. */
const pricedRegion: WarningRule = ({ parsed, provider }) => {
    const differs = (key: string, region: string | undefined, priced: string) =>
        region !== undefined && region !== priced
            ? [`${key} is ${region} but the cost estimate uses ${priced} list prices: expect the real bill to differ`]
            : [];
    switch (parsed.cloud) {
        // a malformed region is a problem of its own (providerSettingsRequired), not also a price warning
        case "aws":
            return AWS_REGION.test(provider.awsRegion ?? "") ? differs("aws:region", provider.awsRegion, AWS_PRICES.region) : [];
        case "gcp":
            return provider.gcpRegion !== undefined
                ? differs("gcp:region", provider.gcpRegion, GCP_PRICES.region)
                : GCP_ZONE.test(provider.gcpZone ?? "")
                  ? differs("gcp:zone", provider.gcpZone?.replace(/-[a-z]$/, ""), GCP_PRICES.region)
                  : [];
        case "azure":
            return AZURE_LOCATION.test(provider.azureLocation ?? "") ? differs("azure-native:location", provider.azureLocation, AZURE_PRICES.region) : [];
        default:
            return [];
    }
};

const existingContextPinned: WarningRule = ({ parsed, secretsSet }) =>
    parsed.cloud === "existing" && parsed.existing !== undefined && parsed.existing.context === undefined && !secretsSet.has("kubeconfig")
        ? [
              "workbench:existing.context is not set: the workbench goes to whichever cluster your kubeconfig's current context names; " +
                  "pin it with pulumi config set --path 'workbench:existing.context' <context> (kubectl config get-contexts lists them)",
          ]
        : [];

/** `hub.certificateNames` names addresses in the certificate the stack generates; with another TLS it does nothing. */
const certificateNamesUnused: WarningRule = ({ parsed }) =>
    parsed.hub?.certificateNames?.length && effectiveHubTls(parsed.hub, parsed.domain) !== "self-signed"
        ? [`workbench:hub.certificateNames is set but the hub serves no generated certificate (TLS: ${effectiveHubTls(parsed.hub, parsed.domain)}): it is ignored`]
        : [];

/** A GPU class the cloud sells only as a multi-GPU machine: the machine and its price, before anything is created. */
const multiGpuMachine: WarningRule = ({ parsed }) => multiGpuMachineWarnings(parsed.cloud, parsed.gpuPools ?? []);

const WARNINGS: readonly WarningRule[] = [otherCloudSettingsIgnored, pricedRegion, existingContextPinned, certificateNamesUnused, multiGpuMachine, ({ parsed }) => servingWarnings(parsed), moveWarnings];

/** Every cross-key warning of a configuration. */
export function crossKeyWarnings(input: RuleInput): string[] {
    return WARNINGS.flatMap((rule) => rule(input));
}
