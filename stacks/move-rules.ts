import { AWS_INTERNET_EGRESS } from "../cost/prices/aws";
import { AZURE_INTERNET_EGRESS } from "../cost/prices/azure";
import { GCP_INTERNET_EGRESS } from "../cost/prices/gcp";
import { EgressPrice, egressUsd } from "../cost/prices/transfer";
import type { Cloud } from "../providers/catalog";
import { ConfigProblem } from "./errors";
import type { RuleInput } from "./rules";
import type { WorkbenchConfig } from "./schema";

/*
 * The cross-key rules of a move between clouds (docs/move.md): `workbench:moveFrom` on the target stack,
 * `workbench:moveTo` on the source. Every problem names the key and what to type; the checks run before any
 * resource registers, with every other problem of the stack.
 */

type MoveFrom = NonNullable<WorkbenchConfig["moveFrom"]>;

/** How each cloud spells a bucket, and an example of it. */
const BUCKET_FORMS: Readonly<Record<Cloud, { pattern: RegExp; example: string; rule: string }>> = {
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
    aws: {
        pattern: /^(?!xn--)(?!sthree-)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        example: "workbench-data-1a2b3c4",
        rule: "an S3 bucket name: 3-63 lowercase letters, digits, '.' and '-', no 's3://'",
    },
    // https://cloud.google.com/storage/docs/buckets#naming
    gcp: {
        pattern: /^(?!goog)(?!.*g[o0][o0]gle)[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$/,
        example: "workbench-data-1a2b3c4",
        rule: "a Cloud Storage bucket name: 3-63 lowercase letters, digits, '-', '_' and '.', no 'gs://', not starting with 'goog'",
    },
    // https://learn.microsoft.com/azure/storage/common/storage-account-overview#storage-account-name,
    // https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata
    azure: {
        pattern: /^[a-z0-9]{3,24}\/(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
        example: "wbdata1a2b3c4d/data",
        rule: "<storage account>/<container>: an account of 3-24 lowercase letters and digits, a container of 3-63 lowercase letters, digits and '-'",
    },
    existing: {
        pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        example: "workbench-data",
        rule: "an S3 bucket name on the store's endpoint (workbench:moveFrom.endpoint)",
    },
};

/** The grant fields each source cloud's `moveGrant` output names (a key-based source names none). */
const GRANT_FIELDS: Readonly<Record<Cloud, readonly (keyof MoveFrom)[]>> = {
    aws: ["roleArn"],
    gcp: ["workloadIdentityProvider"],
    azure: ["clientId", "tenantId"],
    existing: [],
};

const ALL_GRANT_FIELDS: readonly (keyof MoveFrom)[] = ["roleArn", "workloadIdentityProvider", "clientId", "tenantId"];

/** The price per GB of sending data out of each cloud; an existing cluster's store has its own, not in the tables. */
export const EGRESS_PRICES: Readonly<Partial<Record<Cloud, EgressPrice>>> = {
    aws: AWS_INTERNET_EGRESS,
    gcp: GCP_INTERNET_EGRESS,
    azure: AZURE_INTERNET_EGRESS,
};

/** The secret keys a key-based move reads the source with: an AWS or S3-compatible access key, a GCS HMAC key, an Azure account key. */
export function moveKeysNeeded(source: Cloud): readonly ("moveFromAccessKeyId" | "moveFromSecretAccessKey")[] {
    return source === "azure" ? ["moveFromSecretAccessKey"] : ["moveFromAccessKeyId", "moveFromSecretAccessKey"];
}

/**
 * Whether this move reads the source with a key rather than federation: the source has no federation (an existing
 * cluster's store), or the target has no public issuer (an existing cluster), or the user set the keys.
 */
export function moveUsesKey(target: Cloud, from: MoveFrom, secretsSet: ReadonlySet<string>): boolean {
    return from.cloud === "existing" || target === "existing" || moveKeysNeeded(from.cloud).every((key) => secretsSet.has(key));
}

/** Whether every grant field the source cloud's `moveGrant` output names is set (never for a key-based source). */
export function moveGranted(from: MoveFrom): boolean {
    const fields = GRANT_FIELDS[from.cloud];
    return fields.length > 0 && fields.every((field) => from[field] !== undefined);
}

/** The problems of `workbench:moveFrom` on a target stack. */
export function moveFromProblems({ parsed, secretsSet }: RuleInput): ConfigProblem[] {
    const from = parsed.moveFrom;
    if (from === undefined || parsed.cloud === undefined) return [];
    const problems: ConfigProblem[] = [];
    const form = BUCKET_FORMS[from.cloud];
    if (!form.pattern.test(from.bucket)) {
        const scheme = /^[a-z0-9]+:\/\//.exec(from.bucket)?.[0];
        problems.push({
            key: "workbench:moveFrom.bucket",
            given: from.bucket,
            allowed: `must be ${form.rule} (the source is on ${from.cloud}), e.g. ${form.example}${scheme ? `, without ${scheme}` : ""}; the source stack's bucketUrl output names it${from.cloud === "azure" ? " (abfs://<container>@<account>.dfs.core.windows.net/)" : ""}`,
        });
    }
    if (parsed.cloud === "existing" && parsed.existing !== undefined && parsed.existing.objectStore.type === "none") {
        problems.push({
            key: "workbench:moveFrom",
            given: from.cloud,
            allowed: "this stack has no bucket to copy into: set workbench:existing.objectStore (type s3) first, or move onto a cloud stack",
        });
    }
    if (from.cloud === parsed.cloud) {
        const own = parsed.existing?.objectStore;
        const sameStore = from.cloud === "existing" && own?.type === "s3" && own.bucket === from.bucket && (from.endpoint === undefined || sameEndpoint(own.endpoint, from.endpoint));
        problems.push(
            ...(sameStore
                ? [{
                      key: "workbench:moveFrom.bucket",
                      given: from.bucket,
                      allowed: "is this stack's own bucket (workbench:existing.objectStore.bucket): a move copies another stack's bucket into this one; name the source stack's bucket",
                  }]
                : from.cloud === "existing"
                  ? []
                  : [{
                        key: "workbench:moveFrom.cloud",
                        given: from.cloud,
                        allowed: `is this stack's own cloud: a move copies between clouds (the target's Job would hold the same cloud's identity twice, and could copy a bucket onto itself); within ${from.cloud}, keep the bucket and point the new stack's users at it, or set moveFrom.cloud to the other stack's cloud`,
                    }]),
        );
    }
    if (from.cloud === "aws" && from.region === undefined) {
        problems.push({ key: "workbench:moveFrom.region", given: undefined, allowed: "required for an AWS source: the source bucket's region, e.g. us-east-1 (the source stack's aws:region)" });
    }
    if (from.cloud === "existing" && from.endpoint === undefined) {
        problems.push({ key: "workbench:moveFrom.endpoint", given: undefined, allowed: "required for an existing cluster's store: its https:// S3 endpoint (the source's workbench:existing.objectStore.endpoint)" });
    }
    for (const field of ALL_GRANT_FIELDS) {
        if (from[field] !== undefined && !GRANT_FIELDS[from.cloud].includes(field)) {
            problems.push({
                key: `workbench:moveFrom.${field}`,
                given: from[field],
                allowed: `belongs to a source on ${cloudsWith(field)}, not ${from.cloud}: set ${GRANT_FIELDS[from.cloud].join(" and ") || "no grant field (a key: workbench:moveFromAccessKeyId/moveFromSecretAccessKey)"} from the source's moveGrant output`,
            });
        }
    }
    const given = GRANT_FIELDS[from.cloud].filter((field) => from[field] !== undefined);
    if (given.length > 0 && given.length < GRANT_FIELDS[from.cloud].length) {
        for (const field of GRANT_FIELDS[from.cloud].filter((f) => from[f] === undefined)) {
            problems.push({ key: `workbench:moveFrom.${field}`, given: undefined, allowed: `required with ${given.map((g) => `moveFrom.${g}`).join(", ")}: copy it from the source's moveGrant output` });
        }
    }
    if (from.cloud === "existing" || parsed.cloud === "existing") {
        const why = from.cloud === "existing" ? "an existing cluster's store has no identity federation" : "an existing cluster has no public OIDC issuer the source could trust";
        for (const key of moveKeysNeeded(from.cloud).filter((k) => !secretsSet.has(k))) {
            problems.push({
                key: `workbench:${key}`,
                given: undefined,
                allowed: `required to move here: ${why}, so the Job reads the source with a read-only key; set it with pulumi config set --secret workbench:${key} (docs/move.md)`,
            });
        }
    }
    return problems;
}

function cloudsWith(field: keyof MoveFrom): string {
    return (Object.keys(GRANT_FIELDS) as Cloud[]).filter((cloud) => GRANT_FIELDS[cloud].includes(field)).join(" or ");
}

function sameEndpoint(a: string, b: string): boolean {
    const host = (url: string) => {
        try {
            return new URL(url).host.toLowerCase();
        } catch {
            return url;
        }
    };
    return host(a) === host(b);
}

/** The problems of `workbench:moveTo` on a source stack. */
export function moveToProblems({ parsed }: RuleInput): ConfigProblem[] {
    const to = parsed.moveTo;
    if (to === undefined || parsed.cloud === undefined) return [];
    if (parsed.cloud === "existing") {
        return [
            {
                key: "workbench:moveTo",
                given: to.cloud,
                allowed: "an existing cluster's S3-compatible store cannot trust another cluster's issuer: remove workbench:moveTo and give the target a read-only key of the store (workbench:moveFromAccessKeyId and moveFromSecretAccessKey on the target, docs/move.md)",
            },
        ];
    }
    if (to.cloud === "existing") {
        return [
            {
                key: "workbench:moveTo.cloud",
                given: to.cloud,
                allowed: "an existing cluster has no public OIDC issuer to trust: remove workbench:moveTo and give the target a read-only key instead (workbench:moveFromAccessKeyId and moveFromSecretAccessKey on the target, docs/move.md)",
            },
        ];
    }
    if (to.cloud === parsed.cloud) {
        return [{ key: "workbench:moveTo.cloud", given: to.cloud, allowed: `is this stack's own cloud: a move copies between clouds; set the target stack's cloud (aws, gcp or azure, not ${parsed.cloud})` }];
    }
    return [];
}

/**
 * How each cloud's clusters spell their ServiceAccount token issuer: EKS (`aws eks describe-cluster` identity.oidc.issuer),
 * GKE (container.googleapis.com/v1/projects/…/locations/…/clusters/…), AKS (`az aks show` oidcIssuerProfile.issuerUrl,
 * regional `<region>.oic.prod-aks.azure.com/<tenant>/<id>/` and the older `oidc.prod-aks.azure.com/<id>/`).
 */
const ISSUER_FORMS: Readonly<Record<Exclude<Cloud, "existing">, { pattern: RegExp; example: string }>> = {
    aws: { pattern: /^https:\/\/oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/id\/[A-Za-z0-9]+$/, example: "https://oidc.eks.us-east-1.amazonaws.com/id/<ID>" },
    gcp: { pattern: /^https:\/\/container\.googleapis\.com\/v1\/projects\/[^/]+\/locations\/[^/]+\/clusters\/[^/]+$/, example: "https://container.googleapis.com/v1/projects/<project>/locations/<location>/clusters/<cluster>" },
    azure: { pattern: /^https:\/\/([a-z0-9]+\.oic|oidc)\.prod-aks\.azure\.com\/[0-9a-f/-]+$/, example: "https://<region>.oic.prod-aks.azure.com/<tenant>/<id>/" },
};

/** The steps of a move, in order, with where the stack is. */
export const MOVE_STEPS: readonly string[] = [
    "1. target: set workbench:moveFrom {cloud, bucket, region} and pulumi up: the cluster and bucket exist; its `move` output prints the issuer and ServiceAccount",
    "2. source: set workbench:moveTo {cloud, issuer, serviceAccount} from that output and pulumi up: a read-only grant of the source bucket; its `moveGrant` output prints the fields for the target",
    "3. target: set those moveFrom fields and pulumi up: the transfer Job copies the source bucket into this one, then checks every object (kubectl wait --for=condition=complete job/<name>-move)",
    "4. target: set workbench:restore (see docs/backups.md) and pulumi up: homes and databases come back from the copied backups",
    "5. source: after verifying (docs/move.md), remove workbench:moveTo and pulumi up (the grant goes); destroy the source stack when nobody needs it",
];

/** What the move will cost and where the stack is in its order: plan warnings, not problems. */
export function moveWarnings({ parsed, secretsSet }: RuleInput): string[] {
    const warnings: string[] = [];
    const from = parsed.moveFrom;
    if (from !== undefined && parsed.cloud !== undefined) {
        const gb = from.estimatedGB ?? parsed.usageProfile?.bucketGB ?? 0;
        const basis = from.estimatedGB !== undefined ? "workbench:moveFrom.estimatedGB" : "workbench:usageProfile.bucketGB";
        const price = EGRESS_PRICES[from.cloud];
        const cost = price
            ? `about USD ${egressUsd(price, gb).toFixed(2)} once: ${gb} GB (${basis}) out of ${from.cloud} at USD ${price.usd}/GB after ${price.freeGBMonthly} GB free a month (${price.source}, ${price.asOf}; the first ${price.tierGB} GB tier, lower past it), billed by ${from.cloud}; ingress into ${parsed.cloud} is free`
            : `${gb} GB (${basis}) out of the existing store: its provider's egress price is not in the tables`;
        const keyed = moveUsesKey(parsed.cloud, from, secretsSet);
        const granted = keyed || moveGranted(from);
        const step = granted
            ? `step 3 of 5: this up runs the transfer Job (${keyed ? "reading the source with the key in workbench:moveFromAccessKeyId/moveFromSecretAccessKey" : "reading the source through its federated read-only grant"})`
            : "step 1 of 5: this up builds the cluster and prints its issuer in the `move` output; no data is copied until the source grants read access (step 2)";
        warnings.push(`Move from ${from.cloud} bucket ${from.bucket}: ${cost}. ${step}. The order: ${MOVE_STEPS.join("; ")}.`);
    }
    const to = parsed.moveTo;
    if (to !== undefined && to.cloud !== "existing" && !ISSUER_FORMS[to.cloud].pattern.test(to.issuer)) {
        warnings.push(
            `workbench:moveTo.issuer ${to.issuer} does not look like a ${to.cloud} cluster's issuer (${ISSUER_FORMS[to.cloud].example}): copy it from the target's \`move\` output; a wrong issuer grants nothing that works`,
        );
    }
    if (to !== undefined) {
        warnings.push(
            `Move to ${to.cloud}: step 2 of 5: this up grants ServiceAccount ${to.serviceAccount} of the cluster at ${to.issuer} read-only access to this stack's bucket (no write, no other bucket, no key); ` +
                "once the target has copied and verified, remove workbench:moveTo and pulumi up again to revoke it (docs/move.md).",
        );
    }
    return warnings;
}
