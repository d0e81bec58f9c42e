import * as pulumi from "@pulumi/pulumi";
import { SERVER_SIZES, sizeWith, STORAGE_GIB } from "../capacity/requests";
import { SERVICE_IMAGES, SERVICE_PYTHON_PACKAGES } from "../versions";
import { CatalogService } from "./catalog";
import { credentialsSecret, databaseConnection, DataService, execProbe, ingressPolicy, password, serviceLabels, singleServer } from "./common";

/** The variable notebooks read Elasticsearch's URL (with the `elastic` user's credentials) from. */
export const ELASTICSEARCH_URL_ENV = "WORKBENCH_ELASTICSEARCH_URL";

const SERVICE = "elasticsearch";
const PORT = 9200;

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
        const secret = credentialsSecret(`${name}-credentials`, secretName, context, component, {
            username: "elastic",
            password: elastic.result,
            url: pulumi.interpolate`http://elastic:${elastic.result}@${host}:${PORT}`,
        });
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
                    // authentication on; TLS off: the traffic stays inside the NetworkPolicy, and a self-signed
                    // certificate would only teach clients to skip verification
                    { name: "xpack.security.enabled", value: "true" },
                    { name: "xpack.security.http.ssl.enabled", value: "false" },
                    { name: "xpack.security.transport.ssl.enabled", value: "false" },
                    // vm.max_map_count is a node setting no pod may change; without mmap the check does not apply
                    { name: "node.store.allow_mmap", value: "false" },
                    { name: "ES_JAVA_OPTS", value: `-Xms${heapMiB}m -Xmx${heapMiB}m` },
                ],
                readinessProbe: execProbe(`curl -fsu "elastic:$ELASTIC_PASSWORD" "http://localhost:${PORT}/_cluster/health?wait_for_status=yellow&timeout=2s"`, 10, 30),
                livenessProbe: execProbe(`curl -s -o /dev/null http://localhost:${PORT}/`, 30, 120),
                size,
                storageGiB: settings.storageGiB ?? STORAGE_GIB.elasticsearch,
                dataPath: "/usr/share/elasticsearch/data",
                fsGroup: 1000,
                dependsOn: [secret],
            },
            context,
            component,
        );
        ingressPolicy(name, context, component, labels, [PORT]);
        context.warn("Elasticsearch has no scheduled snapshots here (its repository settings are per cloud; see docs/services.md).");
        component.done();
        return {
            connection: databaseConnection({
                name: SERVICE,
                variable: ELASTICSEARCH_URL_ENV,
                secretName,
                key: "url",
                podLabels: labels,
                ports: [PORT],
                pythonPackages: [...SERVICE_PYTHON_PACKAGES.elasticsearch],
                example: {
                    title: "Elasticsearch",
                    code: `import os; from urllib.parse import urlsplit; from elasticsearch import Elasticsearch\nu = urlsplit(os.environ["${ELASTICSEARCH_URL_ENV}"])\nes = Elasticsearch(f"http://{u.hostname}:{u.port}", basic_auth=(u.username, u.password)); print(es.info()["version"]["number"])`,
                },
            }),
            readyWhen: [secret],
        };
    },
};
