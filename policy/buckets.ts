import { at, dependents, Finding, finding, known, list, ofTypes, parseJson, PolicyStack, PolicySubject, record, WorkbenchPolicy } from "./subject";

/*
 * Buckets hold the user's data: private, encrypted at rest, reachable over TLS only, and kept when the
 * stack is destroyed. Written against each cloud's resource types and inputs (@pulumi/aws 7.48,
 * @pulumi/gcp 9.37, @pulumi/azure-native 3.28).
 */

const S3_BUCKET = "aws:s3/bucket:Bucket";
const S3_COMPANIONS = {
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
} as const;
const GCS_BUCKET = "gcp:storage/bucket:Bucket";
const GCS_BUCKET_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember";
const AZURE_ACCOUNT = "azure-native:storage:StorageAccount";
const AZURE_CONTAINER = "azure-native:storage:BlobContainer";

/** Kept on destroy: `retainOnDelete` or `protect` where the runner shows them, and never force-destroyed. */
function retentionProblems(resource: PolicySubject): string[] {
    const problems: string[] = [];
    if (resource.retainOnDelete !== undefined && !resource.retainOnDelete && !resource.protect) {
        problems.push("is deleted with the stack: set retainOnDelete (workbench:storage.retainOnDestroy) or protect");
    }
    if (resource.props.forceDestroy === true) problems.push("forceDestroy deletes its objects with it: leave it off");
    return problems;
}

/** The S3 companion resources of a bucket: those depending on it or naming it. */
function s3Companions(stack: PolicyStack, bucket: PolicySubject, type: string): PolicySubject[] {
    const names = [bucket.props.bucket, bucket.props.id];
    return dependents(stack, bucket, "bucket", names).filter((r) => r.type === type);
}

/** A bucket policy statement denying every request that does not use TLS. */
function deniesInsecureTransport(statement: unknown): boolean {
    const s = record(statement);
    const condition = record(at(s, "Condition", "Bool"));
    return s.Effect === "Deny" && (s.Principal === "*" || at(s, "Principal", "AWS") === "*") && String(condition["aws:SecureTransport"]) === "false";
}

function s3Findings(stack: PolicyStack): Finding[] {
    return ofTypes(stack, S3_BUCKET).flatMap((bucket) => {
        const problems = retentionProblems(bucket);
        if (typeof bucket.props.acl === "string" && bucket.props.acl.startsWith("public")) problems.push(`acl ${bucket.props.acl} is public`);

        const blocks = s3Companions(stack, bucket, S3_COMPANIONS.publicAccessBlock);
        const blocked = blocks.some((b) => ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].every((k) => b.props[k] === true));
        if (!blocked) problems.push("needs a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true");

        const ownership = s3Companions(stack, bucket, S3_COMPANIONS.ownership);
        if (!ownership.some((o) => at(o.props, "rule", "objectOwnership") === "BucketOwnerEnforced")) {
            problems.push("needs BucketOwnershipControls with objectOwnership BucketOwnerEnforced (ACLs off)");
        }

        const encryption = s3Companions(stack, bucket, S3_COMPANIONS.encryption);
        const encrypted = encryption.some((e) =>
            list(e.props.rules).some((rule) => ["AES256", "aws:kms", "aws:kms:dsse"].includes(String(at(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")))),
        );
        if (!encrypted) problems.push("needs a BucketServerSideEncryptionConfiguration with a default algorithm (AES256 or aws:kms)");

        const policies = s3Companions(stack, bucket, S3_COMPANIONS.policy);
        const policyDocuments = policies.map((p) => p.props.policy);
        // a policy document not known yet (a preview) cannot be judged here; the offline plan judges it
        if (!policyDocuments.some((d) => !known(d))) {
            const tlsOnly = policyDocuments.some((d) => list(at(parseJson(d), "Statement")).some(deniesInsecureTransport));
            if (!tlsOnly) problems.push('needs a BucketPolicy denying requests with aws:SecureTransport "false" (TLS only)');
        }
        return problems.map((problem) => finding(bucket, problem));
    });
}

function gcsFindings(stack: PolicyStack): Finding[] {
    const buckets = ofTypes(stack, GCS_BUCKET).flatMap((bucket) => {
        const problems = retentionProblems(bucket);
        if (bucket.props.uniformBucketLevelAccess !== true) problems.push("needs uniformBucketLevelAccess true (no object ACLs)");
        if (bucket.props.publicAccessPrevention !== "enforced") problems.push('needs publicAccessPrevention "enforced"');
        // GCS encrypts every object at rest and serves its APIs over HTTPS only: nothing to set for either
        return problems.map((problem) => finding(bucket, problem));
    });
    const publicMembers = ofTypes(stack, GCS_BUCKET_MEMBER)
        .filter((m) => m.props.member === "allUsers" || m.props.member === "allAuthenticatedUsers")
        .map((m) => finding(m, `grants ${String(m.props.role)} to ${String(m.props.member)}: the bucket must stay private`));
    return [...buckets, ...publicMembers];
}

function azureFindings(stack: PolicyStack): Finding[] {
    const accounts = ofTypes(stack, AZURE_ACCOUNT).flatMap((account) => {
        const problems = retentionProblems(account);
        if (account.props.enableHttpsTrafficOnly === false) problems.push("enableHttpsTrafficOnly must not be false (TLS only)");
        if (!["TLS1_2", "TLS1_3"].includes(String(account.props.minimumTlsVersion))) problems.push('needs minimumTlsVersion "TLS1_2" or later');
        if (account.props.allowBlobPublicAccess !== false) problems.push("needs allowBlobPublicAccess false");
        // Azure Storage encrypts every account at rest (Microsoft-managed keys); a key source may only be narrowed
        return problems.map((problem) => finding(account, problem));
    });
    const containers = ofTypes(stack, AZURE_CONTAINER)
        .filter((c) => known(c.props.publicAccess) && c.props.publicAccess !== "None")
        .map((c) => finding(c, `publicAccess ${String(c.props.publicAccess)}: the container must be private (None)`));
    return [...accounts, ...containers];
}

/** Buckets private, encrypted, TLS-only and retained, on every cloud. */
export const bucketsProtected: WorkbenchPolicy = {
    name: "buckets-private-encrypted-tls-retained",
    description: "Object storage (S3, GCS, Azure Storage) is private, encrypted at rest, reachable over TLS only, and kept when the stack is destroyed.",
    check: (stack) => [...s3Findings(stack), ...gcsFindings(stack), ...azureFindings(stack)],
};
