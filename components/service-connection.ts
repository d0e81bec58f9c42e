import type * as k8s from "@pulumi/kubernetes";
import type { PrivateDestination } from "../providers/contract";

/** A key of a Kubernetes Secret. */
export interface SecretKeyRef {
    /** Secret name, in the workbench namespace. */
    name: string;
    /** Key within the Secret. */
    key: string;
}

/**
 * An in-cluster service registered with JupyterHub: the hub proxies `/services/<name>/` to it, and
 * the service authenticates to the hub with a token the hub reads from a Secret.
 */
export interface HubServiceRegistration {
    /** In-cluster URL the hub proxies `/services/<name>/` to. */
    url: string;
    /** The service's API token. */
    token: SecretKeyRef;
    /** Scopes every hub user (and their notebook's token) needs to use the service. */
    userScopes: string[];
    /** Scopes the service's own token holds (a served model reads MLflow's registry: `access:services!service=mlflow`). */
    serviceScopes?: string[];
}

/**
 * What one shared service publishes to notebooks. Adding a service means returning one of these:
 * the hub injects its environment, opens exactly its egress and registers it, with no other change.
 */
export interface ServiceConnection {
    /** The service's name, as the stack outputs list it. */
    name: string;
    /** Environment notebooks, Dask and Spark pods get to connect with zero setup: plain values or Secret references. */
    env: k8s.types.input.core.v1.EnvVar[];
    /**
     * Environment for notebooks only: variables made from the hub's per-user token (`$(JUPYTERHUB_API_TOKEN)`), which
     * only a notebook's container has; in a Dask or Spark pod the reference would stay unexpanded text.
     */
    notebookEnv?: k8s.types.input.core.v1.EnvVar[];
    /** NetworkPolicy egress notebooks need to reach the service; empty when they reach nothing in-cluster. */
    egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[];
    /** Registration with JupyterHub, for services behind the hub. */
    hubService?: HubServiceRegistration;
    /**
     * Python packages (pip requirement strings, pinned) a notebook needs to use the service and that the
     * notebook images may lack, e.g. `psycopg[binary]==3.2.9`; installed into the user's environment once.
     */
    pythonPackages?: string[];
    /** A short, runnable Python example of connecting to the service, for the getting-started notebook and docs. */
    notebookExample?: NotebookExample;
}

/** A titled Python snippet showing how a notebook uses a service. */
export interface NotebookExample {
    /** Heading of the notebook section, e.g. "PostgreSQL". */
    title: string;
    /** Python code, a few lines, using only the environment variables the service publishes. */
    code: string;
}

/** Egress to a private address range on some TCP ports (z2jh's policy blocks private addresses otherwise). */
export function egressToAddresses(destination: PrivateDestination): k8s.types.input.networking.v1.NetworkPolicyEgressRule {
    return {
        to: [{ ipBlock: { cidr: destination.cidr } }],
        ports: destination.ports.map((port) => ({ port, protocol: "TCP" })),
    };
}

/** Egress to the pods with these labels on these TCP ports (the ports the pods listen on). */
export function egressToPods(podLabels: Record<string, string>, ports: number[]): k8s.types.input.networking.v1.NetworkPolicyEgressRule {
    return {
        to: [{ podSelector: { matchLabels: podLabels } }],
        ports: ports.map((port) => ({ port, protocol: "TCP" })),
    };
}
