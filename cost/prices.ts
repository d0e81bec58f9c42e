import { ManagedCloud } from "../providers/catalog";
import { AWS_PRICES } from "./prices/aws";
import { AZURE_PRICES } from "./prices/azure";
import { GCP_PRICES } from "./prices/gcp";
import { CloudPrices } from "./prices/types";

export * from "./prices/types";

/** Prices per managed cloud, one module each (`cost/prices/<cloud>.ts`). */
export const PRICES: Readonly<Record<ManagedCloud, CloudPrices>> = { aws: AWS_PRICES, gcp: GCP_PRICES, azure: AZURE_PRICES };
