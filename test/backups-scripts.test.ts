import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DOWNLOAD_SCRIPT, DUMP_FILES, DUMP_SCRIPTS, LOAD_SCRIPTS, SEARCH_SCRIPT, UPLOAD_SCRIPT } from "../components/backups/scripts";
import { tempDir } from "./harness";

/*
 * The scripts the backup and restore Jobs run, run here: the shell with fake tools on PATH (each fake records its
 * arguments and the variables it was given), search.py against a fake OpenSearch/Elasticsearch API. The Jobs'
 * /dump and /scripts are directories of the test.
 */

function workspace(): { dir: string; dump: string; bin: string; log: string } {
    const dir = tempDir("backups-");
    const dump = path.join(dir, "dump");
    const bin = path.join(dir, "bin");
    fs.mkdirSync(dump);
    fs.mkdirSync(bin);
    return { dir, dump, bin, log: path.join(dir, "calls.log") };
}

/** A fake tool: logs `name args… | MYSQL_PWD=…` and runs `body`. */
function fake(bin: string, log: string, name: string, body = ""): void {
    fs.writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $* | MYSQL_PWD=\${MYSQL_PWD:-}" >> ${log}\n${body}\n`, { mode: 0o755 });
}

/*
 * The Jobs' scripts get no stdin, and neither do they here: bash run with a socket for stdin (Node's pipes are
 * socketpairs) and no SHLVL in its environment takes itself for a remote shell and reads ~/.bashrc first, which on a
 * machine with a version manager there costs half a second a run.
 */
const NO_STDIN = ["ignore", "pipe", "pipe"] as const;

function run(script: string, ws: ReturnType<typeof workspace>, env: Record<string, string>, shell = "bash") {
    const text = script.replace(/\/dump/g, ws.dump).replace(/\/scripts/g, path.join(ws.dir, "scripts"));
    return spawnSync(shell, ["-c", text], { env: { PATH: `${ws.bin}:${process.env.PATH}`, ...env }, encoding: "utf8", stdio: [...NO_STDIN] });
}

describe("backup scripts (run here with fake tools)", () => {
    it("mariadb: one transaction over the users' databases (not the accounts), the password from the environment only, gzipped whole or not at all", () => {
        const ws = workspace();
        fake(ws.bin, ws.log, "mariadb-dump", 'echo "CREATE TABLE t (x int);"');
        fake(ws.bin, ws.log, "mariadb", 'printf "information_schema\\nmysql\\nperformance_schema\\nsys\\nworkbench\\nexperiments\\n"');
        const result = run(DUMP_SCRIPTS.mariadb, ws, { HOST: "mariadb.workbench.svc", ROOT_PASSWORD: "pw123" });
        assert.equal(result.status, 0, result.stderr);
        const call = fs.readFileSync(ws.log, "utf8");
        assert.match(call, /--single-transaction/);
        assert.match(call, /--databases workbench experiments\s+\|/);
        assert.ok(!/--databases .*mysql/.test(call), "the accounts' schema stays behind");
        assert.match(call, /--host=mariadb\.workbench\.svc/);
        assert.match(call, /MYSQL_PWD=pw123$/m);
        assert.ok(!call.split("|")[0].includes("pw123"), "the password is not on the command line");
        const out = spawnSync("gunzip", ["-c", path.join(ws.dump, DUMP_FILES.mariadb)], { encoding: "utf8" });
        assert.equal(out.stdout.trim(), "CREATE TABLE t (x int);");
        // a failing dump leaves no file the upload would take for a backup
        const broken = workspace();
        fake(broken.bin, broken.log, "mariadb-dump", "echo partial; exit 2");
        fake(broken.bin, broken.log, "mariadb", "echo workbench");
        assert.notEqual(run(DUMP_SCRIPTS.mariadb, broken, { HOST: "h", ROOT_PASSWORD: "p" }).status, 0);
        assert.deepEqual(fs.readdirSync(broken.dump).filter((f) => f === DUMP_FILES.mariadb), []);
    });

    it("mariadb load: the dump piped into the server as root", () => {
        const ws = workspace();
        spawnSync("bash", ["-c", `echo 'SELECT 1;' | gzip > ${ws.dump}/${DUMP_FILES.mariadb}`]);
        fake(ws.bin, ws.log, "mariadb", `cat > ${ws.dir}/loaded.sql`);
        const result = run(LOAD_SCRIPTS.mariadb, ws, { HOST: "mariadb.workbench.svc", ROOT_PASSWORD: "pw" });
        assert.equal(result.status, 0, result.stderr);
        assert.equal(fs.readFileSync(path.join(ws.dir, "loaded.sql"), "utf8").trim(), "SELECT 1;");
        assert.match(fs.readFileSync(ws.log, "utf8"), /--user=root .*MYSQL_PWD=pw/);
    });

    it("mongodb: a gzipped archive as root against admin; the load drops what it replaces", () => {
        const ws = workspace();
        fake(ws.bin, ws.log, "mongodump", 'for a in "$@"; do case $a in --archive=*) echo archive > "${a#--archive=}";; esac; done');
        assert.equal(run(DUMP_SCRIPTS.mongodb, ws, { HOST: "mongodb.workbench.svc", ROOT_PASSWORD: "pw" }).status, 0);
        assert.ok(fs.existsSync(path.join(ws.dump, DUMP_FILES.mongodb)));
        assert.match(fs.readFileSync(ws.log, "utf8"), /--username=root --password=pw --authenticationDatabase=admin --gzip --archive=/);
        fake(ws.bin, ws.log, "mongorestore");
        assert.equal(run(LOAD_SCRIPTS.mongodb, ws, { HOST: "mongodb.workbench.svc", ROOT_PASSWORD: "pw" }).status, 0);
        assert.match(fs.readFileSync(ws.log, "utf8"), /mongorestore .*--drop --nsExclude=admin\.\* --nsExclude=config\.\* --gzip --archive=.*mongodb\.archive\.gz/);
    });

    it("cassandra: the schema and every table but Cassandra's own, as CSV in one tarball; the load replays both", () => {
        const ws = workspace();
        const tables = " keyspace_name | table_name\\n---------------+-----------\\n        system | local\\n   system_auth | roles\\n     workbench | events\\n     analytics | runs\\n\\n(4 rows)";
        fake(
            ws.bin,
            ws.log,
            "cqlsh",
            `case "$*" in *"DESCRIBE SCHEMA"*) echo "CREATE KEYSPACE workbench;";; *system_schema.tables*) printf "${tables}\\n";; *"COPY "*" TO "*) f=$(echo "$*" | sed -E "s/.* TO '([^']+)'.*/\\1/"); echo "id" > "$f";; esac`,
        );
        const result = run(DUMP_SCRIPTS.cassandra, ws, { HOST: "cassandra.workbench.svc", ROOT_PASSWORD: "pw" });
        assert.equal(result.status, 0, result.stderr);
        const copied = fs.readFileSync(ws.log, "utf8").split("\n").filter((l) => l.includes("COPY"));
        assert.deepEqual(copied.map((l) => /COPY (\S+) TO/.exec(l)?.[1]).sort(), ["analytics.runs", "workbench.events"]);
        const listing = spawnSync("tar", ["-tzf", path.join(ws.dump, DUMP_FILES.cassandra)], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).sort();
        assert.deepEqual(listing, ["cassandra/", "cassandra/analytics.runs.csv", "cassandra/schema.cql", "cassandra/workbench.events.csv"]);
        // the load: schema first, then each table
        fs.rmSync(path.join(ws.dump, "cassandra"), { recursive: true });
        fs.writeFileSync(ws.log, "");
        const load = run(LOAD_SCRIPTS.cassandra, ws, { HOST: "cassandra.workbench.svc", ROOT_PASSWORD: "pw" });
        assert.equal(load.status, 0, load.stderr);
        const calls = fs.readFileSync(ws.log, "utf8").trim().split("\n");
        assert.match(calls[0], /-f .*schema\.cql/);
        assert.deepEqual(calls.slice(1).map((l) => /COPY (\S+) FROM/.exec(l)?.[1]).sort(), ["analytics.runs", "workbench.events"]);
    });

    it("upload: under the service's prefix, named by time, then only that prefix's dumps past the retention are deleted", () => {
        const ws = workspace();
        fake(ws.bin, ws.log, "rclone");
        fs.writeFileSync(path.join(ws.dump, "mariadb.sql.gz"), "x");
        const result = run(UPLOAD_SCRIPT, ws, { BUCKET: "wb-data", PREFIX: "backups/mariadb/", DUMP_FILE: "mariadb.sql.gz", RETENTION_DAYS: "14" }, "sh");
        assert.equal(result.status, 0, result.stderr);
        const [copy, purge] = fs.readFileSync(ws.log, "utf8").trim().split("\n");
        assert.match(copy, /^rclone copyto \S+\/mariadb\.sql\.gz store:wb-data\/backups\/mariadb\/\d{8}T\d{6}Z-mariadb\.sql\.gz /);
        assert.match(purge, /^rclone delete --min-age 14d store:wb-data\/backups\/mariadb\/ /);
    });

    it("download: the newest dump of this kind under the prefix; none is a clear failure", () => {
        const ws = workspace();
        fake(ws.bin, ws.log, "rclone", 'if [ "$1" = lsf ]; then printf "20261130T030000Z-mariadb.sql.gz\\n20261201T030000Z-mariadb.sql.gz\\n20261202T030000Z-other.gz\\n20261129T030000Z-mariadb.sql.gz\\n"; fi');
        const env = { BUCKET: "wb-data", PREFIX: "backups/mariadb/", DUMP_FILE: "mariadb.sql.gz" };
        const result = run(DOWNLOAD_SCRIPT, ws, env, "sh");
        assert.equal(result.status, 0, result.stderr);
        assert.match(fs.readFileSync(ws.log, "utf8"), /rclone copyto store:wb-data\/backups\/mariadb\/20261201T030000Z-mariadb\.sql\.gz \S+\/mariadb\.sql\.gz/);
        const empty = workspace();
        fake(empty.bin, empty.log, "rclone");
        const none = run(DOWNLOAD_SCRIPT, empty, env, "sh");
        assert.notEqual(none.status, 0);
        assert.match(none.stderr, /no backup of mariadb\.sql\.gz under backups\/mariadb\/ in wb-data/);
    });

    for (const flavour of ["opensearch", "elasticsearch"] as const) {
        it(`search.py (${flavour}): dumps every index but the system ones through a point in time, page by page, and loads them back`, async function () {
            this.timeout(30_000);
            const ws = workspace();
            fs.mkdirSync(path.join(ws.dir, "scripts"));
            fs.writeFileSync(path.join(ws.dir, "scripts", "search.py"), SEARCH_SCRIPT);
            const docs = Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [`d${String(i).padStart(5, "0")}`, { n: i }]));
            const seed = { papers: { mappings: { properties: { n: { type: "integer" } } }, docs }, ".security": { mappings: {}, docs: { s: { secret: true } } } };
            const start = (state: object) =>
                new Promise<{ port: number; stop: () => void }>((resolve) => {
                    const child = spawn("python3", [path.join(__dirname, "fixtures", "backups", "fake_search.py"), "0", flavour, JSON.stringify(state)]);
                    child.stdout.once("data", (data: Buffer) => resolve({ port: Number(String(data).trim()), stop: () => child.kill() }));
                });
            const source = await start(seed);
            const target = await start({});
            try {
                const env = (port: number) => ({ SEARCH_URL: `http://127.0.0.1:${port}`, SEARCH_USER: "admin", SEARCH_PASSWORD: "s3cret", SEARCH_FLAVOUR: flavour });
                const dumped = await runAsync(DUMP_SCRIPTS[flavour], ws, env(source.port));
                assert.equal(dumped.status, 0, dumped.stderr);
                assert.match(dumped.stdout, /dumped 1 indices, 2500 documents/);
                const loaded = await runAsync(LOAD_SCRIPTS[flavour], ws, env(target.port));
                assert.equal(loaded.status, 0, loaded.stderr);
                const state = (await (await fetch(`http://127.0.0.1:${target.port}/_test/state`, { method: "POST", headers: { Authorization: "Basic YWRtaW46czNjcmV0" } })).json()) as Record<string, { docs: object; mappings: object }>;
                assert.deepEqual(Object.keys(state), ["papers"], "system indices stay behind");
                assert.deepEqual(state.papers.docs, docs);
                assert.deepEqual(state.papers.mappings, seed.papers.mappings);
            } finally {
                source.stop();
                target.stop();
            }
        });
    }
});

/** Like {@link run}, without blocking the fake servers in this process's event loop. */
function runAsync(script: string, ws: ReturnType<typeof workspace>, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const text = script.replace(/\/dump/g, ws.dump).replace(/\/scripts/g, path.join(ws.dir, "scripts"));
    return new Promise((resolve) => {
        const child = spawn("bash", ["-c", text], { env: { PATH: `${ws.bin}:${process.env.PATH}`, ...env }, stdio: [...NO_STDIN] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += String(d)));
        child.stderr.on("data", (d: Buffer) => (stderr += String(d)));
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}
