import { OPENSEARCH_POD_LABELS } from "../services/opensearch";
import { ORIENTDB_DATABASE } from "../services/orientdb";
import { serviceLabels } from "../services/common";
import { SERVICE_IMAGES } from "../versions";
import { BACKUP_IMAGES } from "../versions";
import { DumpedService } from "./scripts";

/*
 * How a dump Job reaches each service: its address in the platform namespace, the superuser's Secret (the one
 * the server itself reads), the image carrying the service's own dump tool, and the labels of the server's pods
 * (its ingress admits the service's backup pods beside users' code).
 */

/** Where a dumped service is and how its dump signs in. */
export interface DumpTarget {
    /** Host name inside the platform namespace (`<service>.<namespace>.svc`), by namespace. */
    host(namespace: string): string;
    /** TCP port the dump connects to. */
    port: number;
    /** The service's own Secret and the key of the superuser's password in it. */
    secret: { name: string; passwordKey: string; userKey?: string };
    /** The image the dump and load run in: the service's own (its tools match the server's version). */
    image: string;
    /** Labels of the server's pods. */
    podLabels: Readonly<Record<string, string>>;
    /** More variables the scripts read. */
    env?: Record<string, string>;
}

/** Every dumped service's target. */
export const DUMP_TARGETS: Readonly<Record<DumpedService, DumpTarget>> = {
    mariadb: {
        host: (ns) => `mariadb.${ns}.svc`,
        port: 3306,
        secret: { name: "mariadb-credentials", passwordKey: "root-password" },
        image: SERVICE_IMAGES.mariadb,
        podLabels: serviceLabels("mariadb"),
    },
    mongodb: {
        host: (ns) => `mongodb.${ns}.svc`,
        port: 27017,
        secret: { name: "mongodb-credentials", passwordKey: "root-password" },
        image: SERVICE_IMAGES.mongodb,
        podLabels: serviceLabels("mongodb"),
    },
    opensearch: {
        host: (ns) => `opensearch-cluster-master.${ns}.svc`,
        port: 9200,
        secret: { name: "opensearch-credentials", passwordKey: "password", userKey: "username" },
        image: BACKUP_IMAGES.python,
        podLabels: OPENSEARCH_POD_LABELS,
        env: { SEARCH_FLAVOUR: "opensearch", SEARCH_SCHEME: "https" },
    },
    elasticsearch: {
        host: (ns) => `elasticsearch.${ns}.svc`,
        port: 9200,
        secret: { name: "elasticsearch-credentials", passwordKey: "password", userKey: "username" },
        image: BACKUP_IMAGES.python,
        podLabels: serviceLabels("elasticsearch"),
        env: { SEARCH_FLAVOUR: "elasticsearch", SEARCH_SCHEME: "http" },
    },
    cassandra: {
        host: (ns) => `cassandra.${ns}.svc`,
        port: 9042,
        secret: { name: "cassandra-credentials", passwordKey: "password" },
        image: SERVICE_IMAGES.cassandra,
        podLabels: serviceLabels("cassandra"),
    },
    orientdb: {
        host: (ns) => `orientdb.${ns}.svc`,
        port: 2424,
        secret: { name: "orientdb-credentials", passwordKey: "password" },
        image: SERVICE_IMAGES.orientdb,
        podLabels: serviceLabels("orientdb"),
        env: { DATABASE: ORIENTDB_DATABASE },
    },
};
