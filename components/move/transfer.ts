import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { NodePlacement, ObjectStore, ServiceAccountRef } from "../../providers/contract";
import { MOVE_CREDENTIALS_DIR, MOVE_TOKEN_DIR, MOVE_TOKEN_FILE, RcloneRemote, sourceRemote, targetRemote } from "../../providers/move";
import type { MoveKeys } from "../../providers/move";
import type { Cloud } from "../../providers/catalog";
import type { WorkbenchConfig } from "../../stacks/schema";
import { PRIVATE_RANGES, METADATA_SERVER_EGRESS } from "../tenancy/network-policies";
import { egressToAddresses } from "../service-connection";
import { IMAGES } from "../versions";

/*
 * The target side of a move (docs/move.md): a ServiceAccount bound to this stack's bucket (read and write, the whole
 * bucket: the copy brings the source's backups/ too), and, once the source has granted it read access, a Job that
 * copies the source bucket into this one with rclone and then checks that every source object is here. Fenced:
 * no ingress; egress to DNS and to the internet on 443 only (plus the metadata server where the platform's identity
 * lives there). Pod Security `restricted`: non-root, no privilege escalation, every capability dropped, seccomp
 * RuntimeDefault, a read-only root filesystem.
 */

/** Labels of the transfer Job's pods: the NetworkPolicy selects them. */
export const MOVE_POD_LABELS: Readonly<Record<string, string>> = { "app.kubernetes.io/name": "workbench-move", "app.kubernetes.io/component": "transfer" };

/** The rclone user of the pinned image (rclone's Dockerfile: `adduser -u 1009`). */
const RCLONE_UID = 1009;

/** The transfer Job's ServiceAccount: `<name>-move` in the platform namespace; the source's grant trusts exactly it. */
export function moveAccount(name: string): ServiceAccountRef {
    return { namespace: name, name: `${name}-move` };
}

/** Arguments of {@link MoveTransfer}. */
export interface MoveTransferArgs {
    /** The workbench's name (the platform namespace). */
    name: string;
    /** The source, as `workbench:moveFrom` names it. */
    from: NonNullable<WorkbenchConfig["moveFrom"]>;
    /** This stack's cloud (how rclone writes its bucket). */
    cloud: Cloud;
    /** This stack's bucket. */
    objectStore: ObjectStore;
    /** Read the source with these keys (no federation possible, or the user chose keys). */
    keys?: MoveKeys;
    /** Whether the source has granted read access (its grant fields are set, or keys are): only then the Job runs. */
    granted: boolean;
    /** The platform's identity is served by the metadata server (GKE): the fence keeps it reachable. */
    podsNeedMetadataServer: boolean;
    /** Where the Job's pod runs (the user pool, which scales from zero). */
    placement: NodePlacement;
    provider: k8s.Provider;
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** The ServiceAccount, its fence, and the copy Job once the source has granted access. */
export class MoveTransfer extends pulumi.ComponentResource {
    /** The transfer Job's ServiceAccount. */
    readonly account: ServiceAccountRef;
    /** The Job's name, when it is created. */
    readonly jobName?: pulumi.Output<string>;

    constructor(name: string, args: MoveTransferArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:move:MoveTransfer", name, {}, opts);
        const { provider } = args;
        this.account = moveAccount(args.name);
        const namespace = this.account.namespace;
        const identity = args.objectStore.bindServiceAccount(this.account);
        const options = { parent: this, provider, dependsOn: [...args.dependsOn, ...identity.readyWhen] };

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            name,
            { metadata: { name: this.account.name, namespace, annotations: identity.serviceAccountAnnotations, labels: { ...MOVE_POD_LABELS } }, automountServiceAccountToken: false },
            options,
        );

        new k8s.networking.v1.NetworkPolicy(
            name,
            {
                metadata: { name: this.account.name, namespace, labels: { ...MOVE_POD_LABELS } },
                spec: {
                    podSelector: { matchLabels: { ...MOVE_POD_LABELS } },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [],
                    egress: [
                        { ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] },
                        { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...PRIVATE_RANGES] } }], ports: [{ port: 443, protocol: "TCP" }] },
                        ...(args.podsNeedMetadataServer ? METADATA_SERVER_EGRESS.map(egressToAddresses) : []),
                        ...identity.privateEgress.map(egressToAddresses),
                    ],
                },
            },
            options,
        );

        if (!args.granted) {
            this.registerOutputs({});
            return;
        }
        const source = sourceRemote(args.from, args.keys);
        const target = targetRemote(args.cloud, args.objectStore.bucket, identity);

        const secretData: Record<string, pulumi.Input<string>> = {
            ...Object.fromEntries(Object.entries(source.secretOptions).map(([option, value]) => [remoteVariable("SRC", option), value])),
            ...identity.secretEnv,
        };
        const secret =
            Object.keys(secretData).length > 0
                ? new k8s.core.v1.Secret(
                      `${name}-credentials`,
                      {
                          metadata: { name: `${this.account.name}-credentials`, namespace, labels: { ...MOVE_POD_LABELS } },
                          stringData: Object.fromEntries(Object.entries(secretData).map(([key, value]) => [key, pulumi.secret(value)])),
                      },
                      options,
                  )
                : undefined;
        const files =
            Object.keys(source.files).length > 0
                ? new k8s.core.v1.ConfigMap(`${name}-credentials`, { metadata: { name: `${this.account.name}-source`, namespace, labels: { ...MOVE_POD_LABELS } }, data: source.files }, options)
                : undefined;

        const env: k8s.types.input.core.v1.EnvVar[] = [
            // rclone writes nothing of its own but may look for a config file: keep it on the scratch volume
            { name: "RCLONE_CONFIG", value: "/tmp/rclone.conf" },
            { name: "HOME", value: "/tmp" },
            ...remoteEnv("SRC", source),
            ...remoteEnv("DST", target),
            ...Object.entries(identity.env).map(([key, value]) => ({ name: key, value })),
            ...Object.entries(source.env).map(([key, value]) => ({ name: key, value })),
            ...Object.keys(secretData).map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: `${this.account.name}-credentials`, key } } })),
        ];
        const volumes: k8s.types.input.core.v1.Volume[] = [{ name: "scratch", emptyDir: { sizeLimit: "1Gi" } }];
        const mounts: k8s.types.input.core.v1.VolumeMount[] = [{ name: "scratch", mountPath: "/tmp" }];
        if (source.tokenAudience !== undefined) {
            volumes.push({
                name: "source-token",
                projected: { sources: [{ serviceAccountToken: { audience: source.tokenAudience, expirationSeconds: 3600, path: MOVE_TOKEN_FILE } }] },
            });
            mounts.push({ name: "source-token", mountPath: MOVE_TOKEN_DIR, readOnly: true });
        }
        if (files) {
            volumes.push({ name: "source-files", configMap: { name: `${this.account.name}-source` } });
            mounts.push({ name: "source-files", mountPath: MOVE_CREDENTIALS_DIR, readOnly: true });
        }
        const from = pulumi.interpolate`src:${source.path}`;
        const to = pulumi.interpolate`dst:${target.path}`;
        const container = (containerName: string, command: pulumi.Input<string>[]): k8s.types.input.core.v1.Container => ({
            name: containerName,
            image: IMAGES.rclone,
            args: command,
            env,
            volumeMounts: mounts,
            // --fast-list keeps the listing in memory, 0.5-1 KB an object (rclone docs/content/faq.md at v1.75.0): 2 GiB holds
            // ~2 million; fewer LIST calls, which each source bills (rclone docs.md: "if you pay for transactions")
            resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { memory: "2Gi" } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        });
        const job = new k8s.batch.v1.Job(
            name,
            {
                metadata: {
                    name: this.account.name,
                    namespace,
                    labels: { ...MOVE_POD_LABELS },
                    // a copy of 100 GB takes longer than an up should wait: docs/move.md says how to follow it
                    annotations: { "pulumi.com/skipAwait": "true" },
                },
                spec: {
                    backoffLimit: 3,
                    template: {
                        metadata: { labels: { ...MOVE_POD_LABELS, ...identity.podLabels } },
                        spec: {
                            serviceAccountName: this.account.name,
                            restartPolicy: "Never",
                            nodeSelector: args.placement.nodeSelector,
                            tolerations: args.placement.tolerations,
                            securityContext: { runAsNonRoot: true, runAsUser: RCLONE_UID, runAsGroup: RCLONE_UID, fsGroup: RCLONE_UID, seccompProfile: { type: "RuntimeDefault" } },
                            // first the copy, then a one-way check: every source object is in the target, same size and hash where both have one
                            initContainers: [container("copy", ["copy", from, to, "--fast-list", "--transfers=16", "--checkers=32", "--stats=1m", "--stats-one-line", "--log-level=INFO"])],
                            containers: [container("check", ["check", from, to, "--one-way", "--fast-list", "--checkers=32", "--log-level=INFO"])],
                            volumes,
                        },
                    },
                },
            },
            { ...options, dependsOn: [...options.dependsOn, serviceAccount, ...(secret ? [secret] : []), ...(files ? [files] : [])] },
        );
        this.jobName = job.metadata.name;
        this.registerOutputs({ jobName: this.jobName });
    }
}

/** `RCLONE_CONFIG_<REMOTE>_<OPTION>`: rclone reads a remote's options from the environment (docs/content/docs.md). */
function remoteVariable(remote: string, option: string): string {
    return `RCLONE_CONFIG_${remote}_${option.toUpperCase()}`;
}

function remoteEnv(remote: string, spec: RcloneRemote): k8s.types.input.core.v1.EnvVar[] {
    return Object.entries(spec.options).map(([option, value]) => ({ name: remoteVariable(remote, option), value }));
}
