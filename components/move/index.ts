import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Platform } from "../../providers/contract";
import type { StackSettings } from "../../stacks/load";
import { MOVE_STEPS, moveGranted, moveKeysNeeded, moveUsesKey } from "../../stacks/move-rules";
import { MoveTransfer } from "./transfer";

/*
 * A move between clouds (docs/move.md), composed from the contract only: on the target (`workbench:moveFrom`), the
 * transfer Job's account, fence and Job; on the source (`workbench:moveTo`), the bucket's read-only grant to that
 * account, through `ObjectStore.grantMoveRead`, which each cloud implements in providers/<cloud>/move-grant.ts.
 * Each side's output prints what to set on the other.
 */

/** Arguments of {@link moveOutputs}. */
export interface MoveArgs {
    settings: StackSettings;
    platform: Platform;
    provider: k8s.Provider;
    /** What the Job waits for (the namespace, the cluster's pools). */
    dependsOn: pulumi.Input<pulumi.Resource>[];
    parent: pulumi.Resource;
}

/** Builds both sides a stack's configuration asks for; returns the `move` and `moveGrant` outputs. */
export function moveOutputs(name: string, args: MoveArgs): Record<string, pulumi.Input<unknown>> {
    const { settings, platform } = args;
    const { config } = settings;
    const outputs: Record<string, pulumi.Input<unknown>> = {};
    const store = platform.objectStore;

    const from = config.moveFrom;
    if (from !== undefined && store !== undefined) {
        const secretsSet = new Set(Object.keys(settings.secrets));
        const keyed = moveUsesKey(platform.cloud, from, secretsSet);
        const keys = keyed ? { accessKeyId: settings.secrets.moveFromAccessKeyId, secretAccessKey: settings.secrets.moveFromSecretAccessKey } : undefined;
        const granted = keyed || moveGranted(from);
        const transfer = new MoveTransfer(
            `${name}-move`,
            {
                name,
                from,
                cloud: platform.cloud,
                objectStore: store,
                keys,
                granted,
                podsNeedMetadataServer: platform.cluster.capabilities.podsNeedMetadataServer,
                placement: platform.cluster.userPool.placement,
                provider: args.provider,
                dependsOn: args.dependsOn,
            },
            { parent: args.parent },
        );
        const serviceAccount = `${transfer.account.namespace}/${transfer.account.name}`;
        const issuer = platform.cluster.oidcIssuer;
        outputs["move"] = {
            from: { cloud: from.cloud, bucket: from.bucket },
            serviceAccount,
            issuer: issuer ?? "(none: this cluster has no public issuer; the Job reads the source with workbench:moveFromAccessKeyId/moveFromSecretAccessKey)",
            onTheSource:
                issuer === undefined || keyed
                    ? [`nothing to grant: give this stack a read-only key of the source (pulumi config set --secret workbench:${moveKeysNeeded(from.cloud).join(" / workbench:")})`]
                    : [
                          `pulumi config set --path 'workbench:moveTo.cloud' ${platform.cloud}`,
                          pulumi.interpolate`pulumi config set --path 'workbench:moveTo.issuer' ${issuer}`,
                          `pulumi config set --path 'workbench:moveTo.serviceAccount' ${serviceAccount}`,
                          "pulumi up",
                      ],
            job: transfer.jobName
                ? pulumi.interpolate`kubectl -n ${transfer.account.namespace} wait --for=condition=complete --timeout=6h job/${transfer.jobName}; kubectl -n ${transfer.account.namespace} logs job/${transfer.jobName} -c check`
                : "(not yet: waiting for the source's grant, step 2)",
            steps: [...MOVE_STEPS],
        };
    }

    const to = config.moveTo;
    if (to !== undefined && store?.grantMoveRead !== undefined) {
        const [namespace, accountName] = to.serviceAccount.split("/");
        const grant = store.grantMoveRead({ issuer: to.issuer, account: { namespace, name: accountName } });
        outputs["moveGrant"] = {
            principal: grant.principal,
            moveFrom: grant.moveFrom,
            onTheTarget: pulumi
                .output(grant.moveFrom)
                .apply((fields) => [...Object.entries(fields).map(([field, value]) => `pulumi config set --path 'workbench:moveFrom.${field}' ${value}`), "pulumi up"]),
            revoke: "once the target has copied and verified: pulumi config rm workbench:moveTo && pulumi up",
        };
    }
    return outputs;
}
