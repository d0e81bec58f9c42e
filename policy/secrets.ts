import { at, Finding, finding, HELM_RELEASE, leaves, ofTypes, record, SECRET, WorkbenchPolicy } from "./subject";

/*
 * Credentials stay secrets end to end: kubeconfigs, passwords, tokens and keys are Pulumi secrets and reach
 * pods only through Kubernetes Secrets, never as a Helm value (Helm keeps values in plain release records),
 * a ConfigMap or a plain environment variable.
 */

const K8S_PROVIDER = "pulumi:providers:kubernetes";
const K8S_SECRET = "kubernetes:core/v1:Secret";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

/** Leaf keys that hold a credential when they hold a string (not a reference to a Secret). */
const CREDENTIAL_KEY = /^(password|passwd|pwd|token|secret|secretKey|secret_key|apiKey|api_key|apiToken|api_token|authToken|auth_token|accessKey|access_key|privateKey|private_key|clientSecret|client_secret|cookieSecret|cookie_secret)$|(Password|_password|Token|_token|SecretKey|_secret_key|ClientSecret|_client_secret)$/;
/** Keys that name where a credential is (a Secret's name or key, a file), not the credential. */
const REFERENCE_KEY = /From|[Ee]xisting|Ref$|Name$|File$|Path$/;
/** Environment variable names that hold a credential. */
const CREDENTIAL_ENV = /(PASSWORD|PASSWD|SECRET|TOKEN|ACCESS_KEY|PRIVATE_KEY|API_KEY)/;
/** Output names that hold a credential. */
const CREDENTIAL_OUTPUT = /(kubeconfig|password|secret|token|credential|privateKey)/i;
/**
 * A value that is only a Kubernetes dependent-variable reference, `$(NAME)`: the kubelet replaces it with another
 * variable of the same container when the container starts (e.g. MLflow's token from the hub's per-user token), so
 * the value itself holds nothing secret.
 */
const ENV_REFERENCE = /^\$\([A-Za-z_][A-Za-z0-9_]*\)$/;
/**
 * A variable that names where a credential is, not the credential: `*_FILE`/`*_PATH` holding an absolute path (the
 * AWS SDKs' AWS_WEB_IDENTITY_TOKEN_FILE, Azure's AZURE_FEDERATED_TOKEN_FILE: a projected ServiceAccount token's mount).
 */
function namesCredentialFile(envName: string, value: string): boolean {
    return /_(FILE|PATH)$/.test(envName) && /^\/[^\s]*$/.test(value);
}
/** Text of a private key or a kubeconfig's credentials. */
const CREDENTIAL_TEXT = /-----BEGIN [A-Z ]*PRIVATE KEY-----|client-key-data:|client-certificate-data:/;

/** Where a value holds a credential in plain text: the path of each offending leaf. */
function credentialLeaves(value: unknown, secretsVisible: boolean): string[] {
    const found: string[] = [];
    for (const [path, leaf] of leaves(value)) {
        if (typeof leaf !== "string" || leaf === "") continue;
        const key = path[path.length - 1] ?? "";
        const shown = path.join(".");
        if (secretsVisible && leaf === SECRET) found.push(`${shown} holds a secret`);
        else if (CREDENTIAL_TEXT.test(leaf)) found.push(`${shown} holds a private key or kubeconfig credentials`);
        else if (CREDENTIAL_KEY.test(key) && !REFERENCE_KEY.test(key)) found.push(`${shown} holds a credential`);
        else if (key === "value" && !ENV_REFERENCE.test(leaf) && CREDENTIAL_ENV.test(String(at(value, ...path.slice(0, -1), "name") ?? path[path.length - 2] ?? ""))) {
            found.push(`${shown} sets a credential as a plain environment variable: use valueFrom.secretKeyRef`);
        }
    }
    return found;
}

/** No Helm value holds a secret. */
export const noSecretHelmValues: WorkbenchPolicy = {
    name: "no-secret-helm-values",
    description: "No Helm release value holds a password, token, key or other secret: charts get them by reference to Kubernetes Secrets.",
    check: (stack) =>
        ofTypes(stack, HELM_RELEASE).flatMap((release) =>
            credentialLeaves(record(release.props.values), stack.secretsVisible).map((problem) => finding(release, `value ${problem}: pass it by reference to a Kubernetes Secret`)),
        ),
};

/** Kubeconfigs and credentials only as secrets. */
export const credentialsAsSecrets: WorkbenchPolicy = {
    name: "credentials-only-as-secrets",
    description:
        "Kubeconfigs and credentials are Pulumi secrets (provider kubeconfigs, Kubernetes Secret data, stack outputs) and never sit in a ConfigMap or a plain environment variable.",
    check: (stack) => {
        const findings: Finding[] = [];
        if (stack.secretsVisible) {
            // CrossGuard hands policies secrets in plaintext: whether a value is secret only the plan can tell
            for (const provider of ofTypes(stack, K8S_PROVIDER)) {
                const kubeconfig = provider.props.kubeconfig;
                if (typeof kubeconfig === "string" && kubeconfig !== SECRET && kubeconfig.trim() !== "") {
                    findings.push(finding(provider, "its kubeconfig is not a secret: pass it as a secret output or config value"));
                }
            }
            for (const secret of ofTypes(stack, K8S_SECRET)) {
                for (const field of ["data", "stringData"]) {
                    const data = secret.props[field];
                    if (data === undefined || data === SECRET) continue;
                    const plain = Object.entries(record(data)).filter(([, v]) => v !== SECRET).map(([k]) => k);
                    if (plain.length > 0) findings.push(finding(secret, `${field} keys ${plain.join(", ")} are not secrets: wrap them in pulumi.secret`));
                }
            }
            for (const [name, value] of Object.entries(stack.outputs)) {
                if (CREDENTIAL_OUTPUT.test(name) && value !== undefined && value !== SECRET) {
                    findings.push({ message: `stack output ${name} is not a secret: export it with pulumi.secret` });
                }
            }
        }
        for (const configMap of ofTypes(stack, CONFIG_MAP)) {
            for (const [key, value] of Object.entries(record(configMap.props.data))) {
                if (typeof value === "string" && CREDENTIAL_TEXT.test(value)) findings.push(finding(configMap, `data ${key} holds a private key or kubeconfig credentials: use a Secret`));
            }
        }
        for (const resource of stack.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== HELM_RELEASE && r.type !== K8S_SECRET)) {
            for (const [path, leaf] of leaves(resource.props)) {
                const [last, parentKey] = [path[path.length - 1], path[path.length - 2]];
                if (last !== "value" || typeof leaf !== "string" || parentKey === undefined || ENV_REFERENCE.test(leaf)) continue;
                const envName = at(resource.props, ...path.slice(0, -1), "name");
                if (typeof envName === "string" && CREDENTIAL_ENV.test(envName) && !namesCredentialFile(envName, leaf)) findings.push(finding(resource, `environment variable ${envName} is set in plain text: use valueFrom.secretKeyRef`));
            }
        }
        return findings;
    },
};
