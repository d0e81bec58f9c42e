import Table from "cli-table3";
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

    const { cost } = plan;
    lines.push(`Estimated monthly cost: USD ${cost.idleMonthly} idle, USD ${cost.typicalMonthly} typical (budget USD ${cost.budgetMonthly})`);
    const table = new Table({ head: ["item", "USD/month", "when idle", "basis"], colWidths: [44, 11, 11, 80], wordWrap: true, style: { head: [], border: [] } });
    for (const line of cost.lines) table.push([line.item, line.monthly.toFixed(2), line.scalesToZero ? "scales to 0" : "paid", line.basis]);
    lines.push(table.toString());
    lines.push("", "What a real pulumi preview may still add (the cloud preview is the authority):", ...previewGaps(plan.preview === true).map((g) => `  - ${g}`));
    return lines.join("\n");
}
