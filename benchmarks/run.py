"""What the book costs to run, measured: every benchmark in one driver, written to results.json.

Usage (from the repository root, with ``MNIST_PATH`` set on a machine without internet)::

    python benchmarks/run.py                 # everything, three repetitions per chapter
    python benchmarks/run.py --only notebooks --reps 1
    python benchmarks/run.py --only mnist micro import build

Steps (``--only`` picks some; the others keep their earlier results in the file):

- ``notebooks``: every chapter of ``_toc.yml`` executed in a fresh kernel, as ``pytest --nbval``
  runs it (``notebook_cost.py``): wall time and the kernel's peak RSS; ``--reps`` repetitions
  (median and spread).
- ``mnist``: chapter 5's improved CNN against keras.io's convnet, time to 99.2 % validation
  accuracy in one process (``bench_time_to_accuracy.py``).
- ``micro``: NumPy conv2d forward+backward against ``tf.nn.conv2d`` (``bench_conv.py``) and a
  NumPy MLP epoch against the same Keras epoch (``bench_mlp_epoch.py``).
- ``import``: seconds to ``import companion`` in a fresh interpreter (median of 5).
- ``build``: ``jupyter-book build`` of the stored outputs into a temporary folder.
- ``pytest``: the README's test command, ``pytest --nbval``, once.

Each step runs in its own process so that none inherits another's memory. The results go to
``benchmarks/results.json`` (or ``--out``, checked before anything runs) with the machine's
CPU model, core count and library versions, written after every step (all or nothing), so a
step that fails or a run that is interrupted keeps what was measured before it;
the book's appendix "What it costs to run" and each chapter's cost line are rendered from it
at build time (``tools/book_costs.py``). The driver then compares every figure with its target
and exits with status 1, naming each one missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from importlib import metadata
from pathlib import Path

import yaml
from tqdm import tqdm

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(ROOT))

from notebook_cost import measure  # noqa: E402

from tools.book_costs import peak_memory_mib  # noqa: E402  (the costs page reads memory the same way)

RESULTS = HERE / "results.json"
STEPS = ("notebooks", "mnist", "micro", "import", "build", "pytest")
GIB = 2**30
# The targets of the book's cost budget; a chapter that trains gets more time.
TARGETS = {
    "chapter_peak_rss_gib": 1.0,  # issue: every chapter within a free Binder session with room to spare
    "chapter_seconds": 90,
    "training_chapter_seconds": 120,
    "pytest_nbval_seconds": 240,
    "build_seconds": 60,
    "import_seconds": 0.3,
    "mnist_time_ratio": 0.125,
    "conv_ratio": 3.0,
}
TRAINING_CHAPTERS = {"ch5_keras_mnist"}
# Prefix of the code a step runs in a fresh interpreter: the benchmark scripts importable.
BENCH_IMPORT = f"import json, sys; sys.path.insert(0, {str(HERE)!r}); "


def chapters() -> list[Path]:
    """The notebooks of the book, in the order of ``_toc.yml``."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]] + [entry["file"] for entry in toc.get("chapters", [])]
    return [ROOT / f"{name}.ipynb" for name in files if (ROOT / f"{name}.ipynb").exists()]


def machine() -> dict:
    """The CPU, core count, memory, kernel settings and library versions the numbers depend on."""
    # bench_mnist_training.machine() imports TensorFlow: ask a fresh interpreter, not this driver
    info = json.loads(python(BENCH_IMPORT + "import bench_mnist_training as b; print(json.dumps(b.machine()))"))
    from companion.doctor import available_memory_gb

    info["memory_available_gb"] = available_memory_gb()
    info |= {name.replace("-", "_"): metadata.version(name) for name in ("shap", "jupyter-book")}
    info["platform"] = platform.platform()
    return info


def python(code: str) -> str:
    """Run ``code`` in a fresh interpreter (this venv, quiet TensorFlow); return its last stdout line."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"benchmark step failed:\n{code}\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def spread(values: list[float]) -> dict:
    """The runs, their median, minimum and maximum."""
    return {"runs": values, "median": statistics.median(values), "min": min(values), "max": max(values)}


def run_notebooks(reps: int) -> dict:
    """Seconds and peak memory (MiB, PSS and RSS of the kernel tree) of every chapter, ``reps`` executions each."""
    notebooks = chapters()
    runs: dict[str, list[dict]] = {nb.stem: [] for nb in notebooks}
    with tqdm(total=reps * len(notebooks), desc="chapters", unit="run") as bar:
        for _ in range(reps):
            for nb in notebooks:
                bar.set_postfix_str(nb.stem)
                runs[nb.stem].append(measure(nb))
                bar.update()
    return {
        name: {
            "seconds": spread([round(r["seconds"], 1) for r in results]),
            "peak_rss_mib": spread([round(r["peak_rss_bytes"] / 2**20) for r in results]),
            "peak_pss_mib": spread([round(r["peak_pss_bytes"] / 2**20) for r in results]),
        }
        for name, results in runs.items()
    }


def run_mnist() -> dict:
    """The time-to-accuracy comparison of chapter 5's model and keras.io's convnet."""
    return json.loads(python(BENCH_IMPORT + "import bench_time_to_accuracy as b; print(json.dumps(b.race()))"))


def run_micro() -> dict:
    """NumPy against the framework: conv2d forward+backward, and one MLP epoch."""
    return {
        "conv2d": json.loads(python(BENCH_IMPORT + "import bench_conv as b; print(json.dumps(b.compare()))")),
        "mlp_epoch": json.loads(python(BENCH_IMPORT + "import bench_mlp_epoch as b; print(json.dumps(b.compare()))")),
    }


def run_import(reps: int = 5) -> dict:
    """Seconds to ``import companion`` in a fresh interpreter, and whether it pulled TensorFlow in."""
    code = (
        "import sys, time; t = time.perf_counter(); import companion; "
        "print(time.perf_counter() - t, 'tensorflow' in sys.modules)"
    )
    results = [python(code).split() for _ in range(reps)]
    return {
        "seconds": spread([round(float(s), 3) for s, _ in results]),
        "imports_tensorflow": any(flag == "True" for _, flag in results),
    }


def run_build() -> dict:
    """Seconds for ``jupyter-book build`` from the stored outputs, into an empty folder."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        done = subprocess.run(
            [str(Path(sys.executable).with_name("jupyter-book")), "build", ".", "--path-output", out],
            cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"jupyter-book build failed:\n{done.stdout[-3000:]}")
    return {"seconds": round(seconds, 1)}


def run_pytest() -> dict:
    """Seconds for the README's test command, ``pytest --nbval``."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "--nbval", "-q", "-p", "no:cacheprovider"], cwd=ROOT,
                          capture_output=True, text=True)  # fmt: skip
    seconds = time.perf_counter() - start
    summary = done.stdout.strip().splitlines()[-1]
    return {"seconds": round(seconds, 1), "passed": done.returncode == 0, "summary": summary}


def missed_targets(results: dict) -> list[str]:
    """Every figure in ``results`` that misses its target, in words."""
    missed = []
    for name, cost in results.get("notebooks", {}).items():
        gib = peak_memory_mib(cost)["max"] / 1024
        if gib > TARGETS["chapter_peak_rss_gib"]:
            missed.append(f"{name}: peak memory {gib:.2f} GiB > {TARGETS['chapter_peak_rss_gib']} GiB")
        limit = TARGETS["training_chapter_seconds" if name in TRAINING_CHAPTERS else "chapter_seconds"]
        if cost["seconds"]["median"] > limit:
            missed.append(f"{name}: {cost['seconds']['median']:.0f} s > {limit} s")
    checks = [
        ("pytest --nbval seconds", results.get("pytest", {}).get("seconds"), TARGETS["pytest_nbval_seconds"]),
        ("book build seconds", results.get("build", {}).get("seconds"), TARGETS["build_seconds"]),
        ("import companion seconds", results.get("import", {}).get("seconds", {}).get("median"),
         TARGETS["import_seconds"]),
        ("MNIST time ratio", results.get("mnist", {}).get("time_ratio"), TARGETS["mnist_time_ratio"]),
        ("conv2d NumPy/TensorFlow ratio", results.get("micro", {}).get("conv2d", {}).get("ratio"),
         TARGETS["conv_ratio"]),
    ]  # fmt: skip
    missed += [f"{label}: {value:.2f} > {limit}" for label, value, limit in checks if value and value > limit]
    if "mnist" in results and results["mnist"]["time_ratio"] is None:
        missed.append("MNIST: the improved model never reached the target accuracy")
    if results.get("pytest", {}).get("passed") is False:
        missed.append(f"pytest --nbval failed: {results['pytest']['summary']}")
    if results.get("import", {}).get("imports_tensorflow"):
        missed.append("import companion imports TensorFlow")
    return missed


def write_results(results: dict, out: Path) -> None:
    """Write ``results`` to ``out`` all or nothing (a temporary file beside it, then renamed over it)."""
    out = out.resolve()  # a link stays a link
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(json.dumps(results, indent=2) + "\n")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def earlier_results(out: Path) -> dict:
    """What ``out`` already holds (its steps are kept), {} if it does not exist; ValueError if it is unusable."""
    if not out.exists():
        return {}
    if out.is_dir():
        raise ValueError(f"--out {out} is a directory; give a file name such as {out / 'results.json'}")
    try:
        results = json.loads(out.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"--out {out} exists but is not a results file (not UTF-8 JSON: {exc}); move it away "
                         "or choose another path") from None  # fmt: skip
    except OSError as exc:
        raise ValueError(f"--out {out} cannot be read ({exc.strerror or exc})") from None
    if not isinstance(results, dict):
        raise ValueError(f"--out {out} exists but is not a results file (a JSON object); choose another path")
    return results


def check_writable(out: Path) -> None:
    """ValueError unless results can be written to ``out`` (checked before hours of measuring)."""
    if not out.parent.is_dir():
        raise ValueError(f"--out {out}: the folder {out.parent} does not exist; create it or choose another path")
    try:
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".probe")
    except OSError as exc:
        raise ValueError(f"--out {out}: cannot write in {out.parent} ({exc.strerror or exc})") from None
    os.close(fd)
    Path(tmp).unlink()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=STEPS, default=list(STEPS))
    parser.add_argument("--reps", type=int, default=3, help="executions of each chapter (default 3)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file (default benchmarks/results.json)")
    args = parser.parse_args(argv)
    if args.reps < 1:
        parser.error("--reps must be at least 1")
    args.out = args.out.absolute()
    try:
        results = earlier_results(args.out)
        check_writable(args.out)
    except ValueError as exc:
        parser.error(str(exc))
    steps = {
        "notebooks": lambda: run_notebooks(args.reps),
        "mnist": run_mnist,
        "micro": run_micro,
        "import": run_import,
        "build": run_build,
        "pytest": run_pytest,
    }
    try:
        results["machine"] = machine()
    except (RuntimeError, ValueError) as exc:
        print(f"could not record the machine ({exc}); measuring anyway", file=sys.stderr)
    results["date"] = date.today().isoformat()
    results["targets"] = TARGETS
    failed = []
    for step in args.only:
        print(f"{step} ...", flush=True)
        try:
            results[step] = steps[step]()
        except (RuntimeError, OSError, ValueError, KeyError) as exc:
            failed.append(step)
            print(f"step {step} failed; the other steps go on: {exc}", file=sys.stderr, flush=True)
            continue
        results.setdefault("measured_on", {})[step] = date.today().isoformat()
        write_results(results, args.out)
    missed = missed_targets(results)
    print(f"results written to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    for line in missed:
        print(f"MISSED: {line}")
    for step in failed:
        print(f"FAILED: step {step} (its earlier result, if any, is kept)")
    sys.exit(1 if missed or failed else 0)


if __name__ == "__main__":
    main()
