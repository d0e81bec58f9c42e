import { holdsSecret, InputChange, PlanDiff, ResourceChange, SECRET } from "./diff";

/** The hidden line a comment carries so the workflow finds and edits its own comment. */
export const COMMENT_MARKER = "<!-- workbench-offline-plan-diff -->";

/** How much of one stack's report fits in a pull-request comment (GitHub caps a comment at 65,536 characters). */
export const DEFAULT_MAX_CHARS = 15_000;

const MAX_RESOURCES_LISTED = 40;
const MAX_PATHS_PER_RESOURCE = 15;
const MAX_VALUE_CHARS = 80;

/** A table cell: pipes and line breaks would break the table (GitHub honours `\|` inside code spans too). */
function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** A value as text; secrets stay `[secret]`, whatever surrounds them. */
function valueText(value: unknown): string {
    return holdsSecret(value) ? SECRET : typeof value === "string" ? value : JSON.stringify(value);
}

/** A value as a short code span, its text starting at `from` (where it differs from the other side). */
export function formatValue(value: unknown, from = 0): string {
    if (value === undefined) return "–";
    const text = valueText(value);
    const start = text === SECRET ? 0 : Math.max(0, Math.min(from, text.length - MAX_VALUE_CHARS + 1));
    const head = start > 0 ? `…${text.slice(start)}` : text;
    const short = head.length > MAX_VALUE_CHARS ? `${head.slice(0, MAX_VALUE_CHARS - 1)}…` : head;
    return `\`${cell(short.replace(/`/g, "'"))}\``;
}

/** Where two long values start to differ, less some context: both cells then show the difference. */
function firstDifference(before: unknown, after: unknown): number {
    if (before === undefined || after === undefined) return 0;
    const a = valueText(before);
    const b = valueText(after);
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    return Math.max(0, i - 20);
}

function money(usd: number | undefined): string {
    return usd === undefined ? "–" : usd.toFixed(2);
}

function delta(before: number | undefined, after: number | undefined): string {
    const change = (after ?? 0) - (before ?? 0);
    if (Math.abs(change) < 0.005) return "±0.00";
    return `${change > 0 ? "+" : "−"}${Math.abs(change).toFixed(2)}`;
}

function label(resource: ResourceChange): string {
    return `\`${cell(resource.name)}\` (\`${cell(resource.type)}\`)`;
}

/** The same label inside HTML (a `<summary>`), where Markdown code spans do not render everywhere. */
function htmlLabel(resource: ResourceChange): string {
    const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    return `<code>${escape(resource.name)}</code> (<code>${escape(resource.type)}</code>)`;
}

/** What deleting a data-holding resource does, by its options. */
function consequence(resource: ResourceChange): string {
    const verb = resource.kind === "replace" ? "replaced (the plan's guess): the old one is deleted" : "deleted";
    if (resource.protect) return `would be ${verb}, but it is protected: \`pulumi up\` fails until protection is lifted`;
    if (resource.retainOnDelete && resource.kind === "replace") {
        return "would be replaced (the plan's guess) by a new, empty one; retained on delete, the old one keeps its data outside Pulumi (still billed)";
    }
    if (resource.retainOnDelete) return "**kept** (retained on delete): the cloud keeps it and its data (still billed), Pulumi stops managing it";
    return `**would be ${verb} with its data**`;
}

function listed<T>(items: readonly T[], render: (item: T) => string): string[] {
    const lines = items.slice(0, MAX_RESOURCES_LISTED).map(render);
    if (items.length > MAX_RESOURCES_LISTED) lines.push(`- … and ${items.length - MAX_RESOURCES_LISTED} more`);
    return lines;
}

function changeRows(changes: readonly InputChange[], markReplacing: boolean): string[] {
    const rows = changes.slice(0, MAX_PATHS_PER_RESOURCE).map((c) => {
        const mark = markReplacing && c.forcesReplacement ? " ⟳" : "";
        const from = firstDifference(c.before, c.after);
        return `| \`${cell(c.path)}\`${mark} | ${formatValue(c.before, from)} | ${formatValue(c.after, from)} |`;
    });
    if (changes.length > MAX_PATHS_PER_RESOURCE) rows.push(`| … and ${changes.length - MAX_PATHS_PER_RESOURCE} more | | |`);
    return ["| input | before | after |", "| --- | --- | --- |", ...rows];
}

function changedSection(title: string, resources: readonly ResourceChange[], markReplacing: boolean): string[] {
    if (resources.length === 0) return [];
    const out = [`#### ${title} (${resources.length})`, ""];
    for (const resource of resources.slice(0, MAX_RESOURCES_LISTED)) {
        out.push(`<details><summary>${htmlLabel(resource)}: ${resource.changes.length} input${resource.changes.length === 1 ? "" : "s"}</summary>`, "");
        out.push(...changeRows(resource.changes, markReplacing), "", "</details>", "");
    }
    if (resources.length > MAX_RESOURCES_LISTED) out.push(`… and ${resources.length - MAX_RESOURCES_LISTED} more`, "");
    return out;
}

/** The ceiling's change; none where one side's plan was made before the estimate had a ceiling. */
function ceilingDelta(cost: PlanDiff["cost"]): string {
    const predates = (ceiling: number | undefined, idle: number | undefined) => ceiling === undefined && idle !== undefined;
    return predates(cost.ceilingBefore, cost.idleBefore) || predates(cost.ceilingAfter, cost.idleAfter) ? "–" : delta(cost.ceilingBefore, cost.ceilingAfter);
}

function costSection(diff: PlanDiff): string[] {
    const { cost } = diff;
    const out = [
        "#### Monthly cost (USD, list prices)",
        "",
        "| | before | after | change |",
        "| --- | ---: | ---: | ---: |",
        `| idle (pools at zero) | ${money(cost.idleBefore)} | ${money(cost.idleAfter)} | ${delta(cost.idleBefore, cost.idleAfter)} |`,
        `| typical (usage profile) | ${money(cost.typicalBefore)} | ${money(cost.typicalAfter)} | ${delta(cost.typicalBefore, cost.typicalAfter)} |`,
        ...(cost.ceilingBefore !== undefined || cost.ceilingAfter !== undefined
            ? [`| ceiling (every pool at maxNodes) | ${money(cost.ceilingBefore)} | ${money(cost.ceilingAfter)} | ${ceilingDelta(cost)} |`]
            : []),
        "",
    ];
    if (cost.lines.length > 0) {
        out.push("<details><summary>Cost lines that changed</summary>", "", "| item | before | after | change |", "| --- | ---: | ---: | ---: |");
        for (const line of cost.lines) out.push(`| ${cell(line.beforeItem ? `${line.beforeItem} → ${line.item}` : line.item)} | ${money(line.before)} | ${money(line.after)} | ${delta(line.before, line.after)} |`);
        out.push("", "</details>", "");
    }
    return out;
}

function summary(diff: PlanDiff): string {
    const parts = [
        `${diff.added.length} to add`,
        `${diff.updated.length} to change`,
        `${diff.replaced.length} to replace (guess)`,
        `${diff.removed.length} to delete`,
    ];
    return `**${parts.join(", ")}**, ${diff.unchanged} unchanged.`;
}

function body(diff: PlanDiff, details: boolean): string[] {
    const out: string[] = [];
    if (diff.beforeMissing) out.push("_The stack is new in this change: everything is added._", "");
    if (diff.afterMissing) out.push("_This change removes the stack file: everything would be deleted._", "");
    out.push(summary(diff), "");
    if (diff.dataAtRisk.length > 0) {
        out.push(`> [!WARNING]`, `> **Data-holding resources leave the stack (${diff.dataAtRisk.length})**`, ">");
        for (const r of diff.dataAtRisk) out.push(`> - ${label(r)}: ${r.dataAtRisk}; ${consequence(r)}`);
        out.push("");
    }
    out.push(...costSection(diff));
    if (diff.added.length > 0) out.push(`#### Added (${diff.added.length})`, "", ...listed(diff.added, (r) => `- ${label(r)}`), "");
    if (diff.removed.length > 0) {
        out.push(`#### Deleted (${diff.removed.length})`, "", ...listed(diff.removed, (r) => `- ${label(r)}${r.retainOnDelete ? " (retained on delete)" : ""}${r.protect ? " (protected)" : ""}`), "");
    }
    if (details) {
        out.push(...changedSection("Replaced: the plan's guess, ⟳ marks the input that forces it", diff.replaced, true));
        out.push(...changedSection("Changed in place", diff.updated, false));
    } else {
        out.push(
            `_Details trimmed to fit a comment: the inputs of ${diff.replaced.length} replaced and ${diff.updated.length} changed resources are not listed; ` +
                `run \`npm run plan -- --stack ${diff.stack} --diff <ref>\` to see them._`,
            "",
        );
    }
    if (diff.warningsAdded.length + diff.warningsRemoved.length > 0) {
        out.push("#### Warnings", "");
        for (const w of diff.warningsAdded) out.push(`- new: ${cell(w)}`);
        for (const w of diff.warningsRemoved) out.push(`- resolved: ${cell(w)}`);
        out.push("");
    }
    return out;
}

function footer(diff: PlanDiff): string {
    const secrets = diff.secretInputs > 0 ? ` ${diff.secretInputs} secret input${diff.secretInputs === 1 ? "" : "s"} could not be compared offline.` : "";
    return (
        "<sub>Planned offline on Pulumi's mock runtime, not against the cloud. Replacements are the plan's guess from a table of inputs " +
        "known to force replacement (`plan/diff-replace.ts`); a real `pulumi preview` decides. Secret values show as `[secret]`. " +
        "It cannot show a Helm release's rendered objects, a remote component's children, drift, or the cloud's live answers to lookups." +
        `${secrets}</sub>`
    );
}

/**
 * The Markdown report of one stack's diff, for a pull-request comment. When the details would pass
 * `maxChars`, the per-input tables are dropped and the summary, data warnings and cost stay.
 */
export function renderDiffMarkdown(diff: PlanDiff, options: { base?: string; maxChars?: number } = {}): string {
    const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
    const heading = `### Stack \`${cell(diff.stack)}\`${options.base ? `: offline plan diff against \`${cell(options.base)}\`` : ": offline plan diff"}`;
    const full = [heading, "", ...body(diff, true), footer(diff)].join("\n");
    if (full.length <= maxChars) return full;
    const short = [heading, "", ...body(diff, false), footer(diff)].join("\n");
    return short.length <= maxChars ? short : `${short.slice(0, maxChars - 1)}…`;
}

/** A plan that failed: on the base ref's side or this change's. */
export interface PlanFailureReport {
    side: "base" | "change";
    message: string;
}

/** The report of a stack whose plan failed on one side or both. */
export function renderPlanFailures(stack: string, failures: readonly PlanFailureReport[], base?: string): string {
    const out = [`### Stack \`${cell(stack)}\`: offline plan diff`];
    for (const failure of failures) {
        const where = failure.side === "base" ? `the base (\`${cell(base ?? "ref")}\`)` : "this change";
        const text = failure.message.length > 3000 ? `${failure.message.slice(0, 2999)}…` : failure.message;
        out.push("", `> [!CAUTION]`, `> The offline plan of ${where} failed:`, "", "```text", text.replace(/```/g, "'''"), "```");
    }
    return out.join("\n");
}
