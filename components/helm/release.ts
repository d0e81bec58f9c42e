import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartPin } from "../versions";

/** Arguments of {@link chartRelease}. */
export interface ChartReleaseArgs {
    /** The pinned chart (from `versions.ts`). */
    chart: ChartPin;
    /** Helm release name: fixes the names of the chart's objects (Services other components address). */
    releaseName: string;
    /** Namespace to install into (created beforehand). */
    namespace: pulumi.Input<string>;
    /** Chart values; secrets go in Kubernetes Secrets and are referenced, never placed here. */
    values: pulumi.Input<Record<string, unknown>>;
    /** Kubernetes provider of the cluster. */
    provider: k8s.Provider;
    /** Resources the release waits for (node pools, storage class, ServiceAccount, Secrets). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * One Helm release of a pinned chart. `helm.v3.Release` keeps the values visible in previews and
 * previews before the cluster exists; the timeout covers a node scaling up from zero for a pod.
 */
export function chartRelease(name: string, args: ChartReleaseArgs, parent: pulumi.Resource): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(
        name,
        {
            name: args.releaseName,
            chart: args.chart.chart,
            version: args.chart.version,
            repositoryOpts: { repo: args.chart.repo },
            namespace: args.namespace,
            values: args.values,
            timeout: 900,
            maxHistory: 10,
            cleanupOnFail: true,
        },
        { parent, provider: args.provider, dependsOn: args.dependsOn },
    );
}
