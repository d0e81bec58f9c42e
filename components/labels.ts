/*
 * Pod labels the shared layer's NetworkPolicies select on. Every component that starts pods running
 * users' code (notebooks, Dask schedulers and workers, Spark drivers, executors and a Spark Connect
 * server, Ray) labels them so, and the policies fence them all the same way.
 */

/** Marks a pod that runs users' code: fenced like a notebook (no metadata server, private ranges only to enabled services). */
export const USER_CODE_LABELS: Readonly<Record<string, string>> = { "workbench.io/user-code": "true" };

/** Marks a pod that must call the Kubernetes API server (Spark drivers, a Spark Connect server): it may reach the platform's `apiServerEgress`. */
export const API_CLIENT_LABELS: Readonly<Record<string, string>> = { "workbench.io/kube-api-client": "true" };

/**
 * The annotation by which a ServiceAccount of users' code says why its pods need a Kubernetes token; the policy pack
 * accepts it only beside an admission policy naming the account (policy/tenancy.ts keeps the same key, a test checks).
 */
export const TOKEN_NEEDED_ANNOTATION = "workbench.io/kubernetes-token";
