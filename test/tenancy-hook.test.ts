import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { personalConnectHook, personalConnectPod, SPARK_PROFILE } from "../components/spark/personal-connect";
import type { NodePool } from "../providers/contract";
import { tempDir } from "./harness";

/** A user pool as a platform hands it over (the hook's data depends only on its placement and size). */
const userPool: NodePool = {
    name: "user",
    labels: { "workbench/pool": "user" },
    taints: [],
    placement: { nodeSelector: { "workbench/pool": "user" }, tolerations: [] },
    vcpu: 4,
    memoryGiB: 16,
    minNodes: 0,
    maxNodes: 3,
    spot: true,
    maxPods: 110,
};

/*
 * The hub's Spark hook, run in Python as the hub runs it: z2jh executes `hub.extraConfig` with `c` in scope, and
 * KubeSpawner 7.0.0 calls `modify_pod_hook(spawner, pod)` with the V1Pod it built before creating it
 * (jupyterhub/kubespawner@7.0.0 kubespawner/spawner.py `_start`). The fakes below have the attributes the hook
 * touches on kubernetes_asyncio's V1Pod, V1ObjectMeta, V1PodSpec and V1Container (snake_case), and KubeSpawner's
 * `user_options["profile"]`, the slug of the chosen profile.
 */

const FAKES = `
import json, sys

class Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)

class Traits:
    pass

class Config:
    def __init__(self):
        self.KubeSpawner = Traits()

def notebook_pod(user):
    return Obj(
        metadata=Obj(name="jupyter-" + user, labels={"component": "singleuser-server", "hub.jupyter.org/username": user}),
        spec=Obj(
            service_account_name="workbench-user",
            automount_service_account_token=False,
            containers=[Obj(name="notebook", env=[Obj(name="JUPYTERHUB_USER", value=user)])],
            volumes=[Obj(name="home")],
            init_containers=None,
        ),
    )

def env_of(container):
    items = container["env"] if isinstance(container, dict) else container.env
    return {(e["name"] if isinstance(e, dict) else e.name): (e.get("value") if isinstance(e, dict) else e.value) for e in items}

def name_of(x):
    return x["name"] if isinstance(x, dict) else x.name

c = Config()
exec(open(sys.argv[1]).read())
hook = c.KubeSpawner.modify_pod_hook

def start(user, profile):
    spawner = Obj(user_options={"profile": profile}, user=Obj(name=user))
    pod = hook(spawner, notebook_pod(user))
    containers = pod.spec.containers
    return {
        "serviceAccount": pod.spec.service_account_name,
        "automount": pod.spec.automount_service_account_token,
        "labels": pod.metadata.labels,
        "containers": [name_of(x) for x in containers],
        "env": {name_of(x): env_of(x) for x in containers},
        "volumes": [name_of(v) for v in pod.spec.volumes],
        "mounts": {name_of(x): [m["mountPath"] for m in (x.get("volumeMounts") or [])] for x in containers if isinstance(x, dict)},
        "initContainers": [name_of(x) for x in (pod.spec.init_containers or [])],
    }

print(json.dumps({
    "alice": start("alice", "${SPARK_PROFILE}"),
    "aliceAgain": start("alice", "${SPARK_PROFILE}"),
    "bob": start("bob", "${SPARK_PROFILE}"),
    "carol": start("carol", "small"),
}))
`;

interface Started {
    serviceAccount: string;
    automount: boolean;
    labels: Record<string, string>;
    containers: string[];
    env: Record<string, Record<string, string | null>>;
    volumes: string[];
    mounts: Record<string, string[]>;
    initContainers: string[];
}

describe("tenancy: the hub's Spark hook, run in Python against KubeSpawner 7's hook signature", () => {
    const pod = personalConnectPod({
        namespace: "workbench-users",
        serviceAccountName: "workbench-spark",
        executorServiceAccountName: "workbench-user",
        podLabels: {},
        env: [],
        executorEnv: [],
        identityEnv: {},
        bucketUrl: "s3://data",
        userPool,
        templateConfigMap: "spark-executor-template",
    });
    let started: Record<"alice" | "aliceAgain" | "bob" | "carol", Started>;

    before(() => {
        const dir = tempDir("workbench-hook-");
        fs.writeFileSync(path.join(dir, "hook.py"), personalConnectHook(pod));
        fs.writeFileSync(path.join(dir, "run.py"), FAKES);
        started = JSON.parse(execFileSync("python3", [path.join(dir, "run.py"), path.join(dir, "hook.py")], { encoding: "utf8" })) as typeof started;
    });

    it("a Spark-profile start gets exactly one Connect server, as the driver account, its token in the sidecar alone", () => {
        const alice = started.alice;
        assert.deepEqual(alice.containers, ["notebook", "spark-connect"]);
        assert.equal(alice.serviceAccount, "workbench-spark");
        assert.equal(alice.automount, false, "the pod mounts no token; the sidecar projects its own");
        assert.deepEqual(alice.mounts["spark-connect"].filter((m) => m.startsWith("/var/run/secrets/kubernetes.io")), ["/var/run/secrets/kubernetes.io/serviceaccount"]);
        assert.ok(alice.volumes.includes("home"), "the home stays");
        assert.equal(alice.labels["hub.jupyter.org/username"], "alice");
        assert.equal(alice.labels["workbench.io/spark-connect"], "personal");
    });

    it("the secret is made per start and per person: the notebook's SPARK_REMOTE carries exactly the sidecar's", () => {
        const token = (s: Started) => s.env["spark-connect"]["SPARK_CONNECT_AUTHENTICATE_TOKEN"]!;
        for (const s of [started.alice, started.aliceAgain, started.bob]) {
            assert.ok(token(s).length >= 40, "a 32-byte secret");
            assert.equal(s.env["notebook"]["SPARK_REMOTE"], `sc://localhost:15002/;token=${token(s)}`);
            assert.equal(s.env["notebook"]["SPARK_CONNECT_AUTHENTICATE_TOKEN"], undefined, "the server's variable is not in the notebook");
        }
        assert.notEqual(token(started.alice), token(started.bob), "Bob's secret is not Alice's");
        assert.notEqual(token(started.alice), token(started.aliceAgain), "a new start, a new secret");
        // the hook's shared data is never changed by a start: Bob's sidecar holds one secret, his own
        assert.equal(Object.keys(started.bob.env["spark-connect"]).filter((k) => k === "SPARK_CONNECT_AUTHENTICATE_TOKEN").length, 1);
    });

    it("other profiles are left as they are: no sidecar, the notebooks' account, no Spark endpoint", () => {
        const carol = started.carol;
        assert.deepEqual(carol.containers, ["notebook"]);
        assert.equal(carol.serviceAccount, "workbench-user");
        assert.equal(carol.env["notebook"]["SPARK_REMOTE"], undefined);
        assert.deepEqual(carol.volumes, ["home"]);
    });

    it("a stop removes it: the server and its executors belong to the notebook's pod", () => {
        // the sidecar is a container of the pod (deleted with it); executors name the pod as their owner
        const command = pod.sidecar["command"] as string[];
        assert.ok(command.includes("spark.kubernetes.driver.pod.name=$(POD_NAME)"));
        const env = pod.sidecar["env"] as Array<{ name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
        assert.equal(env.find((e) => e.name === "POD_NAME")?.valueFrom?.fieldRef?.fieldPath, "metadata.name");
        assert.ok(command.includes("spark.connect.grpc.binding.address=127.0.0.1"), "reachable from its own pod only");
    });
});
