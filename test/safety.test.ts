import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { HUB_CONFIG_DIR, PRESET_AUTHENTICATOR } from "../components/hub/hub-auth";
import { API_CLIENT_LABELS, USER_CODE_LABELS } from "../components/labels";
import { METADATA_SERVER_EGRESS, userCodePolicySpec } from "../components/tenancy/network-policies";
import type { Plan, PlannedResource } from "../plan/types";
import { ConfigError } from "../stacks/errors";
import { validateConfig } from "../stacks/load";
import { input, ofType, planOf, runPlan, variantStackFile } from "./harness";
import { KUBERNETES_SERVICE_IP } from "../providers/aws/cluster";

type Values = Record<string, unknown>;
const at = (value: unknown, ...path: string[]): unknown =>
    path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Values)[k] : undefined), value);

/** The problems of a flat config (none when it validates). */
function problemsOf(flat: Record<string, unknown>): ConfigError | undefined {
    const encoded = Object.fromEntries(Object.entries(flat).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
    try {
        validateConfig("test", encoded);
        return undefined;
    } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error;
    }
}

const keysOf = (error: ConfigError | undefined) => error?.problems.map((p) => p.key) ?? [];
const existing = { "workbench:users": { admins: ["alice"] } };
const aws = { ...existing, "workbench:cloud": "aws", "aws:region": "us-east-1" };

function release(plan: Plan, chart: string): PlannedResource {
    const found = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs["chart"] === chart);
    assert.ok(found, `a ${chart} release`);
    return found;
}

describe("safe by default: how the hub is reached", () => {
    it("refuses dummy sign-in on an exposed hub, naming both keys, on an existing cluster as on a cloud", () => {
        for (const base of [existing, aws]) {
            for (const service of ["LoadBalancer", "NodePort"]) {
                const error = problemsOf({ ...base, "workbench:auth": { type: "dummy" }, "workbench:hub": { service } });
                assert.deepEqual(keysOf(error), ["workbench:auth.type"]);
                assert.match(error!.message, /workbench:auth\.type/);
                assert.match(error!.message, /workbench:hub\.service/);
            }
            assert.equal(problemsOf({ ...base, "workbench:auth": { type: "dummy" }, "workbench:hub": { service: "ClusterIP" } }), undefined, "not exposed: allowed");
        }
    });

    it("refuses plain HTTP on an exposed hub unless source ranges fence it; source ranges only on a LoadBalancer and never with Let's Encrypt", () => {
        assert.deepEqual(keysOf(problemsOf({ ...aws, "workbench:hub": { tls: "none" } })), ["workbench:hub.tls"]);
        assert.equal(problemsOf({ ...aws, "workbench:hub": { tls: "none", sourceRanges: ["203.0.113.0/24"] } }), undefined);
        assert.equal(problemsOf({ ...existing, "workbench:hub": { service: "ClusterIP", tls: "none" } }), undefined, "port-forward: plain HTTP is fine");
        assert.deepEqual(keysOf(problemsOf({ ...aws, "workbench:hub": { service: "NodePort", sourceRanges: ["203.0.113.0/24"] } })), ["workbench:hub.sourceRanges"]);
        const domain = { "workbench:domain": "hub.example.org", "workbench:tlsEmail": "ops@example.org" };
        assert.deepEqual(keysOf(problemsOf({ ...aws, ...domain, "workbench:hub": { sourceRanges: ["203.0.113.0/24"] } })), ["workbench:hub.sourceRanges"]);
        assert.equal(problemsOf({ ...aws, ...domain, "workbench:hub": { tls: "self-signed", sourceRanges: ["203.0.113.0/24"] } }), undefined);
        assert.deepEqual(keysOf(problemsOf({ ...aws, "workbench:hub": { tls: "letsencrypt" } })), ["workbench:hub.tls"]);
    });

    it("says where existing.hubService went", () => {
        const error = problemsOf({ ...existing, "workbench:existing": { hubService: "ClusterIP" } });
        assert.deepEqual(keysOf(error), ["workbench:existing.hubService"]);
        assert.match(error!.message, /workbench:hub\.service/);
    });

    it("through the CLI: dummy sign-in on a load balancer registers nothing and names both keys", async () => {
        const run = await runPlan("local", { stackFile: variantStackFile("local", { "workbench:hub": { service: "LoadBalancer" } }) });
        assert.notEqual(run.status, 0);
        assert.match(run.stderr, /workbench:auth\.type/);
        assert.match(run.stderr, /workbench:hub\.service/);
        assert.deepEqual(run.document.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
    });

    it("a cloud hub serves HTTPS with a certificate the stack generates, kept in a TLS Secret the proxy mounts; the login says the browser warns", async () => {
        const plan = await planOf("aws");
        const values = release(plan, "jupyterhub").inputs["values"] as Values;
        assert.equal(at(values, "proxy", "service", "type"), "LoadBalancer");
        assert.equal(at(values, "proxy", "https", "enabled"), true);
        assert.equal(at(values, "proxy", "https", "type"), "secret");
        const secretName = String(at(values, "proxy", "https", "secret", "name"));
        const secret = ofType(plan, "kubernetes:core/v1:Secret").find((s) => input(s, "metadata", "name") === secretName);
        assert.ok(secret, `the Secret ${secretName} the proxy mounts is in the plan`);
        assert.equal(secret.inputs["type"], "kubernetes.io/tls");
        assert.equal(secret.inputs["stringData"], "[secret]", "the private key stays secret");
        assert.equal(at(values, "proxy", "https", "secret", "key"), "tls.key");
        assert.equal(at(values, "proxy", "https", "secret", "crt"), "tls.crt");
        assert.equal(ofType(plan, "tls:index/selfSignedCert:SelfSignedCert").length, 1);
        assert.match(String(plan.outputs["hubUrl"]), /^https:\/\//);
        assert.match(String(plan.outputs["login"]), /browser warns/);
        assert.ok(plan.warnings.some((w) => /certificate this stack generates \(no workbench:domain\)/.test(w)), "the plan explains the choice");
    });

    it("with a domain the hub takes Let's Encrypt and generates no certificate; source ranges reach the load balancer", async () => {
        const withDomain = await runPlan("aws", { stackFile: variantStackFile("aws", { "workbench:domain": "hub.example.org", "workbench:tlsEmail": "ops@example.org" }) });
        assert.equal(withDomain.status, 0, withDomain.stderr);
        const values = release(withDomain.document, "jupyterhub").inputs["values"] as Values;
        assert.equal(at(values, "proxy", "https", "type"), "letsencrypt");
        assert.deepEqual(at(values, "proxy", "https", "hosts"), ["hub.example.org"]);
        assert.deepEqual(ofType(withDomain.document, "tls:index/selfSignedCert:SelfSignedCert"), []);
        assert.doesNotMatch(String(withDomain.document.outputs["login"]), /browser warns/);

        const fenced = await runPlan("aws", { stackFile: variantStackFile("aws", { "workbench:hub": { sourceRanges: ["203.0.113.0/24"] } }) });
        assert.equal(fenced.status, 0, fenced.stderr);
        const fencedValues = release(fenced.document, "jupyterhub").inputs["values"] as Values;
        assert.deepEqual(at(fencedValues, "proxy", "service", "loadBalancerSourceRanges"), ["203.0.113.0/24"]);
    });
});

describe("safe by default: nobody can claim an admin name", () => {
    it("every admin and allowed user has an account from the first start, with a generated password the hub reads from a Secret", async () => {
        const plan = await planOf("aws");
        const hub = release(plan, "jupyterhub");
        const values = hub.inputs["values"] as Values;
        const config = at(values, "hub", "config") as Values;

        // the authenticator is the workbench's class, from a module z2jh mounts beside its config (on the Python path)
        const [module, className] = String(at(config, "JupyterHub", "authenticator_class")).split(".");
        assert.deepEqual([module, className], [PRESET_AUTHENTICATOR.module, PRESET_AUTHENTICATOR.className]);
        const files = Object.values(at(values, "hub", "extraFiles") as Record<string, { mountPath: string; stringData: string }>);
        const file = files.find((f) => f.mountPath === `${HUB_CONFIG_DIR}/${module}.py`);
        assert.ok(file, "the module is mounted in the hub's config folder");
        assert.match(file.stringData, new RegExp(`class ${className}\\(NativeAuthenticator\\)`));

        // sign-up stays open but needs approval; admins and allowed users are exactly the preset accounts
        assert.equal(at(config, "NativeAuthenticator", "open_signup"), false);
        const preset = at(config, className, "preset_accounts") as Array<{ name: string; password_env: string }>;
        const named = [...(at(config, "Authenticator", "admin_users") as string[]), ...(at(config, "Authenticator", "allowed_users") as string[])];
        assert.ok(named.length > 0);
        assert.deepEqual(preset.map((a) => a.name), named);

        // each account's password reaches the hub by Secret reference, from a Secret this plan creates, generated and secret
        for (const account of preset) {
            const env = at(values, "hub", "extraEnv", account.password_env) as { valueFrom: { secretKeyRef: { name: string; key: string } } };
            assert.ok(env?.valueFrom?.secretKeyRef, `${account.password_env} is a Secret reference`);
            const secret = ofType(plan, "kubernetes:core/v1:Secret").find((s) => input(s, "metadata", "name") === env.valueFrom.secretKeyRef.name);
            assert.ok(secret, `Secret ${env.valueFrom.secretKeyRef.name}`);
            assert.equal(input(secret, "metadata", "namespace"), hub.inputs["namespace"]);
            assert.equal(secret.inputs["stringData"], "[secret]");
            const passwords = ofType(plan, "random:index/randomPassword:RandomPassword").filter((p) => secret.dependsOn.includes(p.urn));
            assert.equal(passwords.length, preset.length, "one generated password per account");
        }
        assert.equal(plan.outputs["initialPasswords"], "[secret]");
        assert.match(String(plan.outputs["login"]), /pulumi stack output initialPasswords --show-secrets/);
        assert.doesNotMatch(String(plan.outputs["login"]), /sign up as alice/);
    });
});

describe("safe by default: every pod running users' code is fenced", () => {
    /** The labels the Dask gateway puts on schedulers and workers (its extra config embeds them as JSON). */
    function daskPodLabels(plan: Plan): Record<string, string> {
        const values = release(plan, "dask-gateway").inputs["values"] as Values;
        const code = Object.values(at(values, "gateway", "extraConfig") as Record<string, string>).join("\n");
        const literal = /json\.loads\(("(?:[^"\\]|\\.)*")\)/.exec(code);
        assert.ok(literal, "the gateway's config embeds its data");
        return (JSON.parse(JSON.parse(literal[1])) as { podLabels: Record<string, string> }).podLabels;
    }

    /** The driver's and executors' labels of the Spark example. */
    function sparkPodLabels(plan: Plan): { driver: Record<string, string>; executor: Record<string, string> } {
        const configMap = ofType(plan, "kubernetes:core/v1:ConfigMap").find((c) => c.name.endsWith("spark-example"));
        assert.ok(configMap);
        const application = parse(Object.values(configMap.inputs["data"] as Record<string, string>)[0]) as { spec: { driver: { labels: Record<string, string> }; executor: { labels: Record<string, string> } } };
        return { driver: application.spec.driver.labels, executor: application.spec.executor.labels };
    }

    /** The NetworkPolicies selecting pods with these labels for a policy type. */
    function selecting(plan: Plan, labels: Record<string, string>, type: string): PlannedResource[] {
        return ofType(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy").filter((p) => {
            const match = (input(p, "spec", "podSelector", "matchLabels") ?? {}) as Record<string, string>;
            return Object.entries(match).every(([k, v]) => labels[k] === v) && (input(p, "spec", "policyTypes") as string[]).includes(type);
        });
    }

    /** Whether an egress rule reaches 169.254.169.254 on port 80. */
    function reachesMetadata(rule: { to?: Array<{ ipBlock?: { cidr: string; except?: string[] } }>; ports?: Array<{ port: number }> }): boolean {
        if (rule.ports && !rule.ports.some((p) => p.port === 80)) return false;
        if (!rule.to) return true;
        return rule.to.some((peer) => {
            const block = peer.ipBlock;
            if (!block) return false;
            const covers = (cidr: string) => cidr === "0.0.0.0/0" || cidr === "169.254.0.0/16" || cidr === "169.254.169.254/32";
            return covers(block.cidr) && !(block.except ?? []).some(covers);
        });
    }

    for (const stack of ["aws", "local"]) {
        it(`${stack}: Dask schedulers and workers, Spark drivers and executors carry the user-code label; a policy fences them both ways and keeps the metadata server out`, async () => {
            const plan = await planOf(stack);
            const pods = { dask: daskPodLabels(plan), ...sparkPodLabels(plan) };
            for (const [pod, labels] of Object.entries(pods)) {
                assert.ok(Object.entries(USER_CODE_LABELS).every(([k, v]) => labels[k] === v), `${pod} labelled as user code`);
                assert.ok(selecting(plan, labels, "Ingress").length > 0, `${pod}: ingress fenced`);
                const egress = selecting(plan, labels, "Egress");
                assert.ok(egress.length > 0, `${pod}: egress fenced`);
                // neither AWS (IRSA) nor an existing cluster serves identity from the metadata server
                for (const policy of egress) {
                    const rules = input(policy, "spec", "egress") as Parameters<typeof reachesMetadata>[0][];
                    assert.ok(!rules.some(reachesMetadata), `${pod}: ${policy.name} keeps 169.254.169.254:80 out`);
                }
            }
            assert.ok(Object.entries(API_CLIENT_LABELS).every(([k, v]) => pods.driver[k] === v), "the Spark driver calls the API server");
        });
    }

    it("aws: Spark drivers reach the API server's addresses the platform publishes (kubernetes.default's ClusterIP, the VPC), and only those beyond the user-code fence", async () => {
        const plan = await planOf("aws");
        const vpc = ofType(plan, "aws:ec2/vpc:Vpc")[0];
        const apiClients = selecting(plan, { ...USER_CODE_LABELS, ...API_CLIENT_LABELS }, "Egress").filter((p) => "workbench.io/kube-api-client" in ((input(p, "spec", "podSelector", "matchLabels") ?? {}) as Values));
        assert.equal(apiClients.length, 1);
        const rules = input(apiClients[0], "spec", "egress") as Array<{ to?: Array<{ ipBlock: { cidr: string } }>; ports: Array<{ port: number }> }>;
        const blocks = rules.flatMap((r) => r.to ?? []).map((peer) => peer.ipBlock.cidr);
        // the VPC CNI's agent sees the ClusterIP before DNAT (providers/aws/index.ts), then the endpoint's interfaces
        assert.deepEqual(blocks, [`${KUBERNETES_SERVICE_IP}/32`, vpc.inputs["cidrBlock"]]);
        assert.deepEqual(rules.find((r) => r.to)?.ports.map((p) => p.port), [443]);
    });

    it("where the platform's identity lives on the metadata server (GKE), the fence lets exactly it through", () => {
        const base = { services: [], objectStoreEgress: [], apiServerEgress: [], platformNamespace: "workbench" };
        const closed = userCodePolicySpec({ ...base, podsNeedMetadataServer: false });
        const open = userCodePolicySpec({ ...base, podsNeedMetadataServer: true });
        const cidrs = (spec: typeof open) => (spec.egress as Array<{ to?: Array<{ ipBlock?: { cidr: string } }> }>).flatMap((r) => r.to ?? []).map((p) => p.ipBlock?.cidr);
        for (const destination of METADATA_SERVER_EGRESS) {
            assert.ok(cidrs(open).includes(destination.cidr));
            assert.ok(!cidrs(closed).includes(destination.cidr));
        }
    });
});
