import * as containerservice from "@pulumi/azure-native/containerservice";
import * as pulumi from "@pulumi/pulumi";
import type { WorkbenchConfig } from "../../stacks/schema";

/**
 * The schedules AKS reads for its auto-upgrade channels, by their fixed names: `aksManagedAutoUpgradeSchedule`
 * (the cluster's `upgradeChannel`, patch releases here) and `aksManagedNodeOSUpgradeSchedule` (its
 * `nodeOSUpgradeChannel`, weekly node images here). Without them AKS upgrades at any hour (AKS planned-maintenance).
 */
export const MAINTENANCE_SCHEDULES = ["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"] as const;

/** Arguments of {@link maintenanceWindows}. */
export interface MaintenanceArgs {
    /** The cluster's resource group. */
    resourceGroupName: pulumi.Input<string>;
    /** The cluster's name. */
    clusterName: pulumi.Input<string>;
    /** `workbench:azure.maintenanceWindow`. */
    window: WorkbenchConfig["azure"]["maintenanceWindow"];
}

/** `HH:00` for an hour of the day. */
const hourOf = (hour: number) => `${String(hour).padStart(2, "0")}:00`;

/**
 * One weekly window for both auto-upgrade channels: both drain the single system node (the hub, the proxy), so
 * they wait for a quiet hour instead of cutting sessions in the working day.
 */
export function maintenanceWindows(name: string, args: MaintenanceArgs, parent: pulumi.Resource): containerservice.MaintenanceConfiguration[] {
    const { window } = args;
    return MAINTENANCE_SCHEDULES.map(
        (configName) =>
            new containerservice.MaintenanceConfiguration(
                `${name}-${configName === "aksManagedAutoUpgradeSchedule" ? "upgrade" : "node-os"}-window`,
                {
                    resourceGroupName: args.resourceGroupName,
                    resourceName: args.clusterName,
                    configName,
                    maintenanceWindow: {
                        schedule: { weekly: { dayOfWeek: window.day, intervalWeeks: 1 } },
                        durationHours: window.durationHours,
                        startTime: hourOf(window.startHourUtc),
                        utcOffset: "+00:00",
                    },
                },
                { parent },
            ),
    );
}
