import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext } from "./context";
import { OidcProvider } from "./irsa";

/**
 * The cluster's Service range, pinned so the platform knows `kubernetes.default`'s address before the cluster
 * exists. 172.20.0.0/16 is what EKS picks by itself for a VPC in 10.0.0.0/8 (aws/containers-roadmap#216: "10.100.x.x/16
 * or 172.20.x.x/16 depending on the subnet range assigned to the VPC"), so a cluster created before it was pinned
 * already has it, and pinning the same value changes nothing. It must not overlap the VPC (10.0.0.0/16).
 */
export const SERVICE_CIDR = "172.20.0.0/16";

/** `kubernetes.default`'s ClusterIP: the first address of the Service range, which the API server takes. */
export const KUBERNETES_SERVICE_IP = "172.20.0.1";

/** Arguments of {@link EksCluster}. */
export interface EksClusterArgs {
    /** Names, region, partition and tags shared by the platform's resources. */
    context: AwsContext;
    /** Kubernetes minor version, pinned (`workbench:kubernetesVersion`). */
    kubernetesVersion: string;
    /** The VPC the cluster's network interfaces and nodes live in. */
    vpcId: pulumi.Input<string>;
    /** Subnets for internet-facing load balancers (and the control plane's network interfaces). */
    publicSubnetIds: pulumi.Input<string>[];
    /** Subnets for private nodes and internal load balancers; empty without private nodes. */
    privateSubnetIds: pulumi.Input<string>[];
    /** CIDRs allowed to reach the public API endpoint (`workbench:aws.apiAllowedCidrs`). */
    apiAllowedCidrs: string[];
}

/**
 * The EKS control plane (`@pulumi/eks` Cluster) and a Kubernetes provider for it.
 *
 * - Access entries (authentication mode API), no aws-auth ConfigMap; the creator is cluster admin and
 *   EKS adds the entries managed node groups need.
 * - An IAM OIDC provider, for the workbench's IAM roles for ServiceAccounts.
 * - No default node group: the platform adds managed node groups it describes to the autoscaler.
 * - The VPC CNI add-on with its network policy agent on, so the hub's NetworkPolicies are enforced.
 * - The public endpoint only for `apiAllowedCidrs`; the private endpoint too, so nodes reach the API
 *   from inside the VPC whatever that list says.
 * - No extra security groups: nodes get the EKS-created cluster security group, which the control
 *   plane and every node share.
 * - Standard support only, so an old pinned version never incurs the extended-support fee.
 *
 * It is a remote component: its children (IAM role, aws.eks.Cluster, add-ons, OIDC provider) are
 * created by the eks provider plugin and are not visible in an offline plan, only its inputs.
 * Outputs holding resource references are not used, so the platform needs only plain values from it.
 */
export class EksCluster extends pulumi.ComponentResource {
    /** The remote component, for `dependsOn`: depending on it waits for the control plane. */
    readonly cluster: eks.Cluster;
    /** The cluster's name as EKS knows it. */
    readonly clusterName: string;
    /** Kubeconfig (authenticating with `aws eks get-token`), a secret. */
    readonly kubeconfig: pulumi.Output<string>;
    /** Provider every Kubernetes resource of the workbench uses. */
    readonly provider: k8s.Provider;
    /** The cluster's IAM OIDC provider, for IRSA trust policies. */
    readonly oidc: OidcProvider;

    constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:aws:Cluster", name, {}, opts);
        const { context } = args;
        this.clusterName = context.clusterName;

        this.cluster = new eks.Cluster(
            `${name}-eks`,
            {
                name: context.clusterName,
                version: args.kubernetesVersion,
                vpcId: args.vpcId,
                publicSubnetIds: args.publicSubnetIds,
                privateSubnetIds: args.privateSubnetIds.length > 0 ? args.privateSubnetIds : undefined,
                endpointPublicAccess: true,
                endpointPrivateAccess: true,
                publicAccessCidrs: args.apiAllowedCidrs,
                authenticationMode: eks.AuthenticationMode.Api,
                createOidcProvider: true,
                skipDefaultNodeGroup: true,
                skipDefaultSecurityGroups: true,
                vpcCniOptions: { enableNetworkPolicy: true },
                kubernetesServiceIpAddressRange: SERVICE_CIDR,
                // Standard support only: when the pinned version leaves it, EKS upgrades the control plane
                // instead of billing extended support (USD 0.60/h, six times the fee, far over the budget).
                upgradePolicy: { supportType: "STANDARD" },
                tags: context.tags,
            },
            { parent: this },
        );

        this.kubeconfig = pulumi.secret(this.cluster.kubeconfigJson);
        this.oidc = { arn: this.cluster.oidcProviderArn, issuer: this.cluster.oidcIssuer };
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, { parent: this });
        this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig, oidcProviderArn: this.oidc.arn });
    }
}
