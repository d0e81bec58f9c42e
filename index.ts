import * as pulumi from "@pulumi/pulumi";
import { Workbench } from "./components/workbench";
import { loadPlatformModule } from "./providers/registry";
import { ConfigError, markResourcesMayExist } from "./stacks/errors";
import { checkConfig, runtimeSecretKeys, stackSettings, validConfig } from "./stacks/load";

/**
 * The program: check the stack's configuration (schema, cross-key rules and the platform's own
 * lookups, all before any resource exists, all reported together), build the selected platform,
 * then the shared data-science layer on it.
 */
export = async (): Promise<Record<string, pulumi.Input<unknown>>> => {
    const stack = pulumi.getStack();
    // the secret keys tell a plaintext credential from one set with `pulumi config set --secret`
    const checked = checkConfig(pulumi.runtime.allConfig(), { secretKeys: runtimeSecretKeys() });
    const cloud = checked.parsed.cloud;
    // without a valid cloud there is no platform to ask; its own problem is already listed
    const preparation = cloud
        ? await loadPlatformModule(cloud).prepare({ stack, parsed: checked.parsed, provider: checked.provider, secretsSet: checked.secretsSet, today: new Date() })
        : undefined;
    const problems = [...checked.problems, ...(preparation?.problems ?? [])];
    if (problems.length > 0 || !preparation) throw new ConfigError(stack, problems);

    const settings = stackSettings(stack, validConfig(checked));
    for (const warning of [...checked.warnings, ...preparation.warnings]) void pulumi.log.warn(warning);
    markResourcesMayExist();
    const platform = preparation.create(settings.config.name, settings);
    const workbench = new Workbench(settings.config.name, { settings, platform });
    const outputs: Record<string, pulumi.Input<unknown>> = { cloud: settings.config.cloud, ...platform.outputs, ...workbench.outputs };
    // an output that is undefined on this platform (e.g. no bucket) is left out rather than exported empty
    return Object.fromEntries(Object.entries(outputs).filter(([, value]) => value !== undefined));
};
