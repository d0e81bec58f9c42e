import * as pulumi from "@pulumi/pulumi";
import { SERVER_SIZES, sizeWith, STORAGE_GIB } from "../capacity/requests";
import { SERVICE_IMAGES, SERVICE_PYTHON_PACKAGES } from "../versions";
import { CatalogService } from "./catalog";
import { clientSecret, credentialsSecret, databaseConnection, DataService, egressPolicy, execProbe, ingressPolicy, password, serviceLabels, singleServer } from "./common";

/** The variable notebooks read MariaDB's SQLAlchemy URL from. */
export const MARIADB_URL_ENV = "WORKBENCH_MARIADB_URL";

const SERVICE = "mariadb";
const PORT = 3306;
const DATABASE = "workbench";

/**
 * MariaDB from the official image as one StatefulSet: no operator pods always on (mariadb-operator runs
 * three), at the price of backups, which the operator would schedule and this does not.
 */
export const mariadb: CatalogService<"mariadb"> = {
    name: "mariadb",
    requires: [],
    systemPods: (settings) => [{ component: "MariaDB", ...sizeWith(SERVER_SIZES.mariadb, settings), pods: 1 }],
    deploy(context, settings, parent) {
        const name = `${context.workbench}-${SERVICE}`;
        const component = new DataService("MariaDB", name, { parent });
        const size = sizeWith(SERVER_SIZES.mariadb, settings);
        const root = password(`${name}-root`, component);
        const user = password(`${name}-user`, component);
        const secretName = `${SERVICE}-credentials`;
        const host = `${SERVICE}.${context.namespace}.svc`;
        // the server's Secret: root and the ordinary user's password, read by the server only
        const secret = credentialsSecret(`${name}-credentials`, secretName, context, component, {
            "root-password": root.result,
            username: DATABASE,
            password: user.result,
        });
        // what notebooks get: the ordinary user (the entrypoint grants it ALL on its own database only)
        const clientName = `${SERVICE}-client`;
        const client = clientSecret(name, clientName, context, component, {
            url: pulumi.interpolate`mysql+pymysql://${DATABASE}:${user.result}@${host}:${PORT}/${DATABASE}`,
        });
        const fromSecret = (key: string) => ({ secretKeyRef: { name: secretName, key } });
        const labels = serviceLabels(SERVICE);
        singleServer(
            name,
            {
                service: SERVICE,
                image: SERVICE_IMAGES.mariadb,
                ports: { mysql: PORT },
                env: [
                    { name: "MARIADB_ROOT_PASSWORD", valueFrom: fromSecret("root-password") },
                    { name: "MARIADB_DATABASE", value: DATABASE },
                    { name: "MARIADB_USER", value: DATABASE },
                    { name: "MARIADB_PASSWORD", valueFrom: fromSecret("password") },
                    // runs mariadb-upgrade when a new image finds older data files
                    { name: "MARIADB_AUTO_UPGRADE", value: "1" },
                ],
                // the buffer pool at a quarter of the memory, as a small server should
                args: [`--innodb-buffer-pool-size=${Math.floor(size.memoryMiB / 4)}M`],
                // the official image's own health check script
                readinessProbe: execProbe("healthcheck.sh --connect --innodb_initialized"),
                livenessProbe: { ...execProbe("healthcheck.sh --connect", 20, 60) },
                size,
                storageGiB: settings.storageGiB ?? STORAGE_GIB.mariadb,
                dataPath: "/var/lib/mysql",
                fsGroup: 999,
                dependsOn: [secret],
            },
            context,
            component,
        );
        ingressPolicy(name, context, component, labels, [PORT]);
        // one server: no peers, no API, no bucket
        egressPolicy(name, context, component, labels, []);
        component.done();
        return {
            connection: databaseConnection({
                name: SERVICE,
                namespace: context.namespace,
                variable: MARIADB_URL_ENV,
                secretName: clientName,
                key: "url",
                podLabels: labels,
                ports: [PORT],
                pythonPackages: [...SERVICE_PYTHON_PACKAGES.mariadb],
                example: {
                    title: "MariaDB",
                    code: `import os, sqlalchemy\nengine = sqlalchemy.create_engine(os.environ["${MARIADB_URL_ENV}"])\nwith engine.connect() as db: print(db.exec_driver_sql("SELECT VERSION()").scalar())`,
                },
            }),
            readyWhen: [client],
        };
    },
};
