/*
 * What runs when a notebook server starts (z2jh's `singleuser.lifecycleHooks.postStart`): copy the
 * getting-started notebook into the home unless a file of that name is already there, and install the
 * enabled services' client packages into the user's environment once (a marker per package list and
 * Python version), never on every start. A failure never stops the server: the hook always exits 0
 * and leaves its log in the home.
 */

/** Where the getting-started ConfigMap is mounted in every notebook pod (read-only). */
export const GETTING_STARTED_DIR = "/etc/workbench/getting-started";

/** The notebook's name, in the ConfigMap and in the home. */
export const NOTEBOOK_FILE = "getting-started.ipynb";

/** The installer's name in the ConfigMap. */
export const INSTALLER_FILE = "install-packages.py";

/** The AWS config file's name in the ConfigMap (S3-compatible stores that need path-style addressing). */
export const AWS_CONFIG_FILE = "aws-config";

/** The log of the first-start work, in the home. */
export const FIRST_START_LOG = ".workbench/first-start.log";

/**
 * A distribution that already provides what a requirement is for: the Spark image's full `pyspark`
 * includes the Connect client, and installing `pyspark-client` over it would overwrite its modules.
 */
const PROVIDED_BY: Readonly<Record<string, readonly string[]>> = { "pyspark-client": ["pyspark"] };

/** The installer: pip-installs, with `--user`, the pinned requirements whose distribution is missing. */
export function installerScript(requirements: readonly string[]): string {
    return `import hashlib, importlib.metadata, json, os, re, subprocess, sys

requirements = json.loads(${JSON.stringify(JSON.stringify(requirements))})
provided_by = json.loads(${JSON.stringify(JSON.stringify(PROVIDED_BY))})
key = hashlib.sha256(json.dumps([requirements, sys.version_info[:2]]).encode()).hexdigest()[:16]
marker = os.path.expanduser("~/.workbench/installed-" + key)
if os.path.exists(marker):
    sys.exit(0)


def present(distribution):
    # Jupyter's PySpark image puts $SPARK_HOME/python on PYTHONPATH at start: pyspark is there, not pip-installed
    if distribution == "pyspark" and os.path.isdir(os.path.join(os.environ.get("SPARK_HOME", "/nonexistent"), "python", "pyspark")):
        return True
    try:
        importlib.metadata.version(distribution)
        return True
    except importlib.metadata.PackageNotFoundError:
        return False


missing = []
for requirement in requirements:
    name = re.split(r"[\\[<>=!~; ]", requirement, maxsplit=1)[0].lower()
    if not any(present(d) for d in [name, *provided_by.get(name, [])]):
        missing.append(requirement)
if missing:
    print("installing", *missing, flush=True)
    code = subprocess.call([sys.executable, "-m", "pip", "install", "--user", "--no-warn-script-location", "--disable-pip-version-check", *missing])
    if code != 0:
        sys.exit(code)
os.makedirs(os.path.dirname(marker), exist_ok=True)
open(marker, "w").close()
`;
}

/** The postStart command: never fails, never overwrites, bounded in time. */
export function postStartCommand(): string[] {
    const script = [
        `mkdir -p "$HOME/.workbench"`,
        // cp -n: a user's own getting-started.ipynb (edited, or another file of that name) is kept
        `[ -e "$HOME/${NOTEBOOK_FILE}" ] || cp -n ${GETTING_STARTED_DIR}/${NOTEBOOK_FILE} "$HOME/${NOTEBOOK_FILE}"`,
        `timeout 300 python3 ${GETTING_STARTED_DIR}/${INSTALLER_FILE} >> "$HOME/${FIRST_START_LOG}" 2>&1`,
        `exit 0`,
    ].join("; ");
    return ["sh", "-c", script];
}

/** The AWS shared config file botocore reads (`AWS_CONFIG_FILE`): path-style addressing for S3-compatible stores. */
export function awsConfigFile(): string {
    return "[default]\ns3 =\n    addressing_style = path\n";
}
