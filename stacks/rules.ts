import { systemPods } from "../components/capacity/demand";
import { fitMessage, SizeOption, smallestFit, systemPoolFit } from "../components/capacity/fit";
import { EKS_SYSTEM_AGENTS } from "../providers/aws/system-agents";
import { instanceTypeProblems, nodePoolOf, poolSpecs } from "../providers/aws/pools";
import { Cloud, CPU_SHAPES, CPU_SIZES, CpuSize, gpuClassesOn, unsupportedGpuHint } from "../providers/catalog";
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

/** The system pool of a cloud, as its platform will describe it, computed from the configuration alone. */
interface SystemPoolFacts extends SizeOption<CpuSize> {
    /** The platform asks the shared layer to install cluster-autoscaler (on the system pool). */
    installsAutoscaler: boolean;
}

/**
 * Per landed cloud: the system pool's shape, pod slots and the cloud's own agents for a size, from the
 * same functions and data the platform builds its contract with, so that the always-on fit check runs
 * before any resource exists. A cloud missing here is checked by the Workbench against its contract.
 */
export const SYSTEM_POOL_FACTS: Partial<Record<Cloud, (config: WorkbenchConfig, size: CpuSize) => SystemPoolFacts>> = {
    aws: (config, size) => {
        const pool = nodePoolOf(poolSpecs({ ...config, systemPool: { ...config.systemPool, size } }).system);
        return { size, pool: { ...pool, nodes: config.systemPool.nodes }, agents: EKS_SYSTEM_AGENTS, installsAutoscaler: true };
    },
    // an existing cluster's pools take the shape of workbench:userPool.size and the kubelet's default 110 pods;
    // its own agents are not known (providers/existing)
    existing: (config, size) => ({
        size,
        pool: { ...CPU_SHAPES[size], maxPods: 110, nodes: config.systemPool.nodes },
        agents: { cpuMillis: 0, memoryMiB: 0, pods: 0 },
        installsAutoscaler: false,
    }),
};

/** The key that sizes the system pool, and what to tell the user to choose. */
function sizeAdvice(config: WorkbenchConfig, fitting: CpuSize | undefined): { key: string; given: unknown; choose: string } {
    if (config.cloud === "existing") {
        return {
            key: "workbench:userPool.size",
            given: config.userPool.size,
            choose: fitting
                ? `on an existing cluster this describes the nodes' shape: nodes of size ${fitting} (${CPU_SHAPES[fitting].vcpu} vCPU, ${CPU_SHAPES[fitting].memoryGiB} GiB) or more, or fewer services`
                : "switch services off or lower their cpuMillis/memoryMiB settings",
        };
    }
    if (config.cloud === "aws" && config.aws.systemInstanceTypes) {
        return { key: "workbench:aws.systemInstanceTypes", given: config.aws.systemInstanceTypes, choose: `choose larger instance types${fitting ? ` (size ${fitting}: ${CPU_SHAPES[fitting].vcpu} vCPU, ${CPU_SHAPES[fitting].memoryGiB} GiB)` : ""}` };
    }
    return {
        key: "workbench:systemPool.size",
        given: config.systemPool.size,
        choose: fitting
            ? `choose systemPool.size ${fitting} (the cost estimate follows), or switch services off`
            : "no size fits one node: add systemPool.nodes, switch services off or lower their cpuMillis/memoryMiB settings",
    };
}

/** Everything on the always-on pool must fit it: CPU, memory and pod slots, the cloud's agents included. */
const systemPoolFits: Rule = ({ parsed }) => {
    const { cloud, services, systemPool, userPool, gpuPools, aws } = parsed;
    if (!cloud || !services || !systemPool || !userPool || !gpuPools || !aws) return [];
    const facts = SYSTEM_POOL_FACTS[cloud];
    if (!facts) return [];
    const config = parsed as WorkbenchConfig;
    // instance types no node group can run are the platform's problem to report; the pool cannot be described
    if (cloud === "aws" && instanceTypeProblems(config).length > 0) return [];
    const current = facts(config, cloud === "existing" ? userPool.size : systemPool.size);
    const pods = systemPods(services, current.installsAutoscaler);
    const fit = systemPoolFit(current.pool, current.agents, pods);
    if (fit.fits) return [];
    const fitting = smallestFit(CPU_SIZES.map((size) => facts(config, size)), pods);
    const advice = sizeAdvice(config, fitting);
    return [{ key: advice.key, given: advice.given, allowed: fitMessage(fit, pods, advice.choose) }];
};

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
    gpuClassesOffered,
    poolBoundsOrdered,
    authComplete,
    tlsNeedsEmail,
    domainNeedsReachableHub,
    systemPoolFits,
    existingGpuNodesMatchPools,
    existingObjectStoreCredentials,
];

/** Every cross-key problem of a configuration. */
export function crossKeyProblems(input: RuleInput): ConfigProblem[] {
    return RULES.flatMap((rule) => rule(input));
}
