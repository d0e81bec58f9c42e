import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { WorkbenchConfig } from "../../stacks/schema";

/*
 * The certificate the stack generates for a hub without a domain (as Nebari does). Browsers warn about it; the
 * `login` output gives its SHA-256 fingerprint so a person can compare it with the one the browser shows before
 * accepting (security review §8): a match means the connection is encrypted to this hub, not to whoever sits in
 * between. The certificate names the addresses known when it is made: `localhost` (a port-forwarded hub), the
 * domain if one is set, and `workbench:hub.certificateNames` (the load balancer's address after the first run).
 */

/** A generated certificate is renewed by the first `pulumi up` in its last 30 days of two years. */
const CERTIFICATE_VALIDITY_HOURS = 2 * 365 * 24;
const CERTIFICATE_EARLY_RENEWAL_HOURS = 30 * 24;

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * The SHA-256 fingerprint of a PEM certificate as browsers and `openssl x509 -fingerprint -sha256` show it:
 * the digest of the DER bytes, upper-case hex pairs joined by colons.
 */
export function sha256Fingerprint(certPem: string): string {
    const body = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(certPem);
    if (!body) throw new Error("not a PEM certificate");
    const der = Buffer.from(body[1].replace(/\s+/g, ""), "base64");
    return (createHash("sha256").update(der).digest("hex").toUpperCase().match(/../g) ?? []).join(":");
}

/** The subject alternative names: DNS names and IP addresses the certificate is valid for. */
export interface CertificateNames {
    dnsNames: string[];
    ipAddresses: string[];
}

/** The names the generated certificate carries: localhost for a port-forward, the domain, the configured addresses. */
export function certificateNames(hub: Pick<WorkbenchConfig["hub"], "certificateNames">, domain: string | undefined): CertificateNames {
    const names = [...new Set(["localhost", ...(domain ? [domain] : []), ...(hub.certificateNames ?? [])])];
    return { dnsNames: names.filter((name) => !IPV4.test(name)), ipAddresses: ["127.0.0.1", ...names.filter((name) => IPV4.test(name))] };
}

/** Arguments of {@link selfSignedCertificate}. */
export interface SelfSignedCertificateArgs {
    /** The `kubernetes.io/tls` Secret the proxy mounts. */
    secretName: string;
    /** Its namespace (the hub's). */
    namespace: pulumi.Input<string>;
    /** The hub's domain, the certificate's common name when set. */
    domain?: string;
    /** Subject alternative names. */
    names: CertificateNames;
    provider: k8s.Provider;
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** The generated certificate's Secret and its fingerprint. */
export interface SelfSignedCertificate {
    /** The `kubernetes.io/tls` Secret (the key stays a secret in the state). */
    secret: k8s.core.v1.Secret;
    /** SHA-256 fingerprint, not secret: people compare it before accepting the browser's warning. */
    fingerprint: pulumi.Output<string>;
}

/**
 * A certificate made with @pulumi/tls, so the key is a secret in the state and reaches the proxy only as a
 * `kubernetes.io/tls` Secret, never as a Helm value; no in-cluster issuer (cert-manager) has to run.
 * Resource names are `<name>-tls`, children of `parent`.
 */
export function selfSignedCertificate(name: string, args: SelfSignedCertificateArgs, parent: pulumi.Resource): SelfSignedCertificate {
    const key = new tls.PrivateKey(`${name}-tls`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
    const certificate = new tls.SelfSignedCert(
        `${name}-tls`,
        {
            privateKeyPem: key.privateKeyPem,
            subject: { commonName: args.domain ?? "jupyterhub", organization: "workbench" },
            dnsNames: args.names.dnsNames,
            ipAddresses: args.names.ipAddresses,
            validityPeriodHours: CERTIFICATE_VALIDITY_HOURS,
            earlyRenewalHours: CERTIFICATE_EARLY_RENEWAL_HOURS,
            allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
        },
        { parent },
    );
    const secret = new k8s.core.v1.Secret(
        `${name}-tls`,
        {
            metadata: { name: args.secretName, namespace: args.namespace },
            type: "kubernetes.io/tls",
            stringData: { "tls.crt": certificate.certPem, "tls.key": pulumi.secret(key.privateKeyPem) },
        },
        { parent, provider: args.provider, dependsOn: args.dependsOn },
    );
    return { secret, fingerprint: certificate.certPem.apply(sha256Fingerprint) };
}
