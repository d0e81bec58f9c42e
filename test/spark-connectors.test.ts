import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { SPARK_EXAMPLE_CONFIGMAP, SPARK_EXAMPLE_KEY } from "../components/spark";
import { SPARK_CONNECT_NAME } from "../components/spark-connect";
import { connectorJars, connectorSource, SPARK_JARS_DIR, sparkBucketAccess } from "../components/spark-storage";
import { IMAGES, SPARK_CONNECTORS, SPARK_HADOOP_VERSION } from "../components/versions";
import type { Plan } from "../plan/types";
import { ARCH_LABEL } from "../providers/existing";
import { ofType, runPlan, variantStackFile } from "./harness";
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

        it("the Connect server (system pool, Arm) downloads the connectors; its executors (user pool, x86) copy them from the image", () => {
            const connect = ofType(plan, "kubernetes:sparkoperator.k8s.io/v1alpha1:SparkConnect").find((r) => at(r.inputs, "metadata", "name") === SPARK_CONNECT_NAME);
            assert.ok(connect, "the Connect server is planned");
            const initImage = (role: "server" | "executor") => (at(connect.inputs, "spec", role, "template", "spec", "initContainers") as { image: string }[])[0].image;
            assert.equal(initImage("server"), IMAGES.spark);
            assert.equal(initImage("executor"), IMAGES.hadoop);
        });
    });
});
