import { at, Finding, finding, known, list, ofTypes, parseJson, PolicyStack, PolicySubject, record, UNKNOWN, WorkbenchPolicy } from "./subject";
import { SERVING_POOL, USER_NODE_PURPOSE } from "./workbench";

/*
 * What the clusters a cloud platform creates must do: user and GPU pools scale to zero (nothing idles
 * expensively), and NetworkPolicies are enforced (z2jh's and the workbench's fences rely on it). An existing
 * cluster's nodes are not created here and not judged.
 */

const EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const EKS_MANAGED_NODE_GROUP = "eks:index:ManagedNodeGroup";
const GKE_NODE_POOL = "gcp:container/nodePool:NodePool";
const AKS_AGENT_POOL = "azure-native:containerservice:AgentPool";
const EKS_CLUSTER = "eks:index:Cluster";
const GKE_CLUSTER = "gcp:container/cluster:Cluster";
const AKS_CLUSTER = "azure-native:containerservice:ManagedCluster";

/** Whether node labels mark a user (notebook, worker) or GPU pool, by the z2jh convention. */
function userPool(labels: unknown): boolean {
    return record(labels)[USER_NODE_PURPOSE.key] === USER_NODE_PURPOSE.value;
}

/** A taint as each cloud's API spells it: EKS and GKE objects (effect `NO_SCHEDULE`), AKS `key=value:Effect` strings. */
function taintText(taint: unknown): string {
    if (typeof taint === "string") return taint;
    const t = record(taint);
    const effect = String(t.effect ?? "").toLowerCase().replace(/_/g, "");
    return `${String(t.key)}=${String(t.value ?? "")}:${effect}`;
}

/**
 * The serving pool (`workbench:servingPool`): labelled as it and carrying its taint, so nothing but served models
 * and apps run there. Its always-on nodes are the stack's explicit choice, sized to their replicas and priced as
 * always on; a pool with the label but not the taint is judged like any other.
 */
function servingPool(labels: unknown, taints: unknown): boolean {
    const wanted = `${SERVING_POOL.taint.key}=${SERVING_POOL.taint.value}:${SERVING_POOL.taint.effect.toLowerCase()}`;
    return record(labels)[SERVING_POOL.label.key] === SERVING_POOL.label.value && list(taints).some((t) => taintText(t).toLowerCase() === wanted);
}

/** User and GPU pools a cloud platform creates have a minimum of zero nodes. */
export const poolsScaleToZero: WorkbenchPolicy = {
    name: "user-pools-scale-to-zero",
    description:
        `Node pools a cloud platform creates for users and GPUs (labelled ${USER_NODE_PURPOSE.key}=${USER_NODE_PURPOSE.value}, or AKS mode User) have a minimum of zero nodes; ` +
        `the serving pool (workbench:servingPool: labelled ${SERVING_POOL.label.key}=${SERVING_POOL.label.value} and tainted ${SERVING_POOL.taint.key}=${SERVING_POOL.taint.value}:${SERVING_POOL.taint.effect}) keeps the always-on nodes the stack asks for.`,
    check: (stack) => {
        const findings: Finding[] = [];
        for (const group of ofTypes(stack, EKS_NODE_GROUP, EKS_MANAGED_NODE_GROUP)) {
            const min = at(group.props, "scalingConfig", "minSize");
            if (servingPool(group.props.labels, group.props.taints)) continue;
            if (userPool(group.props.labels) && known(min) && min !== 0) findings.push(finding(group, `a user/GPU node group with scalingConfig.minSize ${String(min)}: it must scale to zero`));
        }
        for (const pool of ofTypes(stack, GKE_NODE_POOL)) {
            if (servingPool(at(pool.props, "nodeConfig", "labels"), at(pool.props, "nodeConfig", "taints"))) continue;
            if (!userPool(at(pool.props, "nodeConfig", "labels"))) continue;
            const autoscaling = record(pool.props.autoscaling);
            const min = autoscaling.totalMinNodeCount ?? autoscaling.minNodeCount;
            if (!pool.props.autoscaling) findings.push(finding(pool, "a user/GPU node pool without autoscaling cannot scale to zero"));
            else if (known(min) && min !== 0) findings.push(finding(pool, `a user/GPU node pool with autoscaling minimum ${String(min)}: it must scale to zero`));
            else if (known(pool.props.nodeCount) && pool.props.nodeCount !== 0) findings.push(finding(pool, `a user/GPU node pool with a fixed nodeCount ${String(pool.props.nodeCount)}`));
        }
        for (const pool of ofTypes(stack, AKS_AGENT_POOL)) {
            if (servingPool(pool.props.nodeLabels, pool.props.nodeTaints)) continue;
            if (!(pool.props.mode === "User" || userPool(pool.props.nodeLabels))) continue;
            if (pool.props.enableAutoScaling !== true) findings.push(finding(pool, "a user/GPU agent pool needs enableAutoScaling true to scale to zero"));
            else if (known(pool.props.minCount) && pool.props.minCount !== 0) findings.push(finding(pool, `a user/GPU agent pool with minCount ${String(pool.props.minCount)}: it must scale to zero`));
        }
        return findings;
    },
};

/** The engines whose NetworkPolicy enforcement an AKS cluster may use. */
const AKS_POLICY_ENGINES = ["cilium", "calico", "azure"];

const EKS_ADDON = "aws:eks/addon:Addon";

/** Whether `resource` sits anywhere below `ancestor` in the resource tree. */
function descendantOf(stack: PolicyStack, resource: PolicySubject, ancestor: string): boolean {
    const byUrn = new Map(stack.resources.map((r) => [r.urn, r]));
    for (let parent = resource.parent; parent !== undefined; parent = byUrn.get(parent)?.parent) if (parent === ancestor) return true;
    return false;
}

/** Whether the VPC CNI add-on's configuration turns its network policy agent on (`enableNetworkPolicy`, "true" or true). */
function cniEnforces(configurationValues: unknown): boolean | undefined {
    if (!known(configurationValues)) return undefined;
    const value = at(parseJson(configurationValues), "enableNetworkPolicy");
    return value === true || value === "true";
}

/**
 * An EKS cluster enforces NetworkPolicy when its VPC CNI add-on runs the network policy agent. @pulumi/eks's
 * Cluster is a remote component: it creates the `vpc-cni` add-on as its child, which CrossGuard sees (and judges
 * here) and the offline plan does not; `vpcCniOptions` is an input CrossGuard never sees (a component's props are
 * its outputs). Offline, where the children are invisible, the same rule is judged on the input the add-on's
 * configuration is made from (pulumi-eks: `vpcCniOptions.enableNetworkPolicy` becomes the add-on's
 * `configurationValues.enableNetworkPolicy`).
 */
function eksNetworkPolicyFindings(stack: PolicyStack, cluster: PolicySubject): Finding[] {
    // pulumi-eks (nodejs/eks/addons/cni-addon.ts): Cluster → VpcCniAddon component → aws.eks.Addon "vpc-cni"
    const addons = ofTypes(stack, EKS_ADDON).filter((a) => a.props.addonName === "vpc-cni" && descendantOf(stack, a, cluster.urn));
    if (addons.length > 0) {
        return addons
            .filter((a) => cniEnforces(a.props.configurationValues) === false)
            .map((a) => finding(a, "configurationValues.enableNetworkPolicy must be \"true\": without it NetworkPolicies are not enforced"));
    }
    if (cluster.inputs !== undefined) {
        const enabled = at(cluster.inputs, "vpcCniOptions", "enableNetworkPolicy");
        if (known(enabled) && enabled === true) return [];
        if (enabled === UNKNOWN) return [];
        return [finding(cluster, "vpcCniOptions.enableNetworkPolicy must be true: without it the VPC CNI add-on does not enforce NetworkPolicies")];
    }
    return [finding(cluster, "has no vpc-cni add-on (aws:eks/addon:Addon) enforcing network policy: without it NetworkPolicies are not enforced")];
}

/** NetworkPolicy enforcement is on in every cluster a cloud platform creates. */
export const networkPolicyEnforced: WorkbenchPolicy = {
    name: "network-policy-enforced",
    description:
        "Clusters enforce NetworkPolicy: EKS with the VPC CNI's network policy enabled, GKE with Dataplane V2 (ADVANCED_DATAPATH) or Calico, AKS with a network policy engine.",
    check: (stack) => [
        ...ofTypes(stack, EKS_CLUSTER).flatMap((c) => eksNetworkPolicyFindings(stack, c)),
        ...ofTypes(stack, GKE_CLUSTER)
            .filter((c) => c.props.datapathProvider !== "ADVANCED_DATAPATH" && at(c.props, "networkPolicy", "enabled") !== true)
            .map((c) => finding(c, 'needs datapathProvider "ADVANCED_DATAPATH" (Dataplane V2) or networkPolicy.enabled: without it NetworkPolicies are not enforced')),
        ...ofTypes(stack, AKS_CLUSTER)
            .filter((c) => c.props.networkProfile !== UNKNOWN && !AKS_POLICY_ENGINES.includes(String(at(c.props, "networkProfile", "networkPolicy"))))
            .map((c) => finding(c, `networkProfile.networkPolicy must be one of ${AKS_POLICY_ENGINES.join(", ")}: without it NetworkPolicies are not enforced`)),
    ],
};
