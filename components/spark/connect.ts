import { ServiceConnection } from "../service-connection";
import { SPARK_CONNECT_CLIENT } from "../versions";

/*
 * Spark from a notebook without a kubeconfig: the Spark profile's server carries its owner's own Spark Connect
 * server (personal-connect.ts), which the hub's hook adds; SPARK_REMOTE points at it on the pod's loopback with
 * a secret made for that start. Nothing of it is always on: the shared server the operator ran on the system
 * pool is gone (any approved user could run Java in it; notes/reviews/security.md §1).
 */

/** The environment variable pyspark reads the Connect endpoint from (`SparkSession.builder.getOrCreate()`). */
export const SPARK_REMOTE_ENV = "SPARK_REMOTE";

/** What notebooks get: the thin client and an example; the endpoint comes with the Spark profile's server (personal-connect.ts). */
export function personalConnectConnection(): ServiceConnection {
    return {
        name: "spark-connect",
        env: [],
        egress: [],
        pythonPackages: [SPARK_CONNECT_CLIENT],
        notebookExample: {
            title: "Spark",
            code: [
                '# Start your server with the "Spark" profile: it brings your own Spark Connect server, reachable from this server only.',
                "# SPARK_REMOTE points at it with a secret made for this start; executors start on the user pool as queries need them and stop when idle.",
                "from pyspark.sql import SparkSession",
                "spark = SparkSession.builder.getOrCreate()",
                "spark.range(1_000_000).selectExpr('sum(id)').show()",
            ].join("\n"),
        },
    };
}
