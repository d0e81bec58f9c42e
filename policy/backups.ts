import { at, Finding, finding, known, ofTypes, PolicyStack, PolicySubject, WorkbenchPolicy } from "./subject";

/*
 * Everything of value is backed up into the bucket unless someone chose otherwise (issue 22, docs/backups.md):
 * each data service has its backup (CloudNativePG's ScheduledBackup for PostgreSQL, a dump CronJob labelled
 * `workbench.io/backup-of: <service>` for the others) and the hub's homes a Velero Schedule, or the stack names
 * the service in its `workbench-backups` ConfigMap's `opted-out` list (workbench:backups.optOut).
 */

/** The data services that hold data, as their components are named (`<workbench>-<service>`). */
const STATEFUL_SERVICES = ["postgres", "mariadb", "mongodb", "opensearch", "elasticsearch", "cassandra", "orientdb"];

const CRONJOB = "kubernetes:batch/v1:CronJob";
const SCHEDULED_BACKUP = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";
const VELERO_SCHEDULE = "kubernetes:velero.io/v1:Schedule";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

/** What the stack says it does not back up (the ConfigMap's `opted-out`, comma-separated). */
function optedOut(stack: PolicyStack): Set<string> | undefined {
    const map = ofTypes(stack, CONFIG_MAP).find((r) => at(r.props, "metadata", "name") === "workbench-backups");
    if (!map) return undefined;
    const value = at(map.props, "data", "opted-out");
    if (!known(value)) return new Set(STATEFUL_SERVICES.concat("homes"));
    return new Set(String(value).split(",").filter((name) => name.length > 0));
}

/** The services a stack runs: its `workbench:services:*` components, by the service their name ends with. */
function runningServices(stack: PolicyStack): Array<{ service: string; component: PolicySubject }> {
    return stack.resources
        .filter((r) => r.type.startsWith("workbench:services:"))
        .flatMap((component) => {
            const service = STATEFUL_SERVICES.find((name) => component.name.endsWith(`-${name}`));
            return service ? [{ service, component }] : [];
        });
}

/** The services a dump CronJob or a live ScheduledBackup covers. */
function backedUpServices(stack: PolicyStack): Set<string> {
    const covered = new Set<string>();
    for (const job of ofTypes(stack, CRONJOB)) {
        const of = at(job.props, "metadata", "labels", "workbench.io/backup-of");
        if (typeof of === "string") covered.add(of);
    }
    // a suspended ScheduledBackup takes nothing (unknown until the bucket's URL is: trusted then)
    if (ofTypes(stack, SCHEDULED_BACKUP).some((backup) => at(backup.props, "spec", "suspend") !== true)) covered.add("postgres");
    return covered;
}

/** A stack with a data service (or homes) and no backup of it fails, unless it opted out explicitly. */
export const dataBackedUp: WorkbenchPolicy = {
    name: "data-backed-up",
    description:
        "Every data service (PostgreSQL, MariaDB, MongoDB, OpenSearch, Elasticsearch, Cassandra, OrientDB) and the users' homes have a scheduled backup into the bucket, unless workbench:backups.optOut names them.",
    check: (stack) => {
        const findings: Finding[] = [];
        const out = optedOut(stack) ?? new Set<string>();
        const covered = backedUpServices(stack);
        const map = ofTypes(stack, CONFIG_MAP).find((r) => at(r.props, "metadata", "name") === "workbench-backups");
        const fix = at(map?.props, "data", "bucket") === "none" ? "this stack has no bucket to keep backups in: set workbench:existing.objectStore" : "keep workbench:backups.enabled true";
        for (const { service, component } of runningServices(stack)) {
            if (covered.has(service) || out.has(service)) continue;
            findings.push(
                finding(
                    component,
                    `${service} has no scheduled backup: ${fix}, or opt out explicitly with workbench:backups.optOut [${service}]`,
                ),
            );
        }
        const hub = stack.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.props.chart === "jupyterhub");
        if (hub && !out.has("homes") && ofTypes(stack, VELERO_SCHEDULE).length === 0) {
            findings.push(finding(hub, `users' homes have no scheduled backup (no Velero Schedule): ${fix}, or opt out with workbench:backups.optOut [homes]`));
        }
        return findings;
    },
};
