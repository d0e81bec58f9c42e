import * as pulumi from "@pulumi/pulumi";
import { SERVER_SIZES, sizeWith, STORAGE_GIB } from "../capacity/requests";
import { SERVICE_IMAGES, SERVICE_PYTHON_PACKAGES } from "../versions";
import { CatalogService } from "./catalog";
import { credentialsSecret, databaseConnection, DataService, ingressPolicy, password, serviceLabels, singleServer, tcpProbe } from "./common";

/** The variable notebooks read OrientDB's REST URL (with the root credentials) from. */
export const ORIENTDB_URL_ENV = "WORKBENCH_ORIENTDB_URL";

const SERVICE = "orientdb";
const HTTP_PORT = 2480;
const BINARY_PORT = 2424;

/**
 * OrientDB from the official image (3.2, patched by one maintainer; the project's own development has
 * slowed, and ArcadeDB is its author's active fork): offered for those who need it, flagged as legacy.
 */
export const orientdb: CatalogService<"orientdb"> = {
    name: "orientdb",
    requires: [],
    systemPods: (settings) => [{ component: "OrientDB", ...sizeWith(SERVER_SIZES.orientdb, settings), pods: 1 }],
    deploy(context, settings, parent) {
        const name = `${context.workbench}-${SERVICE}`;
        const component = new DataService("OrientDB", name, { parent });
        const size = sizeWith(SERVER_SIZES.orientdb, settings);
        const root = password(`${name}-root`, component);
        const secretName = `${SERVICE}-credentials`;
        const host = `${SERVICE}.${context.namespace}.svc`;
        const secret = credentialsSecret(`${name}-credentials`, secretName, context, component, {
            username: "root",
            password: root.result,
            url: pulumi.interpolate`http://root:${root.result}@${host}:${HTTP_PORT}`,
        });
        const labels = serviceLabels(SERVICE);
        // OrientDB defaults to a 2 GB heap and a 4 GB off-heap disk cache and reads only cgroup v1 limits: set both
        const heapMiB = Math.floor(size.memoryMiB * 0.4);
        const cacheMiB = Math.floor(size.memoryMiB * 0.25);
        singleServer(
            name,
            {
                service: SERVICE,
                image: SERVICE_IMAGES.orientdb,
                ports: { http: HTTP_PORT, binary: BINARY_PORT },
                env: [
                    { name: "ORIENTDB_ROOT_PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key: "password" } } },
                    { name: "ORIENTDB_OPTS_MEMORY", value: `-Xms${heapMiB}m -Xmx${heapMiB}m` },
                    { name: "ORIENTDB_SETTINGS", value: `-Dstorage.diskCache.bufferSize=${cacheMiB}` },
                ],
                readinessProbe: tcpProbe(HTTP_PORT),
                livenessProbe: tcpProbe(BINARY_PORT, 60),
                size,
                storageGiB: settings.storageGiB ?? STORAGE_GIB.orientdb,
                dataPath: "/orientdb/databases",
                dependsOn: [secret],
            },
            context,
            component,
        );
        ingressPolicy(name, context, component, labels, [HTTP_PORT, BINARY_PORT]);
        context.warn("OrientDB is legacy software (one maintainer patches the 3.2 image; consider ArcadeDB) and has no scheduled backups here.");
        component.done();
        return {
            connection: databaseConnection({
                name: SERVICE,
                variable: ORIENTDB_URL_ENV,
                secretName,
                key: "url",
                podLabels: labels,
                ports: [HTTP_PORT, BINARY_PORT],
                pythonPackages: [...SERVICE_PYTHON_PACKAGES.orientdb],
                example: {
                    title: "OrientDB",
                    code: `import os, requests\nurl = os.environ["${ORIENTDB_URL_ENV}"]\nprint(requests.get(f"{url}/listDatabases").json())`,
                },
            }),
            readyWhen: [secret],
        };
    },
};
