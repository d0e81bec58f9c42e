import * as aws from "@pulumi/aws";
import { ConfigProblem } from "../../stacks/errors";

/*
 * Which availability zones the workbench uses, decided before any resource registers. Every node runs in
 * one zone (EBS volumes live in one zone), and that zone must sell every pool's instance types: g4dn, g5,
 * g6, p4d and p5 (even t3a) are missing from some zones, and EKS rejects a node group whose subnet's zone
 * does not offer its types. Zone names (`us-east-1a`) map to different physical zones in each account, so
 * the choice is made from what each zone offers (EC2 DescribeInstanceTypeOfferings), never from the name.
 */

/**
 * Zone IDs in which EKS does not accept cluster subnets (EKS user guide, "subnet requirements";
 * eksctl keeps the same list). Zone IDs, unlike zone names, are the same in every account.
 */
export const EKS_UNSUPPORTED_ZONE_IDS: readonly string[] = ["use1-az3", "usw1-az2", "cac1-az3", "cnn1-az4"];

/** One availability zone, by its account-specific name and its physical ID. */
export interface Zone {
    /** E.g. `us-east-1c`: what subnets and the EC2 API take. */
    name: string;
    /** E.g. `use1-az4`: the same physical zone in every account. */
    id: string;
}

/** A pool whose instance types one zone must sell, as the zone choice sees it. */
export interface PoolDemand {
    /** The pool's key in config, for messages: `workbench:systemPool`, `workbench:gpuPools[0]`. */
    key: string;
    /** The pool's instance types, preferred first. */
    instanceTypes: readonly string[];
}

/** Which instance types each zone (by name) sells. */
export type ZoneOfferings = ReadonlyMap<string, ReadonlySet<string>>;

/** The zones the workbench uses: `zones[0]` holds every node; the rest only give EKS its second subnet. */
export interface ZoneChoice {
    /** The zones, node zone first. */
    zones: Zone[];
    /** The instance types the node zone sells, of those the pools list. */
    offered: ReadonlySet<string>;
    /** Instance types some pool lists that the node zone does not sell; their pools keep the rest. */
    dropped: string[];
}

/**
 * Keeps the zones of a stack deployed before (its subnets exist): a subnet's zone cannot change without
 * replacing it (`availability_zone` and `cidr_block` are ForceNew in hashicorp/terraform-provider-aws
 * internal/service/ec2/vpc_subnet.go), the new subnet would collide with the old one's range, and the EBS
 * volumes of homes and databases stay in the old zone, so no notebook or hub could start again. The first
 * deploy's choice therefore stands whatever was added since: a pool whose types the node zone does not sell
 * is a problem naming the pool, never a reason to move. Subnets the stack does not have yet (more zones asked
 * for) take the lowest remaining zone IDs.
 */
function keepZones(args: {
    zones: readonly Zone[];
    offerings: ZoneOfferings;
    pools: readonly PoolDemand[];
    count: number;
    region: string;
    existing: ReadonlyMap<number, Zone>;
}): { choice: ZoneChoice } | { problems: ConfigProblem[] } {
    const { zones, offerings, pools, count, region, existing } = args;
    const nodeZone = existing.get(0);
    if (!nodeZone) {
        return { problems: [{ key: "aws:region", given: region, allowed: `this stack's subnets exist without its node subnet (index 0: ${[...existing.keys()].join(", ")} found); repair the VPC or destroy the stack first` }] };
    }
    const sells = offerings.get(nodeZone.name) ?? new Set<string>();
    const unsold = pools.filter((pool) => !pool.instanceTypes.some((type) => sells.has(type)));
    if (unsold.length > 0) {
        return {
            problems: unsold.map((pool) => ({
                key: pool.key,
                given: pool.instanceTypes,
                allowed:
                    `every node of this stack runs in ${nodeZone.name} (${nodeZone.id}), the zone its subnets and volumes were created in at the first deploy, ` +
                    `and it does not sell ${pool.instanceTypes.join(" or ")}. The zone cannot move without replacing the subnets and stranding the home and ` +
                    `database volumes there: choose a pool whose instance types ${nodeZone.name} sells, or remove this one`,
            })),
        };
    }
    const used = new Set([...existing.values()].map((zone) => zone.id));
    const free = zones.filter((zone) => !used.has(zone.id)).sort((a, b) => a.id.localeCompare(b.id));
    const result: Zone[] = [];
    for (let i = 0; i < count; i++) {
        const zone = existing.get(i) ?? free.shift();
        if (!zone) {
            return { problems: [{ key: "workbench:aws.availabilityZones", given: count, allowed: `${region} has no zone left for subnet ${i} beside the zones this stack uses; ask for fewer` }] };
        }
        result.push(zone);
    }
    const listed = [...new Set(pools.flatMap((pool) => pool.instanceTypes))];
    const offered = new Set(listed.filter((type) => sells.has(type)));
    return { choice: { zones: result, offered, dropped: listed.filter((type) => !offered.has(type)) } };
}

/**
 * Chooses the node zone: one in which every pool can run (sells at least one of its types), preferring the
 * zone that sells the most of the listed types and, among equals, each pool's preferred (first) type; ties
 * go to the lower zone ID, which names the same physical zone in every account. Then `count - 1` more zones
 * for the cluster's other subnets. Returns the problems instead when no zone can run every pool, or the
 * region has too few zones.
 */
export function chooseZones(args: {
    zones: readonly Zone[];
    offerings: ZoneOfferings;
    pools: readonly PoolDemand[];
    count: number;
    region: string;
    /** The zones of the stack's existing public subnets, by subnet index: what earlier deploys chose, kept. */
    existing?: ReadonlyMap<number, Zone>;
}): { choice: ZoneChoice } | { problems: ConfigProblem[] } {
    const { zones, offerings, pools, count, region } = args;
    if (args.existing && args.existing.size > 0) return keepZones({ ...args, existing: args.existing });
    if (zones.length < count) {
        return {
            problems: [
                {
                    key: "workbench:aws.availabilityZones",
                    given: count,
                    allowed:
                        `${region} has ${zones.length} zones where EKS can place subnets (${zones.map((z) => z.name).join(", ")}); ` +
                        `ask for at most ${zones.length}, or choose another aws:region`,
                },
            ],
        };
    }
    const sells = (zone: Zone) => offerings.get(zone.name) ?? new Set<string>();
    const runsEveryPool = (zone: Zone) => pools.every((pool) => pool.instanceTypes.some((type) => sells(zone).has(type)));
    const listed = [...new Set(pools.flatMap((pool) => pool.instanceTypes))];
    const score = (zone: Zone) => [listed.filter((type) => sells(zone).has(type)).length, pools.filter((pool) => sells(zone).has(pool.instanceTypes[0])).length];
    const candidates = zones
        .filter(runsEveryPool)
        .sort((a, b) => {
            const [aAll, aFirst] = score(a);
            const [bAll, bFirst] = score(b);
            return bAll - aAll || bFirst - aFirst || a.id.localeCompare(b.id);
        });
    const nodeZone = candidates[0];
    if (!nodeZone) return { problems: noZoneProblems(zones, sells, pools, region) };

    const others = zones.filter((zone) => zone.name !== nodeZone.name).sort((a, b) => a.id.localeCompare(b.id));
    const offered = new Set(listed.filter((type) => sells(nodeZone).has(type)));
    return { choice: { zones: [nodeZone, ...others.slice(0, count - 1)], offered, dropped: listed.filter((type) => !offered.has(type)) } };
}

/** One problem per pool that some zone cannot run, naming what each zone lacks. */
function noZoneProblems(zones: readonly Zone[], sells: (zone: Zone) => ReadonlySet<string>, pools: readonly PoolDemand[], region: string): ConfigProblem[] {
    const lacking = (zone: Zone, pool: PoolDemand) => !pool.instanceTypes.some((type) => sells(zone).has(type));
    const describeZone = (zone: Zone) =>
        `${zone.name} (${zone.id}) lacks ${pools.filter((pool) => lacking(zone, pool)).map((pool) => `${pool.key} (${pool.instanceTypes.join("/")})`).join(", ")}`;
    const summary = zones.map(describeZone).join("; ");
    const blocking = pools.filter((pool) => zones.some((zone) => lacking(zone, pool)));
    return blocking.map((pool) => ({
        key: pool.key,
        given: pool.instanceTypes,
        allowed:
            `every node runs in one zone, and no zone of ${region} where EKS can place subnets sells an instance type of every pool: ${summary}. ` +
            `Drop or change one of these pools, or choose another aws:region`,
    }));
}

/** The zones of a region where EKS can place subnets: available, regular zones, minus the IDs EKS rejects. */
export async function lookUpZones(): Promise<Zone[]> {
    const found = await aws.getAvailabilityZones({
        state: "available",
        excludeZoneIds: [...EKS_UNSUPPORTED_ZONE_IDS],
        filters: [{ name: "zone-type", values: ["availability-zone"] }],
    });
    return found.names.map((name, i) => ({ name, id: found.zoneIds[i] }));
}

/** Which of `instanceTypes` each zone of the region sells (EC2 DescribeInstanceTypeOfferings by zone name). */
export async function lookUpOfferings(instanceTypes: readonly string[]): Promise<ZoneOfferings> {
    const found = await aws.ec2.getInstanceTypeOfferings({
        locationType: "availability-zone",
        filters: [{ name: "instance-type", values: [...instanceTypes] }],
    });
    const offerings = new Map<string, Set<string>>();
    found.locations.forEach((location, i) => {
        const types = offerings.get(location) ?? new Set<string>();
        types.add(found.instanceTypes[i]);
        offerings.set(location, types);
    });
    return offerings;
}

/** The name of a stack's public subnet `index`, as {@link Network} tags it. */
export function publicSubnetName(name: string, index: number): string {
    return `${name}-public-${index}`;
}

/** The most subnets per kind the VPC's address plan holds (network.ts: six zones). */
const MAX_SUBNETS = 6;

/**
 * The zones of the public subnets this stack created at an earlier deploy, by subnet index (empty before the
 * first deploy): subnets tagged with the cluster and named `<name>-public-<i>` (EC2 DescribeSubnets).
 */
export async function lookUpExistingZones(name: string, clusterName: string): Promise<Map<number, Zone>> {
    const names = Array.from({ length: MAX_SUBNETS }, (_, i) => publicSubnetName(name, i));
    const found = await aws.ec2.getSubnets({
        filters: [
            { name: `tag:kubernetes.io/cluster/${clusterName}`, values: ["shared"] },
            { name: "tag:Name", values: names },
        ],
    });
    const existing = new Map<number, Zone>();
    for (const id of found.ids) {
        const subnet = await aws.ec2.getSubnet({ id });
        const index = names.indexOf(subnet.tags["Name"] ?? "");
        if (index >= 0) existing.set(index, { name: subnet.availabilityZone, id: subnet.availabilityZoneId });
    }
    return existing;
}
