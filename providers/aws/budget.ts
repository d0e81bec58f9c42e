import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigProblem } from "../../stacks/errors";
import type { WorkbenchConfig } from "../../stacks/schema";
import { AwsContext } from "./context";

/** AWS Budgets accepts at most ten e-mail subscribers per notification. */
export const MAX_BUDGET_EMAILS = 10;

/** When the budget alerts: spending reaches 80 % and 100 %, or is forecast to pass 100 % by month's end. */
export const BUDGET_ALERTS: readonly { notificationType: "ACTUAL" | "FORECASTED"; threshold: number }[] = [
    { notificationType: "ACTUAL", threshold: 80 },
    { notificationType: "ACTUAL", threshold: 100 },
    { notificationType: "FORECASTED", threshold: 100 },
];

/** What AWS Budgets would refuse in `workbench:budget`. */
export function budgetProblems(budget: WorkbenchConfig["budget"]): ConfigProblem[] {
    return budget.alertEmails.length > MAX_BUDGET_EMAILS
        ? [
              {
                  key: "workbench:budget.alertEmails",
                  given: budget.alertEmails,
                  allowed: `AWS Budgets sends to at most ${MAX_BUDGET_EMAILS} addresses; use a mailing list for more`,
              },
          ]
        : [];
}

/**
 * `workbench:budget` as an AWS budget on the account's monthly cost. It is not filtered by tag: a
 * cost-allocation tag must first be activated by hand in the billing console, and until then a
 * tag-filtered budget silently reads zero. E-mail alerts go to `budget.alertEmails`; without any,
 * the budget still shows in the console and the plan warns.
 */
export function createBudget(
    name: string,
    args: { context: AwsContext; budget: WorkbenchConfig["budget"] },
    parent: pulumi.Resource,
): aws.budgets.Budget {
    const { context, budget } = args;
    if (budget.alertEmails.length === 0) {
        pulumi.log.warn("The AWS budget has no one to alert: set workbench:budget.alertEmails to get its e-mails.", parent);
    }
    return new aws.budgets.Budget(
        name,
        {
            // budget names are unique per account; the cluster name carries the stack
            name: `${context.clusterName}-monthly`,
            budgetType: "COST",
            limitAmount: String(budget.monthlyUsd),
            limitUnit: "USD",
            timeUnit: "MONTHLY",
            notifications:
                budget.alertEmails.length === 0
                    ? []
                    : BUDGET_ALERTS.map((alert) => ({
                          ...alert,
                          comparisonOperator: "GREATER_THAN",
                          thresholdType: "PERCENTAGE",
                          subscriberEmailAddresses: budget.alertEmails,
                      })),
            tags: context.tags,
        },
        { parent },
    );
}
