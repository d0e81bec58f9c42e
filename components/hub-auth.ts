import type { WorkbenchConfig } from "../stacks/schema";
import { SecretKeyRef } from "./service-connection";

/*
 * How people sign in to the hub, as z2jh values: NativeAuthenticator (sign-up, admin approval) by
 * default, GitHub OAuth as an option, dummy only where the configuration allows it (a local cluster).
 */

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
}

/** NativeAuthenticator's sign-up and authorization pages need its own templates on the hub's path. */
const NATIVE_TEMPLATES = `import os, nativeauthenticator
c.JupyterHub.template_paths = [os.path.join(os.path.dirname(nativeauthenticator.__file__), "templates")]
`;

/** The environment variable oauthenticator's GitHubOAuthenticator reads its client secret from. */
const GITHUB_CLIENT_SECRET_ENV = "GITHUB_CLIENT_SECRET";

/** The sign-in values for the configured authenticator. */
export function hubAuthValues(input: HubAuthInput): HubAuthValues {
    const { auth, users } = input;
    const people = { admin_users: [...users.admins], allowed_users: [...users.allowed] };
    switch (auth.type) {
        case "native":
            return {
                config: {
                    JupyterHub: { authenticator_class: "nativeauthenticator.NativeAuthenticator" },
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
                extraEnv: {},
                extraConfig: { "10-native-authenticator-templates": NATIVE_TEMPLATES },
            };
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
            };
        }
        case "dummy":
            return {
                // JupyterHub 5 admits only listed users unless told otherwise; dummy sign-in is "any name"
                config: { JupyterHub: { authenticator_class: "dummy" }, Authenticator: { ...people, allow_all: true } },
                extraEnv: {},
                extraConfig: {},
            };
    }
}

/** How to log in, for the stack outputs. */
export function loginInstructions(input: Pick<HubAuthInput, "auth" | "users">, hubUrl: string): string {
    const admins = input.users.admins.join(", ");
    switch (input.auth.type) {
        case "native":
            return (
                `Open ${hubUrl}/hub/signup and sign up as ${admins} (admins are pre-approved: do it before anyone else claims the name). ` +
                `Others sign up the same way and wait until an admin approves them at ${hubUrl}/hub/authorize.`
            );
        case "github": {
            const orgs = input.auth.githubOrganizations;
            const who = [`admins ${admins}`, ...(input.users.allowed.length > 0 ? [`users ${input.users.allowed.join(", ")}`] : []), ...(orgs.length > 0 ? [`members of ${orgs.join(", ")}`] : [])];
            return `Open ${hubUrl} and sign in with GitHub; allowed: ${who.join("; ")}.`;
        }
        case "dummy":
            return `Open ${hubUrl} and sign in with any user name and password (dummy sign-in, local clusters only); admins: ${admins}.`;
    }
}
