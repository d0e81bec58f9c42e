import { ConfigProblem } from "../../stacks/errors";
import { CPU_SHAPES, CpuSize } from "../catalog";

/**
 * EC2 instance shapes (vCPUs, memory GiB, NVIDIA GPUs) as the EC2 instance type pages list them, for the
 * types the catalog chooses and the Graviton system types the docs offer. A pool is sized from one shape,
 * so every type of a pool must have it; a type not listed here cannot be checked and is taken on trust.
 */
export const EC2_SHAPES: Readonly<Record<string, readonly [vcpu: number, memoryGiB: number, gpus: number]>> = {
    "t3a.medium": [2, 4, 0], "t3.medium": [2, 4, 0], "t4g.medium": [2, 4, 0],
    "t3a.large": [2, 8, 0], "t3.large": [2, 8, 0], "t4g.large": [2, 8, 0],
    "t3a.xlarge": [4, 16, 0], "t3.xlarge": [4, 16, 0], "t4g.xlarge": [4, 16, 0],
    "t3a.2xlarge": [8, 32, 0], "t3.2xlarge": [8, 32, 0], "t4g.2xlarge": [8, 32, 0],
    "c6a.large": [2, 4, 0], "c6i.large": [2, 4, 0], "c5a.large": [2, 4, 0], "c5.large": [2, 4, 0],
    "m6a.large": [2, 8, 0], "m6i.large": [2, 8, 0], "m5a.large": [2, 8, 0], "m5.large": [2, 8, 0],
    "m6a.xlarge": [4, 16, 0], "m6i.xlarge": [4, 16, 0], "m5a.xlarge": [4, 16, 0], "m5.xlarge": [4, 16, 0],
    "m6a.2xlarge": [8, 32, 0], "m6i.2xlarge": [8, 32, 0], "m5a.2xlarge": [8, 32, 0], "m5.2xlarge": [8, 32, 0],
    "m6a.4xlarge": [16, 64, 0], "m6i.4xlarge": [16, 64, 0], "m5a.4xlarge": [16, 64, 0], "m5.4xlarge": [16, 64, 0],
    "m7g.xlarge": [4, 16, 0], "m6g.xlarge": [4, 16, 0],
    "g4dn.xlarge": [4, 16, 1], "g4dn.2xlarge": [8, 32, 1],
    "g5.xlarge": [4, 16, 1], "g5.2xlarge": [8, 32, 1],
    "g6.xlarge": [4, 16, 1], "g6.2xlarge": [8, 32, 1],
    "p4d.24xlarge": [96, 1152, 8],
    "p5.4xlarge": [16, 256, 1],
};

/**
 * Instance type overrides whose shape differs from their pool's size class: the pool is described to the
 * shared layer (profiles, the always-on fit check) by the size class, so a larger type would be paid for
 * unused and a smaller one would be promised more than it holds.
 */
export function overrideShapeProblems(overrides: { key: string; size: CpuSize; instanceTypes: readonly string[] | undefined }[]): ConfigProblem[] {
    return overrides.flatMap(({ key, size, instanceTypes }) => {
        const shape = CPU_SHAPES[size];
        const wrong = (instanceTypes ?? []).filter((type) => {
            const known = EC2_SHAPES[type];
            return known !== undefined && (known[0] !== shape.vcpu || known[1] !== shape.memoryGiB);
        });
        return wrong.length === 0
            ? []
            : [
                  {
                      key,
                      given: instanceTypes,
                      allowed: `the size class ${size} is ${shape.vcpu} vCPU / ${shape.memoryGiB} GiB, but ${wrong
                          .map((type) => `${type} is ${EC2_SHAPES[type][0]} vCPU / ${EC2_SHAPES[type][1]} GiB`)
                          .join(", ")}; choose types of that shape, or the size class that matches them`,
                  },
              ];
    });
}
