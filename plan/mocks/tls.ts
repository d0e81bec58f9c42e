import { PackageMocks } from "./types";

/** Answers for @pulumi/tls: PEM-shaped stand-ins (the SDK marks the private key secret, as the provider does). */
export const tlsMocks: PackageMocks = {
    prefix: "tls:",
    resources: {
        "tls:index/privateKey:PrivateKey": (args) => ({
            privateKeyPem: `-----BEGIN EC PRIVATE KEY-----\nmock-${args.name}\n-----END EC PRIVATE KEY-----\n`,
            publicKeyPem: `-----BEGIN PUBLIC KEY-----\nmock-${args.name}\n-----END PUBLIC KEY-----\n`,
        }),
        "tls:index/selfSignedCert:SelfSignedCert": (args) => ({
            certPem: `-----BEGIN CERTIFICATE-----\nmock-${args.name}\n-----END CERTIFICATE-----\n`,
            validityStartTime: "2026-01-01T00:00:00Z",
            validityEndTime: "2028-01-01T00:00:00Z",
            readyForRenewal: false,
        }),
    },
    invokes: {},
};
