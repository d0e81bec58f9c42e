import * as gcpCompute from "@pulumi/gcp/compute";
import * as gcpContainer from "@pulumi/gcp/container";
import * as gcpOrganizations from "@pulumi/gcp/organizations";
import { ConfigProblem } from "../../stacks/errors";
import type { WorkbenchConfig } from "../../stacks/schema";
import { checkKubernetesVersion, compareMinors, gpuClassesOn, gpuMachine, kubernetesVersionsOf } from "../catalog";
import { GKE_CHANNEL_WINDOWS, GkeReleaseChannel } from "../catalog/kubernetes/gcp";
import { staleCatalogWarning, unknownRegionProblem } from "../catalog/regions";
import { ATTACHED_ACCELERATOR_ZONES } from "./accelerator-zones";
import { regionOfZone } from "./context";
import { gpuQuotaFindings } from "./gpu-quota";
import { GCP_REGIONS, GPU_REGIONS } from "./regions";

/*
 * What GCP can tell before any resource exists: the project, the region's zones, the GKE versions a
 * location offers, and which machines (hence built-in GPUs) a zone has. Each lookup's failure becomes a
 * problem naming the key to change, except a lookup refused because its API is still off in the project:
 * the stack enables it (workbench:gcp.manageApis), so that check is skipped with a warning.
 */

/** What the checks found, for the platform to build with. */
export interface GcpFindings {
    problems: ConfigProblem[];
    warnings: string[];
    /** The project's number (budgets filter by it); undefined when the project could not be read. */
    projectNumber?: string;
    /** The project's billing account as Cloud Billing reports it through the project lookup; undefined when unknown. */
    billingAccount?: string;
    /** The minor the cluster runs: the pinned one, or the channel's default in the location. */
    kubernetesVersion?: string;
}

/** The GCP keys a check needs, when they are valid. */
export interface GcpCheckInput {
    project: string;
    zone: string;
    /** The cluster's location: the zone, or its region when regional. */
    location: string;
    channel: GkeReleaseChannel;
    /** `workbench:kubernetesVersion`, when set and valid; undefined follows the channel. */
    pinnedMinor?: string;
    /** Whether `workbench:kubernetesVersion` parsed (unset or valid); false when its own problem is reported. */
    versionValid: boolean;
    gpuPools: WorkbenchConfig["gpuPools"];
    today: Date;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The API is switched off in the project (a new project): the stack turns it on, so the check waits for the next preview. */
export function isApiDisabled(error: unknown): boolean {
    return /SERVICE_DISABLED|has not been used in project|is disabled|accessNotConfigured/i.test(message(error));
}

/**
 * A lookup that failed after the project was read: an API still off is a warning (the stack enables it),
 * anything else (permissions, quota) a problem on the project the lookup ran in.
 */
function lookupFailed(input: GcpCheckInput, findings: GcpFindings, what: string, api: string, error: unknown): void {
    if (isApiDisabled(error)) {
        findings.warnings.push(`Could not check ${what}: the ${api} API is off in ${input.project} (the stack enables it; the next preview checks it).`);
    } else {
        findings.problems.push({ key: "gcp:project", given: input.project, allowed: `looking up ${what} failed (${message(error).split("\n")[0]}); your credentials need at least roles/viewer on the project` });
    }
}

/** The minor of a GKE version string (`1.35.7-gke.1234000` → `1.35`). */
export function minorOf(version: string): string {
    return version.split(".").slice(0, 2).join(".");
}

/**
 * The project's number and billing account. Resource Manager's API being off (a project billed to itself as
 * quota project, docs/gcp.md) is not a missing project: the stack enables that API, so it is a warning, and
 * whatever needs the number (the budget) waits for the next preview.
 */
async function readProject(input: GcpCheckInput, findings: GcpFindings): Promise<boolean> {
    try {
        const project = await gcpOrganizations.getProject({ projectId: input.project });
        findings.projectNumber = project.number;
        // the provider reads it from Cloud Billing and leaves it empty when it cannot (API off, no permission)
        if (project.billingAccount) findings.billingAccount = project.billingAccount.replace(/^billingAccounts\//, "");
        return true;
    } catch (error) {
        if (isApiDisabled(error)) {
            findings.warnings.push(
                `Could not read project ${input.project}: the Cloud Resource Manager API is off in it (the stack enables it; the next preview reads the project ` +
                    `and plans the budget). To check everything now: gcloud services enable cloudresourcemanager.googleapis.com serviceusage.googleapis.com --project ${input.project}`,
            );
            return true;
        }
        findings.problems.push({
            key: "gcp:project",
            given: input.project,
            allowed: `no project with this id can be read with your credentials (${message(error).split("\n")[0]}); check the id (gcloud projects list) and gcloud auth application-default login`,
        });
        return false;
    }
}

/**
 * The zone against the dated region catalog: a region it does not know gets the nearest real names, a zone it
 * does not list the region's zones. A real preview then asks Compute Engine, whose answer wins (a region
 * opened after the catalog's date only gets a warning to regenerate it); offline, the mocks answer from the
 * same catalog, and the message says the answer is the catalog's.
 */
export function zoneCatalogProblems(zone: string): ConfigProblem[] {
    const region = regionOfZone(zone);
    const zones = GCP_REGIONS.regions[region];
    if (zones === undefined) {
        return unknownRegionProblem(GCP_REGIONS, region).map((problem) => ({
            ...problem,
            given: zone,
            allowed: `${problem.allowed}; ${region} is not among them: its zones are named <region>-<letter>, e.g. us-central1-a or europe-west1-b`,
        }));
    }
    return zones.includes(zone)
        ? []
        : [{ key: "gcp:zone", given: zone, allowed: `${region} has the zones ${zones.join(", ")} (offline catalog of ${GCP_REGIONS.generatedOn}; regenerate with ${GCP_REGIONS.regenerate})` }];
}

/** The region's zones; undefined when the lookup was refused. */
async function zonesOfRegion(input: GcpCheckInput, findings: GcpFindings): Promise<string[] | undefined> {
    const region = regionOfZone(input.zone);
    const catalog = zoneCatalogProblems(input.zone);
    try {
        const zones = await gcpCompute.getZones({ project: input.project, region });
        if (zones.names.length === 0) {
            findings.problems.push(
                ...(catalog.length > 0 && GCP_REGIONS.regions[region] === undefined
                    ? catalog
                    : [{ key: "gcp:zone", given: input.zone, allowed: `${region} is not a region of Compute Engine in ${input.project} (gcloud compute regions list)` }]),
            );
        } else if (!zones.names.includes(input.zone)) {
            findings.problems.push({ key: "gcp:zone", given: input.zone, allowed: `${region} has the zones ${[...zones.names].sort().join(", ")}` });
        } else if (catalog.length > 0) {
            // Compute Engine knows what the catalog does not: it answers, the catalog is out of date
            findings.warnings.push(
                `${input.zone} is not in the offline region catalog of ${GCP_REGIONS.generatedOn}, but Compute Engine lists it: regenerate the catalog (${GCP_REGIONS.regenerate}) so offline plans know it.`,
            );
        }
        return zones.names;
    } catch (error) {
        // no live answer: the catalog's is the only one, and it says so
        findings.problems.push(...catalog);
        if (catalog.length > 0) return [];
        lookupFailed(input, findings, `gcp:zone ${input.zone}`, "Compute Engine", error);
        return undefined;
    }
}

/**
 * The pinned minor against GKE's support window (catalog), then against what the location offers on the channel:
 * the live lookup is the authority when it answers (every valid master version up to the channel's newest), and
 * the catalog's static channel window only stands in when it cannot (the API is still off), so the plan never
 * refuses a minor GKE's channel would give.
 */
async function kubernetesVersion(input: GcpCheckInput, findings: GcpFindings): Promise<void> {
    const key = "workbench:kubernetesVersion";
    const window = GKE_CHANNEL_WINDOWS[input.channel];
    if (input.pinnedMinor !== undefined) {
        const checked = checkKubernetesVersion("gcp", input.pinnedMinor, input.today);
        findings.problems.push(...checked.problems);
        findings.warnings.push(...checked.warnings);
        if (checked.problems.length > 0) return;
    }
    let versions: gcpContainer.GetEngineVersionsResult;
    try {
        versions = await gcpContainer.getEngineVersions({ project: input.project, location: input.location });
    } catch (error) {
        lookupFailed(input, findings, `the GKE versions of ${input.location}`, "Kubernetes Engine", error);
        findings.kubernetesVersion = input.pinnedMinor ?? window.default;
        if (input.pinnedMinor !== undefined && (compareMinors(input.pinnedMinor, window.oldest) < 0 || compareMinors(input.pinnedMinor, window.newest) > 0)) {
            findings.problems.push({
                key,
                given: input.pinnedMinor,
                allowed: `the ${input.channel} channel offers ${window.oldest} to ${window.newest} for new clusters (${kubernetesVersionsOf("gcp").source}; GKE could not be asked); choose one, or another workbench:gcp.releaseChannel`,
            });
        }
        return;
    }
    const latest = versions.releaseChannelLatestVersion[input.channel];
    if (input.pinnedMinor === undefined) {
        const channelDefault = versions.releaseChannelDefaultVersion[input.channel];
        findings.kubernetesVersion = channelDefault ? minorOf(channelDefault) : window.default;
        return;
    }
    findings.kubernetesVersion = input.pinnedMinor;
    const offered = [...new Set(versions.validMasterVersions.map(minorOf))].sort(compareMinors);
    if (!offered.includes(input.pinnedMinor)) {
        findings.problems.push({ key, given: input.pinnedMinor, allowed: `GKE offers ${offered.join(", ")} in ${input.location}` });
    } else if (latest && compareMinors(input.pinnedMinor, minorOf(latest)) > 0) {
        findings.problems.push({
            key,
            given: input.pinnedMinor,
            allowed: `the ${input.channel} channel reaches ${minorOf(latest)} in ${input.location}; choose it or an older minor, or releaseChannel RAPID`,
        });
    }
}

/** How many leading characters two names share. */
function sharedPrefix(a: string, b: string): number {
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    return i;
}

/** Whether a zone has a machine type, and the GPUs built into it. */
async function machineInZone(project: string, zone: string, machineType: string): Promise<{ found: boolean; accelerators: string[] }> {
    const result = await gcpCompute.getMachineTypes({ project, zone, filter: `name = "${machineType}"` });
    const machine = result.machineTypes.find((m) => m.name === machineType);
    return { found: machine !== undefined, accelerators: machine?.accelerators.map((a) => a.guestAcceleratorType) ?? [] };
}

/** Each GPU pool's machine (and its GPU) in the zone: a zone without it cannot run the pool. */
async function gpuPoolsInZone(input: GcpCheckInput, zones: string[] | undefined, findings: GcpFindings): Promise<void> {
    if (zones === undefined) return; // the zones could not be listed: the machines cannot be either
    const offered = gpuClassesOn("gcp");
    const region = regionOfZone(input.zone);
    await Promise.all(
        input.gpuPools.map(async (pool, i) => {
            if (!offered.includes(pool.gpu)) return; // the schema's rules report it
            const machine = gpuMachine(pool.gpu, "gcp");
            const machineType = machine.instanceTypes[0];
            const accelerator = machine.acceleratorType ?? "";
            const key = `workbench:gpuPools[${i}].gpu`;
            const regions = GPU_REGIONS.regions[accelerator];
            if (regions !== undefined && !regions.includes(region)) {
                // the catalog knows where the GPU is sold: no zone of this region has it
                const nearest = [...regions].sort((x, y) => sharedPrefix(y, region) - sharedPrefix(x, region) || x.localeCompare(y)).slice(0, 3);
                findings.problems.push({
                    key,
                    given: pool.gpu,
                    allowed:
                        `${region} offers no ${accelerator} (GPU catalog of ${GPU_REGIONS.generatedOn}, from ${GPU_REGIONS.source}); ` +
                        `${regions.length} regions do, e.g. ${nearest.join(", ")}: choose another GPU class or a gcp:zone there`,
                });
                return;
            }
            let here: { found: boolean; accelerators: string[] };
            try {
                here = await machineInZone(input.project, input.zone, machineType);
            } catch (error) {
                lookupFailed(input, findings, `${machineType} in ${input.zone}`, "Compute Engine", error);
                return;
            }
            const attachedZones = ATTACHED_ACCELERATOR_ZONES[accelerator]?.[region];
            const builtIn = here.accelerators.includes(accelerator);
            const attachedHere = attachedZones ? attachedZones.includes(input.zone) : true;
            if (here.found && (builtIn || attachedHere)) return;
            // where else in the region: machines with the GPU built in, or the known zones of an attached GPU
            const elsewhere = attachedZones && here.found
                ? [...attachedZones]
                : (
                      await Promise.all(
                          zones.filter((z) => z !== input.zone).map((z) => machineInZone(input.project, z, machineType).then((m) => (m.found ? [z] : []), () => [])),
                      )
                  ).flat();
            findings.problems.push({
                key,
                given: pool.gpu,
                allowed:
                    `${input.zone} has no ${machineType}${accelerator ? ` with ${accelerator}` : ""}; ` +
                    (elsewhere.length > 0
                        ? `${region} offers it in ${elsewhere.sort().join(", ")} (pulumi config set gcp:zone ${elsewhere.sort()[0]}), or choose another GPU class`
                        : `choose another GPU class or another gcp:zone`),
            });
        }),
    );
}

/** Every check GCP's lookups allow, run together. */
export async function gcpFindings(input: GcpCheckInput): Promise<GcpFindings> {
    const findings: GcpFindings = { problems: [], warnings: [] };
    findings.warnings.push(...staleCatalogWarning("GCP regions and zones", GCP_REGIONS, input.today), ...staleCatalogWarning("GCP GPU regions", GPU_REGIONS, input.today));
    // a project that cannot be read answers no other lookup: its one problem says what to fix
    if (!(await readProject(input, findings))) return findings;
    const zones = await zonesOfRegion(input, findings);
    // a zone the region lacks answers no machine or version lookup either: its problem says what to type
    if (zones !== undefined && !zones.includes(input.zone)) return findings;
    await Promise.all([
        gpuPoolsInZone(input, zones, findings),
        input.versionValid ? kubernetesVersion(input, findings) : Promise.resolve(),
        gpuQuotaFindings(input.project, regionOfZone(input.zone), input.gpuPools).then((quota) => findings.warnings.push(...quota)),
    ]);
    return findings;
}
