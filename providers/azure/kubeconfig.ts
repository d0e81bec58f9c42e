import { parse, stringify } from "yaml";
import type { WorkbenchConfig } from "../../stacks/schema";

/** A kubelogin login method that needs no person at a prompt (`workbench:azure.kubeloginMethod`). */
export type KubeloginMethod = WorkbenchConfig["azure"]["kubeloginMethod"];

/**
 * Methods whose identity is not AKS's public client: kubelogin takes the client id from the environment (or the
 * CLI's own login), so the `--client-id` AKS writes for its device-code client must go, as `kubelogin
 * convert-kubeconfig -l <method>` drops it (Azure/kubelogin docs, convert-kubeconfig).
 */
const OWN_CLIENT: ReadonlySet<KubeloginMethod> = new Set(["azurecli", "workloadidentity", "spn", "msi", "azd"]);

interface ExecUser {
    command?: string;
    args?: string[];
}

interface Kubeconfig {
    users?: { name?: string; user?: { exec?: ExecUser } }[];
}

/** `args` with the value of `--flag` replaced (or the flag added), or removed with its value when `value` is undefined. */
function withFlag(args: readonly string[], flag: string, value: string | undefined): string[] {
    const out: string[] = [];
    let found = false;
    for (let i = 0; i < args.length; i++) {
        const arg = args[i];
        if (arg === flag || arg.startsWith(`${flag}=`)) {
            found = true;
            if (arg === flag) i++; // the value follows
            if (value !== undefined) out.push(flag, value);
        } else {
            out.push(arg);
        }
    }
    if (!found && value !== undefined) out.push(flag, value);
    return out;
}

/**
 * The kubeconfig AKS returns for an Entra ID cluster (`format: exec`), with every kubelogin user switched from
 * AKS's `--login devicecode` to `method`. Pulumi's Kubernetes provider runs the exec plugin inside its own
 * process: a device-code prompt would go to the plugin's stderr, which nobody reads, and `pulumi up` would
 * hang until the exec times out (kubelogin `pkg/token/options.go` defaults to devicecode; AKS writes it).
 * `AAD_LOGIN_METHOD` still overrides it, as kubelogin reads that variable first.
 */
export function nonInteractiveKubeconfig(text: string, method: KubeloginMethod): string {
    const config = parse(text) as Kubeconfig;
    let changed = false;
    for (const entry of config.users ?? []) {
        const exec = entry.user?.exec;
        if (!exec || !/(^|[\\/])kubelogin(\.exe)?$/.test(exec.command ?? "") || !exec.args?.includes("get-token")) continue;
        let args = withFlag(exec.args, "--login", method);
        // `-l` is the short form of --login: drop it too, so only one login method remains
        args = withFlag(args, "-l", undefined);
        if (OWN_CLIENT.has(method)) args = withFlag(args, "--client-id", undefined);
        exec.args = args;
        changed = true;
    }
    if (!changed) throw new Error("the AKS kubeconfig has no kubelogin user to switch to a non-interactive login");
    return stringify(config);
}
