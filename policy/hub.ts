import { at, Finding, finding, known, list, ofTypes, record, WorkbenchPolicy } from "./subject";
import { hubFacts, hubStorageClasses, strings } from "./workbench";

/*
 * The hub is the workbench's one entry point: nobody can claim an admin name, no password crosses the
 * network in plain HTTP, dummy sign-in never faces the network, and user data sits on a retained class.
 */

/** z2jh's `proxy.https` types that make the proxy (or something in front of it) serve TLS. */
const HTTPS_TYPES = ["letsencrypt", "secret", "manual", "offload"];

/** Whether an authenticator class is JupyterHub's dummy one (by entry point or class path). */
function isDummy(authenticator: unknown): boolean {
    return typeof authenticator === "string" && (authenticator === "dummy" || /DummyAuthenticator$/.test(authenticator));
}

/** Whether an authenticator class is NativeAuthenticator or the workbench's subclass of it. */
function isNative(authenticator: unknown): boolean {
    return typeof authenticator === "string" && (authenticator === "native" || /NativeAuthenticator$/.test(authenticator));
}

/** No dummy sign-in on an exposed hub, no plain-HTTP passwords, no admin name left to sign-up. */
export const hubSignInSafe: WorkbenchPolicy = {
    name: "hub-sign-in-safe",
    description:
        "Dummy sign-in only on a hub that is not exposed (ClusterIP); passwords never cross the network in plain HTTP (HTTPS, source ranges or port-forward); with native sign-in every admin account exists before sign-up opens and sign-up needs approval.",
    check: (stack) =>
        hubFacts(stack).flatMap(({ release, values }): Finding[] => {
            const problems: string[] = [];
            const config = record(at(values, "hub", "config"));
            const authenticator = at(config, "JupyterHub", "authenticator_class");
            const service = at(values, "proxy", "service", "type") ?? "LoadBalancer"; // z2jh's default
            const exposed = known(service) && service !== "ClusterIP";
            const https = at(values, "proxy", "https", "enabled") === true && HTTPS_TYPES.includes(String(at(values, "proxy", "https", "type")));
            const fenced = list(at(values, "proxy", "service", "loadBalancerSourceRanges")).length > 0 && service === "LoadBalancer";
            if (isDummy(authenticator) && exposed) {
                problems.push(`dummy sign-in (any name, any password) on a ${String(service)} hub: use native or github, or proxy.service.type ClusterIP`);
            } else if (exposed && !https && !fenced) {
                problems.push(`passwords cross the network in plain HTTP on a ${String(service)} hub: enable proxy.https or set loadBalancerSourceRanges`);
            }
            if (isNative(authenticator)) {
                if (at(config, "NativeAuthenticator", "open_signup") === true) problems.push("NativeAuthenticator.open_signup lets anyone in without approval");
                const className = String(authenticator).split(".").pop() ?? "";
                const preset = list(at(config, className, "preset_accounts")).map((a) => at(a, "name"));
                const unclaimed = strings(at(config, "Authenticator", "admin_users")).filter((admin) => !preset.includes(admin));
                if (unclaimed.length > 0) {
                    problems.push(`admin ${unclaimed.join(", ")} has no account before sign-up opens: whoever signs up first as that name becomes admin (NativeAuthenticator pre-authorizes admin_users)`);
                }
            }
            return problems.map((problem) => finding(release, problem));
        }),
};

const STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";
const PVC = "kubernetes:core/v1:PersistentVolumeClaim";

/** User data (homes, the hub database, volumes the program claims) sits on a class whose volumes are retained. */
export const userDataRetained: WorkbenchPolicy = {
    name: "user-data-retained-class",
    description: "Homes, the hub database and every volume the program claims use a StorageClass with reclaimPolicy Retain.",
    check: (stack) => {
        const classes = new Map(ofTypes(stack, STORAGE_CLASS).map((c) => [at(c.props, "metadata", "name"), c]));
        const judge = (className: string): string | undefined => {
            const storageClass = classes.get(className);
            // a class the program does not create (an existing cluster's) is the cluster's: not judged here
            if (!storageClass) return undefined;
            const reclaim = storageClass.props.reclaimPolicy;
            if (!known(reclaim)) return undefined;
            return reclaim === "Retain" ? undefined : `storage class ${className} has reclaimPolicy ${String(reclaim ?? "Delete (the default)")}: user data would be deleted with its claim; use a class with reclaimPolicy Retain`;
        };
        const hubs = hubFacts(stack).flatMap((hub) =>
            hubStorageClasses(hub).flatMap((className) => {
                const problem = judge(className);
                return problem ? [finding(hub.release, problem)] : [];
            }),
        );
        const claims = ofTypes(stack, PVC).flatMap((claim) => {
            const className = at(claim.props, "spec", "storageClassName");
            const problem = typeof className === "string" ? judge(className) : undefined;
            return problem ? [finding(claim, problem)] : [];
        });
        return [...hubs, ...claims];
    },
};
