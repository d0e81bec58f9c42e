import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Platform, ServiceAccountRef } from "../providers/contract";
import type { StackSettings } from "../stacks/load";
import { WorkloadAccount } from "./identity";

/** Arguments of {@link Workbench}. */
export interface WorkbenchArgs {
    /** The validated stack settings. */
    settings: StackSettings;
    /** The platform the workbench runs on, through the contract only. */
    platform: Platform;
}

/**
 * The shared data-science layer: the same resources on every platform, shaped only by
 * the contract's data.
 */
export class Workbench extends pulumi.ComponentResource {
    /** Namespace holding the hub, the workloads and their ServiceAccount. */
    readonly namespace: pulumi.Output<string>;
    /** The identity-bound ServiceAccount pods run as. */
    readonly workloadAccount: WorkloadAccount;
    /** Stack outputs of the shared layer. */
    readonly outputs: Record<string, pulumi.Input<unknown>>;

    constructor(name: string, args: WorkbenchArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:index:Workbench", name, {}, opts);
        const { platform } = args;
        const provider = platform.cluster.provider;

        const namespace = new k8s.core.v1.Namespace(
            name,
            { metadata: { name } },
            { parent: this, provider, dependsOn: platform.cluster.readyWhen },
        );
        this.namespace = namespace.metadata.name;

        const account: ServiceAccountRef = { namespace: name, name: `${name}-user` };
        this.workloadAccount = new WorkloadAccount(
            `${name}-user`,
            { namespace: this.namespace, account, objectStore: platform.objectStore, provider },
            { parent: this },
        );

        this.outputs = {
            namespace: this.namespace,
            bucketUrl: this.workloadAccount.bucketUrl,
        };
        this.registerOutputs(this.outputs);
    }
}
