import Table from "cli-table3";
import { BUDGET_ALERT_TYPES } from "../cost/estimate";
import { previewGaps } from "./preview-gaps";
import { summarize } from "./summaries";
import { Plan, PlannedResource } from "./types";

function flags(resource: PlannedResource): string {
    const marks = [resource.protect ? "protected" : undefined, resource.retainOnDelete ? "retained on delete" : undefined, resource.remote ? "remote component" : undefined];
    const present = marks.filter((m): m is string => m !== undefined);
    return present.length > 0 ? ` [${present.join(", ")}]` : "";
}

function tree(resources: readonly PlannedResource[]): string[] {
    const children = new Map<string | undefined, PlannedResource[]>();
    const urns = new Set(resources.map((r) => r.urn));
    for (const resource of resources) {
        const parent = resource.parent && urns.has(resource.parent) ? resource.parent : undefined;
        children.set(parent, [...(children.get(parent) ?? []), resource]);
    }
    const lines: string[] = [];
    const walk = (parent: string | undefined, indent: string) => {
        const siblings = children.get(parent) ?? [];
        siblings.forEach((resource, i) => {
            const last = i === siblings.length - 1;
            const branch = parent === undefined ? "" : last ? "└─ " : "├─ ";
            const summary = summarize(resource.type, resource.inputs);
            lines.push(`${indent}${branch}${resource.type} ${resource.name}${flags(resource)}${summary ? `  ${summary}` : ""}`);
            walk(resource.urn, parent === undefined ? indent : indent + (last ? "   " : "│  "));
        });
    };
    walk(undefined, "");
    return lines;
}

function formatOutput(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** The plan as a person reads it: resource tree, outputs, warnings and the cost estimate. */
export function renderPlan(plan: Plan): string {
    const mode = plan.preview ? " as a first pulumi preview" : "";
    const lines = [`Plan of stack "${plan.stack}" (cloud: ${plan.cloud}), planned offline on the mock runtime${mode}`, ""];
    lines.push(`Resources (${plan.resources.length}):`, ...tree(plan.resources), "");
    lines.push("Outputs:", ...Object.entries(plan.outputs).map(([key, value]) => `  ${key}: ${formatOutput(value)}`), "");
    lines.push(`Warnings (${plan.warnings.length}):`, ...plan.warnings.map((w) => `  - ${w}`), "");

    lines.push(...renderCost(plan));
    lines.push(
        "",
        "What a real pulumi preview may still add (the cloud preview is the authority):",
        ...previewGaps(plan.preview === true).flatMap((gap) => wrap(gap, COST_WIDTH, "    ", "  -")),
    );
    return lines.join("\n");
}

/** The width the cost section keeps to, terminal and pull-request comment alike. */
export const COST_WIDTH = 100;

/** Greedy word wrap at `width` after `first`, continuation lines indented by `indent`; a word longer than a line stays whole. */
function wrap(text: string, width: number, indent: string, first = ""): string[] {
    const out: string[] = [];
    let line = first;
    for (const word of text.split(" ").filter((w) => w !== "")) {
        if (line && line.length + 1 + word.length > width) {
            out.push(line);
            line = indent + word;
        } else {
            line = line.trim() ? `${line} ${word}` : line + word;
        }
    }
    if (line) out.push(line);
    return out;
}

const money = (usd: number) => usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/**
 * The cost section: idle, typical and ceiling per line in a table that fits {@link COST_WIDTH} columns, then how
 * each line is reached (lettered), then the pages the rates come from (numbered, as the bases cite them).
 * The budget is printed only where the stack creates a budget alert.
 */
function renderCost(plan: Plan): string[] {
    const { cost } = plan;
    const alert = plan.resources.some((r) => BUDGET_ALERT_TYPES.includes(r.type));
    const lines = [
        `Estimated monthly cost: USD ${money(cost.idleMonthly)} idle, ${money(cost.typicalMonthly)} typical, ${money(cost.ceilingMonthly)} ceiling (list prices)`,
        ...(alert ? [`Budget alert: USD ${money(cost.budgetMonthly)} a month (workbench:budget.monthlyUsd)`] : []),
    ];
    const letter = (i: number) => `(${String.fromCharCode(97 + (i % 26))}${i >= 26 ? Math.floor(i / 26) : ""})`;
    const table = new Table({
        head: ["item", "idle", "typical", "ceiling"],
        colAligns: ["left", "right", "right", "right"],
        colWidths: [COST_WIDTH - 38, 11, 11, 11],
        wordWrap: true,
        style: { head: [], border: [], compact: true },
    });
    cost.lines.forEach((line, i) =>
        table.push([`${line.item} ${letter(i)}`, money(line.scalesToZero ? 0 : line.monthly), money(line.monthly), money(line.ceilingMonthly)]),
    );
    table.push(["Total", money(cost.idleMonthly), money(cost.typicalMonthly), money(cost.ceilingMonthly)]);
    lines.push(table.toString());
    lines.push(
        ...wrap(
            "idle: pools that scale from zero at zero; typical: idle plus workbench:usageProfile; " +
                "ceiling: every pool at its maxNodes all month (bucket as in the profile).",
            COST_WIDTH,
            "",
        ),
    );
    lines.push("How each line is reached:");
    cost.lines.forEach((line, i) => lines.push(...wrap(line.basis, COST_WIDTH, "      ", `  ${letter(i)}`)));
    if (cost.sources.length > 0) {
        lines.push("Sources (list prices, with the month they were read):");
        cost.sources.forEach((source, i) => lines.push(...wrap(source, COST_WIDTH, "      ", `  [${i + 1}]`)));
    }
    return lines;
}
