import * as pulumi from "@pulumi/pulumi";
import { Cloud } from "./catalog";
import { PlatformModule } from "./contract";

/** Clouds whose platform module exists in this version. */
export const IMPLEMENTED_CLOUDS: readonly Cloud[] = ["existing"];

/**
 * Loads the selected cloud's platform module, and only that one: each `import()` below is
 * evaluated on demand, so an existing-cluster stack never loads a cloud SDK and an AWS
 * stack never loads the GCP or Azure SDKs.
 */
export async function loadPlatformModule(cloud: Cloud): Promise<PlatformModule> {
    switch (cloud) {
        case "existing":
            return import("./existing");
        case "aws":
        case "gcp":
        case "azure":
            throw new pulumi.RunError(
                `workbench:cloud "${cloud}" is not implemented yet; this version plans and deploys "existing" clusters only.`,
            );
    }
}
