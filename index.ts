import * as pulumi from "@pulumi/pulumi";
import { checkStack } from "./check";
import { Workbench } from "./components/workbench";
import { ConfigError, markResourcesMayExist } from "./stacks/errors";
import { runtimeSecretKeys, stackSettings, validConfig } from "./stacks/load";

/**
 * The program: check the stack (schema, cross-key rules, the platform's own lookups and the always-on
 * fit, all before any resource exists, all reported together), build the selected platform, then the
 * shared data-science layer on it.
 */
export = async (): Promise<Record<string, pulumi.Input<unknown>>> => {
    const stack = pulumi.getStack();
    // the secret keys tell a plaintext credential from one set with `pulumi config set --secret`
    const { checked, preparation, problems, warnings } = await checkStack(stack, pulumi.runtime.allConfig(), { secretKeys: runtimeSecretKeys(), today: new Date() });
    if (problems.length > 0 || !preparation) throw new ConfigError(stack, problems);

    const settings = stackSettings(stack, validConfig(checked));
    for (const warning of warnings) void pulumi.log.warn(warning);
    markResourcesMayExist();
    const platform = preparation.create(settings.config.name, settings);
    const workbench = new Workbench(settings.config.name, { settings, platform });
    const outputs: Record<string, pulumi.Input<unknown>> = { cloud: settings.config.cloud, ...platform.outputs, ...workbench.outputs };
    // an output that is undefined on this platform (e.g. no bucket) is left out rather than exported empty
    return Object.fromEntries(Object.entries(outputs).filter(([, value]) => value !== undefined));
};
