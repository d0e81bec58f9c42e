import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SERVER_SIZES, sizeWith, STORAGE_GIB } from "../capacity/requests";
import { SERVICE_IMAGES, SERVICE_PYTHON_PACKAGES } from "../versions";
import { CatalogService } from "./catalog";
import { childOptions, clientSecret, credentialsSecret, databaseConnection, DataService, egressPolicy, execProbe, ingressPolicy, password, serviceLabels, singleServer } from "./common";

/** The variable notebooks read Elasticsearch's URL (with the ordinary user's credentials) from. */
export const ELASTICSEARCH_URL_ENV = "WORKBENCH_ELASTICSEARCH_URL";

const SERVICE = "elasticsearch";
const PORT = 9200;
/** The ordinary user notebooks use, and its role. */
export const ELASTICSEARCH_USER = "workbench";

/**
 * The ordinary role: every index but the system ones (`allow_restricted_indices` is false by default), and of
 * the cluster only `monitor` (health, stats): no users, roles, security, snapshots or cluster settings.
 * Elasticsearch's security API: PUT /_security/role/<name>, PUT /_security/user/<name> (both create or update).
 */
export const ELASTICSEARCH_ROLE = { cluster: ["monitor"], indices: [{ names: ["*"], privileges: ["all"] }] };

/**
 * Starts Elasticsearch through the image's entrypoint and, once it answers, makes sure the ordinary role and
 * user exist with the generated password (idempotent: it runs at every start, so an existing stack gets them
 * on its first start after the upgrade).
 */
export const ELASTICSEARCH_START_SCRIPT = `set -eu
(
  es() { curl -fsS -o /dev/null -u "elastic:$ELASTIC_PASSWORD" -H 'Content-Type: application/json' -X PUT "http://localhost:${PORT}/_security/$1" -d "$2"; }
  until es "role/$ES_APP_USER" '${JSON.stringify(ELASTICSEARCH_ROLE)}' && es "user/$ES_APP_USER" "{\\"password\\":\\"$ES_APP_PASSWORD\\",\\"roles\\":[\\"$ES_APP_USER\\"]}"; do
    sleep 10
  done
) &
exec /bin/tini -- /usr/local/bin/docker-entrypoint.sh eswrapper
`;

/**
 * Elasticsearch from Elastic's official image, one node: ECK (the only maintained way Elastic ships for
 * Kubernetes) is under the Elastic License 2.0 and gives the server 2 GiB by default, too much for one person.
 */
export const elasticsearch: CatalogService<"elasticsearch"> = {
    name: "elasticsearch",
    requires: [],
    systemPods: (settings) => [{ component: "Elasticsearch", ...sizeWith(SERVER_SIZES.elasticsearch, settings), pods: 1 }],
    deploy(context, settings, parent) {
        const name = `${context.workbench}-${SERVICE}`;
        const component = new DataService("Elasticsearch", name, { parent });
        const size = sizeWith(SERVER_SIZES.elasticsearch, settings);
        const elastic = password(`${name}-elastic`, component);
        const secretName = `${SERVICE}-credentials`;
        const host = `${SERVICE}.${context.namespace}.svc`;
        const app = password(`${name}-app`, component);
        // the superuser's and the ordinary user's passwords: the server's own
        const secret = credentialsSecret(`${name}-credentials`, secretName, context, component, {
            username: "elastic",
            password: elastic.result,
            "app-username": ELASTICSEARCH_USER,
            "app-password": app.result,
        });
        const clientName = `${SERVICE}-client`;
        const client = clientSecret(name, clientName, context, component, {
            url: pulumi.interpolate`http://${ELASTICSEARCH_USER}:${app.result}@${host}:${PORT}`,
        });
        const script = new k8s.core.v1.ConfigMap(
            `${name}-start`,
            { metadata: { name: `${SERVICE}-start`, namespace: context.namespace }, data: { "start.sh": ELASTICSEARCH_START_SCRIPT } },
            childOptions(context, component),
        );
        const labels = serviceLabels(SERVICE);
        const heapMiB = Math.floor(size.memoryMiB / 3);
        singleServer(
            name,
            {
                service: SERVICE,
                image: SERVICE_IMAGES.elasticsearch,
                ports: { http: PORT },
                env: [
                    { name: "discovery.type", value: "single-node" },
                    { name: "ELASTIC_PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key: "password" } } },
                    { name: "ES_APP_USER", value: ELASTICSEARCH_USER },
                    { name: "ES_APP_PASSWORD", valueFrom: { secretKeyRef: { name: secretName, key: "app-password" } } },
                    // authentication on; TLS off: the traffic stays inside the NetworkPolicy, and a self-signed
                    // certificate would only teach clients to skip verification
                    { name: "xpack.security.enabled", value: "true" },
                    { name: "xpack.security.http.ssl.enabled", value: "false" },
                    { name: "xpack.security.transport.ssl.enabled", value: "false" },
                    // vm.max_map_count is a node setting no pod may change; without mmap the check does not apply
                    { name: "node.store.allow_mmap", value: "false" },
                    { name: "ES_JAVA_OPTS", value: `-Xms${heapMiB}m -Xmx${heapMiB}m` },
                    // no machine-learning native controller (on by default on x86_64 and arm64) in a one-person node
                    { name: "xpack.ml.enabled", value: "false" },
                    // no GeoIP database downloads: the egress fence admits no internet
                    { name: "ingest.geoip.downloader.enabled", value: "false" },
                ],
                command: ["bash", "/workbench/start.sh"],
                readinessProbe: execProbe(`curl -fsu "elastic:$ELASTIC_PASSWORD" "http://localhost:${PORT}/_cluster/health?wait_for_status=yellow&timeout=2s"`, 10, 30),
                livenessProbe: execProbe(`curl -s -o /dev/null http://localhost:${PORT}/`, 30, 120),
                size,
                storageGiB: settings.storageGiB ?? STORAGE_GIB.elasticsearch,
                dataPath: "/usr/share/elasticsearch/data",
                fsGroup: 1000,
                volumes: [{ name: "start", configMap: { name: `${SERVICE}-start` } }],
                volumeMounts: [{ name: "start", mountPath: "/workbench", readOnly: true }],
                dependsOn: [secret, script],
            },
            context,
            component,
        );
        ingressPolicy(name, context, component, labels, [PORT]);
        // one node: no transport peers, no API, no bucket (no snapshot repository, no GeoIP downloads)
        egressPolicy(name, context, component, labels, []);
        component.done();
        return {
            connection: databaseConnection({
                name: SERVICE,
                namespace: context.namespace,
                variable: ELASTICSEARCH_URL_ENV,
                secretName: clientName,
                key: "url",
                podLabels: labels,
                ports: [PORT],
                pythonPackages: [...SERVICE_PYTHON_PACKAGES.elasticsearch],
                example: {
                    title: "Elasticsearch",
                    code: `import os; from urllib.parse import urlsplit; from elasticsearch import Elasticsearch\nu = urlsplit(os.environ["${ELASTICSEARCH_URL_ENV}"])\nes = Elasticsearch(f"http://{u.hostname}:{u.port}", basic_auth=(u.username, u.password)); print(es.info()["version"]["number"])`,
                },
            }),
            readyWhen: [client],
        };
    },
};
