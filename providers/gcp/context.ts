import type { StackSettings } from "../../stacks/load";

/** What every GCP resource of one platform shares: its names, project, location and labels. */
export interface GcpContext {
    /** The platform component's name; child resource names start with it. */
    name: string;
    /** The stack's name, part of names that must be unique within a project. */
    stack: string;
    /** `gcp:project`, the project id. */
    project: string;
    /** `gcp:zone`: where the nodes, their disks and the homes' volumes are. */
    zone: string;
    /** The zone's region: the bucket's location, and the control plane's when regional. */
    region: string;
    /** The cluster's location: the zone (zonal, free-tier fee) or the region (`workbench:gcp.regional`). */
    location: string;
    /** The GKE cluster's name, set explicitly: the Workload Identity member and the outputs name it. */
    clusterName: string;
    /** GCE labels on every resource that takes them, so the bill shows what belongs to the stack. */
    labels: Record<string, string>;
}

/** The region a zone belongs to (`us-central1-a` → `us-central1`). */
export function regionOfZone(zone: string): string {
    return zone.replace(/-[a-z]$/, "");
}

/** A stable short hex digest (FNV-1a), so shortened names of two stacks still differ. */
export function digest(text: string, length = 6): string {
    let hash = 0x811c9dc5;
    for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
    return hash.toString(16).padStart(8, "0").slice(0, length);
}

/**
 * A name for a GCP resource that allows lowercase letters, digits and `-`, starts with a letter and has at
 * most `max` characters (cluster names 40, service account ids 6-30): too long a name keeps its start
 * and gains a digest of the whole, so two stacks never share one.
 */
export function gcpName(text: string, max: number): string {
    const clean = text.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/-+/g, "-").replace(/^[^a-z]+/, "").replace(/-$/, "");
    if (clean.length <= max) return clean;
    const hash = digest(clean);
    return `${clean.slice(0, max - hash.length - 1).replace(/-$/, "")}-${hash}`;
}

/** GCE label values: lowercase letters, digits, `_` and `-`, at most 63 characters. */
function labelValue(text: string): string {
    return text.toLowerCase().replace(/[^a-z0-9_-]/g, "-").slice(0, 63);
}

/** The context of the platform named `name` for a validated GCP stack. */
export function gcpContext(name: string, settings: StackSettings): GcpContext {
    // validation requires gcp:project and gcp:zone on a GCP stack; the fallbacks only keep the types honest
    const project = settings.provider.gcpProject ?? "";
    const zone = settings.provider.gcpZone ?? "us-central1-a";
    const region = regionOfZone(zone);
    return {
        name,
        stack: settings.stack,
        project,
        zone,
        region,
        location: settings.config.gcp.regional ? region : zone,
        clusterName: gcpName(`${name}-${settings.stack}`, 40),
        labels: { "workbench-name": labelValue(name), "workbench-stack": labelValue(settings.stack), "managed-by": "pulumi" },
    };
}
