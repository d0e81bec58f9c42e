import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SERVER_SIZES, sizeWith, STORAGE_GIB } from "../capacity/requests";
import { SERVICE_IMAGES, SERVICE_PYTHON_PACKAGES } from "../versions";
import { CatalogService } from "./catalog";
import { childOptions, clientSecret, credentialsSecret, databaseConnection, DataService, egressPolicy, ingressPolicy, password, serviceLabels, singleServer, tcpProbe } from "./common";

/** The variable notebooks read OrientDB's REST URL (with the ordinary database user's credentials) from. */
export const ORIENTDB_URL_ENV = "WORKBENCH_ORIENTDB_URL";

const SERVICE = "orientdb";
const HTTP_PORT = 2480;
const BINARY_PORT = 2424;
/** The database notebooks use, and its ordinary user. */
export const ORIENTDB_DATABASE = "workbench";

/**
 * Starts the server (the image's `server.sh`) and, once its REST API answers, makes sure the `workbench`
 * database exists and has a user of the database's built-in `writer` role (records, not schema, users or
 * server administration), with the generated password: `CREATE USER` where it is missing, then its password
 * set, so every start converges (OrientDB 3.2 REST `POST /database/<db>/plocal`, `POST /command/<db>/sql`).
 */
export const ORIENTDB_START_SCRIPT = `set -eu
(
  rest() { curl -fsS -o /dev/null -u "root:$ORIENTDB_ROOT_PASSWORD" -X POST "http://localhost:${HTTP_PORT}/$1" \${2:+-d "$2"}; }
  until curl -fsS -o /dev/null -u "root:$ORIENTDB_ROOT_PASSWORD" "http://localhost:${HTTP_PORT}/listDatabases"; do sleep 10; done
  rest "database/$ORIENTDB_APP_DATABASE/plocal" || true
  rest "command/$ORIENTDB_APP_DATABASE/sql" "CREATE USER $ORIENTDB_APP_USER IDENTIFIED BY '$ORIENTDB_APP_PASSWORD' ROLE writer" || true
  until rest "command/$ORIENTDB_APP_DATABASE/sql" "UPDATE OUser SET password = '$ORIENTDB_APP_PASSWORD' WHERE name = '$ORIENTDB_APP_USER'"; do sleep 10; done
) &
exec /orientdb/bin/server.sh
`;

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
        const app = password(`${name}-app`, component);
        // the server root's and the database user's passwords: the server's own
        const secret = credentialsSecret(`${name}-credentials`, secretName, context, component, {
            username: "root",
            password: root.result,
            "app-username": ORIENTDB_DATABASE,
            "app-password": app.result,
        });
        const clientName = `${SERVICE}-client`;
        const client = clientSecret(name, clientName, context, component, {
            url: pulumi.interpolate`http://${ORIENTDB_DATABASE}:${app.result}@${host}:${HTTP_PORT}`,
        });
        const script = new k8s.core.v1.ConfigMap(
            `${name}-start`,
            { metadata: { name: `${SERVICE}-start`, namespace: context.namespace }, data: { "start.sh": ORIENTDB_START_SCRIPT } },
            childOptions(context, component),
        );
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
                    { name: "ORIENTDB_APP_DATABASE", value: ORIENTDB_DATABASE },
                    { name: "ORIENTDB_APP_USER", value: ORIENTDB_DATABASE },
                    { name: "ORIENTDB_APP_PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key: "app-password" } } },
                ],
                command: ["bash", "/workbench/start.sh"],
                readinessProbe: tcpProbe(HTTP_PORT),
                livenessProbe: tcpProbe(BINARY_PORT, 60),
                size,
                storageGiB: settings.storageGiB ?? STORAGE_GIB.orientdb,
                dataPath: "/orientdb/databases",
                volumes: [{ name: "start", configMap: { name: `${SERVICE}-start` } }],
                volumeMounts: [{ name: "start", mountPath: "/workbench", readOnly: true }],
                dependsOn: [secret, script],
            },
            context,
            component,
        );
        ingressPolicy(name, context, component, labels, [HTTP_PORT, BINARY_PORT]);
        // one server: no distributed peers, no API, no bucket
        egressPolicy(name, context, component, labels, []);
        context.warn("OrientDB is legacy software (one maintainer patches the 3.2 image; consider ArcadeDB).");
        component.done();
        return {
            connection: databaseConnection({
                name: SERVICE,
                namespace: context.namespace,
                variable: ORIENTDB_URL_ENV,
                secretName: clientName,
                key: "url",
                podLabels: labels,
                ports: [HTTP_PORT, BINARY_PORT],
                pythonPackages: [...SERVICE_PYTHON_PACKAGES.orientdb],
                example: {
                    title: "OrientDB",
                    code: `import os, requests\nurl = os.environ["${ORIENTDB_URL_ENV}"]\nprint(requests.get(f"{url}/query/${ORIENTDB_DATABASE}/sql/select count(*) from V").json())`,
                },
            }),
            readyWhen: [client],
        };
    },
};
