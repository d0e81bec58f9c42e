import type { ConfigProblem } from "../../stacks/errors";
import { RegionCatalog, unknownRegionProblem } from "../catalog/regions";

/*
 * Azure's locations as azure-native:location takes them (the programmatic name: lowercase, no spaces), with their
 * display names, from Microsoft's published region list, generated 2026-12-02 from MicrosoftDocs/reliability-docs
 * articles/reliability/regions-list.md @01021ab (its "All" tab; the page is dated 2025-09-23), published as
 * https://learn.microsoft.com/azure/reliability/regions-list. Logical locations that `az account list-locations` also
 * lists (`global`, `europe`, `eastus2euap`, ...) host no AKS cluster and are left out. Regenerate with
 * AZURE_LOCATIONS.regenerate (a subscription's own list) and keep the entries' shape.
 */

/** Continents, for the catalog's samples. */
export type Continent = "Africa" | "Asia" | "Europe" | "North America" | "Oceania" | "South America";

/** One Azure location. */
export interface AzureLocation {
    /** The name people see ("West Europe"), which azure-native does not take. */
    displayName: string;
    /** Availability zones, as AKS names them; empty where the region has none. */
    zones: readonly string[];
    /** Where it is. */
    physicalLocation: string;
    /** Azure's geography. */
    geography: string;
    /** The continent it is on. */
    continent: Continent;
    /**
     * `restricted`: open only to subscriptions granted access (Azure region access request process); `coming-soon`:
     * announced, not yet open to all. Absent: open.
     */
    access?: "restricted" | "coming-soon";
}

const ZONES = ["1", "2", "3"] as const;

/** Every location of the published list. */
export const AZURE_LOCATION_DETAILS: Readonly<Record<string, AzureLocation>> = {
    australiacentral: { displayName: "Australia Central", zones: [], physicalLocation: "Canberra", geography: "Australia", continent: "Oceania" },
    australiacentral2: { displayName: "Australia Central 2", zones: [], physicalLocation: "Canberra", geography: "Australia", continent: "Oceania", access: "restricted" },
    australiaeast: { displayName: "Australia East", zones: ZONES, physicalLocation: "New South Wales", geography: "Australia", continent: "Oceania" },
    australiasoutheast: { displayName: "Australia Southeast", zones: [], physicalLocation: "Victoria", geography: "Australia", continent: "Oceania" },
    austriaeast: { displayName: "Austria East", zones: ZONES, physicalLocation: "Vienna", geography: "Austria", continent: "Europe" },
    belgiumcentral: { displayName: "Belgium Central", zones: ZONES, physicalLocation: "Brussels", geography: "Belgium", continent: "Europe" },
    brazilsouth: { displayName: "Brazil South", zones: ZONES, physicalLocation: "Sao Paulo State", geography: "Brazil", continent: "South America" },
    brazilsoutheast: { displayName: "Brazil Southeast", zones: [], physicalLocation: "Rio", geography: "Brazil", continent: "South America", access: "restricted" },
    canadacentral: { displayName: "Canada Central", zones: ZONES, physicalLocation: "Toronto", geography: "Canada", continent: "North America" },
    canadaeast: { displayName: "Canada East", zones: [], physicalLocation: "Quebec", geography: "Canada", continent: "North America" },
    centralindia: { displayName: "Central India", zones: ZONES, physicalLocation: "Pune", geography: "India", continent: "Asia" },
    centralus: { displayName: "Central US", zones: ZONES, physicalLocation: "Iowa", geography: "United States", continent: "North America" },
    chilecentral: { displayName: "Chile Central", zones: ZONES, physicalLocation: "Santiago", geography: "Chile", continent: "South America" },
    denmarkeast: { displayName: "Denmark East", zones: ZONES, physicalLocation: "Copenhagen", geography: "Denmark", continent: "Europe", access: "coming-soon" },
    eastasia: { displayName: "East Asia", zones: ZONES, physicalLocation: "Hong Kong SAR", geography: "Asia Pacific", continent: "Asia" },
    eastus: { displayName: "East US", zones: ZONES, physicalLocation: "Virginia", geography: "United States", continent: "North America" },
    eastus2: { displayName: "East US 2", zones: ZONES, physicalLocation: "Virginia", geography: "United States", continent: "North America" },
    francecentral: { displayName: "France Central", zones: ZONES, physicalLocation: "Paris", geography: "France", continent: "Europe" },
    francesouth: { displayName: "France South", zones: [], physicalLocation: "Marseille", geography: "France", continent: "Europe", access: "restricted" },
    germanynorth: { displayName: "Germany North", zones: [], physicalLocation: "Berlin", geography: "Germany", continent: "Europe", access: "restricted" },
    germanywestcentral: { displayName: "Germany West Central", zones: ZONES, physicalLocation: "Frankfurt", geography: "Germany", continent: "Europe" },
    indonesiacentral: { displayName: "Indonesia Central", zones: ZONES, physicalLocation: "Jakarta", geography: "Indonesia", continent: "Asia" },
    israelcentral: { displayName: "Israel Central", zones: ZONES, physicalLocation: "Israel", geography: "Israel", continent: "Asia" },
    italynorth: { displayName: "Italy North", zones: ZONES, physicalLocation: "Milan", geography: "Italy", continent: "Europe" },
    japaneast: { displayName: "Japan East", zones: ZONES, physicalLocation: "Tokyo, Saitama", geography: "Japan", continent: "Asia" },
    japanwest: { displayName: "Japan West", zones: ZONES, physicalLocation: "Osaka", geography: "Japan", continent: "Asia" },
    koreacentral: { displayName: "Korea Central", zones: ZONES, physicalLocation: "Seoul", geography: "Korea", continent: "Asia" },
    koreasouth: { displayName: "Korea South", zones: [], physicalLocation: "Busan", geography: "Korea", continent: "Asia" },
    malaysiawest: { displayName: "Malaysia West", zones: ZONES, physicalLocation: "Kuala Lumpur", geography: "Malaysia", continent: "Asia" },
    mexicocentral: { displayName: "Mexico Central", zones: ZONES, physicalLocation: "Querétaro State", geography: "Mexico", continent: "North America" },
    newzealandnorth: { displayName: "New Zealand North", zones: ZONES, physicalLocation: "Auckland", geography: "New Zealand", continent: "Oceania" },
    northcentralus: { displayName: "North Central US", zones: [], physicalLocation: "Illinois", geography: "United States", continent: "North America" },
    northeurope: { displayName: "North Europe", zones: ZONES, physicalLocation: "Ireland", geography: "Europe", continent: "Europe" },
    norwayeast: { displayName: "Norway East", zones: ZONES, physicalLocation: "Norway", geography: "Norway", continent: "Europe" },
    norwaywest: { displayName: "Norway West", zones: [], physicalLocation: "Norway", geography: "Norway", continent: "Europe", access: "restricted" },
    polandcentral: { displayName: "Poland Central", zones: ZONES, physicalLocation: "Warsaw", geography: "Poland", continent: "Europe" },
    qatarcentral: { displayName: "Qatar Central", zones: ZONES, physicalLocation: "Doha", geography: "Qatar", continent: "Asia" },
    southafricanorth: { displayName: "South Africa North", zones: ZONES, physicalLocation: "Johannesburg", geography: "South Africa", continent: "Africa" },
    southafricawest: { displayName: "South Africa West", zones: [], physicalLocation: "Cape Town", geography: "South Africa", continent: "Africa", access: "restricted" },
    southcentralus: { displayName: "South Central US", zones: ZONES, physicalLocation: "Texas", geography: "United States", continent: "North America" },
    southindia: { displayName: "South India", zones: [], physicalLocation: "Chennai", geography: "India", continent: "Asia" },
    southeastasia: { displayName: "Southeast Asia", zones: ZONES, physicalLocation: "Singapore", geography: "Asia Pacific", continent: "Asia" },
    spaincentral: { displayName: "Spain Central", zones: ZONES, physicalLocation: "Madrid", geography: "Spain", continent: "Europe" },
    swedencentral: { displayName: "Sweden Central", zones: ZONES, physicalLocation: "Gävle", geography: "Sweden", continent: "Europe" },
    switzerlandnorth: { displayName: "Switzerland North", zones: ZONES, physicalLocation: "Zurich", geography: "Switzerland", continent: "Europe" },
    switzerlandwest: { displayName: "Switzerland West", zones: [], physicalLocation: "Geneva", geography: "Switzerland", continent: "Europe", access: "restricted" },
    uaecentral: { displayName: "UAE Central", zones: [], physicalLocation: "Abu Dhabi", geography: "UAE", continent: "Asia", access: "restricted" },
    uaenorth: { displayName: "UAE North", zones: ZONES, physicalLocation: "Dubai", geography: "UAE", continent: "Asia" },
    uksouth: { displayName: "UK South", zones: ZONES, physicalLocation: "London", geography: "United Kingdom", continent: "Europe" },
    ukwest: { displayName: "UK West", zones: [], physicalLocation: "Cardiff", geography: "United Kingdom", continent: "Europe" },
    westcentralus: { displayName: "West Central US", zones: [], physicalLocation: "Wyoming", geography: "United States", continent: "North America" },
    westeurope: { displayName: "West Europe", zones: ZONES, physicalLocation: "Netherlands", geography: "Europe", continent: "Europe" },
    westindia: { displayName: "West India", zones: [], physicalLocation: "Mumbai", geography: "India", continent: "Asia" },
    westus: { displayName: "West US", zones: [], physicalLocation: "California", geography: "United States", continent: "North America" },
    westus2: { displayName: "West US 2", zones: ZONES, physicalLocation: "Washington", geography: "United States", continent: "North America" },
    westus3: { displayName: "West US 3", zones: ZONES, physicalLocation: "Phoenix", geography: "United States", continent: "North America" },
};

/** The locations as the shared catalog functions read them (zones by location). */
export const AZURE_LOCATIONS: RegionCatalog = {
    key: "azure-native:location",
    generatedOn: "2026-12-02",
    source: "learn.microsoft.com/azure/reliability/regions-list (MicrosoftDocs/reliability-docs @01021ab, page dated 2025-09-23)",
    regenerate:
        "az account list-locations --query \"[?metadata.regionType=='Physical'].{name:name, displayName:displayName, geography:metadata.geography, physicalLocation:metadata.physicalLocation, zones:availabilityZoneMappings[].logicalZone}\" -o json",
    regions: Object.fromEntries(Object.entries(AZURE_LOCATION_DETAILS).map(([name, location]) => [name, location.zones])),
};

const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, "");

/** The programmatic name of a display name ("West Europe", "west europe", "WestEurope"), if it is one. */
export function locationOfDisplayName(text: string): string | undefined {
    return Object.entries(AZURE_LOCATION_DETAILS).find(([, location]) => squash(location.displayName) === squash(text))?.[0];
}

/**
 * What is wrong with `azure-native:location`, answered from the catalog as of its date: a display name gets its
 * programmatic name; an unknown name the nearest names.
 */
export function azureLocationProblems(location: string): ConfigProblem[] {
    if (location in AZURE_LOCATION_DETAILS) return [];
    const name = locationOfDisplayName(location);
    if (name !== undefined) {
        return [
            {
                key: AZURE_LOCATIONS.key,
                given: location,
                allowed: `the location's programmatic name, ${name} (azure-native takes names, not display names): pulumi config set azure-native:location ${name}`,
            },
        ];
    }
    return unknownRegionProblem(AZURE_LOCATIONS, location);
}

/** What a user of a restricted or coming-soon location should know before deploying there. */
export function azureLocationWarnings(location: string): string[] {
    const details = AZURE_LOCATION_DETAILS[location];
    if (details?.access === "restricted") {
        return [
            `azure-native:location ${location} (${details.displayName}) is open only to subscriptions granted access in the catalog of ${AZURE_LOCATIONS.generatedOn} ` +
                "(Azure region access request process): without it the first pulumi up is refused.",
        ];
    }
    if (details?.access === "coming-soon") {
        return [`azure-native:location ${location} (${details.displayName}) was announced but not yet open to every subscription in the catalog of ${AZURE_LOCATIONS.generatedOn}.`];
    }
    return [];
}
