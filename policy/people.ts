import { at, Finding, finding, list, record, WorkbenchPolicy } from "./subject";
import { hubFacts, strings } from "./workbench";

/*
 * Names on the hub belong to the people the owner named (security review §9, §10). NativeAuthenticator 1.3.0
 * pre-authorizes `admin_users` and `allowed_users` alike when they sign up, so an allowed name without an account
 * from the first start goes to whoever signs up first under it; GitHub sign-in with `allow_all` admits every
 * GitHub user.
 */

/** Whether an authenticator class is NativeAuthenticator or the workbench's subclass of it. */
function isNative(authenticator: unknown): boolean {
    return typeof authenticator === "string" && (authenticator === "native" || /NativeAuthenticator$/.test(authenticator));
}

/** Whether an authenticator class is OAuthenticator's GitHub one. */
function isGitHub(authenticator: unknown): boolean {
    return typeof authenticator === "string" && (authenticator === "github" || /GitHubOAuthenticator$/.test(authenticator));
}

/** Every named user (admins and allowed users) has a preset account with native sign-in; GitHub sign-in is not open to all. */
export const hubNamedAccountsPreset: WorkbenchPolicy = {
    name: "hub-named-accounts-preset",
    description:
        "With native sign-in every name in admin_users and allowed_users has a preset account from the hub's first start (NativeAuthenticator pre-authorizes both at sign-up, so an unclaimed name goes to whoever signs up first); GitHub sign-in does not set allow_all (any GitHub user).",
    check: (stack) =>
        hubFacts(stack).flatMap(({ release, values }): Finding[] => {
            const config = record(at(values, "hub", "config"));
            const authenticator = at(config, "JupyterHub", "authenticator_class");
            const problems: string[] = [];
            if (isNative(authenticator)) {
                const className = String(authenticator).split(".").pop() ?? "";
                const preset = new Set(list(at(config, className, "preset_accounts")).map((account) => String(at(account, "name")).toLowerCase()));
                const unclaimed = strings(at(config, "Authenticator", "allowed_users")).filter((name) => !preset.has(name.toLowerCase()));
                if (unclaimed.length > 0) {
                    problems.push(
                        `allowed user ${unclaimed.join(", ")} has no account before sign-up opens: whoever signs up first under that name is let in (NativeAuthenticator pre-authorizes allowed_users)`,
                    );
                }
            }
            if (isGitHub(authenticator) && (at(config, "Authenticator", "allow_all") === true || at(config, "GitHubOAuthenticator", "allow_all") === true)) {
                problems.push("GitHub sign-in with allow_all admits every GitHub user: name users, organizations or teams instead");
            }
            return problems.map((problem) => finding(release, problem));
        }),
};
