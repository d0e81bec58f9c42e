import * as pulumi from "@pulumi/pulumi";

/** The credential plugin kubectl and the Kubernetes provider run for a GKE token (no secret in the kubeconfig). */
export const GKE_AUTH_PLUGIN = "gke-gcloud-auth-plugin";

/**
 * A kubeconfig for a GKE cluster in the form `gcloud container clusters get-credentials` writes:
 * the endpoint and CA, and an exec entry that runs `gke-gcloud-auth-plugin` for short-lived tokens from
 * the caller's gcloud credentials. It holds no credential, but it is exported as a secret all the same
 * (the endpoint and CA are worth not publishing).
 */
export function gkeKubeconfig(args: { contextName: string; endpoint: pulumi.Input<string>; caCertificate: pulumi.Input<string> }): pulumi.Output<string> {
    return pulumi.secret(
        pulumi.all([args.endpoint, args.caCertificate]).apply(([endpoint, ca]) =>
            JSON.stringify({
                apiVersion: "v1",
                kind: "Config",
                clusters: [{ name: args.contextName, cluster: { server: `https://${endpoint}`, "certificate-authority-data": ca } }],
                contexts: [{ name: args.contextName, context: { cluster: args.contextName, user: args.contextName } }],
                "current-context": args.contextName,
                users: [
                    {
                        name: args.contextName,
                        user: {
                            exec: {
                                apiVersion: "client.authentication.k8s.io/v1beta1",
                                command: GKE_AUTH_PLUGIN,
                                installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin (https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin)",
                                provideClusterInfo: true,
                            },
                        },
                    },
                ],
            }),
        ),
    );
}
