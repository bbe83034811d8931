"""companion.launcher: workers start with their TF_CONFIG, a failure or a hang stops them all, none is left behind."""

from __future__ import annotations

import json
import os
import signal
import sys
import textwrap
import threading
import time

import psutil
import pytest

from companion.launcher import WorkerError, free_ports, launch, tf_config

pytestmark = pytest.mark.distributed

# A worker without TensorFlow: its behaviour is chosen per index by WORKER_PLAN, e.g.
# {"0": "ok", "1": "fail"}; it reports its pid (and its child's) on stdout before acting.
WORKER = textwrap.dedent(
    """
    import json, os, subprocess, sys, time
    index = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
    plan = json.loads(os.environ["WORKER_PLAN"]).get(str(index), "ok")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    print(f"pids {os.getpid()} {child.pid}", flush=True)
    print("step 1", flush=True)
    if plan == "ok":
        child.kill()
        child.wait()
        print(os.environ["TF_CONFIG"], flush=True)
    elif plan == "fail":
        time.sleep(0.5)
        raise ValueError("injected failure")
    elif plan == "hang":
        time.sleep(120)
    """
)


def run(plan: dict, **kwargs):
    return launch([sys.executable, "-c", WORKER], 2, env={"WORKER_PLAN": json.dumps(plan)}, grace=1.0, **kwargs)


def pids_of(results) -> list[int]:
    """Every pid the workers reported: the workers' own and their children's."""
    lines = [line for r in results for line in r.stdout.splitlines() if line.startswith("pids")]
    return [int(pid) for line in lines for pid in line.split()[1:]]


def ours(pid: int) -> bool:
    """True if ``pid`` is a live worker or worker's child of these tests (not a reused pid)."""
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and any("sleep(120)" in part for part in process.cmdline())
    except psutil.NoSuchProcess:
        return False


def assert_all_gone(pids):
    assert len(pids) == 4, "each worker reports itself and its child"
    alive = [pid for pid in pids if ours(pid)]
    assert not alive, f"processes left behind: {alive}"
    assert not psutil.Process().children(recursive=True)


def test_free_ports_are_distinct_and_usable():
    ports = free_ports(3)
    assert len(set(ports)) == 3 and all(1024 <= p < 65536 for p in ports)


def test_tf_config_names_the_cluster_and_the_task():
    config = json.loads(tf_config(["a:1", "b:2"], 1))
    assert config == {"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 1}}
    with pytest.raises(ValueError, match="index must be an integer >= 0 and <= 1"):
        tf_config(["a:1", "b:2"], 2)
    with pytest.raises(ValueError, match="'host:port'"):
        tf_config("a:1", 0)


def test_bad_arguments_are_refused():
    with pytest.raises(TypeError, match="command must be a non-empty list"):
        launch("python -c pass")
    with pytest.raises(ValueError, match="n_workers must be an integer >= 1"):
        launch([sys.executable, "-c", "pass"], 0)
    with pytest.raises(ValueError, match="timeout must be > 0"):
        launch([sys.executable, "-c", "pass"], 1, timeout=0)


def test_workers_get_one_cluster_and_their_own_index():
    results = run({})
    assert [r.index for r in results] == [0, 1] and all(r.returncode == 0 for r in results)
    configs = [json.loads(r.stdout.splitlines()[-1]) for r in results]
    assert [c["task"]["index"] for c in configs] == [0, 1]
    cluster = configs[0]["cluster"]["worker"]
    assert configs[1]["cluster"]["worker"] == cluster and len(set(cluster)) == 2
    assert all(address.startswith("127.0.0.1:") for address in cluster)
    assert_all_gone(pids_of(results))


def test_a_failing_worker_stops_the_others_and_is_named_with_its_error():
    start = time.monotonic()
    with pytest.raises(WorkerError) as caught:
        run({"0": "hang", "1": "fail"}, timeout=60)
    assert time.monotonic() - start < 30  # stopped at the failure, not at the timeout
    message = str(caught.value)
    assert "worker 1 of 2 exited with code 1" in message
    assert "ValueError: injected failure" in message
    assert "stopped the other worker(s): 0" in message
    assert_all_gone(pids_of(caught.value.results))


def test_hung_workers_are_stopped_at_the_timeout_and_named():
    with pytest.raises(WorkerError) as caught:
        run({"0": "ok", "1": "hang"}, timeout=3)
    message = str(caught.value)
    assert message.startswith("1 of 2 workers still running after 3 s; stopped all:")
    assert "worker 1 (last output: step 1)" in message and "worker 0" not in message
    assert caught.value.results[0].returncode == 0
    assert_all_gone(pids_of(caught.value.results))


def test_a_worker_killed_mid_run_stops_the_others_and_leaves_nothing_behind():
    outcome = {}

    def target():
        try:
            run({"0": "hang", "1": "hang"}, timeout=60)
        except WorkerError as error:
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    workers = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # both workers started, each with its child
        workers = [p for p in psutil.Process().children() if "WORKER_PLAN" in p.environ()]
        if len(workers) == 2 and all(len(w.children()) == 1 for w in workers):
            break
        time.sleep(0.1)
    family = [p.pid for w in workers for p in (w, *w.children())]
    assert len(family) == 4
    victim = next(p for p in workers if json.loads(p.environ()["TF_CONFIG"])["task"]["index"] == 1)
    os.kill(victim.pid, signal.SIGKILL)
    thread.join(timeout=30)
    assert not thread.is_alive()
    error = outcome["error"]
    assert "worker 1 of 2 was killed by SIGKILL" in str(error)
    assert "stopped the other worker(s): 0" in str(error)
    assert_all_gone(family)
