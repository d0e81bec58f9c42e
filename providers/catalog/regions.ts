import type { ConfigProblem } from "../../stacks/errors";
import { didYouMean } from "../../stacks/explain";

/**
 * A list copied from a cloud's published data (regions, zones, machine offerings), with where it came from and
 * when. The offline plan answers from these lists, so it can be wrong about what changed since: every check that
 * relies on one says the answer is the catalog's as of its date, and the plan warns once it is old.
 */
export interface DatedCatalog {
    /** The day the list was generated (`YYYY-MM-DD`). */
    generatedOn: string;
    /** The published source (document or API) the list was generated from. */
    source: string;
    /** The command that regenerates the list (run with the cloud's CLI by a maintainer with credentials). */
    regenerate: string;
}

/** A cloud's regions, each with its zones where the cloud names zones separately. */
export interface RegionCatalog extends DatedCatalog {
    /** The provider setting that holds the region (`aws:region`, `gcp:region`, `azure-native:location`). */
    key: string;
    /** Region names exactly as the provider takes them, with the zones each has (empty where zones are not named). */
    regions: Readonly<Record<string, readonly string[]>>;
}

/** Days after its generation from which a catalog is called stale in the plan's warnings (about six months). */
export const CATALOG_STALE_AFTER_DAYS = 183;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A warning when the catalog is older than {@link CATALOG_STALE_AFTER_DAYS} on `today`, naming what to run; none
 * while it is fresh.
 */
export function staleCatalogWarning(what: string, catalog: DatedCatalog, today: Date): string[] {
    const age = Math.floor((today.getTime() - Date.parse(`${catalog.generatedOn}T00:00:00Z`)) / DAY_MS);
    if (age <= CATALOG_STALE_AFTER_DAYS) return [];
    return [
        `The offline catalog of ${what} is ${age} days old (generated ${catalog.generatedOn} from ${catalog.source}); ` +
            `a region, zone or offering added since is unknown to it. Regenerate it with: ${catalog.regenerate}`,
    ];
}

/**
 * The problem for a region the catalog does not list, with the nearest real names; none for a listed region.
 * The message says the answer is the catalog's as of its date, not the cloud's today.
 */
export function unknownRegionProblem(catalog: RegionCatalog, region: string): ConfigProblem[] {
    const names = Object.keys(catalog.regions);
    if (names.includes(region)) return [];
    const hint = didYouMean(region, names);
    const nearest = nearestNames(region, names, 3);
    return [
        {
            key: catalog.key,
            given: region,
            allowed:
                `${hint}a region name such as ${nearest.join(", ")} (${names.length} regions in the offline catalog of ${catalog.generatedOn}, ` +
                `from ${catalog.source}; a region opened since is not in it: regenerate with ${catalog.regenerate})`,
        },
    ];
}

/** The `count` names closest to `typed`, by shared prefix first, then alphabetically. */
function nearestNames(typed: string, names: readonly string[], count: number): string[] {
    const common = (name: string): number => {
        let i = 0;
        while (i < name.length && i < typed.length && name[i] === typed[i]) i++;
        return i;
    };
    return [...names].sort((a, b) => common(b) - common(a) || a.localeCompare(b)).slice(0, count);
}
