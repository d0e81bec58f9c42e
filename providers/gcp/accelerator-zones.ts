/**
 * Zones known to offer GPUs that are attached to N1 machines (T4), which a machine-type lookup cannot
 * show: `gcp.compute.getMachineTypes` lists accelerators only for machines that carry them built in (G2,
 * A2, A3), and @pulumi/gcp 9.37 has no accelerator-type lookup. A region not listed here is not judged
 * (GKE refuses the pool at creation if the zone lacks the GPU).
 * Source: GCP "GPU regions and zones" (Cyclenerd/google-cloud-pricing-cost-calculator tools/acceleratortypezone.csv, 2023-05).
 */
export const ATTACHED_ACCELERATOR_ZONES: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
    "nvidia-tesla-t4": {
        "us-central1": ["us-central1-a", "us-central1-b", "us-central1-c", "us-central1-f"],
    },
};
