import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";
import { DUMP_FILES, DUMPED_SERVICES } from "../components/backups/scripts";
import { HOME_CLAIM_SELECTOR, HOMES_PREFIX, HUB_DB_CLAIM_SELECTOR, snapshotClassAnnotation, VELERO_INHERITED_TOLERATION_KEYS, VELERO_NAME, VELERO_SNAPSHOT_CLASS_LABEL } from "../components/backups/velero";
import { homesBackupPods } from "../components/capacity/demand";
import { VELERO_TRANSIENT } from "../components/capacity/requests";
import { EKS_SNAPSHOT_CONTROLLER_PODS, SNAPSHOT_CONTROLLER_ADDON } from "../providers/aws/block-storage";
import { AKS_SNAPSHOT_CONTROLLER } from "../providers/azure/block-storage";
import { GKE_SNAPSHOT_CONTROLLER } from "../providers/gcp/block-storage";
import { RETAINED_STORAGE_CLASSES } from "../providers/retained-classes";
import { checkConfig } from "../stacks/load";
import { BackupTarget, WorkbenchConfigSchema } from "../stacks/schema";
import { chooseHomesMethod } from "../components/backups/method";
import { homesMethodProblems, homesMethodWarnings } from "../components/backups/method-warnings";
import { BACKUP_CHARTS } from "../components/versions";
import type { Plan, PlannedResource } from "../plan/types";
import { helmMerge, ValueMap } from "../components/helm/merge";
import { chartDataDir, missingChartData } from "./chart-data";
import { input, ofType, planOf, runPlan, variantStackFile } from "./harness";
import { allServicesPlan, BASE_STACKS } from "./services-fixtures";

/*
 * Backups on every cloud (issue 22): homes through Velero under backups/homes/, each data service's dump under
 * backups/<service>/ run by its own ServiceAccount, whose cloud identity trusts exactly that account and, where the
 * cloud's IAM can say so, reaches only that prefix; a restore creates the Restore and the load Jobs; bad input is
 * refused naming the key, before anything is created.
 */

const ALL = { postgres: true, mariadb: true, mongodb: true, opensearch: true, elasticsearch: true, cassandra: true, orientdb: true };

const plans = new Map<string, Promise<Plan>>();

/** A base stack with every data service (on a pool large enough) and these extra keys. */
function planWith(stack: string, cloud: string, extra: Record<string, unknown> = {}): Promise<Plan> {
    // with no extra keys, a managed cloud's all-services plan is the services tests' own (every service, and backups on)
    if (cloud !== "existing" && Object.keys(extra).length === 0) return allServicesPlan(stack);
    const key = `${stack}:${JSON.stringify(extra)}`;
    let plan = plans.get(key);
    if (!plan) {
        const size = cloud === "existing" ? { "workbench:userPool": { size: "xlarge", minNodes: 1, maxNodes: 3, spot: false } } : { "workbench:systemPool": { size: "xlarge" } };
        plan = runPlan(stack, { stackFile: variantStackFile(stack, { "workbench:services": ALL, ...size, ...extra }) }).then((run) => {
            assert.equal(run.status, 0, run.stderr);
            return run.document;
        });
        plans.set(key, plan);
    }
    return plan;
}

function named(plan: Plan, type: string, name: string): PlannedResource | undefined {
    return ofType(plan, type).find((r) => input(r, "metadata", "name") === name);
}

/** The trust subject a cloud's identity names for namespace/account, found in whatever resource holds it. */
function trusts(plan: Plan, namespace: string, account: string): PlannedResource[] {
    const k8s = `system:serviceaccount:${namespace}:${account}`;
    const gke = `[${namespace}/${account}]`;
    return plan.resources.filter((r) => {
        if (r.type.startsWith("kubernetes:")) return false;
        const text = JSON.stringify(r.inputs);
        return text.includes(`"${k8s}"`) || text.includes(`\\"${k8s}\\"`) || text.endsWith(gke) || text.includes(`${gke}"`);
    });
}

/** Whether some non-Kubernetes grant of this plan limits to the prefix (AWS policy resource, GCP condition). */
function grantsMention(plan: Plan, prefix: string): boolean {
    return plan.resources.some((r) => !r.type.startsWith("kubernetes:") && JSON.stringify(r.inputs).includes(prefix));
}

describe("backups on every cloud: homes and every data service into their own prefix, under their own identity", function () {
    this.timeout(600_000);
    for (const { cloud, stack } of BASE_STACKS.filter((base) => base.cloud !== "existing")) {
        it(`${stack}: Velero backs the homes up under ${HOMES_PREFIX} with the ${cloud === "gcp" ? "gcp" : cloud === "azure" ? "azure" : "aws"} plugin, as its own account`, async () => {
            const plan = await planWith(stack, cloud);
            const [release] = ofType(plan, "kubernetes:helm.sh/v3:Release").filter((r) => input(r, "chart") === "velero");
            assert.ok(release, "a Velero release");
            const values = input(release, "values") as Record<string, any>;
            const [location] = values.configuration.backupStorageLocation;
            assert.equal(`${location.prefix}/`, HOMES_PREFIX);
            const provider = { aws: "aws", gcp: "gcp", azure: "azure", existing: "aws" }[cloud];
            assert.equal(location.provider, provider);
            assert.match(values.initContainers[0].image, new RegExp(`velero-plugin-for-${provider === "azure" ? "microsoft-azure" : provider}:`));
            assert.equal(values.deployNodeAgent, true);
            assert.equal(values.configuration.uploaderType, "kopia");
            assert.equal(values.serviceAccount.server.name, "velero");
            assert.equal(input(release, "namespace"), "workbench-backups");
            const namespace = named(plan, "kubernetes:core/v1:Namespace", "workbench-backups");
            // the snapshot data mover mounts what it reads: no hostPath, so no privileged namespace either
            assert.equal(input(namespace!, "metadata", "labels", "pod-security.kubernetes.io/enforce"), "baseline");
            assert.equal(values.nodeAgent.disableHostPath, true);
            const schedule = ofType(plan, "kubernetes:velero.io/v1:Schedule")[0];
            assert.ok(schedule, "a Schedule of the homes");
            assert.equal(input(schedule, "metadata", "namespace"), "workbench-backups");
            // the homes live in the user namespace (DESIGN §5b); the platform namespace's claims come with it
            assert.deepEqual(input(schedule, "spec", "template", "includedNamespaces"), ["workbench-users", "workbench"], "the homes' namespace (the user namespace) first");
            assert.equal(input(schedule, "spec", "template", "snapshotMoveData"), true, "this pool holds the data mover: every home by snapshot");
            assert.equal(input(schedule, "spec", "schedule"), "0 3 * * *");
            assert.equal(input(schedule, "spec", "template", "ttl"), "720h0m0s");
            if (cloud !== "existing") {
                assert.ok(trusts(plan, "workbench-backups", "velero").length > 0, "the cloud identity trusts workbench-backups/velero");
                assert.equal(trusts(plan, "workbench", "velero").length, 0);
            } else {
                // a key pair: in a Secret the chart reads, never in the values
                assert.deepEqual(values.credentials, { useSecret: true, existingSecret: "velero-store-key" });
                assert.ok(named(plan, "kubernetes:core/v1:Secret", "velero-store-key"));
            }
            if (cloud === "aws" || cloud === "gcp") assert.ok(grantsMention(plan, HOMES_PREFIX), `a grant limited to ${HOMES_PREFIX}`);
        });

        it(`${stack}: every data service has a backup under backups/<service>/, run by its own account`, async () => {
            const plan = await planWith(stack, cloud);
            // PostgreSQL: CloudNativePG's own
            assert.equal(ofType(plan, "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup").length, 1);
            for (const service of DUMPED_SERVICES) {
                const job = named(plan, "kubernetes:batch/v1:CronJob", `backup-${service}`);
                assert.ok(job, `a CronJob backs ${service} up`);
                const pod = input(job, "spec", "jobTemplate", "spec", "template", "spec") as Record<string, any>;
                assert.equal(pod.serviceAccountName, `backup-${service}`);
                const account = named(plan, "kubernetes:core/v1:ServiceAccount", `backup-${service}`);
                assert.ok(account, `the ServiceAccount backup-${service}`);
                const upload = pod.containers.find((c: { name: string }) => c.name === "upload");
                const env = Object.fromEntries(upload.env.map((e: { name: string; value?: string }) => [e.name, e.value]));
                assert.equal(env.PREFIX, `backups/${service}/`);
                assert.equal(env.DUMP_FILE, DUMP_FILES[service]);
                assert.equal(env.RETENTION_DAYS, "30");
                if (cloud !== "existing") {
                    const holders = trusts(plan, "workbench", `backup-${service}`);
                    assert.ok(holders.length > 0, `the cloud identity of ${service}'s backup trusts workbench/backup-${service}`);
                    // and no other backup account shares it
                    for (const other of DUMPED_SERVICES.filter((o) => o !== service)) {
                        for (const holder of holders) assert.ok(!JSON.stringify(holder.inputs).includes(`backup-${other}`), `${service}'s identity does not trust backup-${other}`);
                    }
                }
                if (cloud === "aws" || cloud === "gcp") assert.ok(grantsMention(plan, `backups/${service}/`), `${service}: a grant limited to backups/${service}/`);
                // the server admits its backup pods
                const policy = named(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", `${service}-from-backup`);
                assert.ok(policy);
                const podLabels = input(job, "spec", "jobTemplate", "spec", "template", "metadata", "labels") as Record<string, string>;
                const from = (input(policy, "spec", "ingress") as Array<{ from: Array<{ podSelector: { matchLabels: Record<string, string> } }> }>)[0].from[0].podSelector.matchLabels;
                for (const [k, v] of Object.entries(from)) assert.equal(podLabels[k], v, `the backup pod carries ${k}=${v}`);
            }
            for (const service of DUMPED_SERVICES) {
                // where no grant names the prefix, the identity reaches the whole bucket: the plan says so
                if (!grantsMention(plan, `backups/${service}/`)) {
                    assert.ok(plan.warnings.some((w) => w.includes(`The ${service} backup's identity reaches the whole bucket`)), `${service}: ${plan.warnings.join("\n")}`);
                }
            }
            const map = named(plan, "kubernetes:core/v1:ConfigMap", "workbench-backups");
            assert.equal(input(map!, "data", "opted-out"), "");
        });
    }

    it("local (no bucket): the policy pack refuses data services without backups, and accepts them opted out explicitly", async () => {
        const local = BASE_STACKS.find((base) => base.cloud === "existing")!.stack;
        const size = { "workbench:userPool": { size: "xlarge", minNodes: 1, maxNodes: 3, spot: false } };
        const refused = await runPlan(local, { stackFile: variantStackFile(local, { "workbench:services": { mariadb: true }, ...size }) });
        assert.notEqual(refused.status, 0);
        assert.match(refused.stderr, /\[data-backed-up\] workbench:services:MariaDB workbench-mariadb: mariadb has no scheduled backup: this stack has no bucket .*workbench:existing\.objectStore, or opt out explicitly with workbench:backups\.optOut \[mariadb\]/);
        const accepted = await runPlan(local, { stackFile: variantStackFile(local, { "workbench:services": { mariadb: true }, ...size, "workbench:backups": { optOut: ["homes", "mariadb"] } }) });
        assert.equal(accepted.status, 0, accepted.stderr);
    });

    it("an opt-out removes exactly that backup and is written down for the policy pack", async () => {
        const plan = await planWith("gcp", "gcp", { "workbench:backups": { optOut: ["mongodb", "homes"] } });
        assert.equal(named(plan, "kubernetes:batch/v1:CronJob", "backup-mongodb"), undefined);
        assert.ok(named(plan, "kubernetes:batch/v1:CronJob", "backup-mariadb"));
        assert.equal(ofType(plan, "kubernetes:velero.io/v1:Schedule").length, 0);
        assert.equal(input(named(plan, "kubernetes:core/v1:ConfigMap", "workbench-backups")!, "data", "opted-out"), "homes,mongodb");
    });
});

/** The StorageClass resource a plan creates under this name. */
function storageClassNamed(plan: Plan, name: unknown): PlannedResource | undefined {
    return ofType(plan, "kubernetes:storage.k8s.io/v1:StorageClass").find((r) => input(r, "metadata", "name") === name);
}

function veleroValues(plan: Plan): Record<string, any> {
    const release = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => input(r, "chart") === "velero");
    assert.ok(release, "a Velero release");
    return input(release, "values") as Record<string, any>;
}

function hubValues(plan: Plan): Record<string, any> {
    const release = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => input(r, "chart") === "jupyterhub");
    assert.ok(release, "the hub's release");
    return input(release, "values") as Record<string, any>;
}

/** The node agent's configuration, as the node agent reads it: the one key of the chart's ConfigMap, JSON. */
function nodeAgentConfigOf(values: Record<string, any>): Record<string, any> {
    const arg = (values.nodeAgent.extraArgs as string[]).find((a) => a.startsWith("--node-agent-configmap="));
    assert.ok(arg, "the node agent is told its ConfigMap");
    const [key, entry] = Object.entries(values.configMaps as Record<string, { data: Record<string, string> }>).find(([k]) => `${VELERO_NAME}-${k}` === arg.split("=")[1]) ?? [];
    assert.ok(key && entry, `the chart makes ${arg.split("=")[1]} (<fullname>-<configMaps key>)`);
    const documents = Object.values(entry.data);
    assert.equal(documents.length, 1, "Velero reads a node-agent ConfigMap of exactly one key (pkg/nodeagent GetConfigs)");
    return JSON.parse(documents[0]) as Record<string, any>;
}

describe("homes and the hub's database by CSI snapshot, moved into the bucket (Velero 1.18.1 data mover)", function () {
    this.timeout(600_000);
    for (const { cloud, stack } of BASE_STACKS.filter((base) => base.cloud !== "existing")) {
        it(`${stack}: a Velero-labelled VolumeSnapshotClass of the driver that makes the homes' and the hub's volumes, and a Schedule that moves every claim's snapshot`, async () => {
            const plan = await planWith(stack, cloud);
            const hub = hubValues(plan);
            const [snapshotClass, ...others] = ofType(plan, "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass");
            assert.ok(snapshotClass, "a VolumeSnapshotClass");
            assert.equal(others.length, 0, "one class per driver carries Velero's label (velero.io docs v1.18 \"CSI\")");
            for (const [what, className] of [
                ["homes", hub.singleuser.storage.dynamic.storageClass],
                ["hub database", hub.hub.db.pvc.storageClassName],
            ] as const) {
                const storageClass = storageClassNamed(plan, className);
                assert.ok(storageClass, `the ${what}' class ${String(className)} is one the platform makes`);
                assert.equal(input(snapshotClass, "driver"), input(storageClass, "provisioner"), `the ${what}' volumes are snapshotted by the driver that made them`);
            }
            assert.equal(input(snapshotClass, "metadata", "labels", VELERO_SNAPSHOT_CLASS_LABEL), "true");
            assert.equal(input(snapshotClass, "deletionPolicy"), "Delete", "the disk snapshot goes when Velero deletes it after the upload");

            const schedule = ofType(plan, "kubernetes:velero.io/v1:Schedule")[0];
            const template = input(schedule, "spec", "template") as Record<string, any>;
            assert.equal(template.snapshotVolumes, true);
            assert.equal(template.snapshotMoveData, true, "the snapshot's data goes to the bucket; the snapshot does not stay");
            assert.equal(template.defaultVolumesToFsBackup, false);
            assert.deepEqual(template.includedNamespaces, [plan.outputs["userNamespace"], plan.outputs["namespace"]], "the homes' namespace and the hub's");
            assert.deepEqual(template.includedResources, ["persistentvolumeclaims", "persistentvolumes"], "claims only: no server pod is needed to read a home");
            assert.deepEqual(template.orLabelSelectors, [HOME_CLAIM_SELECTOR, HUB_DB_CLAIM_SELECTOR], "every home claim and the hub's database claim, and not the data services' (dumped)");
            assert.equal(input(schedule, "metadata", "annotations", snapshotClassAnnotation(String(input(snapshotClass, "driver")))), input(snapshotClass, "metadata", "name"));

            // a restore of another cloud's backup (a move) gets this cluster's class for the claims it brings back
            const mappings = ofType(plan, "kubernetes:core/v1:ConfigMap").filter((r) => input(r, "metadata", "labels", "velero.io/change-storage-class") === "RestoreItemAction");
            assert.equal(mappings.length, 1, "Velero refuses more than one ConfigMap with these labels");
            assert.equal(input(mappings[0], "metadata", "labels", "velero.io/plugin-config"), "");
            assert.equal(input(mappings[0], "metadata", "namespace"), "workbench-backups", "in Velero's namespace");
            const homesClass = hub.singleuser.storage.dynamic.storageClass as string;
            const otherClouds = Object.entries(RETAINED_STORAGE_CLASSES).filter(([other]) => other !== cloud).map(([, name]) => name);
            assert.deepEqual(input(mappings[0], "data"), Object.fromEntries(otherClouds.map((name) => [name, homesClass])));

            const values = veleroValues(plan);
            assert.ok(String(values.configuration.features).split(",").includes("EnableCSI"), "Velero's CSI plugin is on (server and node agent get --features)");
            assert.equal(values.configuration.defaultSnapshotMoveData, true);
            assert.equal(values.configuration.defaultVolumesToFsBackup, undefined);
        });

        it(`${stack}: the node agent and its data movers run on the system pool, where Velero's short list of tolerations lets them, and the fit check counts them`, async () => {
            const plan = await planWith(stack, cloud);
            const values = veleroValues(plan);
            const system = hubValues(plan).hub.nodeSelector as Record<string, string>;
            assert.ok(Object.keys(system).length > 0, "the hub names the system pool");
            assert.deepEqual(values.nodeAgent.nodeSelector, system, "the node agent runs where the hub does");
            assert.deepEqual(values.nodeAgent.tolerations, hubValues(plan).hub.tolerations, "and tolerates what the hub does there");
            const config = nodeAgentConfigOf(values);
            assert.equal(config.loadAffinity.length, 1, "Velero reads only the first loadAffinity entry");
            assert.deepEqual(config.loadAffinity[0].nodeSelector.matchLabels, system, "data movers on the system pool, beside the node agent");
            assert.deepEqual(config.loadConcurrency, { globalConfig: 1, prepareQueueLength: 1 }, "one data mover at a time");
            assert.equal(config.restorePVC.ignoreDelayBinding, true, "a restore does not wait for a server to mount the home");
            // what the data mover asks for is what the fit check counts (quantities as Velero parses them; 0: unlimited)
            const resources = config.podResources as Record<string, string>;
            assert.deepEqual(
                { cpuMillis: parseInt(resources.cpuRequest, 10), memoryMiB: parseInt(resources.memoryRequest, 10) },
                { cpuMillis: VELERO_TRANSIENT.cpuMillis, memoryMiB: VELERO_TRANSIENT.memoryMiB },
            );
            assert.match(resources.cpuRequest, /^\d+m$/);
            assert.match(resources.memoryRequest, /^\d+Mi$/);
            assert.ok(resources.memoryLimit === "0" || parseInt(resources.memoryLimit, 10) >= parseInt(resources.memoryRequest, 10), "Velero ignores podResources whose request exceeds its limit");
            const counted = homesBackupPods({ method: "snapshots", nodes: 1, controllerPods: { cpuMillis: 0, memoryMiB: 0, pods: 0 } });
            assert.ok(counted.some((p) => p.component.startsWith("Velero data mover") && p.cpuMillis === VELERO_TRANSIENT.cpuMillis && p.pods === 1));
            assert.ok(counted.some((p) => p.component.startsWith("Velero node agent")));
        });

        it(`${stack}: the snapshot controller is there: ${cloud === "aws" ? "the EKS add-on, before the class" : "the platform's own, on its control plane"}`, async () => {
            const plan = await planWith(stack, cloud);
            const [snapshotClass] = ofType(plan, "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass");
            const addons = ofType(plan, "aws:eks/addon:Addon").filter((a) => input(a, "addonName") === SNAPSHOT_CONTROLLER_ADDON);
            if (cloud === "aws") {
                assert.equal(addons.length, 1, "EKS runs no snapshot controller of its own");
                assert.ok(snapshotClass.dependsOn.includes(addons[0].urn), "the class waits for the snapshot CRDs the add-on brings");
                assert.ok(EKS_SNAPSHOT_CONTROLLER_PODS.pods > 0, "and the fit check counts its pods on the system nodes");
            } else {
                assert.equal(addons.length, 0);
                // the provider's contract answer: nothing of it runs on the system pool
                const demand = cloud === "gcp" ? GKE_SNAPSHOT_CONTROLLER : AKS_SNAPSHOT_CONTROLLER;
                assert.deepEqual(demand.controllerPods, { cpuMillis: 0, memoryMiB: 0, pods: 0 });
            }
        });
    }

    it("an AWS stack without prefix delegation: no room on its 17-pod system node for the data mover, so homes are read from running servers and the plan says what that leaves out", async () => {
        const run = await runPlan("aws", { stackFile: variantStackFile("aws", { "workbench:aws": { prefixDelegation: false } }) });
        assert.equal(run.status, 0, run.stderr);
        const plan = run.document;
        const schedule = ofType(plan, "kubernetes:velero.io/v1:Schedule")[0];
        assert.equal(input(schedule, "spec", "template", "defaultVolumesToFsBackup"), true);
        assert.equal(ofType(plan, "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass").length, 0);
        assert.equal(ofType(plan, "aws:eks/addon:Addon").filter((a) => input(a, "addonName") === SNAPSHOT_CONTROLLER_ADDON).length, 0, "no snapshot controller pods on a node without room");
        const warning = plan.warnings.find((w) => w.startsWith("Homes are backed up by file-system backup"));
        assert.ok(warning, plan.warnings.join("\n"));
        assert.match(warning, /pods \d+ > 17/);
        assert.match(warning, /a stopped server's home and the hub's database/);
        assert.match(warning, /choose systemPool\.size small/);
        assert.ok(plan.warnings.some((w) => w.startsWith("Velero's kopia repository maintenance Jobs") && /pods \d+ > 17/.test(w)), "nor room for a maintenance Job");
        // file-system backup: the node agent reads mounted volumes on the user and GPU nodes, never the system pool
        const values = veleroValues(plan);
        assert.equal(values.nodeAgent.disableHostPath, undefined);
        assert.equal(input(named(plan, "kubernetes:core/v1:Namespace", "workbench-backups")!, "metadata", "labels", "pod-security.kubernetes.io/enforce"), "privileged");
    });

    it("the shipped AWS stack: prefix delegation gives its t3a.medium system node room for the data mover, so every home and the hub's database are backed up by snapshot, and Velero's maintenance Jobs find a slot", async () => {
        const plan = await planOf("aws");
        const schedule = ofType(plan, "kubernetes:velero.io/v1:Schedule")[0];
        assert.equal(input(schedule, "spec", "template", "snapshotMoveData"), true);
        assert.notEqual(input(schedule, "spec", "template", "defaultVolumesToFsBackup"), true);
        assert.equal(ofType(plan, "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass").length, 1);
        assert.equal(ofType(plan, "aws:eks/addon:Addon").filter((a) => input(a, "addonName") === SNAPSHOT_CONTROLLER_ADDON).length, 1);
        assert.deepEqual(plan.warnings.filter((w) => /stopped server|hub's database|file-system backup|maintenance Jobs/.test(w)), []);
        // what made the room: the VPC CNI hands the node /28 prefixes, and its node group is the shipped size
        assert.equal(input(ofType(plan, "eks:index:Cluster")[0], "vpcCniOptions", "configurationValues", "env", "ENABLE_PREFIX_DELEGATION"), "true");
        const system = ofType(plan, "aws:eks/nodeGroup:NodeGroup").find((g) => input(g, "tags", "workbench:pool") === "system")!;
        assert.equal((input(system, "instanceTypes") as string[])[0], "t3a.medium", "no larger (dearer) node than before");
    });

    for (const stack of ["gcp", "azure"]) {
        it(`the shipped ${stack} stack backs every home and the hub's database up by snapshot, and warns of nothing left out`, async () => {
            const plan = await planOf(stack);
            assert.equal(input(ofType(plan, "kubernetes:velero.io/v1:Schedule")[0], "spec", "template", "snapshotMoveData"), true);
            assert.deepEqual(plan.warnings.filter((w) => /stopped server|hub's database/.test(w)), []);
        });
    }

    it("refuses snapshots where the system pool has no room for them, naming the key that sizes it", async () => {
        const run = await runPlan("aws", { stackFile: variantStackFile("aws", { "workbench:aws": { prefixDelegation: false }, "workbench:backups": { method: "snapshots" } }) });
        assert.notEqual(run.status, 0);
        const problem = (run.document.problems ?? []).find((p) => p.key === "workbench:systemPool.size");
        assert.ok(problem, JSON.stringify(run.document.problems));
        assert.match(String(problem.allowed), /pods \d+ > 17/);
        assert.match(String(problem.allowed), /choose systemPool\.size small/);
    });
});

describe("the homes' method and what it places on the system pool (components/backups/method.ts)", () => {
    const services = WorkbenchConfigSchema.parse({ users: { admins: ["admin"] } }).services;
    const backups = (method: "auto" | "snapshots" | "files", optOut: BackupTarget[] = []) => ({ enabled: true, schedule: "0 3 * * *", retentionDays: 30, optOut, method });
    const pool = (maxPods: number, nodes = 1) => ({ vcpu: 4, memoryGiB: 16, maxPods, nodes, agents: { cpuMillis: 0, memoryMiB: 0, pods: 0 }, installsAutoscaler: false });
    const controller = { controllerPods: { cpuMillis: 20, memoryMiB: 64, pods: 2 } };

    it("snapshots put the node agent on every system node, the platform's snapshot controller and one data mover there; files only the server", () => {
        const snapshots = homesBackupPods({ method: "snapshots", nodes: 2, controllerPods: controller.controllerPods });
        assert.equal(snapshots.find((p) => p.component.startsWith("Velero node agent"))?.pods, 2);
        assert.deepEqual(snapshots.find((p) => p.component === "CSI snapshot controller"), { component: "CSI snapshot controller", ...controller.controllerPods });
        assert.equal(snapshots.reduce((sum, p) => sum + p.pods, 0), 1 + 2 + 2 + 1);
        assert.deepEqual(homesBackupPods({ method: "files", nodes: 2, controllerPods: controller.controllerPods }).map((p) => p.component), ["Velero server (homes backups)"]);
    });

    it("auto takes snapshots where they are offered and fit, files otherwise, and says why; a configured method stands; opted-out homes need none", () => {
        assert.deepEqual(chooseHomesMethod({ services, backups: backups("auto") }, pool(110), controller), { method: "snapshots", why: "configured" });
        assert.deepEqual(chooseHomesMethod({ services, backups: backups("auto") }, pool(110), undefined), { method: "files", why: "not-offered" });
        // the hub's, Dask's and Spark's pods and Velero's server take 10 slots; snapshots need 4 more, not 3
        assert.deepEqual(chooseHomesMethod({ services, backups: backups("auto") }, pool(13), controller), { method: "files", why: "no-room" });
        assert.deepEqual(chooseHomesMethod({ services, backups: backups("auto") }, pool(14), controller), { method: "snapshots", why: "configured" });
        assert.deepEqual(chooseHomesMethod({ services, backups: backups("files") }, pool(110), controller), { method: "files", why: "configured" });
        assert.deepEqual(chooseHomesMethod({ services, backups: backups("snapshots") }, pool(12), controller), { method: "snapshots", why: "configured" }, "the fit check then refuses it");
        assert.equal(chooseHomesMethod({ services, backups: backups("auto", ["homes"]) }, pool(110), controller), undefined);
    });

    it("a system pool tainted with a key Velero does not pass on to its data movers gets files, and refuses snapshots naming the key", () => {
        const tainted = { ...pool(110), taints: [{ key: "workbench.io/dedicated", value: "system", effect: "NoSchedule" as const }] };
        assert.deepEqual(chooseHomesMethod({ services, backups: backups("auto") }, tainted, controller), { method: "files", why: "tainted" });
        const sizing = { key: "workbench:systemPool.size", given: "medium", current: { ...tainted, size: "medium" as const }, sizes: [], advice: () => "" };
        const [problem, ...more] = homesMethodProblems({ services, backups: backups("snapshots") }, sizing);
        assert.equal(more.length, 0);
        assert.equal(problem?.key, "workbench:backups.method");
        assert.match(problem.allowed, /workbench\.io\/dedicated/);
        assert.match(homesMethodWarnings({ services, backups: backups("auto") }, sizing, controller)[0] ?? "", /tainted workbench\.io\/dedicated.*a stopped server's home/);
        // the keys Velero does copy (pkg/util/third_party.go): such a pool holds data movers
        for (const key of VELERO_INHERITED_TOLERATION_KEYS) {
            const ok = { ...pool(110), taints: [{ key, effect: "NoSchedule" as const }] };
            assert.equal(chooseHomesMethod({ services, backups: backups("auto") }, ok, controller)?.method, "snapshots", key);
        }
    });
});

describe("CSI snapshots on an existing cluster: the user names the driver and class", function () {
    this.timeout(600_000);
    const base = { context: "kind-workbench", objectStore: { type: "s3", endpoint: "https://s3.example.org", bucket: "data" } };
    const check = (existing: Record<string, unknown>, backups: Record<string, unknown> = {}) =>
        checkConfig({ "workbench:cloud": "existing", "workbench:users": JSON.stringify({ admins: ["admin"] }), "workbench:auth": JSON.stringify({ type: "dummy" }), "workbench:hub": JSON.stringify({ service: "ClusterIP" }), "workbench:existing": JSON.stringify({ context: base.context, ...existing }), "workbench:backups": JSON.stringify(backups) }).problems;

    it("refuses a driver other than the class's provisioner, a class used by name without its driver, and snapshots without either", () => {
        const mismatch = check({ storageClass: { name: "fast", provisioner: "driver.longhorn.io" }, volumeSnapshots: { driver: "rook-ceph.rbd.csi.ceph.com" } });
        assert.ok(mismatch.some((p) => p.key === "workbench:existing.volumeSnapshots.driver" && /driver\.longhorn\.io/.test(p.allowed)), JSON.stringify(mismatch));
        const unknown = check({ storageClass: { name: "fast" }, volumeSnapshots: { className: "fast-snapshots" } });
        assert.ok(unknown.some((p) => p.key === "workbench:existing.volumeSnapshots.driver" && /kubectl get storageclass fast/.test(p.allowed)), JSON.stringify(unknown));
        const missing = check({ storageClass: { name: "fast", provisioner: "driver.longhorn.io" } }, { method: "snapshots" });
        assert.ok(missing.some((p) => p.key === "workbench:backups.method" && /workbench:existing\.volumeSnapshots/.test(p.allowed)), JSON.stringify(missing));
        assert.deepEqual(check({ storageClass: { name: "fast", provisioner: "driver.longhorn.io" }, volumeSnapshots: {} }, { method: "snapshots" }), []);
    });

    it("uses the cluster's own class by name (the Schedule names it for the driver), and makes none", async () => {
        const run = await runPlan("local", {
            stackFile: variantStackFile("local", {
                "workbench:existing": { ...base, storageClass: { name: "longhorn" }, volumeSnapshots: { driver: "driver.longhorn.io", className: "longhorn-snapshot" } },
                "workbench:s3AccessKeyId": { secure: "AAABAJz8bW9ja2VkLWtleQ==" },
                "workbench:s3SecretAccessKey": { secure: "AAABAJz8bW9ja2VkLXNlY3JldA==" },
                "workbench:backups": {},
            }),
        });
        assert.equal(run.status, 0, run.stderr);
        const plan = run.document;
        assert.equal(ofType(plan, "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass").length, 0);
        const schedule = ofType(plan, "kubernetes:velero.io/v1:Schedule")[0];
        assert.equal(input(schedule, "metadata", "annotations", "velero.io/csi-volumesnapshot-class_driver.longhorn.io"), "longhorn-snapshot");
        assert.equal(input(schedule, "spec", "template", "snapshotMoveData"), true);
    });
});

describe("restore from the stack's own bucket (workbench:restore)", function () {
    this.timeout(600_000);

    it("restores the homes from the named backup and loads each named service's newest dump", async () => {
        const plan = await planWith("aws", "aws", { "workbench:restore": { from: "homes-20261201030000", services: ["mariadb", "opensearch"] } });
        const [restore] = ofType(plan, "kubernetes:velero.io/v1:Restore");
        assert.equal(input(restore, "spec", "backupName"), "homes-20261201030000");
        assert.equal(input(restore, "spec", "restorePVs"), true);
        const hub = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => input(r, "chart") === "jupyterhub")!;
        assert.ok(hub.dependsOn.includes(restore.urn), "the hub waits for the homes' Restore");
        // a data-mover backup: its claims come back (the hub's database among them) and their data by DataDownload,
        // which Velero reads from the backup itself; the hub must not start before, or its chart makes an empty
        // hub-db-dir that the Restore then leaves alone
        assert.ok((input(restore, "spec", "includedResources") as string[]).includes("persistentvolumeclaims"));
        assert.equal(input(restore, "metadata", "annotations", "pulumi.com/waitFor"), "jsonpath={.status.phase}=Completed");
        assert.ok(Number(input(restore, "metadata", "annotations", "pulumi.com/timeoutSeconds")) >= 4 * 3600, "at least Velero's own 4 h item operation timeout");
        assert.equal(nodeAgentConfigOf(veleroValues(plan)).restorePVC.ignoreDelayBinding, true, "each home is written before its server is started");
        for (const service of ["mariadb", "opensearch"]) {
            const job = named(plan, "kubernetes:batch/v1:Job", `restore-${service}`);
            assert.ok(job, `restore-${service}`);
            const pod = input(job, "spec", "template", "spec") as Record<string, any>;
            assert.equal(pod.serviceAccountName, `backup-${service}`);
            assert.equal(pod.initContainers[0].name, "download");
        }
        assert.equal(named(plan, "kubernetes:batch/v1:Job", "restore-mongodb"), undefined);
    });

    it("latest restores the homes schedule's newest backup", async () => {
        const plan = await planWith("gcp", "gcp", { "workbench:restore": { from: "latest" } });
        const [restore] = ofType(plan, "kubernetes:velero.io/v1:Restore");
        assert.equal(input(restore, "spec", "scheduleName"), "homes");
        assert.equal(input(restore, "spec", "backupName"), undefined);
        // every enabled dumped service is restored when none is named
        for (const service of DUMPED_SERVICES) assert.ok(named(plan, "kubernetes:batch/v1:Job", `restore-${service}`), service);
    });

    for (const [title, extra, key] of [
        ["a restore without backups", { "workbench:backups": { enabled: false }, "workbench:restore": { from: "latest" } }, "workbench:restore"],
        ["retention 0", { "workbench:backups": { retentionDays: 0 } }, "workbench:backups.retentionDays"],
        ["a restore of a service the stack does not run", { "workbench:services": { mariadb: true }, "workbench:restore": { from: "latest", services: ["mongodb"] } }, "workbench:restore.services[0]"],
        ["a schedule that is not a cron", { "workbench:backups": { schedule: "daily" } }, "workbench:backups.schedule"],
    ] as const) {
        it(`refuses ${title}, naming ${key}, before anything is created`, async () => {
            const run = await runPlan("aws", { stackFile: variantStackFile("aws", { ...extra }) });
            assert.notEqual(run.status, 0);
            const problems = run.document.problems ?? [];
            assert.ok(problems.some((p) => p.key === key), JSON.stringify(problems));
            assert.deepEqual((run.document.resources ?? []).filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.type), [], "nothing planned");
        });
    }
});

describe("Velero's objects validate against the CRDs of the pinned chart", () => {
    const dir = chartDataDir(BACKUP_CHARTS.velero);

    function validator(crd: string) {
        const doc = parse(fs.readFileSync(path.join(dir!, "crds", `${crd}.yaml`), "utf8")) as { spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: object } }> } };
        const schema = doc.spec.versions.find((v) => v.name === "v1")!.schema.openAPIV3Schema;
        return new Ajv({ strict: false, allErrors: true }).compile(schema);
    }

    for (const [kind, crd, extra] of [
        ["Schedule", "schedules", {}],
        ["Restore", "restores", { "workbench:restore": { from: "latest" } }],
    ] as const) {
        it(`${kind} (velero ${BACKUP_CHARTS.velero.version} crds/${crd}.yaml)`, async function () {
            if (!dir) this.skip();
            const plan = await planWith("aws", "aws", extra);
            const [object] = ofType(plan, `kubernetes:velero.io/v1:${kind}`);
            const validate = validator(crd);
            const body = { apiVersion: object.inputs["apiVersion"], kind: object.inputs["kind"], metadata: object.inputs["metadata"], spec: object.inputs["spec"] };
            assert.ok(validate(body), JSON.stringify(validate.errors));
            // and the validator does reject a field of the wrong type
            assert.equal(validate({ ...body, spec: { ...(body.spec as object), ...(kind === "Schedule" ? { schedule: 3 } : { restorePVs: "yes" }) } }), false);
        });
    }

    it("the values the release gets are the chart's (values.schema.json at the pinned version)", async function () {
        if (!dir) {
            console.warn(`      skipped: ${missingChartData(BACKUP_CHARTS.velero)}`);
            this.skip();
        }
        const plan = await planWith("azure", "azure");
        const release = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => input(r, "chart") === "velero")!;
        const schema = JSON.parse(fs.readFileSync(path.join(dir!, "values.schema.json"), "utf8")) as object;
        const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
        const defaults = parse(fs.readFileSync(path.join(dir!, "values.yaml"), "utf8")) as Record<string, any>;
        // Helm validates the defaults merged with what is given
        assert.ok(validate(helmMerge(defaults, input(release, "values") as ValueMap)), JSON.stringify(validate.errors));
        // every top-level key and configuration key set is one the chart reads
        const values = input(release, "values") as Record<string, any>;
        for (const key of Object.keys(values)) assert.ok(key in defaults, `values.${key} exists in the chart`);
        for (const key of Object.keys(values.configuration)) assert.ok(key in defaults.configuration, `configuration.${key} exists in the chart`);
        for (const key of Object.keys(values.nodeAgent)) assert.ok(key in defaults.nodeAgent, `nodeAgent.${key} exists in the chart`);
    });
});

describe("PostgreSQL restores by recovery from its own archive (CloudNativePG v1.30.0 CRD)", function () {
    this.timeout(600_000);
    const crdFile = path.resolve(__dirname, "..", "..", "shared", "charts", "cloudnative-pg-crds-1.30.0", "postgresql.cnpg.io_clusters.yaml");

    for (const stack of ["aws", "gcp", "azure"]) {
        it(`${stack}: bootstrap.recovery from the origin archive, new WAL beside it, and the Cluster validates`, async function () {
            const plan = await planWith(stack, stack, { "workbench:restore": { from: "latest", services: ["postgres"] } });
            const [cluster] = ofType(plan, "kubernetes:postgresql.cnpg.io/v1:Cluster");
            const spec = input(cluster, "spec") as Record<string, any>;
            assert.equal(spec.bootstrap.initdb, undefined);
            assert.equal(spec.bootstrap.recovery.source, "origin");
            const [origin] = spec.externalClusters;
            assert.equal(origin.name, spec.bootstrap.recovery.source);
            // reads exactly what the Cluster archived (its destination, as the Cluster's name) and archives elsewhere
            assert.equal(origin.barmanObjectStore.destinationPath, spec.backup.barmanObjectStore.destinationPath);
            assert.equal(origin.barmanObjectStore.serverName, input(cluster, "metadata", "name"));
            assert.notEqual(spec.backup.barmanObjectStore.serverName, origin.barmanObjectStore.serverName);
            // the same credentials: the Cluster's own identity reads its own prefix
            for (const key of ["s3Credentials", "googleCredentials", "azureCredentials"]) assert.deepEqual(origin.barmanObjectStore[key], spec.backup.barmanObjectStore[key]);
            if (!fs.existsSync(crdFile)) this.skip();
            const crd = parse(fs.readFileSync(crdFile, "utf8")) as { spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: object } }> } };
            const validate = new Ajv({ strict: false, allErrors: true }).compile(crd.spec.versions.find((v) => v.name === "v1")!.schema.openAPIV3Schema);
            const body = { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: input(cluster, "metadata"), spec };
            assert.ok(validate(body), JSON.stringify(validate.errors));
            assert.equal(validate({ ...body, spec: { ...spec, bootstrap: { recovery: { source: 3 } } } }), false, "the schema does check recovery");
        });
    }

    it("without a restore the Cluster starts empty (initdb) and has no external cluster", async () => {
        const plan = await planWith("aws", "aws");
        const [cluster] = ofType(plan, "kubernetes:postgresql.cnpg.io/v1:Cluster");
        assert.ok(input(cluster, "spec", "bootstrap", "initdb"));
        assert.equal(input(cluster, "spec", "externalClusters"), undefined);
    });
});

describe("the dump CronJobs and restore Jobs are valid Kubernetes objects", function () {
    this.timeout(600_000);
    it("every container has an image, a command and resources; volumes mounted exist; the restore loads after the download", async () => {
        const plan = await planWith("gcp", "gcp", { "workbench:restore": { from: "latest" } });
        for (const service of DUMPED_SERVICES) {
            for (const [kind, name, podPath] of [
                ["kubernetes:batch/v1:CronJob", `backup-${service}`, ["spec", "jobTemplate", "spec", "template", "spec"]],
                ["kubernetes:batch/v1:Job", `restore-${service}`, ["spec", "template", "spec"]],
            ] as const) {
                const object = named(plan, kind, name)!;
                const pod = input(object, ...podPath) as Record<string, any>;
                assert.equal(pod.restartPolicy, "Never");
                const volumes = new Set(pod.volumes.map((v: { name: string }) => v.name));
                for (const container of [...pod.initContainers, ...pod.containers]) {
                    assert.match(container.image, /:[\w.-]+$/, `${name}/${container.name}: pinned image`);
                    assert.ok(container.command.length === 3, `${name}/${container.name}: a shell command`);
                    assert.ok(container.resources.requests.memory);
                    for (const mount of container.volumeMounts) assert.ok(volumes.has(mount.name), `${name}: volume ${mount.name}`);
                }
                // the transfer (rclone) and the tool meet in /dump: a restore downloads first, a backup dumps first
                assert.equal(pod.initContainers[0].name, kind.endsWith("Job") && name.startsWith("restore") ? "download" : service);
            }
            const cron = named(plan, "kubernetes:batch/v1:CronJob", `backup-${service}`)!;
            assert.equal(input(cron, "spec", "concurrencyPolicy"), "Forbid");
            assert.equal(input(cron, "spec", "timeZone"), "Etc/UTC");
        }
    });
});
