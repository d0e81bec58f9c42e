import * as assert from "node:assert/strict";
import { CPU_SHAPES, CPU_SIZES, cpuInstanceTypes, describeGpuMachine, GPU_CATALOG, GPU_CLASSES, gpuClassesOn, gpuMachine, ManagedCloud } from "../providers/catalog";

const MANAGED: ManagedCloud[] = ["aws", "gcp", "azure"];

describe("GPU and CPU catalog", () => {
    it("maps every GPU class to at least two clouds, and every cloud offers the T4 of the default stacks", () => {
        for (const gpu of GPU_CLASSES) assert.ok(Object.keys(GPU_CATALOG[gpu].machines).length >= 2, gpu);
        for (const cloud of MANAGED) assert.ok(gpuClassesOn(cloud).includes("t4"), cloud);
    });

    it("rejects a class a cloud does not offer, naming the alternatives", () => {
        assert.throws(() => gpuMachine("a10", "gcp"), /gcp offers no NVIDIA A10 \(a10\); choose one of t4, l4, a100, h100/);
        assert.throws(() => gpuMachine("l4", "azure"), /choose one of t4, a10, a100, h100/);
    });

    it("allows every class on an existing cluster, which describes its own GPU nodes", () => {
        assert.deepEqual(gpuClassesOn("existing"), [...GPU_CLASSES]);
    });

    it("describes a GPU machine with its model, GPU memory, vCPUs and memory", () => {
        const machine = gpuMachine("t4", "aws");
        assert.equal(describeGpuMachine("t4", machine), `NVIDIA T4 16 GB · ${machine.vcpu} vCPU · ${machine.memoryGiB} GiB RAM`);
        assert.match(describeGpuMachine("a100", gpuMachine("a100", "aws")), /^8× NVIDIA A100/);
    });

    it("gives GCP's attached GPUs an accelerator type, and built-in GPUs none", () => {
        for (const gpu of gpuClassesOn("gcp")) {
            const machine = gpuMachine(gpu, "gcp");
            assert.equal(machine.instanceTypes[0].startsWith("n1-"), machine.acceleratorType === "nvidia-tesla-t4", gpu);
            assert.ok(machine.acceleratorType, `${gpu} on GCP names its accelerator`);
        }
    });

    it("offers only x86-64 machines on GCP and Azure, whose platforms report their pools as amd64", () => {
        // Arm families: GCE Tau T2A, Axion C4A/N4A, A4X (Grace); Azure's `p` sizes (Dpsv5, Epsv6…) and the Grace GB200/GB300 sizes
        const arm = { gcp: /^(t2a|c4a|n4a|a4x)-/, azure: /^Standard_[A-Z]+\d+[a-z]*p|GB\d{3}/ } as const;
        for (const cloud of ["gcp", "azure"] as const) {
            const types = [
                ...(["system", "user"] as const).flatMap((role) => CPU_SIZES.flatMap((size) => cpuInstanceTypes(cloud, role, size))),
                ...gpuClassesOn(cloud).flatMap((gpu) => gpuMachine(gpu, cloud).instanceTypes),
            ];
            for (const type of types) assert.doesNotMatch(type, arm[cloud], `${cloud}: ${type}`);
        }
        assert.match("Standard_D4ps_v5", arm.azure);
        assert.match("c4a-standard-4", arm.gcp);
    });

    it("has instance types for every CPU size, pool role and cloud, growing with the size", () => {
        for (const cloud of MANAGED) {
            for (const role of ["system", "user"] as const) {
                for (const size of CPU_SIZES) assert.ok(cpuInstanceTypes(cloud, role, size).length > 0, `${cloud} ${role} ${size}`);
            }
        }
        const vcpus = CPU_SIZES.map((size) => CPU_SHAPES[size].vcpu);
        assert.deepEqual(vcpus, [...vcpus].sort((a, b) => a - b));
    });
});
