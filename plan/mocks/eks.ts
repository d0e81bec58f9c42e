import { hexOf, MOCK_ACCOUNT_ID, regionOf } from "./aws";
import { PackageMocks } from "./types";

/*
 * Answers for @pulumi/eks. Its Cluster is a remote component: on the mock runtime it registers as one
 * resource whose children (the aws.eks.Cluster, its IAM role, add-ons, OIDC provider) never appear, so
 * the outputs its provider would compute from them are given here.
 */

/** A kubeconfig as pulumi-eks generates it: token from `aws eks get-token`, no credentials inside. */
function kubeconfigOf(clusterName: string, endpoint: string, region: string): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "kubernetes", cluster: { server: endpoint, "certificate-authority-data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1PQ0sKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=" } }],
        contexts: [{ name: "aws", context: { cluster: "kubernetes", user: "aws" } }],
        "current-context": "aws",
        users: [
            {
                name: "aws",
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["--region", region, "eks", "get-token", "--cluster-name", clusterName, "--output", "json"],
                        env: [{ name: "KUBERNETES_EXEC_INFO", value: '{"apiVersion": "client.authentication.k8s.io/v1beta1"}' }],
                    },
                },
            },
        ],
    };
}

/** Answers for @pulumi/eks. */
export const eksMocks: PackageMocks = {
    prefix: "eks:",
    resources: {
        "eks:index:Cluster": (args, context) => {
            const region = regionOf(context);
            const clusterName = (args.inputs.name as string | undefined) ?? `${args.name}-eksCluster-${hexOf(args.name, 7)}`;
            const oidcId = hexOf(`${clusterName}-oidc`, 32).toUpperCase();
            const issuer = `oidc.eks.${region}.amazonaws.com/id/${oidcId}`;
            const endpoint = `https://${hexOf(`${clusterName}-endpoint`, 32).toUpperCase()}.gr7.${region}.eks.amazonaws.com`;
            const kubeconfig = kubeconfigOf(clusterName, endpoint, region);
            const clusterSecurityGroupId = `sg-${hexOf(`${clusterName}-cluster`, 17)}`;
            return {
                kubeconfig,
                kubeconfigJson: JSON.stringify(kubeconfig),
                oidcProviderArn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${issuer}`,
                oidcProviderUrl: `https://${issuer}`,
                oidcIssuer: issuer,
                // with skipDefaultSecurityGroups, both are the security group EKS creates for the cluster
                clusterSecurityGroupId,
                nodeSecurityGroupId: clusterSecurityGroupId,
                defaultNodeGroupAsgName: "",
                fargateProfileId: "",
                fargateProfileStatus: "",
                clusterIngressRuleId: "",
                autoModeNodeRoleName: "",
            };
        },
    },
    invokes: {},
};
