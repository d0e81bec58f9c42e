import { NotebookExample } from "../../service-connection";

/*
 * The getting-started notebook (and docs/first-hour.md, the same sections as Markdown): sign-in facts,
 * the bucket, then one section per enabled service from its connection's `notebookExample`, then a
 * GPU check. Pure functions of plain data, so tests read exactly what a user gets.
 */

/** What the first section tells the user about their workbench. */
export interface WorkbenchFacts {
    /** Where the hub is, and how to sign in (the `login` output's text). */
    login: string;
    /** Idle servers stop after this long, minutes. */
    cullIdleMinutes: number;
    /** Every server stops after this long, hours (0: never). */
    maxAgeHours: number;
    /** Servers on GPU profiles stop after this long, hours (0: never). */
    gpuMaxAgeHours: number;
    /** Idle kernels are shut down after this long, minutes (0: never). */
    kernelCullIdleMinutes: number;
    /** Whether the stack has a bucket. */
    hasBucket: boolean;
    /** Whether the stack has GPU pools. */
    hasGpus: boolean;
}

/** One section: a Markdown heading and text, then code. */
export interface NotebookSection {
    title: string;
    text: string;
    code?: string;
}

/** The bucket, through fsspec (s3fs, gcsfs, adlfs are in the Pangeo images): no keys, the workload identity answers. */
export const BUCKET_EXAMPLE: NotebookExample = {
    title: "The bucket",
    code: `import os
import fsspec

bucket = os.environ["WORKBENCH_BUCKET_URL"].rstrip("/")  # s3://…, gs://… or abfs://container@account.dfs.core.windows.net
fs, root = fsspec.core.url_to_fs(bucket)                # s3fs, gcsfs or adlfs, by the scheme

with fs.open(f"{root}/examples/words.txt", "w") as f:   # write
    f.write("the quick brown fox jumps over the lazy dog\\n" * 1000)
print(fs.ls(f"{root}/examples"))                        # list
print(fs.cat(f"{root}/examples/words.txt")[:44])        # read`,
};

/** Spark addresses the same bucket through its Hadoop connectors: s3a://, gs://, abfss://. */
export const SPARK_BUCKET_EXAMPLE: NotebookExample = {
    title: "Spark reads the bucket",
    code: `import os
bucket = os.environ["WORKBENCH_BUCKET_URL"].rstrip("/")
if bucket.startswith("s3://"):
    spark_url = "s3a://" + bucket[len("s3://"):]
elif bucket.startswith("abfs://"):
    spark_url = "abfss://" + bucket[len("abfs://"):]   # ADLS over TLS: storage accounts refuse plain HTTP
else:
    spark_url = bucket
words = spark.read.text(f"{spark_url}/examples/words.txt")
words.selectExpr("explode(split(value, ' ')) AS word").groupBy("word").count().show()`,
};

/** Which GPU the server got; on a CPU profile it says to pick a GPU one. */
export const GPU_EXAMPLE: NotebookExample = {
    title: "GPU check",
    code: `import torch   # in the "GPU deep learning" environment
if torch.cuda.is_available():
    print(torch.cuda.get_device_name(0), f"{torch.cuda.get_device_properties(0).total_memory / 2**30:.0f} GiB")
    print((torch.rand(4096, 4096, device="cuda") @ torch.rand(4096, 4096, device="cuda")).sum().item())
else:
    print("no GPU here: start a GPU profile from File > Hub Control Panel")`,
};

function factsText(facts: WorkbenchFacts): string {
    const stops = [
        `Idle servers stop after ${facts.cullIdleMinutes} minutes; your home folder stays.`,
        facts.maxAgeHours > 0 ? `Every server stops ${facts.maxAgeHours} hours after it starts.` : undefined,
        facts.hasGpus && facts.gpuMaxAgeHours > 0
            ? `Servers on GPU profiles stop ${facts.gpuMaxAgeHours} hours after they start, even while a kernel is busy (workbench:notebook.gpuMaxAgeHours): save checkpoints to the bucket.`
            : undefined,
        facts.kernelCullIdleMinutes > 0
            ? `Kernels idle for ${facts.kernelCullIdleMinutes} minutes are shut down, freeing their memory and GPU (workbench:notebook.kernelCullIdleMinutes).`
            : undefined,
    ].filter((line): line is string => line !== undefined);
    return [
        facts.login,
        "",
        "Pick the environment as well as the hardware on the spawn page (File > Hub Control Panel > Stop, then Start): " +
            "Dask / PyData, Spark, or GPU deep learning. A first start on a node scaled from zero pulls the image (the spawn page says how big) and takes minutes.",
        "",
        ...stops.map((line) => `- ${line}`),
        "",
        "This notebook is copied into your home once; edit it freely, it is never overwritten. The original stays at `/etc/workbench/getting-started/getting-started.ipynb`.",
    ].join("\n");
}

/** The sections, in order, for the enabled services. */
export function gettingStartedSections(facts: WorkbenchFacts, examples: readonly NotebookExample[]): NotebookSection[] {
    const sections: NotebookSection[] = [{ title: "Your workbench", text: factsText(facts) }];
    if (facts.hasBucket) {
        sections.push({ title: BUCKET_EXAMPLE.title, text: "The workbench's private bucket, reached with the workload identity: no keys anywhere. (s3fs, gcsfs and adlfs are in the Dask / PyData and GPU environments; in the Spark environment, read the bucket through Spark below.)", code: BUCKET_EXAMPLE.code });
    }
    for (const example of examples) {
        sections.push({ title: example.title, text: "", code: example.code });
        if (example.title === "Spark" && facts.hasBucket) {
            sections.push({ title: SPARK_BUCKET_EXAMPLE.title, text: "The word file written above, counted by Spark executors on the user pool. After the pool has scaled to zero, the first query waits minutes for a node and for its images: Spark's (about 0.5 GB) and, for S3 and Azure buckets, Apache's Hadoop image with the storage connectors (about 2 GB unpacked), pulled once per node.", code: SPARK_BUCKET_EXAMPLE.code });
        }
    }
    if (facts.hasGpus) sections.push({ title: GPU_EXAMPLE.title, text: "On a GPU profile.", code: GPU_EXAMPLE.code });
    return sections;
}

function lines(text: string): string[] {
    const split = text.split("\n");
    return split.map((line, i) => (i < split.length - 1 ? `${line}\n` : line));
}

/** The sections as a Jupyter notebook (nbformat 4.4: cells need no ids). */
export function notebookJson(sections: readonly NotebookSection[]): string {
    const cells = sections.flatMap((section) => [
        { cell_type: "markdown", metadata: {}, source: lines(`## ${section.title}${section.text ? `\n\n${section.text}` : ""}`) },
        ...(section.code ? [{ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: lines(section.code) }] : []),
    ]);
    const notebook = {
        cells: [{ cell_type: "markdown", metadata: {}, source: ["# Getting started"] }, ...cells],
        metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" }, language_info: { name: "python" } },
        nbformat: 4,
        nbformat_minor: 4,
    };
    return JSON.stringify(notebook, null, 1);
}

/** The same sections as Markdown, as docs/first-hour.md holds them. */
export function notebookMarkdown(sections: readonly NotebookSection[]): string {
    return sections.map((section) => [`## ${section.title}`, ...(section.text ? ["", section.text] : []), ...(section.code ? ["", "```python", section.code, "```"] : [])].join("\n")).join("\n\n") + "\n";
}
