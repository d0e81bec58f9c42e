/*
 * The shell and Python the backup and restore Jobs run (tested here with fakes: test/backups-scripts.test.ts).
 * A dump container writes one file into /dump; the upload container (rclone) copies it under the service's own
 * prefix and deletes what is older than the retention. A restore's download container fetches the newest file;
 * the load container reads it. Passwords come from the services' Secrets as variables, never on a command line
 * that `ps` shows where the tool reads them from the environment.
 */

/** The data services backed up by a dump Job (PostgreSQL backs up through CloudNativePG). */
export const DUMPED_SERVICES = ["mariadb", "mongodb", "opensearch", "elasticsearch", "cassandra", "orientdb"] as const;

/** A data service backed up by a dump Job. */
export type DumpedService = (typeof DUMPED_SERVICES)[number];

/** The file one dump writes into /dump, by service. */
export const DUMP_FILES: Readonly<Record<DumpedService, string>> = {
    mariadb: "mariadb.sql.gz",
    mongodb: "mongodb.archive.gz",
    opensearch: "opensearch.ndjson.gz",
    elasticsearch: "elasticsearch.ndjson.gz",
    cassandra: "cassandra.tar.gz",
    orientdb: "orientdb.json.gz",
};

/**
 * Dumps every index (not the system ones, whose names start with a dot) of an OpenSearch or Elasticsearch server
 * into gzipped NDJSON: per index one `{"index", "mappings", "settings"}` line, then one `{"index", "id", "source"}`
 * line per document, read through a point in time (consistent per index) with search_after. Standard library only.
 * Usage: search-dump.py dump|load FILE; SEARCH_URL, SEARCH_USER, SEARCH_PASSWORD, SEARCH_FLAVOUR (opensearch|elasticsearch).
 */
export const SEARCH_SCRIPT = String.raw`import base64, gzip, json, os, ssl, sys, urllib.request

BASE = os.environ["SEARCH_URL"].rstrip("/")
FLAVOUR = os.environ.get("SEARCH_FLAVOUR", "elasticsearch")
AUTH = base64.b64encode(f'{os.environ["SEARCH_USER"]}:{os.environ["SEARCH_PASSWORD"]}'.encode()).decode()
# OpenSearch's demo TLS certificate is self-signed; the NetworkPolicy fences the connection instead
CONTEXT = ssl._create_unverified_context()
KEPT_SETTINGS = ("number_of_shards", "analysis", "similarity", "mapping")


def call(method, path, body=None, ndjson=False):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("Authorization", "Basic " + AUTH)
    request.add_header("Content-Type", "application/x-ndjson" if ndjson else "application/json")
    with urllib.request.urlopen(request, context=CONTEXT, timeout=120) as response:
        return json.loads(response.read() or b"{}")


def open_pit(index):
    if FLAVOUR == "opensearch":
        return call("POST", f"/{index}/_search/point_in_time?keep_alive=5m")["pit_id"]
    return call("POST", f"/{index}/_pit?keep_alive=5m")["id"]


def close_pit(pit):
    path = "/_search/point_in_time" if FLAVOUR == "opensearch" else "/_pit"
    body = {"pit_id": [pit]} if FLAVOUR == "opensearch" else {"id": pit}
    call("DELETE", path, body)


def dump(target):
    indices = sorted(i["index"] for i in call("GET", "/_cat/indices?format=json") if not i["index"].startswith("."))
    documents = 0
    with gzip.open(target, "wt") as out:
        for index in indices:
            meta = call("GET", f"/{index}")[index]
            settings = {k: v for k, v in meta["settings"]["index"].items() if k in KEPT_SETTINGS}
            out.write(json.dumps({"index": index, "mappings": meta["mappings"], "settings": settings}) + "\n")
            pit = open_pit(index)
            after = None
            while True:
                body = {"size": 1000, "pit": {"id": pit, "keep_alive": "5m"}, "sort": [{"_shard_doc": "asc"}]}
                if after is not None:
                    body["search_after"] = after
                hits = call("POST", "/_search", body)["hits"]["hits"]
                if not hits:
                    break
                for hit in hits:
                    out.write(json.dumps({"index": index, "id": hit["_id"], "source": hit["_source"]}) + "\n")
                documents += len(hits)
                after = hits[-1]["sort"]
            close_pit(pit)
    print(f"dumped {len(indices)} indices, {documents} documents")


def load(source):
    batch, indices, documents = [], 0, 0

    def flush():
        if batch:
            result = call("POST", "/_bulk?refresh=true", ("\n".join(batch) + "\n").encode(), ndjson=True)
            if result.get("errors"):
                sys.exit("bulk load failed: " + json.dumps(result)[:500])
            batch.clear()

    with gzip.open(source, "rt") as lines:
        for line in lines:
            record = json.loads(line)
            if "mappings" in record:
                flush()
                call("PUT", "/" + record["index"], {"mappings": record["mappings"], "settings": {"index": record["settings"]}})
                indices += 1
                continue
            batch.append(json.dumps({"index": {"_index": record["index"], "_id": record["id"]}}))
            batch.append(json.dumps(record["source"]))
            documents += 1
            if len(batch) >= 2000:
                flush()
    flush()
    print(f"loaded {indices} indices, {documents} documents")


if __name__ == "__main__":
    {"dump": dump, "load": load}[sys.argv[1]](sys.argv[2])
`;

/** The dump command of each service: writes /dump/<DUMP_FILES[service]> from the server at $HOST. */
export const DUMP_SCRIPTS: Readonly<Record<DumpedService, string>> = {
    // one transaction: a consistent snapshot of InnoDB tables without locking them (mariadb-dump --single-transaction);
    // the users' databases only: the \`mysql\` schema holds the accounts, whose passwords are this stack's own
    mariadb: `set -eu -o pipefail
export MYSQL_PWD="$ROOT_PASSWORD"
databases=$(mariadb --host="$HOST" --user=root --batch --skip-column-names -e "SHOW DATABASES" | grep -v -x -E 'information_schema|performance_schema|mysql|sys' | tr '\\n' ' ')
if [ -z "$databases" ]; then echo "no database to dump" >&2; exit 1; fi
mariadb-dump --host="$HOST" --user=root --single-transaction --routines --events --triggers --databases $databases | gzip > /dump/${DUMP_FILES.mariadb}.part
mv /dump/${DUMP_FILES.mariadb}.part /dump/${DUMP_FILES.mariadb}`,
    // a standalone server has no oplog (mongodump --oplog needs a replica set): each collection is read at its own moment
    mongodb: `set -eu
mongodump --host="$HOST" --username=root --password="$ROOT_PASSWORD" --authenticationDatabase=admin --gzip --archive=/dump/${DUMP_FILES.mongodb}.part
mv /dump/${DUMP_FILES.mongodb}.part /dump/${DUMP_FILES.mongodb}`,
    opensearch: `set -eu
python3 /scripts/search.py dump /dump/${DUMP_FILES.opensearch}`,
    elasticsearch: `set -eu
python3 /scripts/search.py dump /dump/${DUMP_FILES.elasticsearch}`,
    // the schema, then every table of every keyspace but Cassandra's own, as CSV (cqlsh COPY: consistent per table)
    cassandra: `set -eu
mkdir -p /dump/cassandra
cql() { cqlsh "$HOST" 9042 -u cassandra -p "$ROOT_PASSWORD" "$@"; }
cql -e "DESCRIBE SCHEMA" > /dump/cassandra/schema.cql
cql -e "SELECT keyspace_name, table_name FROM system_schema.tables" | awk -F'|' 'NF==2 {gsub(/ /, ""); print $1"."$2}' \\
  | grep -v -E '^(system|system_auth|system_schema|system_distributed|system_traces|system_views|system_virtual_schema)\\.' \\
  | grep -v '^keyspace_name\\.' | while read -r table; do
  cql -e "COPY $table TO '/dump/cassandra/$table.csv' WITH HEADER = true"
done
tar -czf /dump/${DUMP_FILES.cassandra}.part -C /dump cassandra
mv /dump/${DUMP_FILES.cassandra}.part /dump/${DUMP_FILES.cassandra}`,
    // OrientDB's own export over the binary protocol (the console's EXPORT DATABASE)
    orientdb: `set -eu
/orientdb/bin/console.sh "CONNECT remote:$HOST/$DATABASE root $ROOT_PASSWORD; EXPORT DATABASE /dump/orientdb.json"
gzip -f /dump/orientdb.json`,
};

/** The load command of each service: reads /dump/<DUMP_FILES[service]> into the server at $HOST. */
export const LOAD_SCRIPTS: Readonly<Record<DumpedService, string>> = {
    mariadb: `set -eu -o pipefail
export MYSQL_PWD="$ROOT_PASSWORD"
gunzip -c /dump/${DUMP_FILES.mariadb} | mariadb --host="$HOST" --user=root`,
    mongodb: `set -eu
mongorestore --host="$HOST" --username=root --password="$ROOT_PASSWORD" --authenticationDatabase=admin --drop --nsExclude='admin.*' --nsExclude='config.*' --gzip --archive=/dump/${DUMP_FILES.mongodb}`,
    opensearch: `set -eu
python3 /scripts/search.py load /dump/${DUMP_FILES.opensearch}`,
    elasticsearch: `set -eu
python3 /scripts/search.py load /dump/${DUMP_FILES.elasticsearch}`,
    cassandra: `set -eu
cd /dump && tar -xzf ${DUMP_FILES.cassandra}
cql() { cqlsh "$HOST" 9042 -u cassandra -p "$ROOT_PASSWORD" "$@"; }
cql -f /dump/cassandra/schema.cql
for file in /dump/cassandra/*.csv; do
  [ -e "$file" ] || continue
  table=$(basename "$file" .csv)
  cql -e "COPY $table FROM '$file' WITH HEADER = true"
done`,
    orientdb: `set -eu
gunzip -c /dump/${DUMP_FILES.orientdb} > /dump/orientdb.json
/orientdb/bin/console.sh "CONNECT remote:$HOST/$DATABASE root $ROOT_PASSWORD; IMPORT DATABASE /dump/orientdb.json -merge=false"`,
};

/**
 * Uploads the dump under the service's prefix, named by the time it was taken, then deletes the service's dumps
 * older than the retention. rclone reads its remote `store` from RCLONE_CONFIG_STORE_* variables.
 */
export const UPLOAD_SCRIPT = `set -eu
stamp=$(date -u +%Y%m%dT%H%M%SZ)
rclone copyto "/dump/$DUMP_FILE" "store:$BUCKET/$PREFIX$stamp-$DUMP_FILE"
rclone delete --min-age "\${RETENTION_DAYS}d" "store:$BUCKET/$PREFIX"
echo "uploaded $PREFIX$stamp-$DUMP_FILE"`;

/** Downloads the newest dump under the service's prefix (names sort by time), or fails saying there is none. */
export const DOWNLOAD_SCRIPT = `set -eu
newest=$(rclone lsf --files-only "store:$BUCKET/$PREFIX" | grep -- "-$DUMP_FILE\\$" | sort | tail -n 1)
if [ -z "$newest" ]; then echo "no backup of $DUMP_FILE under $PREFIX in $BUCKET" >&2; exit 1; fi
rclone copyto "store:$BUCKET/$PREFIX$newest" "/dump/$DUMP_FILE"
echo "restoring $PREFIX$newest"`;
