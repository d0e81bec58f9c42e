import { limitsOf, WorkbenchConfig } from "../../stacks/schema";
import { helmMerge } from "../helm/merge";
import { SecretKeyRef } from "../service-connection";
import { fairUseValues } from "./fair-use";
import { groupsValues, ProfileGates } from "./groups";
import { HUB_CONFIG_DIR, HubExtraFile } from "./hub-files";

export { HUB_CONFIG_DIR };
export type { HubExtraFile };

/*
 * How people sign in to the hub, as z2jh values: NativeAuthenticator (sign-up, admin approval) by
 * default, GitHub OAuth as an option, dummy only where the configuration allows it (a local cluster).
 */

/** A named user's account, created with a generated password when the hub first starts. */
export interface PresetAccount {
    /** The user name (from `users.admins` or `users.allowed`). */
    name: string;
    /** The hub's environment variable holding the first password, by reference to {@link secretKey}. */
    passwordEnv: string;
    /** The key of the passwords Secret holding this account's password (user names may hold `@`, keys may not). */
    secretKey: string;
}

/**
 * Every named user gets an account from the first start: NativeAuthenticator pre-authorizes `admin_users`
 * and `allowed_users` at sign-up, so a name left unclaimed would go to whoever signs up first.
 */
export function presetAccounts(users: WorkbenchConfig["users"]): PresetAccount[] {
    return [...users.admins, ...users.allowed].map((name, i) => ({ name, passwordEnv: `WORKBENCH_PRESET_PASSWORD_${i}`, secretKey: `user-${i}` }));
}

/** The module (a file in {@link HUB_CONFIG_DIR}) and class of the workbench's NativeAuthenticator. */
export const PRESET_AUTHENTICATOR = { module: "workbench_native", className: "WorkbenchNativeAuthenticator" } as const;

/**
 * NativeAuthenticator (1.3.0 in z2jh 4.4.0's hub image) with accounts that exist from the first start.
 * `create_user`, which sign-up calls, returns nothing for a name that has a `UserInfo` row, so a name with a
 * row cannot be claimed. An authorized row is kept: a password the user changed survives restarts. An
 * unauthorized row under a preset name is someone who signed up before the name was preset (security review
 * §9): NativeAuthenticator pre-authorizes `admin_users`/`allowed_users` only in `create_user`, so the row would
 * stay pending, the named person's generated password would never work, and an admin approving "bob" at
 * /hub/authorize would approve whoever signed up. Such a row is replaced by the preset account (the generated
 * password, authorized) and the hub's log warns, naming the account. The password is hashed here with bcrypt,
 * as NativeAuthenticator hashes its own.
 */
export const PRESET_AUTHENTICATOR_SOURCE = `"""NativeAuthenticator whose named accounts exist from the hub's first start (the workbench's)."""
import os

import bcrypt
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.orm import UserInfo
from traitlets import Dict, List


class ${PRESET_AUTHENTICATOR.className}(NativeAuthenticator):
    preset_accounts = List(
        Dict(),
        config=True,
        help="Accounts created, already authorized, when missing: [{name, password_env}], the password read from the environment.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for account in self.preset_accounts:
            username = self.normalize_username(account["name"])
            existing = UserInfo.find(self.db, username)
            if existing is not None and existing.is_authorized:
                continue
            if existing is not None:
                self.log.warning(
                    "Preset account %s: someone signed up under this name before it was preset and waited for approval; "
                    "that sign-up is removed and the name goes to the preset account (its generated password, authorized)",
                    username,
                )
                self.db.delete(existing)
            password = os.environ[account["password_env"]].encode()
            self.db.add(UserInfo(username=username, password=bcrypt.hashpw(password, bcrypt.gensalt()), is_authorized=True))
            self.log.info("Created the preset account %s", username)
        self.db.commit()
`;

/** What the hub needs for sign-in. */
export interface HubAuthInput {
    /** `workbench:auth`. */
    auth: WorkbenchConfig["auth"];
    /** `workbench:users`: admins and allowed users. */
    users: WorkbenchConfig["users"];
    /** The hub's DNS name (GitHub needs it for the OAuth callback). */
    domain?: string;
    /** The Secret key holding the GitHub OAuth client secret (with GitHub auth). */
    githubClientSecret?: SecretKeyRef;
    /** The Secret holding the named users' first passwords, keyed by {@link PresetAccount.secretKey} (native sign-in). */
    presetPasswordsSecret?: string;
    /** Who may start each GPU profile, by slug (every GPU profile listed; an empty list: everyone). */
    profileGates?: ProfileGates;
}

/** An environment variable of the hub pod, as z2jh's `hub.extraEnv` mapping takes it. */
export interface HubEnvVar {
    /** Variable name. */
    name: string;
    /** Always a Secret reference: the hub's values hold no secret. */
    valueFrom: { secretKeyRef: SecretKeyRef };
}

/** The sign-in part of the z2jh values. */
export interface HubAuthValues {
    /** Sections of `hub.config` (traitlets classes). */
    config: Record<string, Record<string, unknown>>;
    /** Entries of `hub.extraEnv`: secrets reach the hub by reference only. */
    extraEnv: Record<string, HubEnvVar>;
    /** Entries of `hub.extraConfig`. */
    extraConfig: Record<string, string>;
    /** Entries of `hub.extraFiles`: code the configuration imports, never a secret. */
    extraFiles: Record<string, HubExtraFile>;
}

/** NativeAuthenticator's sign-up and authorization pages need its own templates on the hub's path. */
const NATIVE_TEMPLATES = `import os, nativeauthenticator
c.JupyterHub.template_paths = [os.path.join(os.path.dirname(nativeauthenticator.__file__), "templates")]
`;

/** The environment variable oauthenticator's GitHubOAuthenticator reads its client secret from. */
const GITHUB_CLIENT_SECRET_ENV = "GITHUB_CLIENT_SECRET";

/**
 * The hub's values for people: sign-in for the configured authenticator, the groups that decide who may start
 * each GPU profile, and the per-person limits (fair use).
 */
export function hubAuthValues(input: HubAuthInput): HubAuthValues {
    const signIn = signInValues(input);
    const gates = input.profileGates ?? {};
    const groups = groupsValues(input.users, input.auth, gates);
    const fairUse = fairUseValues(limitsOf(input.users), Object.keys(gates));
    return {
        config: [groups.config, fairUse.config].reduce((merged, part) => helmMerge(merged, part) as HubAuthValues["config"], signIn.config),
        extraEnv: signIn.extraEnv,
        extraConfig: { ...signIn.extraConfig, ...groups.extraConfig, ...fairUse.extraConfig },
        extraFiles: { ...signIn.extraFiles, ...groups.extraFiles, ...fairUse.extraFiles },
    };
}

/** The sign-in values for the configured authenticator. */
function signInValues(input: HubAuthInput): HubAuthValues {
    const { auth, users } = input;
    const people = { admin_users: [...users.admins], allowed_users: [...users.allowed] };
    switch (auth.type) {
        case "native": {
            if (!input.presetPasswordsSecret) throw new Error("native sign-in needs the Secret of the named users' first passwords");
            const secretName = input.presetPasswordsSecret;
            const accounts = presetAccounts(users);
            return {
                config: {
                    JupyterHub: { authenticator_class: `${PRESET_AUTHENTICATOR.module}.${PRESET_AUTHENTICATOR.className}` },
                    [PRESET_AUTHENTICATOR.className]: { preset_accounts: accounts.map((account) => ({ name: account.name, password_env: account.passwordEnv })) },
                    // Admin approval is the gate: anyone may sign up, only approved accounts (and the
                    // pre-approved admins and allowed users) can log in.
                    Authenticator: { ...people, allow_all: true },
                    NativeAuthenticator: {
                        open_signup: false,
                        enable_signup: true,
                        minimum_password_length: 10,
                        check_common_password: true,
                        // the hub is on the internet: slow down password guessing
                        allowed_failed_logins: 5,
                        seconds_before_next_try: 600,
                    },
                },
                extraEnv: Object.fromEntries(
                    accounts.map((account): [string, HubEnvVar] => [account.passwordEnv, { name: account.passwordEnv, valueFrom: { secretKeyRef: { name: secretName, key: account.secretKey } } }]),
                ),
                extraConfig: { "10-native-authenticator-templates": NATIVE_TEMPLATES },
                extraFiles: { "workbench-native-authenticator": { mountPath: `${HUB_CONFIG_DIR}/${PRESET_AUTHENTICATOR.module}.py`, stringData: PRESET_AUTHENTICATOR_SOURCE } },
            };
        }
        case "github": {
            if (!auth.githubClientId || !input.domain || !input.githubClientSecret) {
                // validation requires all three with GitHub auth; reaching here is a programming error
                throw new Error("GitHub sign-in needs auth.githubClientId, workbench:domain and the client secret");
            }
            const organizations = auth.githubOrganizations;
            return {
                config: {
                    JupyterHub: { authenticator_class: "github" },
                    Authenticator: people,
                    GitHubOAuthenticator: {
                        client_id: auth.githubClientId,
                        oauth_callback_url: `https://${input.domain}/hub/oauth_callback`,
                        allowed_organizations: [...organizations],
                        // private organization membership is only visible with read:org
                        scope: organizations.length > 0 ? ["read:org"] : [],
                    },
                },
                extraEnv: { [GITHUB_CLIENT_SECRET_ENV]: { name: GITHUB_CLIENT_SECRET_ENV, valueFrom: { secretKeyRef: input.githubClientSecret } } },
                extraConfig: {},
                extraFiles: {},
            };
        }
        case "dummy":
            return {
                // JupyterHub 5 admits only listed users unless told otherwise; dummy sign-in is "any name"
                config: { JupyterHub: { authenticator_class: "dummy" }, Authenticator: { ...people, allow_all: true } },
                extraEnv: {},
                extraConfig: {},
                extraFiles: {},
            };
    }
}

/** The stack output holding the named users' first passwords (a secret). */
export const INITIAL_PASSWORDS_OUTPUT = "initialPasswords";
