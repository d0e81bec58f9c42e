import * as gcpProjects from "@pulumi/gcp/projects";
import * as pulumi from "@pulumi/pulumi";
import { GcpContext } from "./context";

/**
 * The Google APIs the platform's resources call: GKE and Compute Engine (cluster, nodes, disks, load
 * balancer), IAM (service accounts and their bindings), Cloud Storage (the bucket), Resource Manager
 * (project-level IAM grants). The budget adds Billing Budgets, Cloud Monitoring (its e-mail channels) and Cloud
 * Billing (the project lookup reads the project's billing account through it).
 */
export const PLATFORM_APIS: readonly string[] = [
    "container.googleapis.com",
    "compute.googleapis.com",
    "iam.googleapis.com",
    "storage.googleapis.com",
    "cloudresourcemanager.googleapis.com",
];

/** The API the check reads GPU quotas through, enabled with GPU pools so that the next preview can read them. */
export const GPU_QUOTA_APIS: readonly string[] = ["cloudquotas.googleapis.com"];

/** The APIs a budget alert needs on top of {@link PLATFORM_APIS}. */
export const BUDGET_APIS: readonly string[] = ["billingbudgets.googleapis.com", "monitoring.googleapis.com", "cloudbilling.googleapis.com"];

/**
 * Enables `apis` in the project, one `gcpProjects.Service` each. `disableOnDestroy: false`: switching an
 * API off on `pulumi destroy` would break anything else in the project using it (and the retained bucket).
 */
export function enableApis(context: GcpContext, apis: readonly string[], parent: pulumi.Resource): gcpProjects.Service[] {
    return apis.map(
        (service) =>
            new gcpProjects.Service(
                `${context.name}-${service.split(".")[0]}`,
                { project: context.project, service, disableOnDestroy: false, disableDependentServices: false },
                { parent },
            ),
    );
}
