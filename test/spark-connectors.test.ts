import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { parse } from "yaml";
import { SPARK_EXAMPLE_CONFIGMAP, SPARK_EXAMPLE_KEY } from "../components/spark/operator";
import { executorTemplateOf, personalConnectOf } from "./tenancy-fixtures";
import { connectorJars, connectorSource, jarFetchScript, SPARK_JARS_DIR, sparkBucketAccess } from "../components/spark/storage";
import { IMAGES, PinnedJar, SPARK_CONNECTORS, SPARK_HADOOP_VERSION } from "../components/versions";
import type { Plan } from "../plan/types";
import { ARCH_LABEL } from "../providers/existing";
import { ofType, runPlan, tempDir, variantStackFile } from "./harness";
import { at } from "./k8s-checks";

/*
 * Where Spark pods get the storage connectors: copied from Apache's pinned Hadoop image on the nodes it runs
 * on, downloaded by exact URL elsewhere, and in both cases the same files, so every pod of one application
 * agrees on the class path.
 */

const SCHEMES = Object.keys(SPARK_CONNECTORS) as (keyof typeof SPARK_CONNECTORS)[];

describe("Spark storage connectors", () => {
    it("come from the release of Hadoop inside the Spark image, image and downloads alike", () => {
        assert.equal(IMAGES.hadoop.split(":").pop(), SPARK_HADOOP_VERSION, "Apache's Hadoop image at the Spark image's Hadoop release");
        for (const scheme of SCHEMES) {
            for (const jar of SPARK_CONNECTORS[scheme].download) {
                const hadoopModule = /^hadoop-[a-z]+-(\d+\.\d+\.\d+)\.jar$/.exec(jar.file);
                if (hadoopModule) assert.equal(hadoopModule[1], SPARK_HADOOP_VERSION, `${jar.file}: a Hadoop module must match the client exactly`);
                assert.ok(jar.url.endsWith(`/${jar.file}`), `${jar.file}: its URL names the same file`);
            }
        }
    });

    it("are the same files from the image as by download, so Spark's settings do not depend on the source", () => {
        for (const scheme of SCHEMES) {
            const { image, download } = SPARK_CONNECTORS[scheme];
            if (!image) continue;
            assert.equal(image.image, IMAGES.hadoop, `${scheme}: the image is pinned in IMAGES`);
            assert.deepEqual([...image.files].sort(), download.map((jar) => jar.file).sort(), scheme);
            const amd64 = connectorJars(SPARK_CONNECTORS[scheme], "amd64")!;
            const arm64 = connectorJars(SPARK_CONNECTORS[scheme], "arm64")!;
            assert.deepEqual(amd64.sparkConf, arm64.sparkConf, `${scheme}: one class path for both sources`);
            assert.equal(amd64.volume.emptyDir.sizeLimit, arm64.volume.emptyDir.sizeLimit);
        }
    });

    it("are copied from the image only on nodes it is published for; elsewhere, or where the nodes are unknown, downloaded", () => {
        const s3 = SPARK_CONNECTORS.s3;
        assert.deepEqual(s3.image!.platforms, ["amd64"], "apache/hadoop:3.4.1 is published for linux/amd64 only (multi-arch from 3.4.2, HADOOP-19723)");
        assert.equal(connectorSource(s3, "amd64").from, "image");
        assert.equal(connectorSource(s3, "arm64").from, "download");
        assert.equal(connectorSource(s3, undefined).from, "download", "an existing cluster's nodes may be Arm (kind on Apple silicon)");
        assert.equal(connectorSource(SPARK_CONNECTORS.gs, "amd64").from, "download", "no maintained image carries the GCS connector for Hadoop 3.4");
    });

    it("copy with a plain cp into the shared directory, as the Spark user, and fail on a missing file", () => {
        const copy = connectorJars(SPARK_CONNECTORS.s3, "amd64")!.initContainer;
        assert.equal(copy["image"], IMAGES.hadoop);
        const command = copy["command"] as string[];
        assert.equal(command[0], "cp", "cp exits non-zero naming a missing file, and the pod does not start");
        assert.equal(command[command.length - 1], `${SPARK_JARS_DIR}/`);
        assert.deepEqual(command.slice(2, -1), SPARK_CONNECTORS.s3.image!.files.map((file) => `${SPARK_CONNECTORS.s3.image!.directory}/${file}`));
        assert.equal(at(copy, "securityContext", "runAsUser"), 185, "the copies belong to the user Spark runs as");
        const fetch = connectorJars(SPARK_CONNECTORS.s3, "arm64")!.initContainer;
        assert.equal(fetch["image"], IMAGES.spark, "the Spark image (published for amd64 and arm64) runs the download");
    });

    it("download by checking what arrived, retrying what may pass, and failing the pod on anything else (run in Python)", async function () {
        this.timeout(30_000);
        if (spawnSync("python3", ["--version"]).status !== 0) {
            this.test!.title += " — skipped: no python3";
            this.skip();
        }
        const body = Buffer.from("the connector's bytes");
        const sha1 = createHash("sha1").update(body).digest("hex");
        const sha256 = createHash("sha256").update(body).digest("hex");
        let flakyCalls = 0;
        let missingCalls = 0;
        const routes: Record<string, (res: http.ServerResponse) => void> = {
            "/ok.jar": (res) => res.end(body),
            "/ok.jar.sha1": (res) => res.end(`${sha1}  ok.jar\n`),
            "/flaky.jar": (res) => {
                // Maven Central under load: a 503, then the file
                if (flakyCalls++ === 0) res.writeHead(503).end();
                else res.end(body);
            },
            "/flaky.jar.sha1": (res) => res.end(sha1),
            "/tampered.jar": (res) => res.end("other bytes"),
            "/tampered.jar.sha1": (res) => res.end(sha1),
        };
        const server = http.createServer((req, res) => {
            if (req.url === "/missing.jar") missingCalls++;
            (routes[req.url ?? ""] ?? ((r: http.ServerResponse) => r.writeHead(404).end()))(res);
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const { port } = server.address() as AddressInfo;
        const pin = (file: string, pinned?: string): PinnedJar => ({ file, url: `http://127.0.0.1:${port}/${file}`, sha256: pinned, sizeMB: 1 });
        const run = (jars: PinnedJar[]) => {
            const dir = tempDir("jars-");
            const script = jarFetchScript(jars, dir, { attempts: 3, firstDelaySeconds: 0.05 });
            return new Promise<{ status: number | null; out: string; dir: string }>((resolve) => {
                const child = spawn("python3", ["-c", script], { env: { ...process.env, no_proxy: "*", NO_PROXY: "*" } });
                let out = "";
                child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
                child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
                child.on("close", (status) => resolve({ status, out, dir }));
            });
        };
        try {
            const fetched = await run([pin("ok.jar"), pin("flaky.jar")]);
            assert.equal(fetched.status, 0, fetched.out);
            for (const file of ["ok.jar", "flaky.jar"]) assert.deepEqual(fs.readFileSync(path.join(fetched.dir, file)), body, `${file} arrived whole`);
            assert.match(fetched.out, /retrying .*flaky\.jar.*503/, "a 503 is retried");
            assert.match(fetched.out, /warning: no pinned SHA-256 for ok\.jar/, "an unpinned jar says how it was checked");

            const pinned = await run([pin("ok.jar", sha256)]);
            assert.equal(pinned.status, 0, pinned.out);
            assert.doesNotMatch(pinned.out, /warning/, "a pinned SHA-256 is all that is checked");

            const tampered = await run([pin("tampered.jar")]);
            assert.notEqual(tampered.status, 0);
            assert.match(tampered.out, /tampered\.jar: sha1 [0-9a-f]{40}, expected [0-9a-f]{40}/);
            assert.ok(!fs.existsSync(path.join(tampered.dir, "tampered.jar")), "a jar that failed its check is not left for Spark");

            const wrongPin = await run([pin("ok.jar", "0".repeat(64))]);
            assert.notEqual(wrongPin.status, 0);
            assert.match(wrongPin.out, /ok\.jar: sha256 [0-9a-f]{64}, expected 0{64}/);

            const missing = await run([pin("missing.jar")]);
            assert.notEqual(missing.status, 0);
            assert.match(missing.out, /missing\.jar: HTTP Error 404/);
            assert.equal(missingCalls, 1, "a 404 is a wrong pin: not retried");
        } finally {
            server.close();
        }
    });

    it("read ADLS through abfss with the Azure connector, whatever form of the container's URL the platform gives", () => {
        for (const url of ["abfs://data@acct.dfs.core.windows.net/", "abfss://data@acct.dfs.core.windows.net"]) {
            const access = sparkBucketAccess(url, {});
            assert.equal(access.sparkUrl, "abfss://data@acct.dfs.core.windows.net", url);
            assert.equal(access.connectors, SPARK_CONNECTORS.az, url);
        }
    });

    it("on an existing cluster, copy from the image where the user pool's selector pins x86 nodes with kubernetes.io/arch", async function () {
        this.timeout(60_000);
        const existing = (userNodeSelector: Record<string, string>) =>
            runPlan("local", {
                stackFile: variantStackFile("local", {
                    "workbench:existing": {
                        context: "kind-workbench",
                        storageClass: { name: "workbench-retained", provisioner: "rancher.io/local-path" },
                        userNodeSelector,
                        objectStore: { type: "s3", endpoint: "https://minio.lab.example", bucket: "data", region: "eu-west-1", forcePathStyle: true },
                    },
                    "workbench:s3AccessKeyId": { secure: "v1:KEYIDKEYIDKEYID" },
                    "workbench:s3SecretAccessKey": { secure: "v1:SECRETKEYSECRETKEY" },
                }),
            });
        const exampleInitImage = (plan: Plan) => {
            const configMap = ofType(plan, "kubernetes:core/v1:ConfigMap").find((r) => at(r.inputs, "metadata", "name") === SPARK_EXAMPLE_CONFIGMAP)!;
            const manifest = parse(String(at(configMap.inputs, "data", SPARK_EXAMPLE_KEY))) as Record<string, unknown>;
            return (at(manifest, "spec", "executor", "initContainers") as { image: string }[])[0].image;
        };
        const [x86, unknown] = await Promise.all([existing({ "workbench/pool": "user", [ARCH_LABEL]: "amd64" }), existing({ "workbench/pool": "user" })]);
        assert.equal(x86.status, 0, x86.stderr);
        assert.equal(unknown.status, 0, unknown.stderr);
        assert.equal(exampleInitImage(x86.document), IMAGES.hadoop);
        assert.equal(exampleInitImage(unknown.document), IMAGES.spark, "nodes of unknown architecture download");
    });

    describe("on an AWS stack whose system pool is Graviton", () => {
        let plan: Plan;
        before(async function () {
            this.timeout(60_000);
            const run = await runPlan("aws", {
                stackFile: variantStackFile("aws", {
                    "workbench:systemPool": { size: "small" },
                    "workbench:aws": { systemInstanceTypes: ["t4g.large"] },
                    "workbench:services": { spark: { enabled: true, connectServer: true } },
                }),
            });
            assert.equal(run.status, 0, run.stderr);
            plan = run.document;
        });

        it("on an Arm system pool, the personal Connect server and its executors (both on the x86 user pool) copy the connectors from the image", () => {
            const personal = personalConnectOf(plan);
            assert.ok(personal, "Spark from notebooks is planned");
            assert.equal((personal.initContainers[0] as { image: string }).image, IMAGES.hadoop, "the sidecar's pod is on the user pool");
            assert.equal((at(executorTemplateOf(plan), "spec", "initContainers") as { image: string }[])[0].image, IMAGES.hadoop);
        });
    });
});
