import * as gcpProjects from "@pulumi/gcp/projects";
import * as gcpServiceaccount from "@pulumi/gcp/serviceaccount";
import * as pulumi from "@pulumi/pulumi";
import { GcpContext, gcpName } from "./context";

/**
 * What the nodes' own account may do, and nothing more: GKE's least-privilege node role (write logs and
 * metrics, read the cluster's configuration; GKE "Configure GKE node service accounts", CIS GKE 5.2.1) and
 * reading images from Artifact Registry. Not the default Compute Engine account, which holds Editor.
 */
export const NODE_ROLES: readonly string[] = ["roles/container.defaultNodeServiceAccount", "roles/artifactregistry.reader"];

/** The scope GKE recommends with a custom node account: the account's roles, not scopes, limit it. */
export const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

/** The nodes' dedicated service account and its project-level grants. */
export class NodeAccount extends pulumi.ComponentResource {
    /** The account's e-mail, which every node pool runs as. */
    readonly email: pulumi.Output<string>;
    /** The grants; node pools wait for them, or their nodes could not pull images or write logs at first boot. */
    readonly grants: gcpProjects.IAMMember[];

    constructor(name: string, args: { context: GcpContext; dependsOn: pulumi.Resource[] }, opts?: pulumi.ComponentResourceOptions) {
        super("workbench:gcp:NodeAccount", name, {}, opts);
        const { context } = args;
        const account = new gcpServiceaccount.Account(
            name,
            {
                project: context.project,
                // ids are unique per project and at most 30 characters: the stack is part of it
                accountId: gcpName(`${context.name}-${context.stack}-nodes`, 30),
                displayName: `Nodes of GKE cluster ${context.clusterName}`,
            },
            { parent: this, dependsOn: args.dependsOn },
        );
        this.email = account.email;
        this.grants = NODE_ROLES.map(
            (role) =>
                new gcpProjects.IAMMember(
                    `${name}-${role.split("/")[1].replace(/\./g, "-")}`,
                    { project: context.project, role, member: pulumi.interpolate`serviceAccount:${account.email}` },
                    { parent: this },
                ),
        );
        this.registerOutputs({ email: this.email });
    }
}
