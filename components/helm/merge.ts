/** A plain JSON-like mapping. */
export type ValueMap = Record<string, unknown>;

/** Whether a value is a mapping (not a list, not null). */
export function isValueMap(value: unknown): value is ValueMap {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Merges `overrides` over `base` as Helm coalesces values over a chart's defaults: mappings merge
 * key by key, lists and scalars replace, and a `null` override deletes the key. Neither input is
 * modified.
 */
export function helmMerge(base: ValueMap, overrides: ValueMap): ValueMap {
    const merged: ValueMap = { ...base };
    for (const [key, value] of Object.entries(overrides)) {
        if (value === null) {
            delete merged[key];
        } else if (isValueMap(value) && isValueMap(merged[key])) {
            merged[key] = helmMerge(merged[key], value);
        } else {
            merged[key] = value;
        }
    }
    return merged;
}
