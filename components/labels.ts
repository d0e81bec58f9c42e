/*
 * Pod labels the shared layer's NetworkPolicies select on. Every component that starts pods running
 * users' code (notebooks, Dask schedulers and workers, Spark drivers, executors and a Spark Connect
 * server, Ray) labels them so, and the policies fence them all the same way.
 */

/** Marks a pod that runs users' code: fenced like a notebook (no metadata server, private ranges only to enabled services). */
export const USER_CODE_LABELS: Readonly<Record<string, string>> = { "workbench.io/user-code": "true" };

/** Marks a pod that must call the Kubernetes API server (Spark drivers, a Spark Connect server): it may reach the platform's `apiServerEgress`. */
export const API_CLIENT_LABELS: Readonly<Record<string, string>> = { "workbench.io/kube-api-client": "true" };
