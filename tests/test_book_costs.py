"""The cost figures: the benchmark driver's pieces, and how tools/book_costs.py renders results.json."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest

from tools.book_costs import (
    RESULTS,
    about_memory,
    about_seconds,
    accuracy_figure_svg,
    badge_text,
    load_results,
    peak_memory_mib,
    report_markdown,
)
from tools.check_pages import cost_problem, expected_cost_line

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_time_to_accuracy import first_reaching, summary, time_ratios  # noqa: E402
from notebook_cost import measure  # noqa: E402
from run import STEPS, TARGETS, chapters, missed_targets  # noqa: E402


def spread(values):
    return {"runs": values, "median": sorted(values)[len(values) // 2], "min": min(values), "max": max(values)}


def epochs(accuracies, seconds_per_epoch):
    return [
        {"epoch": i + 1, "seconds": seconds_per_epoch * (i + 1), "cpu_seconds": 2 * seconds_per_epoch * (i + 1),
         "val_accuracy": a}
        for i, a in enumerate(accuracies)
    ]  # fmt: skip


def fake_mnist(reference_reaches=True):
    """Two seeds of each model; the reference reaches 99.2 % in one seed, or in none."""
    improved = [
        {"seed": 0, "epochs": epochs([0.97, 0.993], 10.0), "test_accuracy": 0.9937},
        {"seed": 1, "epochs": epochs([0.98, 0.991], 12.0), "test_accuracy": 0.9931},
    ]
    last = 0.9925 if reference_reaches else 0.991
    reference = [
        {"seed": 0, "epochs": epochs([0.98, 0.99, last], 40.0), "test_accuracy": 0.99},
        {"seed": 1, "epochs": epochs([0.98, 0.99, 0.9915], 48.0), "test_accuracy": 0.992},
    ]
    mnist = {
        "targets": [0.99, 0.992],
        "seeds": [0, 1],
        "reference_epochs": 3,
        "improved": summary("improved", improved, (0.99, 0.992)),
        "reference": summary("reference", reference, (0.99, 0.992)),
    }
    return mnist | time_ratios(mnist["improved"], mnist["reference"])


def fake_results(reference_reaches=True):
    return {
        "machine": {
            "cpu": "Test CPU",
            "cores": 2,
            "memory_available_gb": 8.0,
            "python": "3.11",
            "numpy": "2",
            "tensorflow": "2.21",
            "keras": "3.15",
            "shap": "0.51",
            "jupyter_book": "1.0",
        },  # fmt: skip
        "date": "2026-01-01",
        "targets": TARGETS,
        "notebooks": {
            "ch1_neurons": {"seconds": spread([11.0, 12.5, 13.0]), "peak_rss_mib": spread([130, 136, 140])},
            "ch5_keras_mnist": {"seconds": spread([80.0, 85.0, 99.0]), "peak_rss_mib": spread([900, 1300, 1000])},
        },
        "mnist": fake_mnist(reference_reaches),
        "micro": {
            "conv2d": {"numpy_ms": 30.0, "tensorflow_ms": 10.0, "ratio": 3.5},
            "mlp_epoch": {"numpy_seconds": 3.0, "keras_seconds": 1.5, "ratio": 2.0},
        },  # fmt: skip
        "import": {"seconds": spread([0.01, 0.01, 0.02]), "imports_tensorflow": False},
        "build": {"seconds": 30.0},
    }


def test_durations_and_memory_are_rounded_as_a_reader_plans():
    assert [about_seconds(s) for s in (1, 12.4, 13, 88, 100, 1000)] == [
        "5 s",
        "10 s",
        "15 s",
        "90 s",
        "100 s",
        "17 min",
    ]
    assert [about_memory(m) for m in (136, 900, 1300, 1e-9)] == ["140 MB", "940 MB", "1.4 GB", "< 1 MB"]


def test_badge_uses_the_median_time_and_the_largest_peak():
    results = fake_results()
    text = badge_text(results["notebooks"]["ch5_keras_mnist"], results["machine"])
    assert "about 85 s on a 2-core CPU" in text and "1.4 GB" in text and "no GPU" in text
    zh = badge_text(results["notebooks"]["ch5_keras_mnist"], results["machine"], "zh_CN")
    assert "2 核" in zh and "85 s" in zh and "1.4 GB" in zh


def test_chapter_table_has_one_row_per_measured_chapter():
    table = report_markdown("chapters", fake_results()).splitlines()
    rows = [line for line in table if line.startswith("| {doc}")]
    assert rows == ["| {doc}`ch1_neurons` | 12 (11–13) | 140 |", "| {doc}`ch5_keras_mnist` | 85 (80–99) | 1300 |"]
    assert table[-1] == "(3 runs)"


def test_mnist_part_shows_every_seed_spread_and_the_time_ratio():
    text = report_markdown("mnist", fake_results(reference_reaches=True))
    rows = [line for line in text.splitlines() if line.startswith("| improved") or line.startswith("| reference")]
    # epochs, training seconds, test accuracy, then seconds to 99.0 % and to 99.2 % (with the seeds that got there)
    assert rows[0] == "| improved | 2 | 22 (20–24) | 99.34 (99.31–99.37) % | 22 (20–24) (2 of 2) | 20 (1 of 2) |"
    assert rows[1] == "| reference | 3 | 132 (120–144) | 99.10 (99.00–99.20) % | 88 (80–96) (2 of 2) | 120 (1 of 2) |"
    # seed by seed 20/120 and 24/144: both 1/6
    assert "took 0.17 of the time of the reference's 3 epochs (median; from 0.17 to 0.17; in CPU seconds 0.17)" in text
    assert "target: at most 0.125" in text
    never = report_markdown("mnist", fake_results(reference_reaches=False))
    assert "| not reached (0 of 2) |" in never
    zh = report_markdown("mnist", fake_results(), "zh_CN")
    assert "（2 个种子中 1 个）" in zh and "3 轮训练时间的 0.17" in zh


def test_ratios_part_lists_every_figure_with_its_target():
    text = report_markdown("ratios", fake_results())
    assert "30 ms / 10 ms = 3.5×" in text and "≤ 3×" in text and "3.0 s / 1.5 s = 2.0×" in text
    assert "| `import companion` | 0.010 s | ≤ 0.3 s |" in text and "| 30 s | ≤ 60 s |" in text
    assert "not measured yet (`python benchmarks/run.py --only pytest`)" in text


def test_unknown_part_is_refused():
    with pytest.raises(ValueError, match="unknown part 'speed'"):
        report_markdown("speed", fake_results())


def test_figure_is_a_responsive_svg_with_both_models_and_the_targets():
    svg = accuracy_figure_svg(fake_results()["mnist"])
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    head = svg[: svg.index(">")]
    # it scales with the page (a phone's 390 px as a desktop column): no fixed size in points
    assert 'width="100%"' in head and "viewBox=" in head and "pt" not in head and "height=" not in head
    for label in ("improved", "reference", "99.2%", "99.0%", "validation accuracy"):
        assert label in svg
    assert svg.count("<path") > 4  # a curve per seed and model, plus the targets


def test_the_chinese_figure_names_the_models_in_chinese():
    mnist = fake_results()["mnist"]
    mnist["improved"]["model"], mnist["reference"]["model"] = "improved CNN (chapter 5)", "keras.io convnet"
    svg = accuracy_figure_svg(mnist, "zh_CN")
    assert "改进的 CNN（第 5 章）" in svg and "keras.io 的卷积网络" in svg and "improved CNN" not in svg
    assert "improved CNN (chapter 5)" in accuracy_figure_svg(mnist, "en")


def test_missing_and_corrupt_results_files_say_how_to_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="benchmarks/run.py"):
        load_results(tmp_path / "results.json")
    (tmp_path / "results.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_results(tmp_path / "results.json")


def test_time_ratio_and_first_epoch_reaching_the_target():
    mnist = fake_results()["mnist"]
    assert first_reaching(mnist["reference"]["runs"][0]["epochs"], 0.992)["epoch"] == 3
    assert first_reaching(mnist["reference"]["runs"][1]["epochs"], 0.992) is None
    assert mnist["reference"]["to_target"]["0.992"] == {
        "reached": 1, "seconds": {"median": 120.0, "min": 120.0, "max": 120.0},
        "epochs": {"median": 3, "min": 3, "max": 3}}  # fmt: skip
    assert mnist["improved"]["training_seconds"] == {"median": 22.0, "min": 20.0, "max": 24.0}
    assert mnist["time_ratio"] == pytest.approx(1 / 6) and mnist["cpu_time_ratios"]["max"] == pytest.approx(1 / 6)
    never = fake_results(reference_reaches=False)["mnist"]["reference"]["to_target"]["0.992"]
    assert never == {"reached": 0, "seconds": None, "epochs": None}


def test_missed_targets_names_each_miss():
    missed = missed_targets(fake_results())
    assert "ch5_keras_mnist: peak memory 1.27 GiB > 1.0 GiB" in missed
    assert "MNIST time ratio: 0.17 > 0.125" in missed
    assert any(m.startswith("conv2d NumPy/TensorFlow ratio: 3.50 > 3.0") for m in missed)
    assert not any(m.startswith("ch1_neurons") for m in missed) and len(missed) == 3


def test_measure_sees_the_kernels_memory_and_time(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import time\nimport numpy as np\nx = np.ones(40_000_000)\ntime.sleep(0.3)")]
    path = tmp_path / "big.ipynb"
    nbformat.write(nb, path)
    stored = path.read_bytes()
    cost = measure(path)
    assert cost["peak_rss_bytes"] > 320e6  # 40 million float64 = 320 MB, all touched by np.ones
    assert cost["peak_pss_bytes"] > 320e6  # private pages: PSS counts them whole
    assert cost["seconds"] >= 0.3
    assert path.read_bytes() == stored, "measure() must never write the stored notebook"
    assert list(tmp_path.iterdir()) == [path], "measure() must remove its temporary copy"


def test_measure_counts_a_childs_private_memory_and_shared_pages_once(tmp_path):
    code = (
        "import subprocess, sys, time\nimport numpy as np\n"
        "shared = np.ones(25_000_000)  # 200 MB, private to the kernel\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import numpy as np, time; x = np.ones(25_000_000); "
        "time.sleep(1.5)'])\nchild.wait()"
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    path = tmp_path / "child.ipynb"
    nbformat.write(nb, path)
    cost = measure(path)
    assert cost["peak_pss_bytes"] > 400e6  # the kernel's 200 MB and the child's 200 MB, together
    # the two interpreters' shared libraries count once in PSS, once per process in RSS
    assert cost["peak_pss_bytes"] < cost["peak_rss_bytes"]


def test_the_tables_prefer_pss_and_fall_back_to_rss_for_older_results():
    results = fake_results()
    cost = results["notebooks"]["ch5_keras_mnist"]
    assert peak_memory_mib(cost) is cost["peak_rss_mib"]
    cost["peak_pss_mib"] = spread([700, 800, 750])
    assert "peak memory about 840 MB" in badge_text(cost, results["machine"])  # 800 MiB
    assert "| {doc}`ch5_keras_mnist` | 85 (80–99) | 800 |" in report_markdown("chapters", results)


def test_results_file_covers_every_chapter_and_every_step():
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    assert set(results["notebooks"]) == {path.stem for path in chapters()}
    # pytest --nbval runs this test while the driver measures it: the file may not have it yet
    missing = set(STEPS) - {"pytest"} - set(results)
    assert not missing, f"steps missing from results.json: {missing}"
    assert results["machine"]["cpu"] and results["machine"]["cores"] >= 1


def test_check_pages_compares_the_cost_line_with_the_file():
    results = fake_results()
    expected = expected_cost_line(results, "book/ch1_neurons")
    assert expected.startswith("Cost: runs in about 10 s") and expected.endswith("(what it costs to run).")
    html = f'<p class="cost-badge"><strong>Cost:</strong>{expected[5:]}</p>'
    assert cost_problem(html, expected) is None
    assert "differs" in cost_problem(html.replace("10 s", "15 s"), expected)
    assert "no cost line" in cost_problem("<p>text</p>", expected)
    assert expected_cost_line(results, "book/faq") is None and cost_problem("<p>x</p>", None) is None


@pytest.mark.parametrize("value", [-10, 0, float("nan"), float("inf"), None, "85", True])
def test_a_damaged_results_file_is_refused_not_printed(value):
    """-10 s used to print as "5 s", NaN as "nan GB": a number no measurement gives names its field."""
    with pytest.raises(ValueError, match="not a positive number.*run `python benchmarks/run.py` again"):
        about_seconds(value)
    with pytest.raises(ValueError, match="not a positive number"):
        about_memory(value)
    results = fake_results()
    results["notebooks"]["ch1_neurons"]["seconds"]["median"] = value
    with pytest.raises(ValueError, match="ch1_neurons.seconds.median"):
        report_markdown("chapters", results)
    with pytest.raises(ValueError, match="median seconds"):
        badge_text(results["notebooks"]["ch1_neurons"], results["machine"])


@pytest.mark.parametrize("memory", [0, -1.0, float("nan")])
def test_available_memory_that_no_machine_has_is_refused(memory):
    results = fake_results()
    results["machine"]["memory_available_gb"] = memory
    with pytest.raises(ValueError, match="machine.memory_available_gb"):
        report_markdown("machine", results)


def test_unmeasured_memory_says_so_in_words():
    results = fake_results()
    results["machine"]["memory_available_gb"] = None
    assert "with unknown memory available" in report_markdown("machine", results)
    assert "未知大小的内存" in report_markdown("machine", results, "zh_CN")


@pytest.mark.parametrize("cores", [0, -2, 2.5, "2", None])
def test_a_core_count_that_is_not_one_is_refused(cores):
    results = fake_results()
    results["machine"]["cores"] = cores
    with pytest.raises(ValueError, match="machine.cores"):
        badge_text(results["notebooks"]["ch1_neurons"], results["machine"])
