import { GpuPool, NodePool, Toleration } from "../../providers/contract";
import { NotebookEnvironment, notebookEnvironments, NotebookImages } from "./images";
import { allocatable, gibibytes } from "../sizing";

/*
 * The notebook profile list, generated from the contract: CPU sizes on the user pool and one
 * profile per GPU pool. Pure functions, so the rules users depend on are testable without Pulumi.
 */

/** KubeSpawner settings a profile overrides (KubeSpawner's own trait names). */
export interface KubeSpawnerOverride {
    /** The notebook image, when not the default one. */
    image?: string;
    /** CPU cores reserved for the notebook. */
    cpu_guarantee?: number;
    /** CPU cores it may burst to. */
    cpu_limit?: number;
    /** Memory reserved, with KubeSpawner's `G` = GiB. */
    mem_guarantee?: string;
    /** Memory limit (equal to the guarantee: no overcommit). */
    mem_limit?: string;
    /** Replaces the node selector of `singleuser.nodeSelector`. */
    node_selector?: Record<string, string>;
    /** Replaces every toleration of the pod. */
    tolerations?: Toleration[];
    /** Extended resources the pod requests, e.g. `{"nvidia.com/gpu": "1"}`. */
    extra_resource_limits?: Record<string, string>;
    /** Seconds to wait for the pod, node scale-up and image pull included. */
    start_timeout?: number;
    /** Merged into the pod spec; GPU profiles set `activeDeadlineSeconds`, their maximum age. */
    extra_pod_config?: { activeDeadlineSeconds?: number };
}

/** One choice of a profile option (KubeSpawner's `profile_options.<name>.choices.<slug>`). */
export interface ProfileOptionChoice {
    /** What the spawn page shows. */
    display_name: string;
    /** The choice preselected. */
    default?: boolean;
    /** What choosing it changes. */
    kubespawner_override: KubeSpawnerOverride;
}

/** A profile option: a drop-down of choices under the profile. */
export interface ProfileOption {
    display_name: string;
    choices: Record<string, ProfileOptionChoice>;
}

/** One entry of z2jh's `singleuser.profileList`. */
export interface NotebookProfile {
    /** The title on the spawn page. */
    display_name: string;
    /** Stable identifier (`cpu-small`, `gpu-<pool>`), used by the API and remembered per user. */
    slug: string;
    /** The line under the title. */
    description: string;
    /** The profile preselected on the spawn page. */
    default?: boolean;
    /** What the profile changes of the spawner's defaults. */
    kubespawner_override: KubeSpawnerOverride;
    /** The environment (image) to run on this hardware. */
    profile_options?: { environment: ProfileOption };
}

/** The profile option "Environment": the user picks the image as well as the hardware. */
function environmentOption(environments: readonly NotebookEnvironment[]): { environment: ProfileOption } {
    return {
        environment: {
            display_name: "Environment",
            choices: Object.fromEntries(
                environments.map((environment, i) => [
                    environment.slug,
                    {
                        display_name: `${environment.title}: ${environment.description}`,
                        ...(i === 0 ? { default: true } : {}),
                        kubespawner_override: { image: environment.image },
                    },
                ]),
            ),
        },
    };
}

/** Shares of a user node offered as CPU sizes, smallest first. */
const CPU_SIZES = [
    { slug: "cpu-small", name: "Small", share: 0.25 },
    { slug: "cpu-medium", name: "Medium", share: 0.5 },
    { slug: "cpu-node", name: "Whole node", share: 1 },
] as const;

/** A share smaller than this much memory is too small for a notebook and is left out. */
const MIN_NOTEBOOK_GIB = 2;

/** A GPU node boots, installs drivers and pulls a CUDA image of several GB: give it time. */
const GPU_START_TIMEOUT_SECONDS = 1200;

function fixed(value: number, step: number): number {
    return Math.floor(value / step) * step;
}

/**
 * CPU sizes on the user pool: shares of a node's allocatable resources. CPU may burst to the whole
 * node; memory is guaranteed as much as it is limited, so a notebook is never killed for a neighbour.
 * The pods land on the user pool through `singleuser.nodeSelector` and `singleuser.extraTolerations`.
 */
export function cpuProfiles(pool: NodePool, environments: readonly NotebookEnvironment[] = []): NotebookProfile[] {
    const node = allocatable(pool);
    const sizes = CPU_SIZES.filter((size) => size.share === 1 || node.memoryGiB * size.share >= MIN_NOTEBOOK_GIB);
    return sizes.map((size, i) => {
        const cpu = Math.max(0.1, fixed(node.cpu * size.share, 0.1));
        const memory = fixed(node.memoryGiB * size.share, 0.25);
        return {
            display_name: `${size.name} · ${Number(cpu.toFixed(1))} CPU · ${memory} GiB`,
            slug: size.slug,
            description: `On the CPU pool (${pool.vcpu} vCPU · ${pool.memoryGiB} GiB nodes${pool.spot ? ", spot" : ""}); a new node takes a few minutes to start.`,
            ...(i === 0 ? { default: true } : {}),
            kubespawner_override: {
                cpu_guarantee: Number(cpu.toFixed(1)),
                cpu_limit: node.cpu,
                mem_guarantee: gibibytes(memory),
                mem_limit: gibibytes(memory),
            },
            ...(environments.length > 0 ? { profile_options: environmentOption(environments) } : {}),
        };
    });
}

/** The slug of a GPU pool's profile: what the spawn form posts, the API takes and the groups' gates name. */
export function gpuProfileSlug(poolName: string): string {
    return `gpu-${poolName}`;
}

/**
 * One profile per GPU pool: the whole node with all its GPUs, the pool's node selector and every
 * toleration it needs there (the contract's placement covers each taint, cloud-added ones included).
 * With a maximum age, Kubernetes stops the pod that long after it started (`activeDeadlineSeconds`),
 * busy kernel or not, so a forgotten job cannot keep a GPU node up for days; the home stays.
 */
export function gpuProfile(pool: GpuPool, environment: NotebookEnvironment | string, maxAgeHours = 0): NotebookProfile {
    const node = allocatable(pool);
    const gpus = `${pool.gpusPerNode} GPU${pool.gpusPerNode > 1 ? "s" : ""}`;
    const image = typeof environment === "string" ? environment : environment.image;
    const about = typeof environment === "string" ? "" : ` ${environment.title}: ${environment.description}.`;
    const stops = maxAgeHours > 0 ? ` Stops ${maxAgeHours} h after it starts, even while busy (save your work).` : "";
    return {
        display_name: `GPU · ${pool.description}`,
        slug: gpuProfileSlug(pool.name),
        description: `${gpus} on pool ${pool.name}${pool.spot ? " (spot: the node may be reclaimed)" : ""}; a GPU node takes several minutes to start.${about}${stops}`,
        kubespawner_override: {
            image,
            ...(maxAgeHours > 0 ? { extra_pod_config: { activeDeadlineSeconds: maxAgeHours * 3600 } } : {}),
            node_selector: { ...pool.placement.nodeSelector },
            tolerations: pool.placement.tolerations.map((toleration) => ({ ...toleration })),
            extra_resource_limits: { [pool.resourceName]: String(pool.gpusPerNode) },
            cpu_guarantee: node.cpu,
            cpu_limit: node.cpu,
            mem_guarantee: gibibytes(node.memoryGiB),
            mem_limit: gibibytes(node.memoryGiB),
            start_timeout: GPU_START_TIMEOUT_SECONDS,
        },
    };
}

/**
 * The whole profile list: CPU sizes first (the smallest preselected), each offering the CPU
 * environments, then one profile per GPU pool with the GPU environment and its maximum age.
 */
export function profileList(userPool: NodePool, gpuPools: readonly GpuPool[], images: NotebookImages, gpuMaxAgeHours: number): NotebookProfile[] {
    const environments = notebookEnvironments(images);
    return [...cpuProfiles(userPool, environments.cpu), ...gpuPools.map((pool) => gpuProfile(pool, environments.gpu[0], gpuMaxAgeHours))];
}
