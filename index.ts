import * as pulumi from "@pulumi/pulumi";
import { Workbench } from "./components/workbench";
import { loadPlatformModule } from "./providers/registry";
import { ConfigError } from "./stacks/errors";
import { loadStackSettings } from "./stacks/load";

/**
 * The program: validate the stack's configuration (before any resource exists), build the
 * selected platform, then the shared data-science layer on it.
 */
export = async (): Promise<Record<string, pulumi.Input<unknown>>> => {
    const settings = loadStackSettings();
    const { cloud, name } = settings.config;
    const platformModule = await loadPlatformModule(cloud);
    const problems = platformModule.configProblems(settings);
    if (problems.length > 0) throw new ConfigError(settings.stack, problems);
    const platform = platformModule.createPlatform(name, settings);
    const workbench = new Workbench(name, { settings, platform });
    const outputs: Record<string, pulumi.Input<unknown>> = { cloud, ...platform.outputs, ...workbench.outputs };
    // an output that is undefined on this platform (e.g. no bucket) is left out rather than exported empty
    return Object.fromEntries(Object.entries(outputs).filter(([, value]) => value !== undefined));
};
