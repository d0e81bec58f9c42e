import { dataBackedUp } from "./backups";
import { bucketsProtected } from "./buckets";
import { networkPolicyEnforced, poolsScaleToZero } from "./cluster";
import { userCodeFenced } from "./fences";
import { hubSignInSafe, userDataRetained } from "./hub";
import { notebookIdentityScoped } from "./identity";
import { hubNamedAccountsPreset } from "./people";
import { pinnedVersions } from "./pinning";
import { credentialsAsSecrets, noSecretHelmValues } from "./secrets";
import { TENANCY_POLICIES } from "./tenancy";
import { Finding, PolicyStack, WorkbenchPolicy } from "./subject";

/** Every mandatory policy of the workbench, in the order they are reported. */
export const MANDATORY_POLICIES: readonly WorkbenchPolicy[] = [
    bucketsProtected,
    userDataRetained,
    hubSignInSafe,
    hubNamedAccountsPreset,
    notebookIdentityScoped,
    poolsScaleToZero,
    networkPolicyEnforced,
    userCodeFenced,
    credentialsAsSecrets,
    pinnedVersions,
    noSecretHelmValues,
    ...TENANCY_POLICIES,
    dataBackedUp,
];

/** A finding with the policy that made it. */
export interface Violation extends Finding {
    policy: string;
}

/** Runs every mandatory policy over a stack. */
export function violations(stack: PolicyStack, policies: readonly WorkbenchPolicy[] = MANDATORY_POLICIES): Violation[] {
    return policies.flatMap((policy) => policy.check(stack).map((f) => ({ policy: policy.name, ...f })));
}
