import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SERVER_SIZES, sizeWith, STORAGE_GIB } from "../capacity/requests";
import { SERVICE_IMAGES, SERVICE_PYTHON_PACKAGES } from "../versions";
import { CatalogService } from "./catalog";
import { childOptions, clientSecret, credentialsSecret, databaseConnection, DataService, egressPolicy, execProbe, ingressPolicy, password, serviceLabels, singleServer, tcpProbe } from "./common";

/** The variable notebooks read Cassandra's address, credentials and keyspace from (`cassandra://user:password@host:port/keyspace`). */
export const CASSANDRA_URL_ENV = "WORKBENCH_CASSANDRA_URL";

const SERVICE = "cassandra";
const PORT = 9042;

/** The ordinary role notebooks use, and its keyspace. */
export const CASSANDRA_USER = "workbench";

/**
 * Starts Cassandra with password authentication and permission checks (the image leaves AllowAll on both:
 * apache/cassandra `conf/cassandra.yaml` `authenticator`/`authorizer` `class_name`) and, once it answers,
 * replaces the default superuser's well-known password with the generated one, then makes sure the ordinary
 * role exists with its password, its keyspace and no superuser: it may use its keyspace and create others
 * (which Cassandra then grants their creator), never roles or system tables. Every statement is idempotent,
 * so it runs at every start (an existing stack gets the role on its first start after the upgrade).
 */
export const START_SCRIPT = `set -eu
sed -i 's/class_name: AllowAllAuthenticator/class_name: PasswordAuthenticator/; s/class_name: AllowAllAuthorizer/class_name: CassandraAuthorizer/' /etc/cassandra/cassandra.yaml
(
  until cqlsh -u cassandra -p "$CASSANDRA_PASSWORD" -e 'SELECT release_version FROM system.local' >/dev/null 2>&1; do
    cqlsh -u cassandra -p cassandra -e "ALTER ROLE cassandra WITH PASSWORD = '$CASSANDRA_PASSWORD'" >/dev/null 2>&1 || sleep 10
  done
  until cqlsh -u cassandra -p "$CASSANDRA_PASSWORD" -e "
    CREATE ROLE IF NOT EXISTS $CASSANDRA_APP_USER WITH PASSWORD = '$CASSANDRA_APP_PASSWORD' AND LOGIN = true AND SUPERUSER = false;
    ALTER ROLE $CASSANDRA_APP_USER WITH PASSWORD = '$CASSANDRA_APP_PASSWORD' AND SUPERUSER = false;
    CREATE KEYSPACE IF NOT EXISTS $CASSANDRA_APP_USER WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};
    GRANT ALL PERMISSIONS ON KEYSPACE $CASSANDRA_APP_USER TO $CASSANDRA_APP_USER;
    GRANT CREATE ON ALL KEYSPACES TO $CASSANDRA_APP_USER;" >/dev/null 2>&1; do
    sleep 10
  done
) &
exec docker-entrypoint.sh cassandra -f
`;

/**
 * Apache Cassandra from the official image, one node, heap set explicitly (the image sizes it from the
 * host's memory). cass-operator would add an operator and a management API beside the server, and
 * backups only through k8ssandra's Medusa with cert-manager: too much always-on memory for one person.
 */
export const cassandra: CatalogService<"cassandra"> = {
    name: "cassandra",
    requires: [],
    systemPods: (settings) => [{ component: "Cassandra", ...sizeWith(SERVER_SIZES.cassandra, settings), pods: 1 }],
    deploy(context, settings, parent) {
        const name = `${context.workbench}-${SERVICE}`;
        const component = new DataService("Cassandra", name, { parent });
        const size = sizeWith(SERVER_SIZES.cassandra, settings);
        const superuser = password(`${name}-superuser`, component);
        const secretName = `${SERVICE}-credentials`;
        const host = `${SERVICE}.${context.namespace}.svc`;
        const app = password(`${name}-app`, component);
        // the superuser's and the ordinary role's passwords: the server's own
        const secret = credentialsSecret(`${name}-credentials`, secretName, context, component, {
            username: "cassandra",
            password: superuser.result,
            "app-username": CASSANDRA_USER,
            "app-password": app.result,
        });
        const clientName = `${SERVICE}-client`;
        const client = clientSecret(name, clientName, context, component, {
            url: pulumi.interpolate`cassandra://${CASSANDRA_USER}:${app.result}@${host}:${PORT}/${CASSANDRA_USER}`,
        });
        const script = new k8s.core.v1.ConfigMap(
            `${name}-start`,
            { metadata: { name: `${SERVICE}-start`, namespace: context.namespace }, data: { "start.sh": START_SCRIPT } },
            childOptions(context, component),
        );
        const labels = serviceLabels(SERVICE);
        const heapMiB = Math.floor(size.memoryMiB * 0.4);
        singleServer(
            name,
            {
                service: SERVICE,
                image: SERVICE_IMAGES.cassandra,
                ports: { cql: PORT },
                env: [
                    { name: "CASSANDRA_PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key: "password" } } },
                    { name: "CASSANDRA_APP_USER", value: CASSANDRA_USER },
                    { name: "CASSANDRA_APP_PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key: "app-password" } } },
                    { name: "MAX_HEAP_SIZE", value: `${heapMiB}M` },
                    { name: "HEAP_NEWSIZE", value: `${Math.floor(heapMiB / 4)}M` },
                    { name: "CASSANDRA_CLUSTER_NAME", value: "workbench" },
                ],
                command: ["bash", "/workbench/start.sh"],
                readinessProbe: execProbe(`cqlsh -u cassandra -p "$CASSANDRA_PASSWORD" -e 'SELECT release_version FROM system.local'`, 15, 60),
                // the port answers: `nodetool` would start a second JVM with the server's -Xmx (apache/cassandra
                // bin/nodetool reads MAX_HEAP_SIZE) every period, inside the same memory limit
                livenessProbe: tcpProbe(PORT, 180),
                size,
                storageGiB: settings.storageGiB ?? STORAGE_GIB.cassandra,
                dataPath: "/var/lib/cassandra",
                fsGroup: 999,
                volumes: [{ name: "start", configMap: { name: `${SERVICE}-start` } }],
                volumeMounts: [{ name: "start", mountPath: "/workbench", readOnly: true }],
                dependsOn: [secret, script],
            },
            context,
            component,
        );
        ingressPolicy(name, context, component, labels, [PORT]);
        // one node: no gossip peers, no API, no bucket (the start script's cqlsh talks over loopback)
        egressPolicy(name, context, component, labels, []);
        component.done();
        return {
            connection: databaseConnection({
                name: SERVICE,
                namespace: context.namespace,
                variable: CASSANDRA_URL_ENV,
                secretName: clientName,
                key: "url",
                podLabels: labels,
                ports: [PORT],
                pythonPackages: [...SERVICE_PYTHON_PACKAGES.cassandra],
                example: {
                    title: "Cassandra",
                    code: `import os; from urllib.parse import urlsplit; from cassandra.cluster import Cluster; from cassandra.auth import PlainTextAuthProvider\nu = urlsplit(os.environ["${CASSANDRA_URL_ENV}"])\nsession = Cluster([u.hostname], port=u.port, auth_provider=PlainTextAuthProvider(u.username, u.password)).connect(u.path.lstrip("/")); print(session.execute("SELECT release_version FROM system.local").one())`,
                },
            }),
            readyWhen: [client],
        };
    },
};
