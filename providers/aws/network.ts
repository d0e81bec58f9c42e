import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../stacks/errors";
import { AwsContext } from "./context";

/**
 * Zone IDs in which EKS does not accept cluster subnets (EKS user guide, "subnet requirements";
 * eksctl keeps the same list). Zone IDs, unlike zone names, are the same in every account.
 */
export const EKS_UNSUPPORTED_ZONE_IDS: readonly string[] = ["use1-az3", "usw1-az2", "cac1-az3", "cnn1-az4"];

/** The VPC's address range; each zone gets a /20 public and (with private nodes) a /20 private subnet. */
export const VPC_CIDR = "10.0.0.0/16";

/** `10.0.<16·i>.0/20` for public subnet i, `10.0.<128+16·i>.0/20` for private subnet i (six zones at most). */
export function subnetCidr(kind: "public" | "private", index: number): string {
    return `10.0.${(kind === "public" ? 0 : 128) + 16 * index}.0/20`;
}

/** Arguments of {@link Network}. */
export interface NetworkArgs {
    /** Names, region, partition and tags shared by the platform's resources. */
    context: AwsContext;
    /** Availability zones to spread subnets over (`workbench:aws.availabilityZones`, at least two for EKS). */
    zoneCount: number;
    /** Nodes in private subnets behind one NAT gateway (`workbench:aws.privateNodes`). */
    privateNodes: boolean;
}

/**
 * The workbench's VPC: public subnets in `zoneCount` zones, tagged for internet-facing load balancers,
 * and, only with private nodes, private subnets whose traffic leaves through ONE NAT gateway (about
 * USD 33 a month idle, which is why it is not the default). Without private nodes, nodes sit in the
 * public subnets with public addresses and reach the internet through the internet gateway; the
 * cluster security group admits nothing from outside the cluster but the load balancer's traffic.
 *
 * All nodes run in the first zone ({@link nodeSubnetIds}): EBS volumes (homes, databases) live in one
 * zone, and a cluster-autoscaler cannot bring a node up in a chosen zone of a multi-zone group, so a
 * notebook whose home is in another zone than the next node would never start.
 */
export class Network extends pulumi.ComponentResource {
    /** The VPC's id. */
    readonly vpcId: pulumi.Output<string>;
    /** One per zone, in zone order. */
    readonly publicSubnetIds: pulumi.Output<string>[];
    /** One per zone with private nodes; empty otherwise. */
    readonly privateSubnetIds: pulumi.Output<string>[];
    /** The subnet(s) node groups launch into: the first zone's private subnet with private nodes, else its public one. */
    readonly nodeSubnetIds: pulumi.Output<string>[];
    /** The zone every node runs in. */
    readonly nodeZone: pulumi.Output<string>;
    /** The NAT gateway, with private nodes. */
    readonly natGateway?: aws.ec2.NatGateway;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:aws:Network", name, {}, opts);
        const { context, zoneCount, privateNodes } = args;
        const parent = { parent: this };
        const tagged = (resourceName: string, extra: Record<string, string> = {}) => ({ ...context.tags, Name: resourceName, ...extra });

        const zones = usableZones(this, zoneCount, context.region);

        const vpc = new aws.ec2.Vpc(
            `${name}-vpc`,
            // EKS needs DNS hostnames and resolution, and nodes reach the private API endpoint through them
            { cidrBlock: VPC_CIDR, enableDnsHostnames: true, enableDnsSupport: true, tags: tagged(`${name}-vpc`) },
            parent,
        );
        this.vpcId = vpc.id;

        // The default security group allows all traffic between its members; nothing should use it, so it keeps no rules.
        new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, tags: tagged(`${name}-default-sg`) }, parent);

        const gateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tagged(`${name}-igw`) }, parent);
        const publicRoutes = new aws.ec2.RouteTable(
            `${name}-public`,
            { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: gateway.id }], tags: tagged(`${name}-public`) },
            parent,
        );

        // `shared`: the subnets may carry other clusters' load balancers too; the role tags pick them for ELBs.
        const clusterTag = { [`kubernetes.io/cluster/${context.clusterName}`]: "shared" };
        const publicSubnets = Array.from({ length: zoneCount }, (_, i) => {
            const subnetName = `${name}-public-${i}`;
            const subnet = new aws.ec2.Subnet(
                subnetName,
                {
                    vpcId: vpc.id,
                    availabilityZone: zones.apply((z) => z[i]),
                    cidrBlock: subnetCidr("public", i),
                    // managed node groups in public subnets need addresses at launch to join the cluster
                    mapPublicIpOnLaunch: true,
                    tags: tagged(subnetName, { ...clusterTag, "kubernetes.io/role/elb": "1" }),
                },
                parent,
            );
            new aws.ec2.RouteTableAssociation(subnetName, { subnetId: subnet.id, routeTableId: publicRoutes.id }, parent);
            return subnet;
        });
        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.privateSubnetIds = [];

        if (privateNodes) {
            // One NAT gateway, in the nodes' zone so node traffic does not cross zones (cross-zone data is billed).
            const address = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc", tags: tagged(`${name}-nat`) }, parent);
            this.natGateway = new aws.ec2.NatGateway(
                `${name}-nat`,
                { allocationId: address.id, subnetId: publicSubnets[0].id, tags: tagged(`${name}-nat`) },
                { parent: this, dependsOn: [gateway] },
            );
            const privateRoutes = new aws.ec2.RouteTable(
                `${name}-private`,
                { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: this.natGateway.id }], tags: tagged(`${name}-private`) },
                parent,
            );
            this.privateSubnetIds = Array.from({ length: zoneCount }, (_, i) => {
                const subnetName = `${name}-private-${i}`;
                const subnet = new aws.ec2.Subnet(
                    subnetName,
                    {
                        vpcId: vpc.id,
                        availabilityZone: zones.apply((z) => z[i]),
                        cidrBlock: subnetCidr("private", i),
                        mapPublicIpOnLaunch: false,
                        tags: tagged(subnetName, { ...clusterTag, "kubernetes.io/role/internal-elb": "1" }),
                    },
                    parent,
                );
                new aws.ec2.RouteTableAssociation(subnetName, { subnetId: subnet.id, routeTableId: privateRoutes.id }, parent);
                return subnet.id;
            });
        }

        this.nodeSubnetIds = [privateNodes ? this.privateSubnetIds[0] : this.publicSubnetIds[0]];
        this.nodeZone = zones.apply((z) => z[0]);
        this.registerOutputs({
            vpcId: this.vpcId,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            nodeZone: this.nodeZone,
        });
    }
}

/**
 * The first `count` zones of the region where EKS can place subnets: available, regular zones (no
 * Local or Wavelength Zones), minus the zone IDs EKS rejects. A region with fewer fails the plan
 * naming the key to lower.
 */
function usableZones(parent: pulumi.Resource, count: number, region: string): pulumi.Output<string[]> {
    return aws
        .getAvailabilityZonesOutput(
            {
                state: "available",
                excludeZoneIds: [...EKS_UNSUPPORTED_ZONE_IDS],
                filters: [{ name: "zone-type", values: ["availability-zone"] }],
            },
            { parent },
        )
        .apply(({ names }) => {
            if (names.length < count) {
                throw withFixedMessage(new ConfigError(pulumi.getStack(), [
                    {
                        key: "workbench:aws.availabilityZones",
                        given: count,
                        allowed: `${region} has ${names.length} zones where EKS can place subnets (${names.join(", ")}); ask for at most ${names.length}, or choose another aws:region`,
                    },
                ]));
            }
            // sorted, so the zones (and the subnets built on them) stay the same from run to run
            return [...names].sort().slice(0, count);
        });
}

/**
 * The SDK prefixes a rejected input's error with `error serializing property "…"` once for every
 * resource that consumes it, on the same error object; every subnet, and everything built on them,
 * consumes the zones. Keeping the message as written leaves the user one readable error.
 */
function withFixedMessage<E extends Error>(error: E): E {
    const message = error.message;
    Object.defineProperty(error, "message", { get: () => message, set: () => undefined, configurable: true, enumerable: false });
    return error;
}
