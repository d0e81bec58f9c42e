import { Cloud } from "./catalog";
import { PlatformModule } from "./contract";

/**
 * Loads the selected cloud's platform module, and only that one: each `require` below runs on
 * demand, so an existing-cluster stack never loads a cloud SDK and an AWS stack never loads the
 * GCP or Azure SDKs. `require` rather than `import()`: the program is CommonJS, and a dynamic
 * `import()` would send the cloud SDK through Node's ESM loader (slower, and it cannot resolve
 * the platform folders without a loader hook); `typeof import()` keeps the modules typed.
 */
export function loadPlatformModule(cloud: Cloud): PlatformModule {
    switch (cloud) {
        case "existing":
            return require("./existing") as typeof import("./existing");
        case "aws":
            return require("./aws") as typeof import("./aws");
        case "gcp":
            return require("./gcp") as typeof import("./gcp");
        case "azure":
            return require("./azure") as typeof import("./azure");
    }
}

