import { WorkbenchConfig } from "../../stacks/schema";
import { ManagedCloud } from "./clouds";
import { cpuInstanceTypes } from "./cpus";

/**
 * The instance types a managed cloud's CPU pools use: the per-cloud override when the stack sets one,
 * else the size class's types. Platforms and the cost estimate both call this, so they agree.
 */
export function cpuPoolInstanceTypes(config: WorkbenchConfig, cloud: ManagedCloud, role: "system" | "user"): readonly string[] {
    const override = cloud === "aws" ? (role === "system" ? config.aws.systemInstanceTypes : config.aws.userInstanceTypes) : undefined;
    return override ?? cpuInstanceTypes(cloud, role, role === "system" ? config.systemPool.size : config.userPool.size);
}
