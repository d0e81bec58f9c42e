import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SERVER_SIZES, sizeWith, STORAGE_GIB } from "../capacity/requests";
import { SERVICE_IMAGES, SERVICE_PYTHON_PACKAGES } from "../versions";
import { CatalogService } from "./catalog";
import {
    childOptions,
    clientSecret,
    credentialsSecret,
    databaseConnection,
    DataService,
    egressPolicy,
    execProbe,
    ingressPolicy,
    password,
    serviceLabels,
    singleServer,
    tcpProbe,
} from "./common";

/** The variable notebooks read MongoDB's connection string from. */
export const MONGODB_URL_ENV = "WORKBENCH_MONGODB_URL";

const SERVICE = "mongodb";
const PORT = 27017;
/** The ordinary account notebooks use, and its database. */
export const MONGODB_USER = "workbench";
/** The superuser, known to the server's Secret only. */
export const MONGODB_ROOT = "root";

/**
 * Run once by the image's entrypoint on an empty data directory, as the root user (docker-library/mongo
 * `docker-entrypoint.sh` runs `/docker-entrypoint-initdb.d/*.js` with mongosh, which exposes `process.env`):
 * the ordinary account, defined in `admin` (so `authSource=admin` serves it and the old root alike) with
 * `readWrite` on its own database only: no user, role or server administration.
 */
export const MONGODB_INIT_SCRIPT = `db.getSiblingDB("admin").createUser({
  user: process.env.MONGODB_APP_USER,
  pwd: process.env.MONGODB_APP_PASSWORD,
  roles: [{ role: "readWrite", db: process.env.MONGODB_APP_USER }],
});
`;

/**
 * MongoDB Community from the official image as one StatefulSet. MongoDB's Kubernetes operator (MCK) would
 * add an operator requesting 500m/200Mi and an agent beside each server, for no backup in community mode.
 */
export const mongodb: CatalogService<"mongodb"> = {
    name: "mongodb",
    requires: [],
    systemPods: (settings) => [{ component: "MongoDB", ...sizeWith(SERVER_SIZES.mongodb, settings), pods: 1 }],
    deploy(context, settings, parent) {
        const name = `${context.workbench}-${SERVICE}`;
        const component = new DataService("MongoDB", name, { parent });
        const size = sizeWith(SERVER_SIZES.mongodb, settings);
        // the password stacks before the split gave their (root) `workbench` user: kept, so their notebooks still sign in
        const app = password(`${name}-app`, component, 32, undefined, { aliases: [{ name: `${name}-root` }] });
        const root = password(`${name}-admin`, component);
        const secretName = `${SERVICE}-credentials`;
        const host = `${SERVICE}.${context.namespace}.svc`;
        const secret = credentialsSecret(`${name}-credentials`, secretName, context, component, {
            "root-username": MONGODB_ROOT,
            "root-password": root.result,
            username: MONGODB_USER,
            password: app.result,
        });
        const clientName = `${SERVICE}-client`;
        const client = clientSecret(name, clientName, context, component, {
            url: pulumi.interpolate`mongodb://${MONGODB_USER}:${app.result}@${host}:${PORT}/${MONGODB_USER}?authSource=admin`,
        });
        const init = new k8s.core.v1.ConfigMap(
            `${name}-init`,
            { metadata: { name: `${SERVICE}-init`, namespace: context.namespace }, data: { "10-workbench-user.js": MONGODB_INIT_SCRIPT } },
            childOptions(context, component),
        );
        const labels = serviceLabels(SERVICE);
        const fromSecret = (key: string) => ({ secretKeyRef: { name: secretName, key } });
        // WiredTiger's cache would size itself from the node's memory, not the container's: a third of the limit
        const cacheGB = Math.max(0.25, Math.floor((size.memoryMiB / 3 / 1024) * 100) / 100);
        singleServer(
            name,
            {
                service: SERVICE,
                image: SERVICE_IMAGES.mongodb,
                ports: { mongodb: PORT },
                env: [
                    { name: "MONGO_INITDB_ROOT_USERNAME", valueFrom: fromSecret("root-username") },
                    { name: "MONGO_INITDB_ROOT_PASSWORD", valueFrom: fromSecret("root-password") },
                    { name: "MONGODB_APP_USER", value: MONGODB_USER },
                    { name: "MONGODB_APP_PASSWORD", valueFrom: fromSecret("password") },
                ],
                args: ["mongod", "--bind_ip_all", "--wiredTigerCacheSizeGB", String(cacheGB)],
                // mongosh is a Node.js process (~100 MiB, ~1 s of CPU): readiness only, every 30 s; `ping` needs no sign-in
                readinessProbe: execProbe(`mongosh --quiet --eval "db.adminCommand('ping').ok" | grep -q 1`, 30, 10),
                // liveness: the port answers, no second runtime in the container
                livenessProbe: tcpProbe(PORT, 30),
                size,
                storageGiB: settings.storageGiB ?? STORAGE_GIB.mongodb,
                dataPath: "/data/db",
                fsGroup: 999,
                volumes: [{ name: "init", configMap: { name: `${SERVICE}-init` } }],
                volumeMounts: [{ name: "init", mountPath: "/docker-entrypoint-initdb.d", readOnly: true }],
                dependsOn: [secret, init],
            },
            context,
            component,
        );
        ingressPolicy(name, context, component, labels, [PORT]);
        // one member, no replica set peers, no API, no bucket
        egressPolicy(name, context, component, labels, []);
        component.done();
        return {
            connection: databaseConnection({
                name: SERVICE,
                namespace: context.namespace,
                variable: MONGODB_URL_ENV,
                secretName: clientName,
                key: "url",
                podLabels: labels,
                ports: [PORT],
                pythonPackages: [...SERVICE_PYTHON_PACKAGES.mongodb],
                example: {
                    title: "MongoDB",
                    code: `import os, pymongo\nclient = pymongo.MongoClient(os.environ["${MONGODB_URL_ENV}"])\nprint(client.get_default_database().list_collection_names())`,
                },
            }),
            readyWhen: [client],
        };
    },
};
