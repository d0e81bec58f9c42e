import { strict as assert } from "node:assert";
import { RegionCatalog, staleCatalogWarning, unknownRegionProblem } from "../providers/catalog/regions";

// A catalog shaped as the clouds' are; the clouds' own catalogs are tested with their platforms.
const catalog: RegionCatalog = {
    key: "aws:region",
    generatedOn: "2026-11-01",
    source: "a published list",
    regenerate: "a command",
    regions: { "eu-west-1": ["eu-west-1a"], "eu-west-2": [], "us-east-1": [], "ap-south-1": [] },
};

describe("dated region catalogs (providers/catalog/regions.ts)", () => {
    it("accepts a listed region and refuses another naming the key, the nearest names and the catalog's date", () => {
        assert.deepEqual(unknownRegionProblem(catalog, "eu-west-1"), []);
        const [problem] = unknownRegionProblem(catalog, "eu-wets-1");
        assert.equal(problem.key, "aws:region");
        assert.equal(problem.given, "eu-wets-1");
        assert.match(problem.allowed, /did you mean `eu-west-1`\?/);
        assert.match(problem.allowed, /eu-west-1, eu-west-2/);
        assert.match(problem.allowed, /2026-11-01/);
        assert.match(problem.allowed, /regenerate with a command/);
    });

    it("warns only once the catalog is older than about six months", () => {
        assert.deepEqual(staleCatalogWarning("AWS regions", catalog, new Date("2027-04-01T00:00:00Z")), []);
        const [warning] = staleCatalogWarning("AWS regions", catalog, new Date("2027-06-01T00:00:00Z"));
        assert.match(warning, /AWS regions is 212 days old/);
        assert.match(warning, /Regenerate it with: a command/);
    });
});
