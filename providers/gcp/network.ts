import * as gcpCompute from "@pulumi/gcp/compute";
import * as pulumi from "@pulumi/pulumi";
import { GcpContext } from "./context";

/** The nodes' addresses. */
export const NODE_CIDR = "10.0.0.0/20";
/** The secondary range pods take their addresses from (VPC-native): a /14 holds 1,024 nodes' /24s. */
export const POD_CIDR = "10.16.0.0/14";
/** The secondary range Services take their cluster IPs from. */
export const SERVICE_CIDR = "10.20.0.0/20";

/** Names of the subnet's secondary ranges, as the cluster's IP allocation policy names them. */
export const POD_RANGE = "pods";
export const SERVICE_RANGE = "services";

/** Arguments of {@link Network}. */
export interface NetworkArgs {
    /** Names, project, region and labels shared by the platform's resources. */
    context: GcpContext;
    /** Resources the network waits for (the Compute Engine API being enabled). */
    dependsOn: pulumi.Resource[];
}

/**
 * The workbench's own VPC: one subnet in the zone's region with secondary ranges for pods and Services,
 * so the cluster is VPC-native with ranges the stack knows, and does not depend on the project's
 * `default` network (organizations often delete it). No Cloud NAT: nodes of a public cluster have
 * external addresses. Private Google Access lets nodes reach Google APIs without them anyway.
 */
export class Network extends pulumi.ComponentResource {
    readonly network: gcpCompute.Network;
    readonly subnetwork: gcpCompute.Subnetwork;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:gcp:Network", name, {}, opts);
        const { context } = args;
        this.network = new gcpCompute.Network(
            name,
            { project: context.project, autoCreateSubnetworks: false, routingMode: "REGIONAL", description: `Workbench ${context.clusterName}` },
            { parent: this, dependsOn: args.dependsOn },
        );
        this.subnetwork = new gcpCompute.Subnetwork(
            name,
            {
                project: context.project,
                region: context.region,
                network: this.network.id,
                ipCidrRange: NODE_CIDR,
                privateIpGoogleAccess: true,
                secondaryIpRanges: [
                    { rangeName: POD_RANGE, ipCidrRange: POD_CIDR },
                    { rangeName: SERVICE_RANGE, ipCidrRange: SERVICE_CIDR },
                ],
            },
            { parent: this },
        );
        this.registerOutputs({ network: this.network.id, subnetwork: this.subnetwork.id });
    }
}
