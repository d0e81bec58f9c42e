import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { certificateNames, sha256Fingerprint } from "../components/hub/certificate";
import { LoginConfig, loginText } from "../components/hub/login";
import type { Plan } from "../plan/types";
import { FAIR_USE_CONFIG_KEY } from "../components/hub/fair-use";
import { HUB_CONFIG_DIR } from "../components/hub/hub-files";
import type { ProviderSettings } from "../stacks/provider-settings";
import { crossKeyWarnings } from "../stacks/rules";
import { DEFAULT_LIMITS, WorkbenchConfigSchema } from "../stacks/schema";
import { input, ofType, planOf, runPlan, STACKS, tempDir, variantStackFile } from "./harness";
import { at } from "./k8s-checks";

/*
 * The `login` output (issue 21: short lines read in order) and the generated certificate it vouches for
 * (security review §8: a fingerprint to compare before accepting, the addresses the certificate names).
 */

const FINGERPRINT = /[0-9A-F]{2}(:[0-9A-F]{2}){15}\n {10}[0-9A-F]{2}(:[0-9A-F]{2}){15}/;

function configOf(config: Record<string, unknown>): LoginConfig {
    return WorkbenchConfigSchema.parse({ users: { admins: ["alice"] }, ...config });
}

/** A real certificate made with openssl. */
const PEM = (() => {
    const dir = tempDir("cert-");
    const made = spawnSync(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=jupyterhub"],
        { encoding: "utf8" },
    );
    if (made.status !== 0) throw new Error(`openssl could not make a test certificate: ${made.stderr}`);
    return fs.readFileSync(path.join(dir, "cert.pem"), "utf8");
})();

const HEADINGS = ["Where", "Who", "How", "Trust", "Limits", "Stops"];

/** The headings of the output, in order. */
function headings(text: string): string[] {
    return text.split("\n").flatMap((line) => /^([A-Z][a-z]+):/.exec(line)?.[1] ?? []);
}

describe("hub: the login output reads in order", () => {
    const facts = { dask: true, gpus: true };

    it("where, who, how, whether to trust the certificate, the limits, what stops when; lines fit 100 columns", () => {
        const text = loginText(configOf({}), { selfSignedCertificate: true }, facts, "https://203.0.113.10", sha256Fingerprint(PEM));
        assert.deepEqual(headings(text), HEADINGS);
        for (const line of text.split("\n")) assert.ok(line.length <= 100, `${line.length} columns: ${line}`);
        assert.match(text, FINGERPRINT);
        assert.match(text, /Compare before accepting/);
    });

    it("the hub's address appears once, later lines give paths (a NodePort address is long)", () => {
        const url = "https://<any node's address>:<node port: kubectl get service proxy-public>";
        const text = loginText(configOf({ hub: { service: "NodePort" } }), { selfSignedCertificate: true }, facts, url, sha256Fingerprint(PEM));
        assert.equal(text.split("<any node's address>").length - 1, 1, text);
        assert.match(text, /\/hub\/login/);
        assert.match(text, /\/hub\/signup/);
    });

    it("a port-forwarded hub says what to run first; no certificate lines without a generated certificate", () => {
        const text = loginText(configOf({ hub: { service: "ClusterIP" }, auth: { type: "dummy" } }), { selfSignedCertificate: false, reachWith: "kubectl port-forward x" }, facts, "http://localhost:8080");
        assert.deepEqual(text.split("\n").slice(0, 2), ["Where:  run: kubectl port-forward x", "        then open http://localhost:8080"]);
        assert.ok(!headings(text).includes("Trust"));
    });

    it("states the configured per-person limits, and the Dask line only with Dask", () => {
        const limits = { servers: 3, gpuServers: 2, daskWorkers: 4, daskCores: 9 };
        const text = loginText(configOf({ users: { admins: ["alice"], limits } }), { selfSignedCertificate: false }, facts, "https://hub");
        assert.match(text, /each person: 3 servers at a time, 2 of them on a GPU/);
        assert.match(text, /each Dask cluster: at most 4 workers and 9 cores/);
        const noDask = loginText(configOf({ users: { admins: ["alice"], limits } }), { selfSignedCertificate: false }, { dask: false, gpus: false }, "https://hub");
        assert.doesNotMatch(noDask, /Dask|GPU/);
    });
});

describe("hub: the generated certificate's fingerprint and names", () => {
    it("the fingerprint is the one browsers and openssl show (SHA-256 of the DER)", () => {
        assert.equal(sha256Fingerprint(PEM), new X509Certificate(PEM).fingerprint256);
        const openssl = spawnSync("openssl", ["x509", "-noout", "-fingerprint", "-sha256"], { input: PEM, encoding: "utf8" });
        assert.equal(sha256Fingerprint(PEM), openssl.stdout.trim().split("=")[1]);
    });

    it("names localhost and 127.0.0.1 (a port-forward), the domain, and the configured addresses by kind", () => {
        assert.deepEqual(certificateNames({}, undefined), { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] });
        assert.deepEqual(certificateNames({ certificateNames: ["203.0.113.10", "abc.elb.amazonaws.com"] }, "hub.example.org"), {
            dnsNames: ["localhost", "hub.example.org", "abc.elb.amazonaws.com"],
            ipAddresses: ["127.0.0.1", "203.0.113.10"],
        });
    });

    describe("through the offline plan (aws: a load balancer, no domain)", () => {
        let shipped: Plan;
        before(async function () {
            this.timeout(120_000);
            shipped = await planOf("aws");
        });

        it("the login gives the fingerprint and says the certificate does not name the load balancer's address yet", () => {
            const login = String(shipped.outputs["login"]);
            assert.match(login, FINGERPRINT);
            assert.deepEqual(headings(login), HEADINGS);
            const [cert] = ofType(shipped, "tls:index/selfSignedCert:SelfSignedCert");
            assert.deepEqual(input(cert, "dnsNames"), ["localhost"]);
            assert.deepEqual(input(cert, "ipAddresses"), ["127.0.0.1"]);
            const address = /^https:\/\/(.+)$/.exec(String(shipped.outputs["hubUrl"]))![1];
            assert.ok(login.includes(`pulumi config set --path 'workbench:hub.certificateNames[0]' ${address}`), login);
        });

        it("with the address configured, the certificate names it and the login stops asking", async function () {
            this.timeout(120_000);
            const address = /^https:\/\/(.+)$/.exec(String(shipped.outputs["hubUrl"]))![1];
            const run = await runPlan("aws", { stackFile: variantStackFile("aws", { "workbench:hub": { certificateNames: [address] } }) });
            assert.equal(run.status, 0, run.stderr);
            const [cert] = ofType(run.document, "tls:index/selfSignedCert:SelfSignedCert");
            assert.ok((input(cert, "ipAddresses") as string[]).includes(address));
            assert.doesNotMatch(String(run.document.outputs["login"]), /does not name/);
        });
    });
});

describe("hub: people on every shipped stack (offline plan)", () => {
    for (const stack of STACKS) {
        it(`${stack}: the login reads in order and states the default limits; the hub enforces them and Dask Gateway caps clusters`, async function () {
            this.timeout(120_000);
            const plan = await planOf(stack);
            const login = String(plan.outputs["login"]);
            const generated = ofType(plan, "tls:index/selfSignedCert:SelfSignedCert").length > 0;
            assert.deepEqual(headings(login), HEADINGS.filter((heading) => heading !== "Trust" || generated), login);
            if (generated) assert.match(login, FINGERPRINT);
            assert.match(login, new RegExp(`each person: ${DEFAULT_LIMITS.servers} server at a time`));

            const hub = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => input(r, "chart") === "jupyterhub")!;
            const extraConfig = at(hub.inputs["values"], "hub", "extraConfig") as Record<string, string>;
            assert.match(extraConfig[FAIR_USE_CONFIG_KEY], /pre_spawn_hook = workbench_fair_use\.fair_use_hook/);
            const files = Object.values(at(hub.inputs["values"], "hub", "extraFiles") as Record<string, { mountPath: string }>).map((f) => f.mountPath);
            assert.ok(files.includes(`${HUB_CONFIG_DIR}/workbench_fair_use.py`), files.join(", "));

            const dask = ofType(plan, "kubernetes:helm.sh/v3:Release").find((r) => input(r, "chart") === "dask-gateway");
            if (dask) {
                const config = Object.values(at(dask.inputs["values"], "gateway", "extraConfig") as Record<string, string>).join("\n");
                const data = JSON.parse(JSON.parse(/json\.loads\(("(?:[^"\\]|\\.)*")\)/.exec(config)![1])) as { clusterLimits: { maxWorkers: number; maxCores: number } };
                assert.deepEqual(data.clusterLimits, { maxWorkers: DEFAULT_LIMITS.daskWorkers, maxCores: DEFAULT_LIMITS.daskCores });
                assert.match(config, /overrides\["cluster_max_cores"\]/);
            }
        });
    }
});

describe("hub: certificate names without a generated certificate", () => {
    it("are reported as ignored, naming the key", () => {
        const hub = WorkbenchConfigSchema.shape.hub.parse({ service: "ClusterIP", certificateNames: ["203.0.113.10"] });
        const warnings = crossKeyWarnings({ parsed: { hub }, secretsSet: new Set(), provider: {} as ProviderSettings });
        assert.ok(warnings.some((w) => /workbench:hub\.certificateNames is set but the hub serves no generated certificate \(TLS: none\)/.test(w)), warnings.join("\n"));
        const generated = WorkbenchConfigSchema.shape.hub.parse({ certificateNames: ["203.0.113.10"] });
        assert.deepEqual(crossKeyWarnings({ parsed: { hub: generated }, secretsSet: new Set(), provider: {} as ProviderSettings }).filter((w) => /certificateNames/.test(w)), []);
    });
});
