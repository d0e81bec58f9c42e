/**
 * The provider settings a stack sets in the providers' own namespaces, where Pulumi users
 * expect them (`aws:region`, `gcp:project`, `gcp:zone`, `azure-native:location`).
 */
export interface ProviderSettings {
    /** `aws:region`. */
    awsRegion?: string;
    /** `gcp:project`. */
    gcpProject?: string;
    /** `gcp:region`. */
    gcpRegion?: string;
    /** `gcp:zone`. */
    gcpZone?: string;
    /** `azure-native:location`. */
    azureLocation?: string;
}

/** The config key each provider setting is read from. */
export const PROVIDER_SETTING_KEYS: Readonly<Record<keyof ProviderSettings, string>> = {
    awsRegion: "aws:region",
    gcpProject: "gcp:project",
    gcpRegion: "gcp:region",
    gcpZone: "gcp:zone",
    azureLocation: "azure-native:location",
};

/** Reads the provider settings out of a flat `namespace:key → value` map. */
export function readProviderSettings(flat: Readonly<Record<string, string>>): ProviderSettings {
    const settings: ProviderSettings = {};
    for (const [field, key] of Object.entries(PROVIDER_SETTING_KEYS) as [keyof ProviderSettings, string][]) {
        if (flat[key] !== undefined) settings[field] = flat[key];
    }
    return settings;
}
