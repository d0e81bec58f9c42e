import { PlannedResource } from "./types";
import { decodeValue } from "./values";

/* The subset of the SDK's generated protobuf messages the recorder reads. */
interface Struct {
    toJavaScript(): Record<string, unknown>;
}
interface RegisterResourceRequest {
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

    attach(monitor: RecordableMonitor): void {
        const registerResource = monitor.registerResource.bind(monitor);
        const registerResourceOutputs = monitor.registerResourceOutputs.bind(monitor);

        monitor.registerResource = (request, callback) =>
            registerResource(request, (error, response) => {
                if (!error) this.resources.push(this.toPlanned(request, response));
                callback(error, response);
            });
        monitor.registerResourceOutputs = (request, callback) => {
            this.outputsByUrn.set(request.getUrn(), decodeValue(request.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>);
            return registerResourceOutputs(request, callback);
        };
    }

    /** The outputs a resource registered (for the stack: the stack outputs). */
    outputsOf(urn: string): Record<string, unknown> {
        return this.outputsByUrn.get(urn) ?? {};
    }

    private toPlanned(request: RegisterResourceRequest, response: RegisterResourceResponse): PlannedResource {
        const remote = request.getRemote();
        const outputs = remote ? (decodeValue(response.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>) : undefined;
        return {
            urn: response.getUrn(),
            type: request.getType(),
            name: request.getName(),
            parent: request.getParent() || undefined,
            custom: request.getCustom(),
            remote,
            provider: providerUrn(request.getProvider()),
            inputs: decodeValue(request.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
            protect: request.getProtect() ?? false,
            retainOnDelete: request.getRetainondelete() ?? false,
            dependsOn: [...new Set(request.getDependenciesList())],
            ...(outputs ? { outputs } : {}),
        };
    }
}
