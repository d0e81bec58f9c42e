import { AWS_REGIONS } from "../../providers/aws/regions";
import { MockContext, PackageMocks, ResourceMock } from "./types";

/*
 * Answers for @pulumi/aws: the outputs AWS would add (ARNs, generated names, versions), shaped as the
 * provider returns them, for the documented example account 123456789012 and the stack's aws:region.
 */

/** The account every mocked ARN belongs to (AWS's documentation example account). */
export const MOCK_ACCOUNT_ID = "123456789012";

/** A stable hex string derived from a name (FNV-1a), so generated ids differ per resource and per run stay equal. */
export function hexOf(text: string, length: number): string {
    let out = "";
    for (let round = 0; out.length < length; round++) {
        let hash = 0x811c9dc5 ^ round;
        for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
        out += hash.toString(16).padStart(8, "0");
    }
    return out.slice(0, length);
}

/** The stack's region, as the provider reads it from `aws:region`. */
export function regionOf(context: MockContext): string {
    return context.config["aws:region"] ?? "us-east-1";
}

const arn = (context: MockContext, service: string, resource: string, global = false) =>
    `arn:aws:${service}:${global ? "" : regionOf(context)}:${MOCK_ACCOUNT_ID}:${resource}`;

/** Pulumi auto-names physical resources `<logical name>-<7 hex>`. */
const autoName = (logicalName: string) => `${logicalName}-${hexOf(logicalName, 7)}`;

const role: ResourceMock = (args, context) => {
    const name = (args.inputs.name as string | undefined) ?? autoName(args.name);
    return { name, arn: arn(context, "iam", `role/${name}`, true), uniqueId: `AROA${hexOf(name, 17).toUpperCase()}` };
};

const bucket: ResourceMock = (args, context) => {
    const name = (args.inputs.bucket as string | undefined) ?? autoName(args.name);
    const region = regionOf(context);
    return {
        bucket: name,
        arn: `arn:aws:s3:::${name}`,
        region,
        bucketDomainName: `${name}.s3.amazonaws.com`,
        bucketRegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
        hostedZoneId: "Z3AQBSTGFYJSTF",
    };
};

/**
 * Realistic zones per region: names with the zone IDs they map to. us-west-1 has three zone IDs
 * of which EKS rejects one, so asking it for three zones is the example of a region too small.
 */
const ZONES: Readonly<Record<string, readonly [string, string][]>> = {
    "us-east-1": [["a", "use1-az1"], ["b", "use1-az2"], ["c", "use1-az4"], ["d", "use1-az6"], ["e", "use1-az3"], ["f", "use1-az5"]],
    "us-west-1": [["a", "usw1-az1"], ["b", "usw1-az3"], ["c", "usw1-az2"]],
    "ca-central-1": [["a", "cac1-az1"], ["b", "cac1-az2"], ["d", "cac1-az4"], ["c", "cac1-az3"]],
};

const DIRECTIONS: Readonly<Record<string, string>> = {
    north: "n", south: "s", east: "e", west: "w", central: "c", northeast: "ne", northwest: "nw", southeast: "se", southwest: "sw", gov: "g",
};

/** Zone-ID prefix of a region, as AWS writes it: eu-west-1 → euw1, ap-northeast-1 → apne1. */
function zoneIdPrefix(region: string): string {
    const parts = region.split("-");
    return parts.map((part, i) => (i === 0 ? part : (DIRECTIONS[part] ?? part.slice(0, 1)))).join("");
}

/** The region's zones as `[name, zone ID]`; three for a region not in {@link ZONES}. */
export function zonesOf(region: string): [string, string][] {
    const zones = ZONES[region] ?? [["a", `${zoneIdPrefix(region)}-az1`], ["b", `${zoneIdPrefix(region)}-az2`], ["c", `${zoneIdPrefix(region)}-az3`]];
    return zones.map(([letter, id]) => [`${region}${letter}`, id]);
}

/**
 * Which instance types each zone ID sells, for the families whose availability differs by zone (EC2
 * DescribeInstanceTypeOfferings). Modelled on us-east-1, where use1-az1 (us-east-1a here) lacks the GPU
 * families and t3a, so a zone picked by its name would not run a GPU pool; p4d and p5 are sold in one
 * zone each, different ones, so no zone runs both. A type of another family is sold in every zone.
 */
const LIMITED_TYPES: Readonly<Record<string, readonly string[]>> = {
    "g4dn.": ["az2", "az4", "az6", "az5"],
    "g5.": ["az2", "az4", "az6"],
    "g6.": ["az4", "az6"],
    "t3a.": ["az2", "az4", "az6", "az5", "az3"],
    "p4d.": ["az6"],
    "p5.": ["az4"],
};

/**
 * Whether the zone with this ID sells the instance type. The limits are us-east-1's (use1-…); in every other
 * region each zone sells every type, as the mock cannot know better and a real region must plan offline.
 */
export function zoneSells(zoneId: string, instanceType: string): boolean {
    if (!zoneId.startsWith("use1-")) return true;
    const family = Object.keys(LIMITED_TYPES).find((prefix) => instanceType.startsWith(prefix));
    return family === undefined || LIMITED_TYPES[family].some((suffix) => zoneId.endsWith(`-${suffix}`));
}

/** Names of the EC2 quotas the platform reads (Service Quotas, service code ec2). */
const MOCK_QUOTA_NAMES: Readonly<Record<string, string>> = {
    "L-DB2E81BA": "Running On-Demand G and VT instances",
    "L-3819A6DF": "All G and VT Spot Instance Requests",
    "L-417A185B": "Running On-Demand P instances",
    "L-7212CCBC": "All P Spot Instance Requests",
};

/** Answers for @pulumi/aws. */
export const awsMocks: PackageMocks = {
    prefix: "aws:",
    resources: {
        "aws:ec2/vpc:Vpc": (args, context) => ({
            arn: arn(context, "ec2", `vpc/${args.name}`),
            defaultSecurityGroupId: `sg-${hexOf(`${args.name}-default`, 17)}`,
            mainRouteTableId: `rtb-${hexOf(`${args.name}-main`, 17)}`,
            ownerId: MOCK_ACCOUNT_ID,
        }),
        "aws:ec2/subnet:Subnet": (args, context) => ({ arn: arn(context, "ec2", `subnet/${args.name}`), ownerId: MOCK_ACCOUNT_ID }),
        "aws:ec2/eip:Eip": (args) => ({ publicIp: "198.51.100.7", allocationId: `eipalloc-${hexOf(args.name, 17)}` }),
        "aws:ec2/natGateway:NatGateway": () => ({ publicIp: "198.51.100.7", privateIp: "10.0.5.17", connectivityType: "public" }),
        "aws:ec2/launchTemplate:LaunchTemplate": (args, context) => ({
            name: autoName(args.name),
            arn: arn(context, "ec2", `launch-template/lt-${hexOf(args.name, 17)}`),
            latestVersion: 1,
            defaultVersion: 1,
        }),
        "aws:iam/role:Role": role,
        "aws:s3/bucket:Bucket": bucket,
        "aws:eks/nodeGroup:NodeGroup": (args, context) => {
            const clusterName = String(args.inputs.clusterName);
            const name = (args.inputs.nodeGroupName as string | undefined) ?? `${String(args.inputs.nodeGroupNamePrefix ?? "")}${hexOf(args.name, 26)}`;
            const id = `${hexOf(`${args.name}-uuid`, 8)}-${hexOf(`${args.name}-uuid2`, 4)}`;
            return {
                nodeGroupName: name,
                arn: arn(context, "eks", `nodegroup/${clusterName}/${name}/${id}`),
                status: "ACTIVE",
                // EKS names the Auto Scaling group after the node group and its UUID
                resources: [{ autoscalingGroups: [{ name: `eks-${name}-${id}` }], remoteAccessSecurityGroupId: "" }],
            };
        },
        "aws:eks/addon:Addon": (args, context) => ({
            arn: arn(context, "eks", `addon/${String(args.inputs.clusterName)}/${String(args.inputs.addonName)}/${hexOf(args.name, 8)}`),
            addonVersion: args.inputs.addonVersion ?? "v1.48.0-eksbuild.1",
        }),
        "aws:budgets/budget:Budget": (args) => ({ arn: `arn:aws:budgets::${MOCK_ACCOUNT_ID}:budget/${String(args.inputs.name ?? args.name)}` }),
    },
    invokes: {
        "aws:index/getAvailabilityZones:getAvailabilityZones": (args, context) => {
            const region = regionOf(context);
            // as the provider fails for a region AWS does not have; every region of the catalog answers
            if (!(region in AWS_REGIONS.regions)) throw new Error(`invalid AWS Region: ${region}`);
            const excluded = new Set((args.inputs.excludeZoneIds as string[] | undefined) ?? []);
            const zones = zonesOf(region).filter(([, id]) => !excluded.has(id));
            return {
                id: region,
                region,
                names: zones.map(([name]) => name),
                zoneIds: zones.map(([, id]) => id),
                groupNames: zones.map(() => region),
                state: args.inputs.state,
            };
        },
        "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": (args, context) => {
            const region = regionOf(context);
            const filters = (args.inputs.filters as { name: string; values: string[] }[] | undefined) ?? [];
            const types = filters.find((f) => f.name === "instance-type")?.values ?? [];
            const locationType = (args.inputs.locationType as string | undefined) ?? "region";
            if (locationType === "region") return { id: region, region, locationType, instanceTypes: types, locations: types.map(() => region), locationTypes: types.map(() => "region") };
            const rows = zonesOf(region).flatMap(([name, id]) =>
                types.filter((type) => zoneSells(id, type)).map((type) => ({ type, location: locationType === "availability-zone-id" ? id : name })),
            );
            return {
                id: region,
                region,
                locationType,
                instanceTypes: rows.map((r) => r.type),
                locations: rows.map((r) => r.location),
                locationTypes: rows.map(() => locationType),
            };
        },
        // SSM's public parameter of the EKS AMI's current release: `<minor>.<patch>-<build date>`, as AL2023 AMIs name it
        "aws:ssm/getParameter:getParameter": (args, context) => {
            const name = String(args.inputs.name);
            const minor = /\/optimized-ami\/(\d+\.\d+)\//.exec(name)?.[1];
            if (!minor) throw new Error(`the plan has no value for SSM parameter ${name}`);
            return { id: name, name, type: "String", value: `${minor}.0-20261120`, insecureValue: `${minor}.0-20261120`, version: 1, arn: arn(context, "ssm", `parameter${name}`), withDecryption: true };
        },
        // DescribeSubnets by the stack's tags: an offline plan is a first deploy, so the stack has no subnets yet
        "aws:ec2/getSubnets:getSubnets": (args, context) => ({ id: regionOf(context), ids: [], filters: args.inputs.filters }),
        // Service Quotas' GetServiceQuota, shaped as the provider returns it, for a new account: the GPU quotas at 0
        "aws:servicequotas/getServiceQuota:getServiceQuota": (args, context) => {
            const code = String(args.inputs.quotaCode);
            const name = MOCK_QUOTA_NAMES[code];
            if (!name) throw new Error(`the plan has no answer for quota ${code}`);
            return {
                id: `ec2/${code}`,
                adjustable: true,
                arn: arn(context, "servicequotas", `ec2/${code}`),
                defaultValue: 0,
                globalQuota: false,
                quotaCode: code,
                quotaName: name,
                region: regionOf(context),
                serviceCode: "ec2",
                serviceName: "Amazon Elastic Compute Cloud (Amazon EC2)",
                usageMetrics: [{ metricName: "ResourceCount", metricNamespace: "AWS/Usage", metricStatisticRecommendation: "Maximum", metricDimensions: [] }],
                value: 0,
            };
        },
        "aws:index/getCallerIdentity:getCallerIdentity": () => ({
            id: MOCK_ACCOUNT_ID,
            accountId: MOCK_ACCOUNT_ID,
            arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/workbench-admin`,
            userId: "AIDAEXAMPLEUSERID0001",
        }),
    },
};
