import { PackageMocks } from "./types";

/** Answers for @pulumi/random: fixed stand-ins of the right shape (the SDK marks them secret where the provider does). */
export const randomMocks: PackageMocks = {
    prefix: "random:",
    resources: {
        "random:index/randomPassword:RandomPassword": (args) => ({ result: `mock-password-${args.name}`, bcryptHash: "$2a$10$mock" }),
        "random:index/randomString:RandomString": (args) => ({ result: `mock-${args.name}` }),
        "random:index/randomId:RandomId": () => ({ hex: "0123456789abcdef0123456789abcdef", b64Std: "ASNFZ4mrze8BI0VniavN7w==" }),
    },
    invokes: {},
};
