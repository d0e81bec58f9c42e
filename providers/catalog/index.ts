export * from "./clouds";
export * from "./cpus";
export * from "./gpus";
export * from "./disks";
export * from "./machines";
export * from "./kubernetes";
export * from "./regions";
