import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import * as path from "node:path";
import { TOKEN_NEEDED_ANNOTATION, USER_CODE_LABELS } from "../components/labels";
import { planVerdict, planViolations } from "../plan/policy";
import type { Plan, PlannedResource } from "../plan/types";
import { policyStackOfCrossGuard } from "../policy/crossguard";
import { MANDATORY_POLICIES, violations } from "../policy/policies";
import { UNKNOWN } from "../policy/subject";
import { TOKEN_NEEDED_ANNOTATION as POLICY_TOKEN_NEEDED_ANNOTATION } from "../policy/tenancy";
import { USER_CODE_SELECTOR } from "../policy/workbench";
import { planOf, previewOf, PROJECT_DIR, runCli, runPlan, STACKS, variantStackFile } from "./harness";
import { TENANCY_BREAKAGES } from "./tenancy-policy-breakages";

/** The AWS role of the notebooks' account (`workbench-users/workbench-user`, DESIGN §5b). */
const NOTEBOOK_ROLE = "workbench-workbench-users-workbench-user";

type Values = Record<string, unknown>;

/** A deep copy of a plan to break on purpose. */
function copy(plan: Plan): Plan {
    return structuredClone(plan);
}

/** The one resource of a type and name in a plan copy, to mutate. */
function the(plan: Plan, type: string, name: string): PlannedResource {
    const found = plan.resources.find((r) => r.type === type && r.name === name);
    assert.ok(found, `${type} ${name} in the plan`);
    return found;
}

/** The hub release's values in a plan copy. */
function hubValues(plan: Plan): Values {
    return plan.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs["chart"] === "jupyterhub")!.inputs["values"] as Values;
}

/** A resource of another cloud, added to a plan copy (its platform lands separately). */
function add(plan: Plan, type: string, name: string, inputs: Values, extra: Partial<PlannedResource> = {}): PlannedResource {
    const resource: PlannedResource = {
        urn: `urn:pulumi:test::workbench::${type}::${name}`,
        type,
        name,
        custom: true,
        remote: false,
        inputs,
        protect: false,
        retainOnDelete: true,
        dependsOn: [],
        ...extra,
    };
    plan.resources.push(resource);
    return resource;
}

/** Asserts that the named policy, and only it, reports the resource with a message naming it. */
function assertViolates(plan: Plan, policy: string, type: string, name: string, pattern: RegExp): void {
    const found = planViolations(plan);
    const mine = found.filter((v) => v.policy === policy);
    assert.ok(
        mine.some((v) => v.message.startsWith(`${type} ${name}:`) && pattern.test(v.message)),
        `${policy} should report ${type} ${name} matching ${pattern}; found:\n${found.map((v) => `[${v.policy}] ${v.message}`).join("\n")}`,
    );
}

/** Crafted breakages, per policy: each makes its policy fail with a message naming the resource. */
const BREAKAGES: Record<string, Array<{ title: string; base: string; run: (plan: Plan) => void }>> = {
    ...TENANCY_BREAKAGES,
    "data-backed-up": [
        {
            title: "a MariaDB server without a dump CronJob, and homes without a Velero Schedule, unless opted out",
            base: "aws",
            run: (plan) => {
                add(plan, "workbench:services:MariaDB", "workbench-mariadb", {}, { custom: false });
                assertViolates(plan, "data-backed-up", "workbench:services:MariaDB", "workbench-mariadb", /mariadb has no scheduled backup.*workbench:backups\.optOut \[mariadb\]/);
                plan.resources = plan.resources.filter((r) => r.type !== "kubernetes:velero.io/v1:Schedule");
                assertViolates(plan, "data-backed-up", "kubernetes:helm.sh/v3:Release", "workbench-hub", /homes have no scheduled backup/);
                // an explicit opt-out of both is a choice, not a violation
                const map = plan.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && (r.inputs["metadata"] as { name?: string } | undefined)?.name === "workbench-backups");
                assert.ok(map, "the backups ConfigMap is planned");
                map.inputs["data"] = { "opted-out": "homes,mariadb" };
                if (map.outputs) map.outputs["data"] = { "opted-out": "homes,mariadb" };
                assert.deepEqual(planViolations(plan).filter((v) => v.policy === "data-backed-up"), []);
            },
        },
    ],
    "buckets-private-encrypted-tls-retained": [
        {
            title: "an S3 bucket deleted with the stack",
            base: "aws",
            run: (plan) => {
                the(plan, "aws:s3/bucket:Bucket", "workbench-data").retainOnDelete = false;
                assertViolates(plan, "buckets-private-encrypted-tls-retained", "aws:s3/bucket:Bucket", "workbench-data", /retainOnDelete/);
            },
        },
        {
            title: "an S3 bucket without its TLS-only policy, encryption or public access block",
            base: "aws",
            run: (plan) => {
                plan.resources = plan.resources.filter((r) => r.type !== "aws:s3/bucketPolicy:BucketPolicy");
                the(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "workbench-data").inputs["blockPublicPolicy"] = false;
                plan.resources = plan.resources.filter((r) => r.type !== "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
                for (const pattern of [/SecureTransport/, /PublicAccessBlock/, /EncryptionConfiguration/]) {
                    assertViolates(plan, "buckets-private-encrypted-tls-retained", "aws:s3/bucket:Bucket", "workbench-data", pattern);
                }
            },
        },
        {
            title: "a GCS bucket without public access prevention, force-destroyed",
            base: "local",
            run: (plan) => {
                add(plan, "gcp:storage/bucket:Bucket", "workbench-data", { uniformBucketLevelAccess: true, publicAccessPrevention: "inherited", forceDestroy: true });
                assertViolates(plan, "buckets-private-encrypted-tls-retained", "gcp:storage/bucket:Bucket", "workbench-data", /publicAccessPrevention/);
                assertViolates(plan, "buckets-private-encrypted-tls-retained", "gcp:storage/bucket:Bucket", "workbench-data", /forceDestroy/);
            },
        },
        {
            title: "an Azure storage account open to public blob access over old TLS, and a public container",
            base: "local",
            run: (plan) => {
                add(plan, "azure-native:storage:StorageAccount", "workbench", { enableHttpsTrafficOnly: true, minimumTlsVersion: "TLS1_0", allowBlobPublicAccess: true });
                add(plan, "azure-native:storage:BlobContainer", "workbench-data", { publicAccess: "Blob" });
                assertViolates(plan, "buckets-private-encrypted-tls-retained", "azure-native:storage:StorageAccount", "workbench", /allowBlobPublicAccess/);
                assertViolates(plan, "buckets-private-encrypted-tls-retained", "azure-native:storage:StorageAccount", "workbench", /TLS1_2/);
                assertViolates(plan, "buckets-private-encrypted-tls-retained", "azure-native:storage:BlobContainer", "workbench-data", /private/);
            },
        },
    ],
    "user-data-retained-class": [
        {
            title: "homes on a class that deletes released volumes",
            base: "aws",
            run: (plan) => {
                the(plan, "kubernetes:storage.k8s.io/v1:StorageClass", "workbench-gp3-retained").inputs["reclaimPolicy"] = "Delete";
                assertViolates(plan, "user-data-retained-class", "kubernetes:helm.sh/v3:Release", "workbench-hub", /reclaimPolicy Delete/);
            },
        },
    ],
    "hub-sign-in-safe": [
        {
            title: "dummy sign-in on a load balancer",
            base: "aws",
            run: (plan) => {
                (hubValues(plan)["hub"] as Values)["config"] = { JupyterHub: { authenticator_class: "dummy" } };
                assertViolates(plan, "hub-sign-in-safe", "kubernetes:helm.sh/v3:Release", "workbench-hub", /dummy sign-in/);
            },
        },
        {
            title: "passwords over plain HTTP on a load balancer without source ranges",
            base: "aws",
            run: (plan) => {
                (hubValues(plan)["proxy"] as Values)["https"] = { enabled: false };
                assertViolates(plan, "hub-sign-in-safe", "kubernetes:helm.sh/v3:Release", "workbench-hub", /plain HTTP/);
                // the same hub fenced by source ranges passes
                const service = (hubValues(plan)["proxy"] as Values)["service"] as Values;
                service["loadBalancerSourceRanges"] = ["203.0.113.0/24"];
                assert.deepEqual(planViolations(plan).filter((v) => v.policy === "hub-sign-in-safe"), []);
            },
        },
        {
            title: "an admin name left for sign-up to claim",
            base: "aws",
            run: (plan) => {
                const config = (hubValues(plan)["hub"] as Values)["config"] as Values;
                (config["WorkbenchNativeAuthenticator"] as Values)["preset_accounts"] = [];
                assertViolates(plan, "hub-sign-in-safe", "kubernetes:helm.sh/v3:Release", "workbench-hub", /admin alice has no account/);
            },
        },
    ],
    "hub-named-accounts-preset": [
        {
            title: "an allowed user's name left for sign-up to claim",
            base: "aws",
            run: (plan) => {
                const config = (hubValues(plan)["hub"] as Values)["config"] as Values;
                (config["Authenticator"] as Values)["allowed_users"] = ["bob"];
                assertViolates(plan, "hub-named-accounts-preset", "kubernetes:helm.sh/v3:Release", "workbench-hub", /allowed user bob has no account/);
            },
        },
        {
            title: "GitHub sign-in open to every GitHub user",
            base: "aws",
            run: (plan) => {
                const config = (hubValues(plan)["hub"] as Values)["config"] as Values;
                config["JupyterHub"] = { authenticator_class: "github" };
                config["Authenticator"] = { admin_users: ["alice"], allow_all: true };
                assertViolates(plan, "hub-named-accounts-preset", "kubernetes:helm.sh/v3:Release", "workbench-hub", /allow_all admits every GitHub user/);
            },
        },
    ],
    "notebook-identity-scoped": [
        {
            title: "the notebooks' role trusting a wildcard and reaching every bucket",
            base: "aws",
            run: (plan) => {
                const role = the(plan, "aws:iam/role:Role", NOTEBOOK_ROLE);
                const inline = the(plan, "aws:iam/rolePolicy:RolePolicy", NOTEBOOK_ROLE);
                const document = JSON.parse(String(inline.inputs["policy"]));
                document.Statement[1].Resource = "arn:aws:s3:::*";
                inline.inputs["policy"] = JSON.stringify(document);
                assertViolates(plan, "notebook-identity-scoped", "aws:iam/role:Role", NOTEBOOK_ROLE, /arn:aws:s3:::\*/);
                const trust = JSON.parse(String(role.inputs["assumeRolePolicy"]));
                const condition = trust.Statement[0].Condition;
                condition.StringLike = { [Object.keys(condition.StringEquals)[0]]: "system:serviceaccount:workbench:*" };
                delete condition.StringEquals[Object.keys(condition.StringEquals)[0]];
                role.inputs["assumeRolePolicy"] = JSON.stringify(trust);
                assertViolates(plan, "notebook-identity-scoped", "aws:iam/role:Role", NOTEBOOK_ROLE, /exactly one ServiceAccount/);
            },
        },
        {
            title: "a managed policy attached to the notebooks' role",
            base: "aws",
            run: (plan) => {
                const role = the(plan, "aws:iam/role:Role", NOTEBOOK_ROLE);
                add(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "workbench-user-s3-full", { policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess", role: "x" }, { dependsOn: [role.urn] });
                assertViolates(plan, "notebook-identity-scoped", "aws:iam/role:Role", NOTEBOOK_ROLE, /AmazonS3FullAccess/);
            },
        },
        {
            title: "GKE: a Workload Identity binding for two accounts, and a project-wide grant to the notebooks' account",
            base: "local",
            run: (plan) => {
                const gsa = "projects/p/serviceAccounts/workbench-user@p.iam.gserviceaccount.com";
                add(plan, "gcp:serviceaccount/iAMMember:IAMMember", "workbench-user-wi", {
                    serviceAccountId: gsa,
                    role: "roles/iam.workloadIdentityUser",
                    member: "serviceAccount:p.svc.id.goog[workbench-users/workbench-user]",
                });
                add(plan, "gcp:serviceaccount/iAMBinding:IAMBinding", "other-wi", {
                    serviceAccountId: "projects/p/serviceAccounts/other@p.iam.gserviceaccount.com",
                    role: "roles/iam.workloadIdentityUser",
                    members: ["serviceAccount:p.svc.id.goog[workbench/a]", "serviceAccount:p.svc.id.goog[workbench/b]"],
                });
                add(plan, "gcp:projects/iAMMember:IAMMember", "workbench-user-storage", {
                    project: "p",
                    role: "roles/storage.admin",
                    member: "serviceAccount:workbench-user@p.iam.gserviceaccount.com",
                });
                assertViolates(plan, "notebook-identity-scoped", "gcp:serviceaccount/iAMBinding:IAMBinding", "other-wi", /exactly one Kubernetes ServiceAccount/);
                assertViolates(plan, "notebook-identity-scoped", "gcp:projects/iAMMember:IAMMember", "workbench-user-storage", /whole project/);
            },
        },
        {
            title: "Azure: a wildcard federated subject, and the notebooks' identity granted a role on the resource group",
            base: "local",
            run: (plan) => {
                const identity = add(plan, "azure-native:managedidentity:UserAssignedIdentity", "workbench-user", { resourceGroupName: "rg" });
                add(plan, "azure-native:managedidentity:FederatedIdentityCredential", "workbench-user", {
                    resourceName: "workbench-user",
                    subject: "system:serviceaccount:workbench-users:workbench-user",
                    audiences: ["api://AzureADTokenExchange"],
                    issuer: "https://oidc.example",
                }, { dependsOn: [identity.urn] });
                add(plan, "azure-native:managedidentity:FederatedIdentityCredential", "any-account", {
                    resourceName: "other",
                    subject: "system:serviceaccount:workbench:*",
                    audiences: ["api://AzureADTokenExchange"],
                    issuer: "https://oidc.example",
                });
                add(plan, "azure-native:authorization:RoleAssignment", "workbench-user-rg", {
                    principalId: "00000000-0000-0000-0000-000000000000",
                    roleDefinitionId: "/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe",
                    scope: "/subscriptions/s/resourceGroups/rg",
                }, { dependsOn: [identity.urn] });
                assertViolates(plan, "notebook-identity-scoped", "azure-native:managedidentity:FederatedIdentityCredential", "any-account", /exactly one ServiceAccount/);
                assertViolates(plan, "notebook-identity-scoped", "azure-native:authorization:RoleAssignment", "workbench-user-rg", /storage account/);
            },
        },
    ],
    "user-pools-scale-to-zero": [
        {
            title: "an EKS user node group that keeps a node (the system group may)",
            base: "aws",
            run: (plan) => {
                (the(plan, "aws:eks/nodeGroup:NodeGroup", "workbench-user").inputs["scalingConfig"] as Values)["minSize"] = 1;
                assertViolates(plan, "user-pools-scale-to-zero", "aws:eks/nodeGroup:NodeGroup", "workbench-user", /minSize 1/);
                assert.ok(!planViolations(plan).some((v) => v.message.includes("workbench-system")), "the system group is always on by design");
            },
        },
        {
            title: "a GKE GPU pool and an AKS user pool with a minimum of one",
            base: "local",
            run: (plan) => {
                add(plan, "gcp:container/nodePool:NodePool", "workbench-t4", {
                    nodeConfig: { labels: { "hub.jupyter.org/node-purpose": "user" } },
                    autoscaling: { totalMinNodeCount: 1, totalMaxNodeCount: 1 },
                });
                add(plan, "azure-native:containerservice:AgentPool", "user", { mode: "User", enableAutoScaling: true, minCount: 1, maxCount: 3 });
                assertViolates(plan, "user-pools-scale-to-zero", "gcp:container/nodePool:NodePool", "workbench-t4", /minimum 1/);
                assertViolates(plan, "user-pools-scale-to-zero", "azure-native:containerservice:AgentPool", "user", /minCount 1/);
            },
        },
    ],
    "network-policy-enforced": [
        {
            title: "EKS without the VPC CNI's network policy; GKE on the legacy datapath; AKS without an engine",
            base: "aws",
            run: (plan) => {
                (the(plan, "eks:index:Cluster", "workbench-eks").inputs["vpcCniOptions"] as Values)["enableNetworkPolicy"] = false;
                add(plan, "gcp:container/cluster:Cluster", "workbench-gke", { datapathProvider: "LEGACY_DATAPATH" });
                add(plan, "azure-native:containerservice:ManagedCluster", "workbench-aks", { networkProfile: { networkPlugin: "azure" } });
                assertViolates(plan, "network-policy-enforced", "eks:index:Cluster", "workbench-eks", /enableNetworkPolicy/);
                assertViolates(plan, "network-policy-enforced", "gcp:container/cluster:Cluster", "workbench-gke", /ADVANCED_DATAPATH/);
                assertViolates(plan, "network-policy-enforced", "azure-native:containerservice:ManagedCluster", "workbench-aks", /networkPolicy/);
            },
        },
    ],
    "user-code-fenced": [
        {
            title: "no fence for Dask and Spark pods",
            base: "local",
            run: (plan) => {
                plan.resources = plan.resources.filter((r) => r.name !== "workbench-network-user-code");
                assertViolates(plan, "user-code-fenced", "kubernetes:helm.sh/v3:Release", "workbench-hub", /fences the pods labelled/);
            },
        },
        {
            title: "a fence that lets users' code reach the metadata server",
            base: "aws",
            run: (plan) => {
                const policy = the(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "workbench-network-user-code");
                ((policy.inputs["spec"] as Values)["egress"] as unknown[]).push({ to: [{ ipBlock: { cidr: "169.254.169.254/32" } }] });
                assertViolates(plan, "user-code-fenced", "kubernetes:networking.k8s.io/v1:NetworkPolicy", "workbench-network-user-code", /metadata server/);
            },
        },
        {
            title: "a database Service no ingress policy selects",
            base: "local",
            run: (plan) => {
                add(plan, "kubernetes:core/v1:Service", "workbench-postgres", { metadata: { name: "postgres", namespace: "workbench" }, spec: { selector: { app: "postgres" }, ports: [{ port: 5432 }] } });
                assertViolates(plan, "user-code-fenced", "kubernetes:core/v1:Service", "workbench-postgres", /ingress/);
            },
        },
    ],
    "credentials-only-as-secrets": [
        {
            title: "a plaintext kubeconfig, Secret data, password output and a key in a ConfigMap",
            base: "aws",
            run: (plan) => {
                the(plan, "pulumi:providers:kubernetes", "workbench-k8s").inputs["kubeconfig"] = "apiVersion: v1\nkind: Config";
                the(plan, "kubernetes:core/v1:Secret", "workbench-hub-initial-passwords").inputs["stringData"] = { "user-0": "hunter2hunter2" };
                the(plan, "kubernetes:core/v1:ConfigMap", "workbench-spark-example").inputs["data"] = { key: "-----BEGIN RSA PRIVATE KEY-----\n..." };
                plan.outputs["initialPasswords"] = { alice: "hunter2hunter2" };
                assertViolates(plan, "credentials-only-as-secrets", "pulumi:providers:kubernetes", "workbench-k8s", /kubeconfig/);
                assertViolates(plan, "credentials-only-as-secrets", "kubernetes:core/v1:Secret", "workbench-hub-initial-passwords", /user-0/);
                assertViolates(plan, "credentials-only-as-secrets", "kubernetes:core/v1:ConfigMap", "workbench-spark-example", /private key/);
                assert.ok(planViolations(plan).some((v) => v.message.includes("stack output initialPasswords")));
            },
        },
    ],
    "pinned-versions": [
        {
            title: "a chart version range and a latest image",
            base: "aws",
            run: (plan) => {
                the(plan, "kubernetes:helm.sh/v3:Release", "workbench-hub").inputs["version"] = "^4.4.0";
                ((hubValues(plan)["singleuser"] as Values)["image"] as Values)["tag"] = "latest";
                assertViolates(plan, "pinned-versions", "kubernetes:helm.sh/v3:Release", "workbench-hub", /exact version/);
                assertViolates(plan, "pinned-versions", "kubernetes:helm.sh/v3:Release", "workbench-hub", /tag latest/);
                delete the(plan, "kubernetes:helm.sh/v3:Release", "workbench-dask").inputs["version"];
                assertViolates(plan, "pinned-versions", "kubernetes:helm.sh/v3:Release", "workbench-dask", /no exact version \(unset\)/);
                add(plan, "kubernetes:apps/v1:Deployment", "workbench-tool", { spec: { template: { spec: { containers: [{ name: "tool", image: "nginx" }] } } } });
                assertViolates(plan, "pinned-versions", "kubernetes:apps/v1:Deployment", "workbench-tool", /no tag/);
            },
        },
    ],
    "no-secret-helm-values": [
        {
            title: "a secret and a client secret handed to charts as values",
            base: "aws",
            run: (plan) => {
                const hub = hubValues(plan)["hub"] as Values;
                (hub["config"] as Values)["GitHubOAuthenticator"] = { client_secret: "abc123" };
                (hub["extraEnv"] as Values)["DB_PASSWORD"] = { name: "DB_PASSWORD", value: "[secret]" };
                assertViolates(plan, "no-secret-helm-values", "kubernetes:helm.sh/v3:Release", "workbench-hub", /client_secret holds a credential/);
                assertViolates(plan, "no-secret-helm-values", "kubernetes:helm.sh/v3:Release", "workbench-hub", /DB_PASSWORD\.value holds a secret/);
            },
        },
        {
            // a dependent-variable reference ($(NAME)) holds nothing itself; a literal token beside it still fails
            title: "a literal token in a plain environment variable, next to a $(VAR) reference that passes",
            base: "aws",
            run: (plan) => {
                const extraEnv = (hubValues(plan)["singleuser"] as Values)["extraEnv"] as Values;
                extraEnv["MLFLOW_TRACKING_TOKEN"] = { name: "MLFLOW_TRACKING_TOKEN", value: "$(JUPYTERHUB_API_TOKEN)" };
                assert.ok(!planViolations(plan).some((v) => v.message.includes("MLFLOW_TRACKING_TOKEN")), "a $(VAR) reference is not a credential");
                extraEnv["MLFLOW_TRACKING_TOKEN"] = { name: "MLFLOW_TRACKING_TOKEN", value: "tok-123" };
                assertViolates(plan, "no-secret-helm-values", "kubernetes:helm.sh/v3:Release", "workbench-hub", /MLFLOW_TRACKING_TOKEN\.value sets a credential/);
            },
        },
    ],
};

describe("policy pack: every mandatory policy on every shipped stack", () => {
    for (const stack of STACKS) {
        it(`${stack}: every policy passes`, async () => {
            const found = planViolations(await planOf(stack));
            assert.deepEqual(found, [], found.map((v) => `[${v.policy}] ${v.message}`).join("\n"));
        });
    }

    it("the pack's user-code selector is the label the components put on pods", () => {
        assert.deepEqual(USER_CODE_SELECTOR, USER_CODE_LABELS);
    });

    it("the pack reads the token-need annotation the components write", () => {
        assert.equal(POLICY_TOKEN_NEEDED_ANNOTATION, TOKEN_NEEDED_ANNOTATION);
    });

    it("every policy has a crafted plan that makes it fail", () => {
        assert.deepEqual(
            MANDATORY_POLICIES.map((p) => p.name).filter((name) => (BREAKAGES[name] ?? []).length === 0),
            [],
        );
        assert.deepEqual(Object.keys(BREAKAGES).filter((name) => !MANDATORY_POLICIES.some((p) => p.name === name)), [], "breakages name existing policies");
    });
});

describe("policy pack: every mandatory policy on every shipped stack planned as a first pulumi preview (outputs only, unknowns)", () => {
    for (const stack of STACKS) {
        it(`${stack}: every policy passes on the --preview plan`, async () => {
            const plan = await previewOf(stack);
            assert.equal(plan.preview, true);
            const found = planViolations(plan);
            assert.deepEqual(found, [], found.map((v) => `[${v.policy}] ${v.message}`).join("\n"));
        });
    }
});

describe("policy pack: each policy fails on a crafted bad plan, naming the resource", () => {
    for (const [policy, breakages] of Object.entries(BREAKAGES)) {
        for (const breakage of breakages) {
            it(`${policy}: ${breakage.title}`, async () => breakage.run(copy(await planOf(breakage.base))));
        }
    }
});

describe("policy pack: CrossGuard's view", () => {
    /**
     * The children @pulumi/eks's remote Cluster registers that the policies judge, which CrossGuard sees and the
     * mock runtime does not: its VpcCniAddon component and the `vpc-cni` add-on, whose configurationValues carry
     * `enableNetworkPolicy` as the string "true"/"false" (pulumi-eks nodejs/eks/addons/cni-addon.ts,
     * mergeConfigurationValues and stringifyBool).
     */
    function eksChildren(plan: Plan): Plan["resources"] {
        return plan.resources
            .filter((r) => r.type === "eks:index:Cluster")
            .flatMap((cluster) => {
                const enabled = (cluster.inputs["vpcCniOptions"] as Values | undefined)?.["enableNetworkPolicy"];
                const component = { ...cluster, urn: `${cluster.urn}-vpc-cni`, type: "eks:index:VpcCniAddon", name: `${cluster.name}-vpc-cni`, parent: cluster.urn, custom: false, remote: false, inputs: {}, outputs: undefined };
                const configurationValues = JSON.stringify({ ...(enabled === undefined ? {} : { enableNetworkPolicy: enabled ? "true" : "false" }), env: {} });
                const addon = { ...component, urn: `${cluster.urn}-vpc-cni-addon`, type: "aws:eks/addon:Addon", parent: component.urn, custom: true, inputs: { addonName: "vpc-cni", configurationValues } };
                return [component, addon];
            });
    }

    /** A plan's resources as CrossGuard would hand them to a stack policy: outputs only, a remote component's children included. */
    function asCrossGuard(plan: Plan) {
        const byUrn = new Map<string, { urn: string }>();
        return [...plan.resources, ...eksChildren(plan)].map((r) => {
            const resource = {
                type: r.type,
                urn: r.urn,
                name: r.name,
                parent: r.parent ? { urn: r.parent } : undefined,
                // CrossGuard passes outputs: a custom resource's state, a remote component's outputs, nothing of a component's inputs
                props: r.custom ? r.inputs : r.remote ? (r.outputs ?? {}) : {},
                opts: { protect: r.protect, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
                dependencies: r.dependsOn.map((urn) => byUrn.get(urn) ?? { urn }),
                propertyDependencies: {},
                isType: () => false,
                asType: () => undefined,
            };
            byUrn.set(r.urn, resource);
            return resource as unknown as import("@pulumi/policy").PolicyResource;
        });
    }

    it("a value unknown during a preview is passed over, not a reason to skip the policy", () => {
        class UnknownValueError extends Error {}
        const props = { known: "yes", nested: {} as Record<string, unknown> };
        Object.defineProperty(props.nested, "arn", {
            enumerable: true,
            get: () => {
                throw new UnknownValueError("string value at .arn can't be known during preview");
            },
        });
        const [stack] = [policyStackOfCrossGuard(asCrossGuard({ resources: [{ urn: "u", type: "t", name: "n", custom: true, remote: false, inputs: props, protect: false, retainOnDelete: false, dependsOn: [] }], outputs: {} } as unknown as Plan))];
        assert.deepEqual(stack.resources[0].props, { known: "yes", nested: { arn: UNKNOWN } });
        assert.equal(stack.resources[0].retainOnDelete, undefined, "CrossGuard does not show retainOnDelete");
    });

    it("judges EKS NetworkPolicy on the vpc-cni add-on CrossGuard sees, never on the Cluster's inputs, which it does not", async () => {
        const plan = await planOf("aws");
        const cluster = the(plan, "eks:index:Cluster", "workbench-eks");
        // the plan records the remote component's outputs apart from its inputs: CrossGuard sees only the former
        assert.ok(cluster.outputs && !("vpcCniOptions" in cluster.outputs) && "kubeconfig" in cluster.outputs, JSON.stringify(Object.keys(cluster.outputs ?? {})));
        const broken = copy(plan);
        (the(broken, "eks:index:Cluster", "workbench-eks").inputs["vpcCniOptions"] as Values)["enableNetworkPolicy"] = false;
        const found = violations(policyStackOfCrossGuard(asCrossGuard(broken))).filter((v) => v.policy === "network-policy-enforced");
        assert.equal(found.length, 1, found.map((v) => v.message).join("\n"));
        assert.match(found[0]?.message ?? "", /^aws:eks\/addon:Addon workbench-eks-vpc-cni: configurationValues\.enableNetworkPolicy must be "true"/);
        // without the add-on (a cluster that does not install it) the pack refuses rather than passing blindly
        const bare = policyStackOfCrossGuard(asCrossGuard(plan)).resources.filter((r) => r.type !== "aws:eks/addon:Addon");
        assert.ok(violations({ resources: bare, outputs: {}, secretsVisible: false }).some((v) => /no vpc-cni add-on/.test(v.message)));
    });

    it("one verdict: on every crafted plan the policy tests use, each policy CrossGuard would refuse the plain plan refuses", async () => {
        let judged = 0;
        for (const [policy, breakages] of Object.entries(BREAKAGES)) {
            for (const breakage of breakages) {
                const broken = copy(await planOf(breakage.base));
                breakage.run(broken);
                const atPreview = new Set(violations(policyStackOfCrossGuard(asCrossGuard(broken))).map((v) => v.policy));
                const verdict = planVerdict(broken);
                const refused = new Set(verdict.refused.map((v) => v.policy));
                for (const name of atPreview) assert.ok(refused.has(name), `${policy} / ${breakage.title}: CrossGuard refuses ${name}, the plain plan does not`);
                // and what the plain plan refuses, CrossGuard refuses: the verdict is the CLI's, no stricter
                for (const name of refused) assert.ok(atPreview.has(name), `${policy} / ${breakage.title}: the plain plan refuses ${name}, CrossGuard would not`);
                // nothing the offline policy run finds is lost: it is refused, or warned of as offline-only
                const judgedPolicies = new Set([...verdict.refused, ...verdict.offlineOnly].map((v) => v.policy));
                for (const v of planViolations(broken)) assert.ok(judgedPolicies.has(v.policy), `${policy} / ${breakage.title}: ${v.policy} lost`);
                judged++;
            }
        }
        assert.ok(judged >= MANDATORY_POLICIES.length);
    });

    it("the shipped AWS stack passes the pack as CrossGuard runs it, and a broken bucket fails it", async () => {
        const plan = await planOf("aws");
        const stack = policyStackOfCrossGuard(asCrossGuard(plan));
        assert.deepEqual(violations(stack), []);
        const broken = copy(plan);
        the(broken, "aws:s3/bucket:Bucket", "workbench-data").inputs["forceDestroy"] = true;
        assert.ok(violations(policyStackOfCrossGuard(asCrossGuard(broken))).some((v) => v.message.startsWith("aws:s3/bucket:Bucket workbench-data: forceDestroy")));
    });
});

describe("one verdict: the plain plan refuses what the mandatory pack refuses at preview", () => {
    it("a user pool that keeps a node warm: npm run plan (no --policy) exits non-zero naming the policy, nothing else to run", async () => {
        const run = await runPlan("aws", { stackFile: variantStackFile("aws", { "workbench:userPool": { size: "medium", minNodes: 1, maxNodes: 3, spot: true } }) });
        assert.equal(run.status, 1);
        assert.match(run.stderr, /pulumi preview --policy-pack policy would refuse this stack[\s\S]*\[user-pools-scale-to-zero\] aws:eks\/nodeGroup:NodeGroup workbench-user/);
    });

    it("what only the plan can see (retainOnDelete, unseen by CrossGuard) is a warning of the plain plan and a refusal with --policy", async () => {
        const run = await runPlan("aws", { stackFile: variantStackFile("aws", { "workbench:storage": { retainOnDestroy: false } }) });
        assert.equal(run.status, 0, run.stderr);
        assert.ok(run.document.warnings.some((w) => /^Policy buckets-private-encrypted-tls-retained \(checked offline only/.test(w)), run.document.warnings.join("\n"));
    });
});

describe("policy pack: npm run plan -- --policy", () => {
    const planWithPolicy = (args: string[]) => runCli([...args, "--policy", "--project-dir", PROJECT_DIR]);

    it("exits non-zero on a violation and names the resource: a bucket the stack would delete", async () => {
        const stackFile = variantStackFile("aws", { "workbench:storage": { retainOnDestroy: false } });
        const run = await planWithPolicy(["--stack", "aws", "--stack-file", stackFile, "--json"]);
        assert.notEqual(run.status, 0);
        assert.match(run.stderr, /\[buckets-private-encrypted-tls-retained\] aws:s3\/bucket:Bucket workbench-data: is deleted with the stack/);
    });
});

describe("policy pack: loaded the way `pulumi preview --policy-pack policy` loads it (run-policy-pack, @pulumi/pulumi 3.270)", function () {
    this.timeout(120_000);
    /* eslint-disable @typescript-eslint/no-require-imports */
    const grpc = require("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
    const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb") as { AnalyzerClient: new (address: string, credentials: unknown) => Record<string, (...args: unknown[]) => void> };
    const analyzer = require("@pulumi/pulumi/proto/analyzer_pb") as Record<string, new () => Record<string, (...args: unknown[]) => unknown>>;
    const { Empty } = require("google-protobuf/google/protobuf/empty_pb") as { Empty: new () => unknown };
    const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as { Struct: { fromJavaScript(value: unknown): unknown } };
    /* eslint-enable @typescript-eslint/no-require-imports */
    let server: ReturnType<typeof spawn> | undefined;
    let client: Record<string, (...args: unknown[]) => void>;

    before(async () => {
        // the build CI runs before each preview and deploy (npm run build:policy), then the pack's own folder as
        // the language host hands it to run-policy-pack: `RUN <engine-address> <program>`, program = the pack's
        // folder, whose package.json main is required (with ts-node and TypeScript 3.8 registered, as run.js does)
        const build = await new Promise<{ status: number; out: string }>((resolve) =>
            execFile(process.execPath, [path.join(PROJECT_DIR, "policy", "build.mjs")], { cwd: PROJECT_DIR }, (error, stdout, stderr) =>
                resolve({ status: error ? 1 : 0, out: stdout + stderr }),
            ),
        );
        assert.equal(build.status, 0, build.out);
        const runner = path.join(PROJECT_DIR, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
        server = spawn(process.execPath, [runner, "127.0.0.1:1", "."], { cwd: path.join(PROJECT_DIR, "policy"), stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        server.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const port = await new Promise<string>((resolve, reject) => {
            server!.stdout?.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
            server!.once("exit", (code) => reject(new Error(`run-policy-pack exited (${code}) before serving: ${stderr}`)));
        });
        assert.match(port, /^\d+$/, "the pack prints the port it serves on, as the CLI expects");
        client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => server?.kill());

    const call = <T>(method: string, request: unknown) =>
        new Promise<T>((resolve, reject) => client[method]!(request, (error: Error | null, response: T) => (error ? reject(error) : resolve(response))));

    it("serves every mandatory policy, mandatory, under the pack's name", async () => {
        const info = (await call<{ toObject(): { name: string; policiesList: Array<{ name: string; enforcementlevel: number }> } }>("getAnalyzerInfo", new Empty())).toObject();
        assert.equal(info.name, "workbench");
        assert.deepEqual(info.policiesList.map((p) => p.name), MANDATORY_POLICIES.map((p) => p.name));
        // pulumirpc.EnforcementLevel.MANDATORY = 1
        assert.ok(info.policiesList.every((p) => p.enforcementlevel === 1));
    });

    it("judges a stack sent as the engine sends it: a force-destroyed bucket is a mandatory violation", async () => {
        const bucket = new analyzer["AnalyzerResource"]!();
        bucket["setType"]!("aws:s3/bucket:Bucket");
        bucket["setName"]!("workbench-data");
        bucket["setUrn"]!("urn:pulumi:aws::workbench::aws:s3/bucket:Bucket::workbench-data");
        bucket["setProperties"]!(Struct.fromJavaScript({ bucket: "workbench-data", forceDestroy: true }));
        const options = new analyzer["AnalyzerResourceOptions"]!();
        options["setProtect"]!(false);
        bucket["setOptions"]!(options);
        const request = new analyzer["AnalyzeStackRequest"]!();
        request["setResourcesList"]!([bucket]);
        const response = await call<{ getDiagnosticsList(): Array<{ getPolicyname(): string; getMessage(): string; getEnforcementlevel(): number }> }>("analyzeStack", request);
        const found = response.getDiagnosticsList().filter((d) => d.getPolicyname() === "buckets-private-encrypted-tls-retained");
        assert.ok(found.some((d) => /forceDestroy/.test(d.getMessage()) && d.getEnforcementlevel() === 1), found.map((d) => d.getMessage()).join("\n"));
    });
});
