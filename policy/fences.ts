import { at, Finding, finding, known, list, ofTypes, PolicyStack, PolicySubject, record, selects, WorkbenchPolicy } from "./subject";
import { hubFacts, strings, USER_CODE_SELECTOR } from "./workbench";

/*
 * Every pod running users' code is fenced: notebooks by z2jh's policy, the rest (Dask, Spark, Ray) by a
 * NetworkPolicy selecting the user-code label, neither reaching the cloud metadata server unless the
 * platform's identity lives there. Every Service the program creates admits traffic through an ingress policy.
 */

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const SERVICE = "kubernetes:core/v1:Service";
const METADATA_IP = "169.254.169.254";
/** The user-code fence's statement that the platform's identity lives on the metadata server (components/tenancy/network-policies.ts). */
const METADATA_ANNOTATION = "workbench.io/metadata-server";
const METADATA_SERVES_IDENTITY = "serves-identity";

/** An IPv4 address as a number. */
function ipNumber(ip: string): number {
    return ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** Whether a CIDR holds an address. */
function cidrHolds(cidr: string, ip: string): boolean {
    const [base, bits] = cidr.split("/");
    const size = 2 ** (32 - Number(bits ?? 32));
    const start = Math.floor(ipNumber(base) / size) * size;
    return ipNumber(ip) >= start && ipNumber(ip) < start + size;
}

/** Whether an egress rule lets a pod reach the metadata server on its HTTP port. */
function reachesMetadataServer(rule: unknown): boolean {
    const ports = list(at(rule, "ports")).map((p) => at(p, "port"));
    if (ports.length > 0 && !ports.includes(80)) return false;
    const to = list(at(rule, "to"));
    if (to.length === 0) return true;
    return to.some((peer) => {
        const cidr = at(peer, "ipBlock", "cidr");
        return typeof cidr === "string" && cidrHolds(cidr, METADATA_IP) && !strings(at(peer, "ipBlock", "except")).some((except) => cidrHolds(except, METADATA_IP));
    });
}

/** The NetworkPolicies in a namespace that select pods with these labels, for a policy type. */
function policiesSelecting(stack: PolicyStack, namespace: string | undefined, labels: Record<string, string>, policyType: "Ingress" | "Egress"): PolicySubject[] {
    return ofTypes(stack, NETWORK_POLICY).filter((policy) => {
        const policyNamespace = at(policy.props, "metadata", "namespace");
        if (namespace !== undefined && known(policyNamespace) && policyNamespace !== namespace) return false;
        const selector = record(at(policy.props, "spec", "podSelector", "matchLabels"));
        // a selector with expressions picks a subset (one workload's pods), not every pod with these labels
        if (list(at(policy.props, "spec", "podSelector", "matchExpressions")).length > 0) return false;
        return selects(selector, labels) && strings(at(policy.props, "spec", "policyTypes")).includes(policyType);
    });
}

/** Notebooks, Dask, Spark and Ray pods are fenced, without the metadata server unless it serves identity. */
export const userCodeFenced: WorkbenchPolicy = {
    name: "user-code-fenced",
    description:
        "Pods running users' code are fenced by NetworkPolicies (z2jh's for notebooks, one selecting the user-code label for the rest) that keep the cloud metadata server out of reach unless the platform's identity lives there; every Service the program creates is covered by an ingress policy.",
    check: (stack) => {
        const findings: Finding[] = [];
        for (const { release, values, notebookNamespace: namespace } of hubFacts(stack)) {
            // notebooks in the user namespace carry the user-code label and are fenced by its policies instead of z2jh's
            const notebooksUserCode = selects(USER_CODE_SELECTOR, Object.fromEntries(Object.entries(record(at(values, "singleuser", "extraLabels"))).map(([k, v]) => [k, String(v)])));
            if (at(values, "singleuser", "networkPolicy", "enabled") === false && !notebooksUserCode) findings.push(finding(release, "singleuser.networkPolicy.enabled is false: notebooks are not fenced"));
            // the platform's statement that pods need the metadata server: z2jh's iptables block is off, or the fence says so
            const z2jhFence = at(values, "singleuser", "networkPolicy", "enabled") !== false;
            const metadataNeeded = z2jhFence && at(values, "singleuser", "cloudMetadata", "blockWithIptables") === false;
            if (z2jhFence && !metadataNeeded && at(values, "singleuser", "networkPolicy", "egressAllowRules", "cloudMetadataServer") === true) {
                findings.push(finding(release, "notebooks may reach the cloud metadata server though the platform's identity does not live there"));
            }
            const ingress = policiesSelecting(stack, namespace, USER_CODE_SELECTOR, "Ingress");
            const egress = policiesSelecting(stack, namespace, USER_CODE_SELECTOR, "Egress");
            if (ingress.length === 0 || egress.length === 0) {
                findings.push(finding(release, `no NetworkPolicy in namespace ${namespace ?? "?"} fences the pods labelled ${JSON.stringify(USER_CODE_SELECTOR)} (Dask, Spark, Ray) for both ingress and egress`));
            }
            for (const policy of egress) {
                const servesIdentity = metadataNeeded || record(at(policy.props, "metadata", "annotations"))[METADATA_ANNOTATION] === METADATA_SERVES_IDENTITY;
                if (!servesIdentity) {
                    if (list(at(policy.props, "spec", "egress")).some(reachesMetadataServer)) {
                        findings.push(finding(policy, `lets users' code reach the cloud metadata server (${METADATA_IP}:80), where the node's identity lives`));
                    }
                }
            }
        }
        for (const service of ofTypes(stack, SERVICE)) {
            const selector = record(at(service.props, "spec", "selector"));
            if (Object.keys(selector).length === 0 || Object.values(selector).some((v) => !known(v))) continue;
            // a chart's Service read back from the cluster (the hub's proxy) is the chart's: its values are judged instead
            const labels0 = record(at(service.props, "metadata", "labels"));
            if (labels0["app.kubernetes.io/managed-by"] === "Helm" || labels0.heritage === "Helm") continue;
            const namespace = at(service.props, "metadata", "namespace");
            const labels = Object.fromEntries(Object.entries(selector).map(([k, v]) => [k, String(v)]));
            if (policiesSelecting(stack, typeof namespace === "string" ? namespace : undefined, labels, "Ingress").length === 0) {
                findings.push(finding(service, "no NetworkPolicy with an ingress rule selects its pods: a data service admits the workbench's pods only"));
            }
        }
        return findings;
    },
};
