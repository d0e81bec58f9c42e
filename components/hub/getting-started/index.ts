import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { WorkbenchConfig } from "../../../stacks/schema";
import { NotebookExample } from "../../service-connection";
import { PLATFORM_OBJECT_LABELS } from "../../tenancy/zones";
import { AWS_CONFIG_FILE, awsConfigFile, GETTING_STARTED_DIR, INSTALLER_FILE, installerScript, NOTEBOOK_FILE } from "./first-start";
import { gettingStartedSections, notebookJson, WorkbenchFacts } from "./notebook";

export * from "./first-start";
export * from "./notebook";

/**
 * Sign-in facts for someone already inside the hub: who administers it and how others get in. Paths
 * are relative to the hub, so they work whatever its address (a domain, a load balancer, a port-forward).
 */
export function signInFacts(config: Pick<WorkbenchConfig, "auth" | "users" | "domain">): string {
    const admins = config.users.admins.join(", ");
    const where = config.domain ? `This hub is https://${config.domain}. ` : "";
    switch (config.auth.type) {
        case "native":
            return `${where}Admins: ${admins}. Others sign up at \`/hub/signup\` and wait until an admin approves them at \`/hub/authorize\`; admins manage users at \`/hub/admin\`.`;
        case "github": {
            const orgs = config.auth.githubOrganizations;
            return `${where}Sign-in is with GitHub. Admins: ${admins}.${config.users.allowed.length > 0 ? ` Also allowed: ${config.users.allowed.join(", ")}.` : ""}${orgs.length > 0 ? ` Members of ${orgs.join(", ")} may sign in.` : ""} Others are added with workbench:users.allowed.`;
        }
        case "dummy":
            return `Dummy sign-in (a local cluster): any name gets in. Admins: ${admins}.`;
    }
}

/** The volume name of the getting-started ConfigMap in notebook pods. */
export const GETTING_STARTED_VOLUME = "workbench-getting-started";

/** What the hub's values need to mount the getting-started files into every notebook. */
export interface GettingStartedMount {
    /** The ConfigMap's name, in the user namespace. */
    configMapName: string;
    /** Extra environment for notebooks (e.g. `AWS_CONFIG_FILE` pointing into the mount). */
    env: k8s.types.input.core.v1.EnvVar[];
}

/**
 * Environment for every pod that touches an S3-compatible store needing path-style addressing.
 * botocore reads no variable for it, so s3fs (and Dask, pandas, xarray through fsspec) get it from
 * fsspec's own environment configuration (`FSSPEC_S3` holds s3fs's keyword arguments as JSON).
 */
export function pathStyleEnv(identityEnv: Record<string, pulumi.Input<string>>): k8s.types.input.core.v1.EnvVar[] {
    return needsPathStyle(identityEnv) ? [{ name: "FSSPEC_S3", value: JSON.stringify({ config_kwargs: { s3: { addressing_style: "path" } } }) }] : [];
}

/**
 * Whether the store needs path-style addressing. The platform states it as a plain value (an
 * S3-compatible store's configuration); a value known only at deploy time counts as virtual-hosted.
 */
export function needsPathStyle(identityEnv: Record<string, pulumi.Input<string>>): boolean {
    return identityEnv["AWS_S3_ADDRESSING_STYLE"] === "path";
}

/** Arguments of {@link GettingStarted}. */
export interface GettingStartedArgs {
    /** The user namespace, where notebooks mount it (a pod mounts ConfigMaps of its own namespace only). */
    namespace: string;
    /** What the first section says (login, culling, GPU maximum age). */
    facts: pulumi.Input<WorkbenchFacts>;
    /** The enabled services' examples, in order. */
    examples: readonly NotebookExample[];
    /** The enabled services' client packages (pinned), installed once per home. */
    pythonPackages: readonly string[];
    /** The identity's plain environment: path-style addressing adds an AWS config file for boto3. */
    identityEnv: Record<string, pulumi.Input<string>>;
    /** Kubernetes provider of the cluster. */
    provider: k8s.Provider;
    /** The namespace, first. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The getting-started ConfigMap: the notebook, the first-start installer and, for path-style stores, an AWS
 * config file. Every server runs the installer, so users' code must not change it: no account in the user
 * namespace may update ConfigMaps except the Spark driver's, and the admission policy refuses it objects
 * labelled as the platform's (components/tenancy/admission.ts).
 */
export class GettingStarted extends pulumi.ComponentResource {
    /** What the hub mounts. */
    readonly mount: GettingStartedMount;
    /** The ConfigMap. */
    readonly configMap: k8s.core.v1.ConfigMap;

    constructor(name: string, args: GettingStartedArgs, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:getting-started:GettingStarted", name, {}, opts);
        const configMapName = `${args.namespace}-getting-started`;
        const pathStyle = needsPathStyle(args.identityEnv);
        const notebook = pulumi.output(args.facts).apply((facts) => notebookJson(gettingStartedSections(facts, args.examples)));
        this.configMap = new k8s.core.v1.ConfigMap(
            name,
            {
                metadata: { name: configMapName, namespace: args.namespace, labels: { ...PLATFORM_OBJECT_LABELS } },
                data: {
                    [NOTEBOOK_FILE]: notebook,
                    [INSTALLER_FILE]: installerScript(args.pythonPackages),
                    ...(pathStyle ? { [AWS_CONFIG_FILE]: awsConfigFile() } : {}),
                },
            },
            { parent: this, provider: args.provider, dependsOn: args.dependsOn },
        );
        // boto3 used directly reads the shared config file, which sets path-style addressing for s3
        this.mount = { configMapName, env: pathStyle ? [{ name: "AWS_CONFIG_FILE", value: `${GETTING_STARTED_DIR}/${AWS_CONFIG_FILE}` }] : [] };
        this.registerOutputs({ configMapName });
    }
}
