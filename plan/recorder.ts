import { PlannedResource } from "./types";
import { decodeValue } from "./values";

/* The subset of the SDK's generated protobuf messages the recorder reads. */
interface Struct {
    toJavaScript(): Record<string, unknown>;
}
/** An alias as the SDK sends it (`pulumirpc.Alias`): a full URN, or a spec of what differed. */
interface AliasMessage {
    getUrn(): string;
    getSpec():
        | {
              getName(): string;
              getType(): string;
              getParenturn(): string;
              getNoparent(): boolean;
          }
        | undefined;
}
interface RegisterResourceRequest {
    getAliasesList(): AliasMessage[];
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getRemote(): boolean;
    getProvider(): string;
    getObject(): Struct | undefined;
    getProtect(): boolean | undefined;
    getRetainondelete(): boolean | undefined;
    getDependenciesList(): string[];
}
interface RegisterResourceResponse {
    getUrn(): string;
    getObject(): Struct | undefined;
}
interface RegisterResourceOutputsRequest {
    getUrn(): string;
    getOutputs(): Struct | undefined;
}
type Callback<T> = (error: Error | null, response: T) => void;

/** The two monitor calls the recorder listens to. */
export interface RecordableMonitor {
    registerResource(request: RegisterResourceRequest, callback: Callback<RegisterResourceResponse>): unknown;
    registerResourceOutputs(request: RegisterResourceOutputsRequest, callback: Callback<unknown>): unknown;
}

/** Where a resource sits as the engine names it: its qualified type chain and name. */
interface Identity {
    /** The type qualified by its ancestors' types, e.g. `workbench:index:Workbench$kubernetes:core/v1:Namespace`. */
    chain: string;
    name: string;
}

/** A registered resource as the recorder knows it. */
interface Known extends Identity {
    type: string;
    urn: string;
    /** Identities it had before, through its own aliases or its ancestors': the engine maps those URNs to it. */
    aliases: Identity[];
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** Provider references are `urn::id`; the plan names providers by URN. */
function providerUrn(reference: string): string | undefined {
    if (!reference) return undefined;
    const separator = reference.lastIndexOf("::");
    return separator > 0 ? reference.slice(0, separator) : reference;
}

/**
 * Listens on the mock resource monitor and keeps every registration exactly as the engine
 * would receive it: type, name, parent, provider, inputs, protect, retainOnDelete, dependencies,
 * and the outputs each component (the stack included) registers.
 */
export class Recorder {
    readonly resources: PlannedResource[] = [];
    private readonly outputsByUrn = new Map<string, Record<string, unknown>>();
    /** Every registration by the mock runtime's URN, with the engine's name for it. */
    private readonly known = new Map<string, Known>();

    attach(monitor: RecordableMonitor): void {
        const registerResource = monitor.registerResource.bind(monitor);
        const registerResourceOutputs = monitor.registerResourceOutputs.bind(monitor);

        monitor.registerResource = (request, callback) =>
            registerResource(request, (error, response) => {
                if (!error) this.resources.push(this.toPlanned(request, response));
                callback(error, response);
            });
        monitor.registerResourceOutputs = (request, callback) => {
            this.outputsByUrn.set(this.engineUrn(request.getUrn()), decodeValue(request.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>);
            return registerResourceOutputs(request, callback);
        };
    }

    /** The outputs a resource registered (for the stack: the stack outputs). */
    outputsOf(urn: string): Record<string, unknown> {
        return this.outputsByUrn.get(urn) ?? {};
    }

    /** The engine's URN of a resource the mock runtime named (unchanged for one the recorder has not seen). */
    private engineUrn(mockUrn: string): string {
        return this.known.get(mockUrn)?.urn ?? mockUrn;
    }

    /**
     * Names a registration the engine's way (pulumi/pulumi pkg/resource/deploy: a URN's type is the parent's
     * qualified type chain, `$`-joined, without the root stack's type), where the mock runtime uses only the
     * parent's last type and keeps the stack's. Also keeps the identities the engine would map to it: its own
     * aliases, and its ancestors' (a child of an aliased component inherits the alias; a child name starting
     * with the parent's name follows the parent's old name, as the engine's inherited child aliases do).
     */
    private identify(request: RegisterResourceRequest, mockUrn: string): Known {
        const [, stack = "", project = ""] = /^urn:pulumi:([^:]*)::([^:]*)::/.exec(mockUrn) ?? [];
        const type = request.getType();
        const name = request.getName();
        const parent = this.known.get(request.getParent());
        const underRoot = parent === undefined || parent.type === STACK_TYPE;
        const chainUnder = (p: Identity | undefined) => (p === undefined || p.chain === STACK_TYPE || p.chain === "" ? type : `${p.chain}$${type}`);
        const chain = type === STACK_TYPE ? type : chainUnder(underRoot ? undefined : parent);
        const aliases: Identity[] = [];
        if (parent && !underRoot) {
            for (const old of parent.aliases) {
                aliases.push({ chain: chainUnder(old), name: name.startsWith(parent.name) ? old.name + name.slice(parent.name.length) : name });
            }
        }
        for (const alias of request.getAliasesList()) {
            const urn = alias.getUrn();
            if (urn) {
                const match = /^urn:pulumi:[^:]*::[^:]*::(.+)::([^:]+)$/.exec(urn);
                if (match) aliases.push({ chain: match[1]!, name: match[2]! });
                continue;
            }
            const spec = alias.getSpec();
            if (!spec) continue;
            const aliasParent = spec.getNoparent() ? undefined : spec.getParenturn() ? this.known.get(spec.getParenturn()) : parent;
            const aliasType = spec.getType() || type;
            const under = aliasParent === undefined || aliasParent.type === STACK_TYPE ? undefined : aliasParent;
            aliases.push({ chain: under ? `${under.chain}$${aliasType}` : aliasType, name: spec.getName() || name });
        }
        const urnOf = (identity: Identity) => `urn:pulumi:${stack}::${project}::${identity.chain}::${identity.name}`;
        const known: Known = { type, name, chain, urn: urnOf({ chain, name }), aliases: aliases.filter((a) => urnOf(a) !== urnOf({ chain, name })) };
        this.known.set(mockUrn, known);
        return known;
    }

    private toPlanned(request: RegisterResourceRequest, response: RegisterResourceResponse): PlannedResource {
        const remote = request.getRemote();
        const outputs = remote ? (decodeValue(response.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>) : undefined;
        const identity = this.identify(request, response.getUrn());
        const [, stack = "", project = ""] = /^urn:pulumi:([^:]*)::([^:]*)::/.exec(identity.urn) ?? [];
        const aliases = identity.aliases.map((a) => `urn:pulumi:${stack}::${project}::${a.chain}::${a.name}`);
        const provider = providerUrn(request.getProvider());
        return {
            urn: identity.urn,
            type: request.getType(),
            name: request.getName(),
            parent: request.getParent() ? this.engineUrn(request.getParent()) : undefined,
            custom: request.getCustom(),
            remote,
            provider: provider ? this.engineUrn(provider) : undefined,
            inputs: decodeValue(request.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
            protect: request.getProtect() ?? false,
            retainOnDelete: request.getRetainondelete() ?? false,
            dependsOn: [...new Set(request.getDependenciesList().map((urn) => this.engineUrn(urn)))],
            ...(outputs ? { outputs } : {}),
            ...(aliases.length > 0 ? { aliases } : {}),
        };
    }
}
