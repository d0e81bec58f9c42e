import { DatedCatalog, RegionCatalog } from "../catalog/regions";

/*
 * Where GCP is, as data: every Compute Engine region with its zones, and the regions that offer each GPU the
 * workbench uses. The offline plan's mocks answer from these lists and the check names the nearest real names
 * for a region it does not know; a region or zone opened after the catalog's date is unknown offline (the plan
 * says the answer is the catalog's), while a real preview asks Compute Engine, which has the final word.
 */

/**
 * Every Compute Engine region and its zones, as `gcloud compute zones list` listed them on 2026-09-21 (the list
 * log2timeline/dftimewolf keeps in `dftimewolf/lib/validators/gcp_zone.py`, "Fetched 2026-09-21", 143 zones).
 * It also holds the four regions some projects see only by arrangement (us-central2, us-east7, us-west8,
 * europe-west15): a project without access is refused by Compute Engine at the first preview, not here.
 */
export const GCP_REGIONS: RegionCatalog = {
    key: "gcp:zone",
    generatedOn: "2026-09-21",
    source: "gcloud compute zones list (as recorded in log2timeline/dftimewolf dftimewolf/lib/validators/gcp_zone.py)",
    regenerate: "gcloud compute zones list --format=\"value(name)\" | sort",
    regions: {
        "africa-south1": ["africa-south1-a", "africa-south1-b", "africa-south1-c"],
        "asia-east1": ["asia-east1-a", "asia-east1-b", "asia-east1-c"],
        "asia-east2": ["asia-east2-a", "asia-east2-b", "asia-east2-c"],
        "asia-northeast1": ["asia-northeast1-a", "asia-northeast1-b", "asia-northeast1-c"],
        "asia-northeast2": ["asia-northeast2-a", "asia-northeast2-b", "asia-northeast2-c"],
        "asia-northeast3": ["asia-northeast3-a", "asia-northeast3-b", "asia-northeast3-c"],
        "asia-south1": ["asia-south1-a", "asia-south1-b", "asia-south1-c"],
        "asia-south2": ["asia-south2-a", "asia-south2-b", "asia-south2-c"],
        "asia-southeast1": ["asia-southeast1-a", "asia-southeast1-b", "asia-southeast1-c"],
        "asia-southeast2": ["asia-southeast2-a", "asia-southeast2-b", "asia-southeast2-c"],
        "asia-southeast3": ["asia-southeast3-a", "asia-southeast3-b", "asia-southeast3-c"],
        "australia-southeast1": ["australia-southeast1-a", "australia-southeast1-b", "australia-southeast1-c"],
        "australia-southeast2": ["australia-southeast2-a", "australia-southeast2-b", "australia-southeast2-c"],
        "europe-central2": ["europe-central2-a", "europe-central2-b", "europe-central2-c"],
        "europe-north1": ["europe-north1-a", "europe-north1-b", "europe-north1-c"],
        "europe-north2": ["europe-north2-a", "europe-north2-b", "europe-north2-c"],
        "europe-southwest1": ["europe-southwest1-a", "europe-southwest1-b", "europe-southwest1-c"],
        "europe-west1": ["europe-west1-b", "europe-west1-c", "europe-west1-d"],
        "europe-west10": ["europe-west10-a", "europe-west10-b", "europe-west10-c"],
        "europe-west12": ["europe-west12-a", "europe-west12-b", "europe-west12-c"],
        "europe-west15": ["europe-west15-a", "europe-west15-b", "europe-west15-c"],
        "europe-west2": ["europe-west2-a", "europe-west2-b", "europe-west2-c"],
        "europe-west3": ["europe-west3-a", "europe-west3-b", "europe-west3-c"],
        "europe-west4": ["europe-west4-a", "europe-west4-b", "europe-west4-c"],
        "europe-west6": ["europe-west6-a", "europe-west6-b", "europe-west6-c"],
        "europe-west8": ["europe-west8-a", "europe-west8-b", "europe-west8-c"],
        "europe-west9": ["europe-west9-a", "europe-west9-b", "europe-west9-c"],
        "me-central1": ["me-central1-a", "me-central1-b", "me-central1-c"],
        "me-central2": ["me-central2-a", "me-central2-b", "me-central2-c"],
        "me-west1": ["me-west1-a", "me-west1-b", "me-west1-c"],
        "northamerica-northeast1": ["northamerica-northeast1-a", "northamerica-northeast1-b", "northamerica-northeast1-c"],
        "northamerica-northeast2": ["northamerica-northeast2-a", "northamerica-northeast2-b", "northamerica-northeast2-c"],
        "northamerica-south1": ["northamerica-south1-a", "northamerica-south1-b", "northamerica-south1-c"],
        "southamerica-east1": ["southamerica-east1-a", "southamerica-east1-b", "southamerica-east1-c"],
        "southamerica-west1": ["southamerica-west1-a", "southamerica-west1-b", "southamerica-west1-c"],
        "us-central1": ["us-central1-a", "us-central1-b", "us-central1-c", "us-central1-f"],
        "us-central2": ["us-central2-a", "us-central2-b", "us-central2-c", "us-central2-d"],
        "us-east1": ["us-east1-b", "us-east1-c", "us-east1-d"],
        "us-east4": ["us-east4-a", "us-east4-b", "us-east4-c"],
        "us-east5": ["us-east5-a", "us-east5-b", "us-east5-c"],
        "us-east7": ["us-east7-a", "us-east7-b", "us-east7-c"],
        "us-south1": ["us-south1-a", "us-south1-b", "us-south1-c"],
        "us-west1": ["us-west1-a", "us-west1-b", "us-west1-c"],
        "us-west2": ["us-west2-a", "us-west2-b", "us-west2-c"],
        "us-west3": ["us-west3-a", "us-west3-b", "us-west3-c"],
        "us-west4": ["us-west4-a", "us-west4-b", "us-west4-c"],
        "us-west8": ["us-west8-a", "us-west8-b", "us-west8-c"],
    },
};

/**
 * The regions that offer each accelerator type the GPU catalog names on GCP, from `gcloud compute
 * accelerator-types list` as Cyclenerd/google-cloud-pricing-cost-calculator `tools/acceleratortyperegion.csv`
 * recorded it (last changed 2026-08-10, commit 1c13e28). Region-level only: which zones of a region have the
 * GPU is Compute Engine's answer at preview (built-in GPUs) or `ATTACHED_ACCELERATOR_ZONES`.
 */
export const GPU_REGIONS: DatedCatalog & { regions: Readonly<Record<string, readonly string[]>> } = {
    generatedOn: "2026-08-10",
    source: "gcloud compute accelerator-types list (Cyclenerd/google-cloud-pricing-cost-calculator tools/acceleratortyperegion.csv)",
    regenerate: "gcloud compute accelerator-types list --format=\"csv[no-heading](name,zone)\" | sed 's/-[a-z]$//' | sort -u",
    regions: {
        "nvidia-tesla-t4": [
            "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast3", "asia-south1", "asia-southeast1",
            "asia-southeast2", "australia-southeast1", "europe-central2", "europe-west1", "europe-west2", "europe-west3",
            "europe-west4", "me-west1", "northamerica-northeast1", "southamerica-east1", "us-central1", "us-east1",
            "us-east4", "us-west1", "us-west2", "us-west3", "us-west4",
        ],
        "nvidia-l4": [
            "asia-east1", "asia-northeast1", "asia-northeast3", "asia-south1", "asia-southeast1", "europe-west1",
            "europe-west2", "europe-west3", "europe-west4", "europe-west6", "me-central2", "northamerica-northeast1",
            "northamerica-northeast2", "us-central1", "us-east1", "us-east4", "us-west1", "us-west4",
        ],
        "nvidia-tesla-a100": [
            "asia-northeast1", "asia-northeast3", "asia-southeast1", "europe-west4", "me-west1", "us-central1",
            "us-east1", "us-west1", "us-west3", "us-west4",
        ],
        "nvidia-h100-80gb": [
            "asia-east1", "asia-northeast1", "asia-northeast3", "asia-south1", "asia-south2", "asia-southeast1",
            "australia-southeast1", "australia-southeast2", "europe-north1", "europe-west1", "europe-west2",
            "europe-west3", "europe-west4", "europe-west9", "northamerica-northeast2", "us-central1", "us-east4",
            "us-east5", "us-west1", "us-west4",
        ],
    },
};
