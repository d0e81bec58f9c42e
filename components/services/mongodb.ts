import * as pulumi from "@pulumi/pulumi";
import { SERVER_SIZES, sizeWith, STORAGE_GIB } from "../capacity/requests";
import { SERVICE_IMAGES, SERVICE_PYTHON_PACKAGES } from "../versions";
import { CatalogService } from "./catalog";
import { credentialsSecret, databaseConnection, DataService, execProbe, ingressPolicy, password, serviceLabels, singleServer } from "./common";

/** The variable notebooks read MongoDB's connection string from. */
export const MONGODB_URL_ENV = "WORKBENCH_MONGODB_URL";

const SERVICE = "mongodb";
const PORT = 27017;
const USER = "workbench";

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
        const root = password(`${name}-root`, component);
        const secretName = `${SERVICE}-credentials`;
        const host = `${SERVICE}.${context.namespace}.svc`;
        const secret = credentialsSecret(`${name}-credentials`, secretName, context, component, {
            username: USER,
            password: root.result,
            url: pulumi.interpolate`mongodb://${USER}:${root.result}@${host}:${PORT}/?authSource=admin`,
        });
        const labels = serviceLabels(SERVICE);
        // WiredTiger's cache would size itself from the node's memory, not the container's: a third of the limit
        const cacheGB = Math.max(0.25, Math.floor((size.memoryMiB / 3 / 1024) * 100) / 100);
        singleServer(
            name,
            {
                service: SERVICE,
                image: SERVICE_IMAGES.mongodb,
                ports: { mongodb: PORT },
                env: [
                    { name: "MONGO_INITDB_ROOT_USERNAME", value: USER },
                    { name: "MONGO_INITDB_ROOT_PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key: "password" } } },
                ],
                args: ["mongod", "--bind_ip_all", "--wiredTigerCacheSizeGB", String(cacheGB)],
                readinessProbe: execProbe(`mongosh --quiet --eval "db.adminCommand('ping').ok" | grep -q 1`),
                livenessProbe: execProbe(`mongosh --quiet --eval "db.adminCommand('ping').ok"`, 20, 60),
                size,
                storageGiB: settings.storageGiB ?? STORAGE_GIB.mongodb,
                dataPath: "/data/db",
                fsGroup: 999,
                dependsOn: [secret],
            },
            context,
            component,
        );
        ingressPolicy(name, context, component, labels, [PORT]);
        context.warn("MongoDB has no scheduled backups (neither the official image nor MongoDB's operator in community mode has any; use mongodump).");
        component.done();
        return {
            connection: databaseConnection({
                name: SERVICE,
                variable: MONGODB_URL_ENV,
                secretName,
                key: "url",
                podLabels: labels,
                ports: [PORT],
                pythonPackages: [...SERVICE_PYTHON_PACKAGES.mongodb],
                example: {
                    title: "MongoDB",
                    code: `import os, pymongo\nclient = pymongo.MongoClient(os.environ["${MONGODB_URL_ENV}"])\nprint(client.server_info()["version"])`,
                },
            }),
            readyWhen: [secret],
        };
    },
};
