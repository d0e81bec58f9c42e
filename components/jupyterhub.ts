import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { WorkbenchConfig } from "../stacks/schema";
import { chartRelease } from "./helm";
import { hubAuthValues } from "./hub-auth";
import { JUPYTERHUB_RELEASE, JupyterHubInput, jupyterHubValues, PROXY_PUBLIC_SERVICE } from "./jupyterhub-values";
import { SecretKeyRef } from "./service-connection";
import { CHARTS } from "./versions";

/** Arguments of {@link JupyterHub}. */
export interface JupyterHubArgs extends Omit<JupyterHubInput, "auth"> {
    /** How people sign in (`workbench:auth`). */
    auth: WorkbenchConfig["auth"];
    /** Hub admins and allowed users (`workbench:users`). */
    users: WorkbenchConfig["users"];
    /** The GitHub OAuth client secret, a secret output (with GitHub auth). */
    githubClientSecret?: pulumi.Output<string>;
    /** Kubernetes provider of the cluster. */
    provider: k8s.Provider;
    /** What the hub and notebooks need first (storage class, ServiceAccount, service Secrets). */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * JupyterHub (z2jh): the one public entry point of the workbench. Secrets reach it only by
 * reference to Kubernetes Secrets; its address is the domain's or the load balancer's.
 */
export class JupyterHub extends pulumi.ComponentResource {
    /** Where users open the hub. */
    readonly url: pulumi.Output<string>;
    /** What users run first to reach {@link url}, where the hub has no external address (a port-forward). */
    readonly reachWith?: string;
    /** The Helm release: reads of the chart's objects (the proxy's Service) wait for it. */
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: JupyterHubArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:hub:JupyterHub", name, {}, opts);
        const { provider } = args;
        const dependsOn = [...args.dependsOn];

        let githubClientSecret: SecretKeyRef | undefined;
        if (args.auth.type === "github" && args.githubClientSecret) {
            githubClientSecret = { name: `${name}-github-oauth`, key: "client-secret" };
            dependsOn.push(
                new k8s.core.v1.Secret(
                    `${name}-github-oauth`,
                    {
                        metadata: { name: githubClientSecret.name, namespace: args.namespace },
                        stringData: { [githubClientSecret.key]: pulumi.secret(args.githubClientSecret) },
                    },
                    { parent: this, provider, dependsOn: args.dependsOn },
                ),
            );
        }

        const auth = hubAuthValues({ auth: args.auth, users: args.users, domain: args.domain, githubClientSecret });
        const release = chartRelease(
            name,
            {
                chart: CHARTS.jupyterhub,
                releaseName: JUPYTERHUB_RELEASE,
                namespace: args.namespace,
                values: jupyterHubValues({ ...args, auth }),
                provider,
                dependsOn,
            },
            this,
        );
        this.release = release;

        const exposure = args.hubService.type;
        if (args.domain) {
            this.url = pulumi.output(`https://${args.domain}`);
        } else if (exposure === "ClusterIP") {
            // no external address at all (e.g. kind without a load balancer): the user forwards a port
            this.reachWith = `kubectl --namespace ${args.namespace} port-forward service/${PROXY_PUBLIC_SERVICE} 8080:80`;
            this.url = pulumi.output("http://localhost:8080");
        } else {
            if (args.auth.type === "native") {
                pulumi.log.warn(
                    "Without workbench:domain the hub serves plain HTTP: passwords cross the network unencrypted. Set workbench:domain and workbench:tlsEmail for HTTPS.",
                    this,
                );
            }
            // The address exists once the release has installed (Helm waits for a load balancer's).
            // The id derives from the release's status, so a preview before the release reads nothing.
            const proxy = k8s.core.v1.Service.get(
                `${name}-${PROXY_PUBLIC_SERVICE}`,
                pulumi.interpolate`${release.status.namespace}/${PROXY_PUBLIC_SERVICE}`,
                { parent: this, provider, dependsOn: [release] },
            );
            this.url =
                exposure === "NodePort"
                    ? proxy.spec.ports.apply((ports) => {
                          const nodePort = ports?.find((port) => port.name === "http")?.nodePort;
                          return `http://<any node's address>:${nodePort ?? "<node port: kubectl get service proxy-public>"}`;
                      })
                    : proxy.status.loadBalancer.ingress.apply((ingress) => {
                          const address = ingress?.[0]?.hostname || ingress?.[0]?.ip;
                          return address ? `http://${address}` : "(the load balancer has no address yet: kubectl get service proxy-public)";
                      });
        }
        this.registerOutputs({ url: this.url });
    }
}
