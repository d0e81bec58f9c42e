import { CostEstimate, CostLine } from "../cost/estimate";
import { forcesReplacement, replaceRule } from "./diff-replace";
import { Plan, PlannedResource } from "./types";

/** What the plan records for a secret value; the diff never shows anything else for it. */
export const SECRET = "[secret]";

/** One input that differs between the two plans. */
export interface InputChange {
    /** Key path of the input, e.g. `values.hub.config.Authenticator.admin_users[0]` or `scalingConfig.maxSize`. */
    path: string;
    /** Value before (absent: the input is new). Secrets stay `[secret]`. */
    before?: unknown;
    /** Value after (absent: the input is gone). Secrets stay `[secret]`. */
    after?: unknown;
    /** The replace-on-change table says this input cannot change in place. */
    forcesReplacement: boolean;
}

/** What happens to one resource. */
export type ChangeKind = "add" | "remove" | "replace" | "update";

/** One resource that differs between the two plans. */
export interface ResourceChange {
    kind: ChangeKind;
    urn: string;
    type: string;
    name: string;
    /** For updates and replacements: the inputs that differ. */
    changes: InputChange[];
    /** For removals and replacements of data-holding resources: why its data is at stake. */
    dataAtRisk?: string;
    /** The resource (as it was, for removals) is retained on delete: the cloud keeps it, Pulumi forgets it. */
    retainOnDelete: boolean;
    /** The resource (as it was) is protected: `pulumi up` refuses to delete it until protection is lifted. */
    protect: boolean;
}

/** One line of the cost estimate that differs. */
export interface CostLineChange {
    /** The line's item as it reads after the change (or before, for a line that goes). */
    item: string;
    /** The item as it read before, when the change renamed it (e.g. another instance type). */
    beforeItem?: string;
    before?: number;
    after?: number;
}

/** The two cost estimates side by side. */
export interface CostChange {
    idleBefore?: number;
    idleAfter?: number;
    typicalBefore?: number;
    typicalAfter?: number;
    /** Every pool at its maximum all month (absent for a plan made before the estimate had a ceiling). */
    ceilingBefore?: number;
    ceilingAfter?: number;
    /** Lines added, removed or with another monthly figure. */
    lines: CostLineChange[];
}

/** The difference between two offline plans of one stack. */
export interface PlanDiff {
    stack: string;
    /** The stack had no plan before (its stack file is new) or after (removed). */
    beforeMissing: boolean;
    afterMissing: boolean;
    /** Data-holding resources that would be deleted or replaced: listed first in the report. */
    dataAtRisk: ResourceChange[];
    added: ResourceChange[];
    removed: ResourceChange[];
    /** Replacements are the plan's guess (`plan/diff-replace.ts`), never the provider's word. */
    replaced: ResourceChange[];
    updated: ResourceChange[];
    /** Resources present in both plans with equal inputs. */
    unchanged: number;
    /** Inputs that are secret in both plans: offline, their values cannot be compared. */
    secretInputs: number;
    cost: CostChange;
    warningsAdded: string[];
    warningsRemoved: string[];
}

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A key as it appears in a path: bare when it is a plain identifier, quoted otherwise. */
function pathKey(parent: string, key: string): string {
    if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return parent === "" ? key : `${parent}.${key}`;
    return `${parent}[${JSON.stringify(key)}]`;
}

/** Whether a value is, or holds, a secret. */
export function holdsSecret(value: Json): boolean {
    if (typeof value === "string") return value.includes(SECRET);
    if (Array.isArray(value)) return value.some(holdsSecret);
    if (isObject(value)) return Object.values(value).some(holdsSecret);
    return false;
}

interface Walk {
    changes: Array<Omit<InputChange, "forcesReplacement">>;
    secretInputs: number;
}

/** Collects the paths at which two input values differ, descending into objects and lists. */
function compare(before: Json, after: Json, path: string, walk: Walk): void {
    if (before === SECRET && after === SECRET) {
        // both secret: the plan cannot see whether the value changed
        walk.secretInputs++;
        return;
    }
    if (isObject(before) && isObject(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
        for (const key of keys) compare(before[key], after[key], pathKey(path, key), walk);
        return;
    }
    if (Array.isArray(before) && Array.isArray(after)) {
        for (let i = 0; i < Math.max(before.length, after.length); i++) compare(before[i], after[i], `${path}[${i}]`, walk);
        return;
    }
    if (JSON.stringify(before) === JSON.stringify(after)) return;
    const change: Omit<InputChange, "forcesReplacement"> = { path };
    if (before !== undefined) change.before = before;
    if (after !== undefined) change.after = after;
    walk.changes.push(change);
}

/** Helm release values that ask for persistent volumes: the release's chart keeps data on them. */
function releaseHoldsVolumes(values: Json): boolean {
    if (Array.isArray(values)) return values.some(releaseHoldsVolumes);
    if (!isObject(values)) return false;
    for (const [key, value] of Object.entries(values)) {
        const k = key.toLowerCase();
        if ((k === "persistence" || k === "persistentvolume" || k === "storage") && isObject(value) && value["enabled"] !== false) return true;
        if (k === "volumeclaimtemplate" || k === "volumeclaimtemplates" || k === "storageclass" || k === "storageclassname") return true;
        if (releaseHoldsVolumes(value)) return true;
    }
    return false;
}

/** Types that hold user data themselves. */
const DATA_TYPES: Readonly<Record<string, string>> = {
    "aws:s3/bucket:Bucket": "S3 bucket",
    "aws:s3/bucketV2:BucketV2": "S3 bucket",
    "aws:ebs/volume:Volume": "EBS volume",
    "aws:rds/instance:Instance": "database instance",
    "gcp:storage/bucket:Bucket": "Cloud Storage bucket",
    "gcp:compute/disk:Disk": "persistent disk",
    "gcp:sql/databaseInstance:DatabaseInstance": "database instance",
    "azure-native:storage:StorageAccount": "storage account",
    "azure-native:storage:BlobContainer": "blob container",
    "azure-native:compute:Disk": "managed disk",
    "kubernetes:core/v1:PersistentVolumeClaim": "persistent volume claim",
    "kubernetes:core/v1:PersistentVolume": "persistent volume",
    // deleting a Namespace deletes every claim in it (homes, the hub's database, the data services' volumes)
    "kubernetes:core/v1:Namespace": "namespace, with every volume claim in it",
};

/** Why deleting this resource may lose data, or undefined when it holds none. */
export function dataHoldingReason(resource: PlannedResource): string | undefined {
    const known = DATA_TYPES[resource.type];
    if (known) return `${known}: holds data`;
    if (resource.type === "kubernetes:helm.sh/v3:Release" || resource.type === "kubernetes:helm.sh/v4:Chart") {
        if (releaseHoldsVolumes(resource.inputs["values"])) return "Helm release with persistent volumes";
    }
    // operators' database resources (CloudNativePG Cluster, MariaDB, …) declare their volumes in spec.storage
    const spec = resource.inputs["spec"];
    if (resource.type.startsWith("kubernetes:") && isObject(spec) && (spec["storage"] !== undefined || spec["volumeClaimTemplates"] !== undefined)) {
        return "custom resource with its own volumes";
    }
    if (resource.retainOnDelete) return "retained on delete: marked as holding data";
    if (resource.protect) return "protected: marked as holding data";
    return undefined;
}

function resourceChange(kind: ChangeKind, resource: PlannedResource, changes: InputChange[] = []): ResourceChange {
    const change: ResourceChange = {
        kind,
        urn: resource.urn,
        type: resource.type,
        name: resource.name,
        changes,
        retainOnDelete: resource.retainOnDelete,
        protect: resource.protect,
    };
    if (kind === "remove" || kind === "replace") {
        const reason = dataHoldingReason(resource);
        if (reason) change.dataAtRisk = reason;
    }
    return change;
}

const byUrn = (a: ResourceChange, b: ResourceChange) => a.urn.localeCompare(b.urn);

/** A cost line's key: its item up to the first " (" (the pool, not its size), unless two lines share it. */
function costKeys(cost: CostEstimate | undefined): Map<string, CostLine> {
    const lines = cost?.lines ?? [];
    const short = (item: string) => item.split(" (")[0] ?? item;
    const counts = new Map<string, number>();
    for (const line of lines) counts.set(short(line.item), (counts.get(short(line.item)) ?? 0) + 1);
    return new Map(lines.map((line) => [counts.get(short(line.item)) === 1 ? short(line.item) : line.item, line]));
}

function diffCost(before: CostEstimate | undefined, after: CostEstimate | undefined): CostChange {
    const b = costKeys(before);
    const a = costKeys(after);
    const lines: CostLineChange[] = [];
    for (const key of [...new Set([...b.keys(), ...a.keys()])]) {
        const was = b.get(key);
        const now = a.get(key);
        if (was?.monthly === now?.monthly && was?.item === now?.item) continue;
        const line: CostLineChange = { item: now?.item ?? was?.item ?? key };
        if (was) line.before = was.monthly;
        if (now) line.after = now.monthly;
        if (was && now && was.item !== now.item) line.beforeItem = was.item;
        lines.push(line);
    }
    const change: CostChange = { lines };
    if (before) {
        change.idleBefore = before.idleMonthly;
        change.typicalBefore = before.typicalMonthly;
        if (before.ceilingMonthly !== undefined) change.ceilingBefore = before.ceilingMonthly;
    }
    if (after) {
        change.idleAfter = after.idleMonthly;
        change.typicalAfter = after.typicalMonthly;
        if (after.ceilingMonthly !== undefined) change.ceilingAfter = after.ceilingMonthly;
    }
    return change;
}

/** The resources a plan compares: the stack itself carries no inputs worth a line. */
function comparable(plan: Plan | undefined): Map<string, PlannedResource> {
    return new Map((plan?.resources ?? []).filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => [r.urn, r]));
}

/**
 * Compares two offline plans of one stack (`before`: the base ref, `after`: the working tree).
 * A missing plan stands for a stack file that does not exist on that side.
 */
export function diffPlans(stack: string, before: Plan | undefined, after: Plan | undefined): PlanDiff {
    const was = comparable(before);
    const now = comparable(after);
    const added: ResourceChange[] = [];
    const removed: ResourceChange[] = [];
    const replaced: ResourceChange[] = [];
    const updated: ResourceChange[] = [];
    let unchanged = 0;
    let secretInputs = 0;

    // an alias tells the engine that an old URN is this resource now: compare them, as the engine would
    const aliasOf = new Map<string, PlannedResource>();
    for (const resource of now.values()) for (const alias of resource.aliases ?? []) aliasOf.set(alias, resource);
    const matched = new Set<string>();
    for (const [urn, old] of was) {
        const current = now.get(urn) ?? aliasOf.get(urn);
        if (current) matched.add(current.urn);
        if (!current) {
            removed.push(resourceChange("remove", old));
            continue;
        }
        const walk: Walk = { changes: [], secretInputs: 0 };
        compare(old.inputs, current.inputs, "", walk);
        secretInputs += walk.secretInputs;
        const rule = replaceRule(current.type);
        const changes: InputChange[] = walk.changes.map((c) => ({ ...c, forcesReplacement: forcesReplacement(rule, c.path) }));
        // resource options change what a delete does: worth a line even when no input moved
        if (old.protect !== current.protect) changes.push({ path: "(option) protect", before: old.protect, after: current.protect, forcesReplacement: false });
        if (old.retainOnDelete !== current.retainOnDelete) {
            changes.push({ path: "(option) retainOnDelete", before: old.retainOnDelete, after: current.retainOnDelete, forcesReplacement: false });
        }
        if (changes.length === 0) unchanged++;
        else if (changes.some((c) => c.forcesReplacement)) replaced.push(resourceChange("replace", old, changes));
        else updated.push(resourceChange("update", current, changes));
    }
    for (const [urn, resource] of now) if (!was.has(urn) && !matched.has(urn)) added.push(resourceChange("add", resource));

    const warningsBefore = new Set(before?.warnings ?? []);
    const warningsAfter = new Set(after?.warnings ?? []);
    const dataAtRisk = [...removed, ...replaced].filter((r) => r.dataAtRisk !== undefined).sort(byUrn);
    return {
        stack,
        beforeMissing: before === undefined,
        afterMissing: after === undefined,
        dataAtRisk,
        added: added.sort(byUrn),
        removed: removed.sort(byUrn),
        replaced: replaced.sort(byUrn),
        updated: updated.sort(byUrn),
        unchanged,
        secretInputs,
        cost: diffCost(before?.cost, after?.cost),
        warningsAdded: [...warningsAfter].filter((w) => !warningsBefore.has(w)),
        warningsRemoved: [...warningsBefore].filter((w) => !warningsAfter.has(w)),
    };
}

/** Whether the two plans differ in anything the report shows. */
export function hasChanges(diff: PlanDiff): boolean {
    return (
        diff.added.length + diff.removed.length + diff.replaced.length + diff.updated.length + diff.cost.lines.length + diff.warningsAdded.length + diff.warningsRemoved.length > 0 ||
        diff.beforeMissing !== diff.afterMissing ||
        diff.cost.idleBefore !== diff.cost.idleAfter ||
        diff.cost.typicalBefore !== diff.cost.typicalAfter ||
        diff.cost.ceilingBefore !== diff.cost.ceilingAfter
    );
}
