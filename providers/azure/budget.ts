import * as consumption from "@pulumi/azure-native/consumption";
import * as pulumi from "@pulumi/pulumi";
import type { WorkbenchConfig } from "../../stacks/schema";
import { AzureContext } from "./context";

/** When the budget alerts: spending reaches 80 % and 100 %, or is forecast to pass 100 % by month's end. */
export const BUDGET_ALERTS: readonly { name: string; thresholdType: "Actual" | "Forecasted"; threshold: number }[] = [
    { name: "actual80", thresholdType: "Actual", threshold: 80 },
    { name: "actual100", thresholdType: "Actual", threshold: 100 },
    { name: "forecast100", thresholdType: "Forecasted", threshold: 100 },
];

/** The first day of `today`'s month (UTC), as a budget's start date must be. */
export function budgetStartDate(today: Date): string {
    return `${today.getUTCFullYear()}-${String(today.getUTCMonth() + 1).padStart(2, "0")}-01T00:00:00Z`;
}

/** Arguments of {@link createBudget}. */
export interface BudgetArgs {
    /** Names, location and tags shared by the platform's resources. */
    context: AzureContext;
    /** `workbench:budget`. */
    budget: WorkbenchConfig["budget"];
    /** The deployment's subscription id: the budget's scope. */
    subscriptionId: pulumi.Input<string>;
    /**
     * Every resource group the workbench's costs land in: its own, the retained data and volumes groups,
     * and AKS's node resource group (VMs, OS disks, the load balancer and its public IPs).
     */
    resourceGroupNames: pulumi.Input<string>[];
    /** The day of the deployment: the budget starts on the first of its month. */
    today: Date;
}

/**
 * `workbench:budget` as an Azure consumption budget on the subscription, filtered to the workbench's
 * resource groups: a budget scoped to the workbench's own group would miss AKS's node resource group,
 * where nodes cost. E-mails go to `budget.alertEmails`; without any, no notification can be set
 * (Azure requires a contact for each) and the plan warns.
 */
export function createBudget(name: string, args: BudgetArgs, parent: pulumi.Resource): consumption.Budget {
    const { context, budget } = args;
    if (budget.alertEmails.length === 0) {
        pulumi.log.warn("The Azure budget has no one to alert: set workbench:budget.alertEmails to get its e-mails.", parent);
    }
    return new consumption.Budget(
        name,
        {
            // budget names are unique per scope (the subscription), at most 63 characters
            budgetName: `${context.clusterName.slice(0, 55)}-monthly`,
            scope: pulumi.interpolate`/subscriptions/${args.subscriptionId}`,
            amount: budget.monthlyUsd,
            category: "Cost",
            timeGrain: "Monthly",
            timePeriod: { startDate: budgetStartDate(args.today) },
            filter: { dimensions: { name: "ResourceGroupName", operator: "In", values: args.resourceGroupNames } },
            notifications:
                budget.alertEmails.length === 0
                    ? undefined
                    : Object.fromEntries(
                          BUDGET_ALERTS.map((alert) => [
                              alert.name,
                              { enabled: true, operator: "GreaterThan", threshold: alert.threshold, thresholdType: alert.thresholdType, contactEmails: budget.alertEmails },
                          ]),
                      ),
        },
        // Azure refuses to change a budget's start date; the first month's stays
        { parent, ignoreChanges: ["timePeriod.startDate"] },
    );
}
