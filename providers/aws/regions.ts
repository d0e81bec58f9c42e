import type { RegionCatalog } from "../catalog/regions";

/**
 * Every AWS region the workbench can be planned in, copied from the SDK's published partitions file:
 * aws/aws-sdk-js-v3@685ff5d03588f81121c6fa9466771cd444492209, packages/util-endpoints/src/lib/aws/partitions.json
 * (the same list botocore ships as `botocore/data/endpoints.json` partitions), partitions `aws`, `aws-cn` and
 * `aws-us-gov`, without the `*-global` pseudo-regions. Left out: the isolated partitions (`aws-iso*`, not reachable
 * from an ordinary account) and `aws-eusc` (the European Sovereign Cloud, its own accounts and a region name the
 * schema's pattern does not take).
 *
 * Zones are not listed: a zone name (`us-east-1a`) maps to a different physical zone in each account, so the
 * platform asks EC2 for the zones and what each sells at plan time (zones.ts); offline, the mocks answer with
 * three zones per region (plan/mocks/aws.ts), which is the mock's answer, not the account's.
 */
export const AWS_REGIONS: RegionCatalog = {
    key: "aws:region",
    generatedOn: "2026-12-02",
    source: "aws-sdk-js-v3@685ff5d partitions.json (partitions aws, aws-cn, aws-us-gov)",
    regenerate:
        "curl -s https://raw.githubusercontent.com/aws/aws-sdk-js-v3/main/packages/util-endpoints/src/lib/aws/partitions.json | " +
        "jq -r '.partitions[] | select(.id == \"aws\" or .id == \"aws-cn\" or .id == \"aws-us-gov\") | .regions | keys[] | select(endswith(\"-global\") | not)' " +
        "(then paste the names into providers/aws/regions.ts; `aws ec2 describe-regions --all-regions --query 'Regions[].RegionName'` lists what one account sees)",
    regions: Object.fromEntries(
        [
            // aws: Africa, Asia Pacific, Canada, Europe, Israel, Middle East, Mexico, South America, United States
            "af-south-1",
            "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
            "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
            "ca-central-1", "ca-west-1",
            "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
            "il-central-1",
            "me-central-1", "me-south-1",
            "mx-central-1",
            "sa-east-1",
            "us-east-1", "us-east-2", "us-west-1", "us-west-2",
            // aws-cn
            "cn-north-1", "cn-northwest-1",
            // aws-us-gov
            "us-gov-east-1", "us-gov-west-1",
        ].map((region) => [region, []]),
    ),
};
