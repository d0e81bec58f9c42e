import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext } from "./context";
import { publicSubnetName, Zone } from "./zones";

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
    /**
     * The zones to place subnets in (`workbench:aws.availabilityZones` of them, at least two for EKS), the
     * node zone first: chosen before any resource registers, by what each zone sells (see zones.ts).
     */
    zones: readonly Zone[];
    /** Nodes in private subnets behind one NAT gateway (`workbench:aws.privateNodes`). */
    privateNodes: boolean;
}

/**
 * The workbench's VPC: public subnets in `zoneCount` zones, tagged for internet-facing load balancers,
 * and, only with private nodes, private subnets whose traffic leaves through ONE NAT gateway (about
 * USD 33 a month idle, which is why it is not the default). Without private nodes, nodes sit in the
 * public subnets with public addresses and reach the internet through the internet gateway. Their
 * security group (the cluster security group EKS creates) admits from outside the VPC only what the AWS
 * cloud provider opens for a LoadBalancer Service: the hub's NodePorts, from the Service's source ranges
 * (all of the internet when it sets none), because the NLB keeps the client's address. So the hub is also
 * reachable at each node's public address, exactly as it is at the load balancer (same ranges, same TLS);
 * only private nodes remove that second path.
 *
 * All nodes run in the first zone ({@link nodeSubnetIds}), the one that sells every pool's instance types:
 * EBS volumes (homes, databases) live in one zone, and a cluster-autoscaler cannot bring a node up in a
 * chosen zone of a multi-zone group, so a notebook whose home is in another zone than the next node would
 * never start. With private nodes an S3 gateway endpoint (free) keeps bucket and ECR image-layer traffic
 * off the NAT gateway, which bills every GB it processes.
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
    readonly nodeZone: string;
    /** The `Name` tag of the node zone's public subnet, which the hub's load balancer is pinned to. */
    readonly nodeZonePublicSubnetName: string;
    /** The S3 gateway endpoint on the private route table, with private nodes. */
    readonly s3Endpoint?: aws.ec2.VpcEndpoint;
    /** The NAT gateway, with private nodes. */
    readonly natGateway?: aws.ec2.NatGateway;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:aws:Network", name, {}, opts);
        const { context, zones, privateNodes } = args;
        const zoneCount = zones.length;
        const parent = { parent: this };
        const tagged = (resourceName: string, extra: Record<string, string> = {}) => ({ ...context.tags, Name: resourceName, ...extra });

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
            const subnetName = publicSubnetName(name, i);
            const subnet = new aws.ec2.Subnet(
                subnetName,
                {
                    vpcId: vpc.id,
                    availabilityZone: zones[i].name,
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
                        availabilityZone: zones[i].name,
                        cidrBlock: subnetCidr("private", i),
                        mapPublicIpOnLaunch: false,
                        tags: tagged(subnetName, { ...clusterTag, "kubernetes.io/role/internal-elb": "1" }),
                    },
                    parent,
                );
                new aws.ec2.RouteTableAssociation(subnetName, { subnetId: subnet.id, routeTableId: privateRoutes.id }, parent);
                return subnet.id;
            });
            // Gateway endpoints cost nothing; S3 prefixes now route to it instead of through the NAT gateway.
            this.s3Endpoint = new aws.ec2.VpcEndpoint(
                `${name}-s3`,
                {
                    vpcId: vpc.id,
                    serviceName: s3EndpointService(context.region, context.partition),
                    vpcEndpointType: "Gateway",
                    routeTableIds: [privateRoutes.id],
                    tags: tagged(`${name}-s3`),
                },
                parent,
            );
        }

        this.nodeSubnetIds = [privateNodes ? this.privateSubnetIds[0] : this.publicSubnetIds[0]];
        this.nodeZone = zones[0].name;
        this.nodeZonePublicSubnetName = publicSubnetName(name, 0);
        this.registerOutputs({
            vpcId: this.vpcId,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            nodeZone: this.nodeZone,
        });
    }
}

/** The S3 gateway endpoint's service name in a region (China's regions prefix it with `cn.`). */
export function s3EndpointService(region: string, partition: string): string {
    return `${partition === "aws-cn" ? "cn." : ""}com.amazonaws.${region}.s3`;
}
