import * as gcpBilling from "@pulumi/gcp/billing";
import * as gcpMonitoring from "@pulumi/gcp/monitoring";
import * as pulumi from "@pulumi/pulumi";
import { ConfigProblem } from "../../stacks/errors";
import type { WorkbenchConfig } from "../../stacks/schema";
import { GcpContext } from "./context";

/** A budget notifies at most five Cloud Monitoring channels (`allUpdatesRule.monitoringNotificationChannels`). */
export const MAX_BUDGET_CHANNELS = 5;

/** When the budget alerts: spending reaches 80 % and 100 %, or is forecast to pass 100 % by month's end. */
export const BUDGET_THRESHOLDS: readonly { thresholdPercent: number; spendBasis: "CURRENT_SPEND" | "FORECASTED_SPEND" }[] = [
    { thresholdPercent: 0.8, spendBasis: "CURRENT_SPEND" },
    { thresholdPercent: 1.0, spendBasis: "CURRENT_SPEND" },
    { thresholdPercent: 1.0, spendBasis: "FORECASTED_SPEND" },
];

/** What the Budget API would refuse in `workbench:budget`. */
export function budgetProblems(budget: WorkbenchConfig["budget"]): ConfigProblem[] {
    return budget.alertEmails.length > MAX_BUDGET_CHANNELS
        ? [
              {
                  key: "workbench:budget.alertEmails",
                  given: budget.alertEmails,
                  allowed: `a GCP budget e-mails at most ${MAX_BUDGET_CHANNELS} notification channels; use a mailing list for more`,
              },
          ]
        : [];
}

/** The warning a stack without a billing account gets: GCP has nowhere to put the budget. */
export const NO_BILLING_ACCOUNT_WARNING =
    "The GCP budget alert is off: the project's billing account could not be read (billing off, or no permission to read it); set workbench:gcp.billingAccount " +
    "(gcloud billing accounts list) to get e-mails when spending nears workbench:budget.monthlyUsd.";

/** Arguments of {@link createBudget}. */
export interface BudgetArgs {
    context: GcpContext;
    budget: WorkbenchConfig["budget"];
    /** `workbench:gcp.billingAccount`, else the billing account the project is billed to (read by the check). */
    billingAccount: string;
    /** `workbench:gcp.budgetCurrency`: the billing account's currency, which the Budget API requires. */
    currency: string;
    /** The project's number: a budget filters projects by number, not id. */
    projectNumber: string;
    /** The Billing Budgets and Monitoring APIs. */
    dependsOn: pulumi.Resource[];
}

/**
 * `workbench:budget` as a Cloud Billing budget on this project's monthly spend (credits such as the GKE
 * free tier counted, so it alerts on what is actually billed), e-mailing `budget.alertEmails` through
 * Cloud Monitoring channels. The billing account's own admins get the default e-mails too. The amount is
 * in `workbench:gcp.budgetCurrency` (USD by default): the Budget API refuses any other than the account's.
 */
export function createBudget(name: string, args: BudgetArgs, parent: pulumi.Resource): gcpBilling.Budget {
    const { context, budget } = args;
    if (budget.alertEmails.length === 0) {
        pulumi.log.warn("The GCP budget e-mails only the billing account's admins: set workbench:budget.alertEmails to add addresses.", parent);
    }
    const channels = budget.alertEmails.map(
        (email, i) =>
            new gcpMonitoring.NotificationChannel(
                `${name}-email-${i}`,
                { project: context.project, type: "email", displayName: `Workbench budget: ${email}`, labels: { email_address: email } },
                { parent, dependsOn: args.dependsOn },
            ),
    );
    const units = Math.floor(budget.monthlyUsd);
    return new gcpBilling.Budget(
        name,
        {
            billingAccount: args.billingAccount,
            displayName: `${context.clusterName} monthly`.slice(0, 60),
            budgetFilter: { projects: [`projects/${args.projectNumber}`], calendarPeriod: "MONTH", creditTypesTreatment: "INCLUDE_ALL_CREDITS" },
            amount: { specifiedAmount: { currencyCode: args.currency, units: String(units), nanos: Math.round((budget.monthlyUsd - units) * 1e9) } },
            thresholdRules: BUDGET_THRESHOLDS.map((rule) => ({ ...rule })),
            allUpdatesRule: { monitoringNotificationChannels: channels.map((channel) => channel.id), disableDefaultIamRecipients: false },
        },
        { parent, dependsOn: args.dependsOn },
    );
}
