import { PolicyPack, StackValidationPolicy } from "@pulumi/policy";
import { policyStackOfCrossGuard } from "./crossguard";
import { MANDATORY_POLICIES } from "./policies";

/*
 * The workbench's CrossGuard pack: `pulumi preview --policy-pack policy`. Each policy is a stack policy
 * (most rules relate resources: a bucket and its policy, a role and the ServiceAccount it trusts), running
 * the same functions as `npm run plan -- --stack <name> --policy` and the tests.
 */
const policies: StackValidationPolicy[] = MANDATORY_POLICIES.map((policy) => ({
    name: policy.name,
    description: policy.description,
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        for (const found of policy.check(policyStackOfCrossGuard(args.resources))) reportViolation(found.message, found.urn);
    },
}));

new PolicyPack("workbench", { enforcementLevel: "mandatory", policies });
