import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { PlanMocks } from "../plan/mocks";
import { azureMocks } from "../plan/mocks/azure";
import { readStackConfig } from "../plan/project";
import { ARM_GET_TOKEN } from "../providers/azure/arm";
import { AZURE_LOCATION_DETAILS, AZURE_LOCATIONS, azureLocationProblems, Continent, locationOfDisplayName } from "../providers/azure/regions";
import { CATALOG_STALE_AFTER_DAYS } from "../providers/catalog/regions";
import { validateConfig } from "../stacks/load";
import { PROJECT_DIR, runPlan, variantStackFile } from "./harness";
import { loadPlatformModule } from "../providers/registry";

/*
 * Azure's location catalog (providers/azure/regions.ts): every location it lists passes the check and is answered by
 * the offline mocks; a display name gets its programmatic name, a misspelt name the nearest ones; the catalog says
 * when it is old. A location on each continent is planned in full.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

describe("Azure location catalog", () => {
    const stack = readStackConfig(PROJECT_DIR, "azure");
    const { config, provider } = validateConfig("azure", stack.config);
    before(async () => {
        pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);
        await pulumi.runtime.setMocks(new PlanMocks({ stack: "azure", project: stack.project, config: stack.config }), stack.project, "azure", false);
    });

    it("lists each location once, by the name azure-native takes (lowercase letters and digits), with a display name that maps back to it", () => {
        const names = Object.keys(AZURE_LOCATION_DETAILS);
        assert.ok(names.length >= 50, `${names.length} locations`);
        for (const name of names) {
            assert.match(name, /^[a-z][a-z0-9]*$/, name);
            assert.equal(locationOfDisplayName(AZURE_LOCATION_DETAILS[name].displayName), name);
            assert.deepEqual(AZURE_LOCATIONS.regions[name], AZURE_LOCATION_DETAILS[name].zones);
        }
        assert.match(AZURE_LOCATIONS.regenerate, /^az account list-locations /);
    });

    it("passes every catalog location through the platform's check, its quota lookup answered by the mocks", async () => {
        const { prepare } = loadPlatformModule("azure");
        for (const location of Object.keys(AZURE_LOCATION_DETAILS)) {
            const preparation = await prepare({ stack: "azure", parsed: config, provider: { ...provider, azureLocation: location }, secretsSet: new Set(), today: new Date(`${AZURE_LOCATIONS.generatedOn}T00:00:00Z`) });
            assert.deepEqual(preparation.problems, [], location);
            assert.ok(!preparation.warnings.some((w) => /Could not check/.test(w)), `${location}: ${preparation.warnings.join(" | ")}`);
        }
    });

    it("has mocks that answer like Azure for every catalog location and refuse a location Azure does not have", () => {
        const context = { stack: "azure", project: "workbench", config: {} };
        const cluster = azureMocks.resources["azure-native:containerservice:ManagedCluster"];
        const arm = azureMocks.invokes[ARM_GET_TOKEN];
        const call = (location: string) => arm({ token: ARM_GET_TOKEN, inputs: { path: `/subscriptions/s/providers/Microsoft.Compute/locations/${location}/usages?api-version=2024-07-01` } }, context);
        for (const location of Object.keys(AZURE_LOCATION_DETAILS)) {
            const answer = cluster({ type: "azure-native:containerservice:ManagedCluster", name: "c", inputs: { location, resourceGroupName: "rg", oidcIssuerProfile: { enabled: true } }, custom: true }, context);
            assert.match(String((answer["oidcIssuerProfile"] as { issuerURL: string }).issuerURL), new RegExp(`^https://${location}\\.oic\\.prod-aks\\.azure\\.com/`));
            assert.ok(Array.isArray(call(location)["value"]), location);
        }
        assert.throws(() => call("marsnorth"), /No registered resource provider found for location/);
        assert.throws(() => cluster({ type: "azure-native:containerservice:ManagedCluster", name: "c", inputs: { location: "marsnorth" }, custom: true }, context), /LocationNotAvailable/);
    });

    it("turns a display name into the name to type, and a misspelt name into the nearest names, saying the answer is the catalog's", () => {
        const [display] = azureLocationProblems("West Europe");
        assert.equal(display.key, "azure-native:location");
        assert.match(display.allowed, /pulumi config set azure-native:location westeurope$/);
        const [typo] = azureLocationProblems("westeurop");
        assert.match(typo.allowed, /did you mean `westeurope`\?/);
        assert.match(typo.allowed, new RegExp(`offline catalog of ${AZURE_LOCATIONS.generatedOn}`));
        const [unknown] = azureLocationProblems("marsnorth");
        assert.match(unknown.allowed, /a region name such as .+az account list-locations/);
        assert.deepEqual(azureLocationProblems("swedencentral"), []);
    });

    it("warns when the catalog is older than about six months, naming the command that regenerates it", async () => {
        const { prepare } = loadPlatformModule("azure");
        const generated = Date.parse(`${AZURE_LOCATIONS.generatedOn}T00:00:00Z`);
        const at = async (days: number) =>
            (await prepare({ stack: "azure", parsed: config, provider, secretsSet: new Set(), today: new Date(generated + days * DAY_MS) })).warnings.filter((w) => w.includes("offline catalog of Azure locations"));
        assert.deepEqual(await at(30), []);
        const [stale] = await at(CATALOG_STALE_AFTER_DAYS + 30);
        assert.ok(stale?.includes(AZURE_LOCATIONS.regenerate), stale);
    });
});

describe("Azure locations: one per continent checked, two planned in full", () => {
    const sample: Record<Continent, string> = {
        "North America": "canadacentral",
        "South America": "brazilsouth",
        Europe: "swedencentral",
        Africa: "southafricanorth",
        Asia: "japaneast",
        Oceania: "australiaeast",
    };

    it("covers every continent of the catalog", () => {
        const continents = new Set(Object.values(AZURE_LOCATION_DETAILS).map((l) => l.continent));
        assert.deepEqual([...continents].sort(), Object.keys(sample).sort());
        for (const [continent, location] of Object.entries(sample)) assert.equal(AZURE_LOCATION_DETAILS[location].continent, continent);
    });

    it("plans two of them in full (South America, Asia) with the cluster, storage and identities there", async () => {
        // every location's check runs above; each full plan costs a second
        const locations = [sample["South America"], sample.Asia];
        const runs = await Promise.all(locations.map(async (location) => ({ location, run: await runPlan("azure", { stackFile: variantStackFile("azure", { "azure-native:location": location }) }) })));
        for (const { location, run } of runs) {
            assert.equal(run.status, 0, `${location}: ${run.stderr}`);
            const located = run.document.resources.filter((r) => typeof r.inputs["location"] === "string");
            assert.ok(located.length >= 5, `${location}: the groups, the cluster, the account and the identities have a location`);
            for (const r of located) assert.equal(r.inputs["location"], location, `${r.type} ${r.name}`);
        }
    });
});
