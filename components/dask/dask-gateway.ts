import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { chartRelease } from "../helm/release";
import { DASK_GATEWAY_RELEASE, daskGatewayConnection, DaskGatewayInput, daskGatewayValues } from "./dask-gateway-values";
import { SecretKeyRef, ServiceConnection } from "../service-connection";
import { CHARTS } from "../versions";

/** Arguments of {@link DaskGateway}. */
export interface DaskGatewayArgs extends Omit<DaskGatewayInput, "apiToken"> {
    /** Kubernetes provider of the cluster. */
    provider: k8s.Provider;
    /** What the gateway and its clusters need first (namespace, ServiceAccount, node pools). */
    dependsOn: pulumi.Resource[];
}

/**
 * Dask Gateway behind the hub: JupyterHub authenticates its users with a generated token that
 * both sides read from one Secret; schedulers and workers run the notebook image as the workload
 * account, on the user pool (or a GPU pool, as a cluster option).
 */
export class DaskGateway extends pulumi.ComponentResource {
    /** What notebooks need to use the gateway. */
    readonly connection: ServiceConnection;
    /** The Helm release. */
    readonly release: k8s.helm.v3.Release;
    /** The Secret holding the gateway's hub token: the hub reads it too, so it must exist before the hub starts. */
    readonly tokenSecret: k8s.core.v1.Secret;

    constructor(name: string, args: DaskGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:dask:Gateway", name, {}, opts);
        const { provider } = args;

        const token = new random.RandomPassword(`${name}-api-token`, { length: 64, special: false }, { parent: this });
        const apiToken: SecretKeyRef = { name: `${name}-hub-token`, key: "token" };
        this.tokenSecret = new k8s.core.v1.Secret(
            `${name}-hub-token`,
            { metadata: { name: apiToken.name, namespace: args.namespace }, stringData: { [apiToken.key]: token.result } },
            { parent: this, provider, dependsOn: args.dependsOn },
        );

        const input: DaskGatewayInput = { ...args, apiToken };
        this.release = chartRelease(
            name,
            {
                chart: CHARTS.daskGateway,
                releaseName: DASK_GATEWAY_RELEASE,
                namespace: args.namespace,
                values: daskGatewayValues(input),
                provider,
                dependsOn: [...args.dependsOn, this.tokenSecret],
            },
            this,
        );
        this.connection = daskGatewayConnection(input);
        this.registerOutputs({ release: this.release.status.name });
    }
}
