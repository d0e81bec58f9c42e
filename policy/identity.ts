import { at, dependents, Finding, finding, known, list, ofTypes, parseJson, PolicyStack, record, WorkbenchPolicy } from "./subject";
import { hubFacts, serviceAccountSubject } from "./workbench";

/*
 * One identity per ServiceAccount, trusting exactly one: every federated identity names one ServiceAccount
 * exactly (no wildcard), and the identity the notebooks' ServiceAccount gets reaches its bucket and nothing
 * else. Checked on each cloud's own resources: IAM roles (AWS), Workload Identity bindings (GCP),
 * federated credentials and role assignments (Azure).
 */

const IAM_ROLE = "aws:iam/role:Role";
const IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const IAM_ROLE_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const S3_RESOURCES_NAMING_BUCKET = [
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
];
const GSA_MEMBER_TYPES = ["gcp:serviceaccount/iAMMember:IAMMember", "gcp:serviceaccount/iAMBinding:IAMBinding"];
const PROJECT_GRANT_TYPES = ["gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMBinding:IAMBinding"];
const FEDERATED_CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential";
const ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment";
const USER_ASSIGNED_IDENTITY = "azure-native:managedidentity:UserAssignedIdentity";
const AZURE_TOKEN_AUDIENCE = "api://AzureADTokenExchange";

/** The `...:sub` conditions of a web-identity trust statement, by operator. */
function subjectConditions(statement: unknown): Array<{ operator: string; value: unknown }> {
    return Object.entries(record(at(statement, "Condition"))).flatMap(([operator, conditions]) =>
        Object.entries(record(conditions))
            .filter(([key]) => key.endsWith(":sub"))
            .map(([, value]) => ({ operator, value })),
    );
}

/** What is wrong with a role's trust: a web-identity statement must name exactly one subject with StringEquals. */
function trustProblems(trust: unknown): { subjects: string[]; problems: string[] } {
    const subjects: string[] = [];
    const problems: string[] = [];
    for (const statement of list(at(trust, "Statement"))) {
        if (!String(at(statement, "Action")).includes("AssumeRoleWithWebIdentity")) continue;
        const conditions = subjectConditions(statement);
        if (conditions.length !== 1 || conditions[0].operator !== "StringEquals" || typeof conditions[0].value !== "string" || /[*?]/.test(conditions[0].value)) {
            problems.push("its web-identity trust must name exactly one ServiceAccount (one StringEquals condition on :sub, no wildcard)");
            continue;
        }
        // without the audience, a token the cluster issued for another audience (any OIDC client) would be accepted
        const audience = record(record(at(statement, "Condition")).StringEquals);
        if (!Object.entries(audience).some(([key, value]) => key.endsWith(":aud") && value === "sts.amazonaws.com")) {
            problems.push("its web-identity trust must require the audience sts.amazonaws.com (a StringEquals condition on :aud)");
            continue;
        }
        subjects.push(conditions[0].value);
    }
    return { subjects, problems };
}

/** Names of the S3 buckets this stack creates, as their companion resources name them. */
function s3BucketNames(stack: PolicyStack): Set<string> {
    const names = new Set<string>();
    for (const r of ofTypes(stack, "aws:s3/bucket:Bucket")) if (typeof r.props.bucket === "string") names.add(r.props.bucket);
    for (const r of ofTypes(stack, ...S3_RESOURCES_NAMING_BUCKET)) if (typeof r.props.bucket === "string" && known(r.props.bucket)) names.add(r.props.bucket);
    return names;
}

/** Every resource ARN of an IAM policy document's Allow statements. */
function allowedResources(document: unknown): string[] {
    return list(at(document, "Statement"))
        .filter((s) => at(s, "Effect") === "Allow")
        .flatMap((s) => {
            const resource = at(s, "Resource");
            return Array.isArray(resource) ? resource.map(String) : [String(resource)];
        });
}

function awsFindings(stack: PolicyStack, workbenchSubject: string | undefined): Finding[] {
    const buckets = s3BucketNames(stack);
    const bucketArns = new Set([...buckets].flatMap((b) => [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`]));
    return ofTypes(stack, IAM_ROLE).flatMap((role) => {
        const trust = parseJson(role.props.assumeRolePolicy);
        if (trust === undefined) return [];
        const { subjects, problems } = trustProblems(trust);
        if (workbenchSubject && subjects.includes(workbenchSubject)) {
            const policies = dependents(stack, role, "role", [role.props.name, role.props.id]);
            for (const attachment of policies.filter((p) => p.type === IAM_ROLE_ATTACHMENT)) {
                problems.push(`the notebooks' role has managed policy ${String(attachment.props.policyArn)} attached: only an inline policy scoped to the bucket`);
            }
            for (const inline of policies.filter((p) => p.type === IAM_ROLE_POLICY)) {
                const document = parseJson(inline.props.policy);
                if (document === undefined) continue;
                const outside = allowedResources(document).filter((arn) => !bucketArns.has(arn));
                if (outside.length > 0) problems.push(`the notebooks' role reaches ${outside.join(", ")}: only the workbench bucket (${[...buckets].join(", ") || "none in this stack"})`);
            }
        }
        return problems.map((problem) => finding(role, problem));
    });
}

/** `serviceAccount:<pool>[<ns>/<ksa>]` → `system:serviceaccount:<ns>:<ksa>`. */
function gkeMemberSubject(member: string): string | undefined {
    const match = /^serviceAccount:[^[]+\.svc\.id\.goog\[([^/\]]+)\/([^\]]+)\]$/.exec(member);
    return match ? `system:serviceaccount:${match[1]}:${match[2]}` : undefined;
}

function gcpFindings(stack: PolicyStack, workbenchSubject: string | undefined): Finding[] {
    const findings: Finding[] = [];
    const workbenchAccounts = new Set<string>();
    for (const binding of ofTypes(stack, ...GSA_MEMBER_TYPES).filter((b) => b.props.role === "roles/iam.workloadIdentityUser")) {
        const members = binding.props.member !== undefined ? [binding.props.member] : list(binding.props.members);
        if (members.some((m) => !known(m))) continue;
        const subjects = members.map((m) => gkeMemberSubject(String(m)));
        if (members.length !== 1 || subjects.some((s) => s === undefined || /[*?]/.test(s))) {
            findings.push(finding(binding, "a Workload Identity binding must name exactly one Kubernetes ServiceAccount (serviceAccount:<project>.svc.id.goog[<ns>/<ksa>])"));
        } else if (workbenchSubject && subjects[0] === workbenchSubject && typeof binding.props.serviceAccountId === "string") {
            workbenchAccounts.add(binding.props.serviceAccountId.split("/").pop()!);
        }
    }
    const [namespace, name] = workbenchSubject?.split(":").slice(2) ?? [];
    for (const grant of ofTypes(stack, ...PROJECT_GRANT_TYPES)) {
        const members = grant.props.member !== undefined ? [grant.props.member] : list(grant.props.members);
        const reachesWorkbench = members.some(
            (m) =>
                typeof m === "string" &&
                ([...workbenchAccounts].some((email) => m === `serviceAccount:${email}`) || (namespace !== undefined && m.includes(`/subject/ns/${namespace}/sa/${name}`))),
        );
        if (reachesWorkbench) findings.push(finding(grant, `grants ${String(grant.props.role)} on the whole project to the notebooks' identity: grant bucket-level roles only`));
    }
    return findings;
}

function azureFindings(stack: PolicyStack, workbenchSubject: string | undefined): Finding[] {
    const findings: Finding[] = [];
    const workbenchIdentities = new Set<string>();
    const identityUrns = new Set(ofTypes(stack, USER_ASSIGNED_IDENTITY).map((identity) => identity.urn));
    for (const credential of ofTypes(stack, FEDERATED_CREDENTIAL)) {
        const subject = credential.props.subject;
        if (!known(subject)) continue;
        if (typeof subject !== "string" || !/^system:serviceaccount:[^:*?]+:[^:*?]+$/.test(subject)) {
            findings.push(finding(credential, `subject ${String(subject)} must name exactly one ServiceAccount (system:serviceaccount:<ns>:<name>)`));
        }
        const audiences = list(credential.props.audiences);
        if (audiences.length !== 1 || audiences[0] !== AZURE_TOKEN_AUDIENCE) findings.push(finding(credential, `audiences must be exactly [${AZURE_TOKEN_AUDIENCE}]`));
        if (subject === workbenchSubject) {
            // the credential names its identity (resourceName), so it depends on it
            for (const urn of credential.dependsOn) if (identityUrns.has(urn)) workbenchIdentities.add(urn);
        }
    }
    for (const assignment of ofTypes(stack, ROLE_ASSIGNMENT)) {
        if (!assignment.dependsOn.some((urn) => workbenchIdentities.has(urn))) continue;
        const scope = assignment.props.scope;
        if (known(scope) && !/\/providers\/Microsoft\.Storage\/storageAccounts\/[^/]+/i.test(String(scope))) {
            findings.push(finding(assignment, `assigns a role to the notebooks' identity at scope ${String(scope)}: scope it to the storage account or its container`));
        }
    }
    return findings;
}

/** The notebooks' cloud identity trusts exactly their ServiceAccount and reaches their bucket only. */
export const notebookIdentityScoped: WorkbenchPolicy = {
    name: "notebook-identity-scoped",
    description:
        "Every federated cloud identity trusts exactly one Kubernetes ServiceAccount; the notebooks' identity trusts exactly the workbench ServiceAccount and can reach the workbench bucket and nothing else.",
    check: (stack) => {
        const account = hubFacts(stack).find((hub) => hub.serviceAccount)?.serviceAccount;
        const subject = account ? serviceAccountSubject(account) : undefined;
        return [...awsFindings(stack, subject), ...gcpFindings(stack, subject), ...azureFindings(stack, subject)];
    },
};
