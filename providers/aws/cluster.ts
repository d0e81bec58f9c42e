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
    /** The VPC CNI assigns /28 prefixes to the nodes' ENIs (`workbench:aws.prefixDelegation`). */
    prefixDelegation: boolean;
}

/**
 * The VPC CNI add-on's `env` for the pod addressing mode, under the keys of the add-on's configuration schema
 * (`aws eks describe-addon-configuration --addon-name vpc-cni`: `env.ENABLE_PREFIX_DELEGATION` and
 * `env.WARM_PREFIX_TARGET`, strings; aws/amazon-vpc-cni-k8s README and charts/aws-vpc-cni/values.yaml). Off is
 * written out rather than left to the default, so turning it off changes the add-on as visibly as turning it on.
 * WARM_PREFIX_TARGET 1 keeps one free /28 per node for the next pods (0 is not supported with prefixes:
 * docs/prefix-and-ip-target.md); it is the chart's default too, stated so the plan shows what the node gets.
 */
export function vpcCniEnv(prefixDelegation: boolean): Record<string, string> {
    return prefixDelegation ? { ENABLE_PREFIX_DELEGATION: "true", WARM_PREFIX_TARGET: "1" } : { ENABLE_PREFIX_DELEGATION: "false" };
}

/**
 * The EKS control plane (`@pulumi/eks` Cluster) and a Kubernetes provider for it.
 *
 * - Access entries (authentication mode API), no aws-auth ConfigMap; the creator is cluster admin and
 *   EKS adds the entries managed node groups need.
 * - An IAM OIDC provider, for the workbench's IAM roles for ServiceAccounts.
 * - No default node group: the platform adds managed node groups it describes to the autoscaler.
 * - The VPC CNI add-on with its network policy agent on, so the hub's NetworkPolicies are enforced, and with
 *   prefix delegation (by default): /28 prefixes on the nodes' ENIs, so a t3a.medium holds 110 pods, not 17. The
 *   add-on is a child of this component, and a dependent of a remote component waits for all of its children
 *   (@pulumi/pulumi runtime/dependsOn.js), so node groups that depend on the cluster launch after the CNI is
 *   configured: a managed node group computes its nodes' max-pods from the CNI's settings at launch.
 *   The network policy agent works with prefixes (the CNI README's feature matrix); security groups for pods
 *   (ENABLE_POD_ENI) stay off, so branch-ENI limits do not apply.
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
                // @pulumi/eks merges configurationValues.env over the env it derives from the other options
                // (nodejs/eks/addons/cni-addon.ts, mergeConfigurationValues)
                vpcCniOptions: { enableNetworkPolicy: true, configurationValues: { env: vpcCniEnv(args.prefixDelegation) } },
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
