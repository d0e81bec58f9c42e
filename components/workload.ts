import type * as k8s from "@pulumi/kubernetes";
import { GpuPool, NodePlacement, NodePool } from "../providers/contract";
import { NotebookImages } from "./hub/images";

/**
 * What every component running users' work (notebooks, Dask clusters) is told: where the workbench
 * lives, the images, the identity-bound account and its environment, and the pools from the contract.
 */
export interface WorkloadInput {
    /** The platform namespace (hub, proxy, the gateway's servers and controllers). */
    namespace: string;
    /** The user namespace: notebooks, Dask clusters and every other pod running users' code (DESIGN §5b.1). */
    userNamespace: string;
    /** Notebook images: the CPU one by default, the GPU one on GPU pools. */
    images: NotebookImages;
    /** The identity-bound ServiceAccount the pods run as. */
    serviceAccountName: string;
    /** Labels workload identity needs on the pods. */
    podLabels: Record<string, string>;
    /** The workload account's environment (bucket, identity). */
    env: k8s.types.input.core.v1.EnvVar[];
    /** Where the component's own servers (hub, proxy, gateway) run. */
    systemPlacement: NodePlacement;
    /** CPU work runs here; its shape sizes what a user may ask for. */
    userPool: NodePool;
    /** Each is offered as an alternative for GPU work. */
    gpuPools: readonly GpuPool[];
}
