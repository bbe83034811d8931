"""Sphinx extension: the book's measured costs, read from benchmarks/results.json at build time.

- Under the title of every chapter that ``results.json`` measured, one line: how long the
  chapter runs, its kernel's peak memory, and that it needs no GPU.
- The ``cost-report`` directive renders the appendix "What it costs to run": one part per
  argument, ``machine``, ``chapters``, ``mnist``, ``mnist-figure`` or ``ratios``.

No number is typed into a page: a new ``python benchmarks/run.py`` changes the book at the next
build (the file is a dependency of every page that shows it). The generated text is marked
untranslatable (its numbers would make the catalogs fuzzy at every run); the Chinese edition
gets its own wording from ``WORDS`` below.
"""

from __future__ import annotations

import io
import json
import math
import numbers
import warnings
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results.json"
PARTS = ("machine", "chapters", "mnist", "mnist-figure", "ratios")

WORDS = {
    "en": {
        "badge_label": "Cost:",
        "badge": " runs in about {seconds} on a {cores}-core CPU; peak memory about {memory}; no GPU needed "
        "([what it costs to run](costs.md)).",
        "machine": "Measured on {date} on a {cores}-core {cpu} with {memory} available, no GPU; Python {python}, "
        "NumPy {numpy}, TensorFlow {tensorflow}, Keras {keras}, shap {shap}, Jupyter Book {jupyter_book}.",
        "chapter": "Chapter",
        "seconds": "Seconds: median (min–max)",
        "memory": "Peak memory, MiB (max)",
        "runs": "runs",
        "model": "Model",
        "epochs": "Epochs",
        "train_time": "Training seconds",
        "test": "Test accuracy after training",
        "to_target": "Seconds to {target}",
        "reached": "{seconds} ({reached} of {n})",
        "never": "not reached (0 of {n})",
        "spread_note": 'Medians over {n} seeds, with the lowest and highest in brackets; "(2 of 3)" counts the '
        "seeds whose validation accuracy reached the target within their epochs.",
        "ratio_line": "Seed by seed, the improved recipe's whole training took {ratio} of the time of the "
        "reference's {epochs} epochs (median; from {low} to {high}; in CPU seconds {cpu}), both measured in the "
        "same run (target: at most {limit}).",
        "figure_alt": "Validation accuracy after each epoch against training seconds, both models, every seed",
        "xlabel": "training seconds (wall time of fit)",
        "ylabel": "validation accuracy",
        "what": "What",
        "measured": "Measured",
        "target": "Target",
        "conv": "NumPy conv2d forward+backward / tf.nn.conv2d",
        "mlp": "NumPy MLP epoch / Keras epoch (784-300-10)",
        "import": "import companion",
        "build": "jupyter-book build (stored outputs)",
        "pytest": "pytest --nbval (whole book)",
        "report": "reported",
        "not_measured": "not measured yet (`python benchmarks/run.py --only {step}`)",
        "unknown_memory": "unknown memory",
        "models": {},  # the models' names as results.json records them
    },
    "zh": {
        "badge_label": "运行成本：",
        "badge": "在 {cores} 核 CPU 上运行约 {seconds}；内存峰值约 {memory}；无需 GPU（[运行成本](costs.md)）。",
        "machine": "测量于 {date}，{cores} 核 {cpu}，可用内存 {memory}，无 GPU；Python {python}、NumPy {numpy}、"
        "TensorFlow {tensorflow}、Keras {keras}、shap {shap}、Jupyter Book {jupyter_book}。",
        "chapter": "章节",
        "seconds": "秒：中位数（最小–最大）",
        "memory": "内存峰值，MiB（最大）",
        "runs": "次运行",
        "model": "模型",
        "epochs": "轮数",
        "train_time": "训练秒数",
        "test": "训练后的测试准确率",
        "to_target": "达到 {target} 的秒数",
        "reached": "{seconds}（{n} 个种子中 {reached} 个）",
        "never": "未达到（{n} 个种子中 0 个）",
        "spread_note": "表中为 {n} 个随机种子的中位数，括号内为最低值和最高值；“（3 个种子中 2 个）”表示"
        "在各自的训练轮数内验证准确率达到该目标的种子数。",
        "ratio_line": "逐个种子比较，改进配方的全部训练时间是参考模型 {epochs} 轮训练时间的 {ratio}"
        "（中位数；范围 {low} 至 {high}；按 CPU 秒计为 {cpu}），两者在同一次运行中测量（目标：不超过 {limit}）。",
        "figure_alt": "两个模型、每个种子每轮后的验证准确率与训练秒数",
        "xlabel": "训练秒数（fit 的墙钟时间）",
        "ylabel": "验证准确率",
        "what": "项目",
        "measured": "测量值",
        "target": "目标",
        "conv": "NumPy conv2d 前向+反向 / tf.nn.conv2d",
        "mlp": "NumPy MLP 一轮 / Keras 一轮（784-300-10）",
        "import": "import companion",
        "build": "jupyter-book build（已存输出）",
        "pytest": "pytest --nbval（全书）",
        "report": "仅报告",
        "not_measured": "尚未测量（`python benchmarks/run.py --only {step}`）",
        "unknown_memory": "未知大小的内存",
        "models": {"improved CNN (chapter 5)": "改进的 CNN（第 5 章）", "keras.io convnet": "keras.io 的卷积网络"},
    },
}


def load_results(path: Path = RESULTS) -> dict:
    """The benchmark results; a clear error when the file is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} is missing: run `python benchmarks/run.py` to measure the book") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error}): run `python benchmarks/run.py` again") from None


def words(language: str | None) -> dict:
    """The wording for the book's language (Chinese for zh*, else English)."""
    return WORDS["zh" if (language or "en").startswith("zh") else "en"]


def positive(value, what: str) -> float:
    """``value`` as a float if it is a finite number > 0; ValueError naming the field of results.json otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"benchmarks/results.json: {what} is {value!r}, not a positive number; the file is damaged "
                         "or hand-edited: run `python benchmarks/run.py` again (or restore it with git)")  # fmt: skip
    return float(value)


def about_seconds(seconds: float, what: str = "a duration") -> str:
    """A duration as a reader plans with it: "40 s", "100 s", "17 min"."""
    seconds = positive(seconds, what)
    if seconds < 150:
        return f"{max(5, 5 * round(seconds / 5)):.0f} s"
    return f"{round(seconds / 60):.0f} min"


def about_memory(mib: float, what: str = "a memory size") -> str:
    """Memory to two significant figures, in MB or GB (powers of ten, as Binder and Colab state limits)."""
    megabytes = positive(mib, what) * 2**20 / 1e6
    if megabytes < 1:
        return "< 1 MB"
    if megabytes < 1000:
        return f"{float(f'{megabytes:.2g}'):.0f} MB"
    return f"{megabytes / 1000:.1f} GB"


def peak_memory_mib(cost: dict) -> dict:
    """A chapter's peak memory: PSS (each shared page once) where measured, else RSS (older results)."""
    return cost.get("peak_pss_mib", cost["peak_rss_mib"])


def badge_text(cost: dict, machine: dict, language: str | None = "en") -> str:
    """The one-line cost of a chapter (MyST markdown)."""
    cores = machine["cores"]
    if isinstance(cores, bool) or not isinstance(cores, int) or cores < 1:
        positive(float("nan"), f"machine.cores ({cores!r})")
    return words(language)["badge"].format(
        seconds=about_seconds(cost["seconds"]["median"], "a chapter's median seconds"),
        cores=cores,
        memory=about_memory(peak_memory_mib(cost)["max"], "a chapter's peak memory"),
    )


def report_markdown(part: str, results: dict, language: str | None = "en") -> str:
    """One part of the appendix as MyST markdown."""
    w, machine = words(language), results["machine"]
    if part == "machine":
        memory = machine.get("memory_available_gb")
        shown = w["unknown_memory"] if memory is None else f"{positive(memory, 'machine.memory_available_gb'):.0f} GB"
        return w["machine"].format(date=results["date"], memory=shown, **machine)
    if part == "chapters":
        rows = [f"| {w['chapter']} | {w['seconds']} | {w['memory']} |", "| --- | ---: | ---: |"]
        for name, cost in results["notebooks"].items():
            s, m = cost["seconds"], peak_memory_mib(cost)
            for key in ("median", "min", "max"):
                positive(s[key], f"notebooks.{name}.seconds.{key}")
            positive(m["max"], f"notebooks.{name}.peak memory (MiB).max")
            rows.append(f"| {{doc}}`{name}` | {s['median']:.0f} ({s['min']:.0f}–{s['max']:.0f}) | {m['max']:.0f} |")
        n = len(next(iter(results["notebooks"].values()))["seconds"]["runs"])
        return "\n".join(rows) + f"\n\n({n} {w['runs']})"
    if part == "mnist":
        return mnist_markdown(results, language)
    if part == "ratios":
        micro, targets = results["micro"], results["targets"]
        rows = [f"| {w['what']} | {w['measured']} | {w['target']} |", "| --- | ---: | ---: |"]
        conv, mlp = micro["conv2d"], micro["mlp_epoch"]
        rows.append(
            f"| {w['conv']} | {conv['numpy_ms']:.0f} ms / {conv['tensorflow_ms']:.0f} ms = {conv['ratio']:.1f}× | "
            f"≤ {targets['conv_ratio']:.0f}× |"
        )
        rows.append(
            f"| {w['mlp']} | {mlp['numpy_seconds']:.1f} s / {mlp['keras_seconds']:.1f} s = {mlp['ratio']:.1f}× | "
            f"{w['report']} |"
        )
        timings = [
            ("import", results.get("import", {}).get("seconds", {}).get("median"), "{:.3f} s", "import_seconds"),
            ("build", results.get("build", {}).get("seconds"), "{:.0f} s", "build_seconds"),
            ("pytest", results.get("pytest", {}).get("seconds"), "{:.0f} s", "pytest_nbval_seconds"),
        ]
        for step, value, fmt, target in timings:
            shown = fmt.format(value) if value is not None else w["not_measured"].format(step=step)
            rows.append(f"| `{w[step]}` | {shown} | ≤ {targets[target]} s |")
        return "\n".join(rows)
    raise ValueError(f"unknown part {part!r}; choose one of {PARTS}")


def spread_text(spread: dict, fmt: str) -> str:
    """A median and its range, "33 (31–35)", each number formatted with ``fmt``; one number if they agree."""
    low, median, high = (fmt.format(spread[key]) for key in ("min", "median", "max"))
    return median if low == high else f"{median} ({low}–{high})"


def mnist_markdown(results: dict, language: str | None = "en") -> str:
    """The MNIST race over seeds: training time, test accuracy, time to each target, and the time ratio."""
    w, mnist = words(language), results["mnist"]
    targets = [f"{float(t):.3f}" for t in mnist["targets"]]
    n = len(mnist["seeds"])
    header = [w["model"], w["epochs"], w["train_time"], w["test"]]
    header += [w["to_target"].format(target=f"{float(t):.1%}") for t in targets]
    rows = ["| " + " | ".join(header) + " |", "|" + " --- |" + " ---: |" * (len(header) - 1)]
    for key in ("improved", "reference"):
        r = mnist[key]
        cells = [r["model"], str(len(r["runs"][0]["epochs"])), spread_text(r["training_seconds"], "{:.0f}")]
        cells.append(spread_text({k: 100 * v for k, v in r["test_accuracy"].items()}, "{:.2f}") + " %")
        for target in targets:
            hit = r["to_target"][target]
            seconds = hit["seconds"]
            cells.append(w["reached"].format(seconds=spread_text(seconds, "{:.0f}"), reached=hit["reached"], n=n)
                         if seconds else w["never"].format(n=n))  # fmt: skip
        rows.append("| " + " | ".join(cells) + " |")
    wall, cpu = mnist["time_ratios"], mnist["cpu_time_ratios"]
    line = w["ratio_line"].format(
        ratio=f"{wall['median']:.2f}",
        low=f"{wall['min']:.2f}",
        high=f"{wall['max']:.2f}",
        cpu=f"{cpu['median']:.2f}",
        epochs=mnist["reference_epochs"],
        limit=results["targets"]["mnist_time_ratio"],
    )
    return "\n".join(rows) + "\n\n" + w["spread_note"].format(n=n) + "\n\n" + line


def responsive_svg(svg: str) -> str:
    """Let an SVG scale with its column: width 100 %, height from the viewBox, no fixed point sizes."""
    head, rest = svg[: svg.index(">") + 1], svg[svg.index(">") + 1 :]
    for attribute in ("width", "height"):
        start = head.index(f' {attribute}="')
        head = head[:start] + head[head.index('"', start + len(attribute) + 3) + 1 :]
    if "viewBox=" not in head:
        raise ValueError("the SVG has no viewBox: it could not scale")
    return head.replace("<svg", '<svg width="100%" style="height: auto; max-width: 36em"', 1) + rest


def accuracy_figure_svg(mnist: dict, language: str | None = "en") -> str:
    """Validation accuracy against training seconds, every seed of both MNIST models, as an inline responsive SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    w = words(language)
    # Text stays text in the SVG (searchable, read by screen readers, drawn in the browser's fonts),
    # so matplotlib's own font lacking CJK glyphs only affects its layout estimate: not worth a warning.
    # A small canvas with large type: scaled to a 390 px phone the labels stay about 10 px high.
    style = {"svg.fonttype": "none", "font.size": 11, "legend.fontsize": 10}
    with plt.rc_context(style), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig, ax = plt.subplots(figsize=(5.0, 3.6))
        for key, color, marker in (("improved", "C0", "o"), ("reference", "C1", "s")):
            for i, run in enumerate(mnist[key]["runs"]):
                seconds = [e["seconds"] for e in run["epochs"]]
                accuracy = [e["val_accuracy"] for e in run["epochs"]]
                model = mnist[key]["model"]
                label = w["models"].get(model, model) if i == 0 else None
                ax.plot(seconds, accuracy, color=color, marker=marker, markersize=3, linewidth=1, label=label)
        for target in mnist["targets"]:
            ax.axhline(target, color="grey", linestyle="--", linewidth=0.8)
        ax.set_yticks(sorted({0.98, 0.985, *mnist["targets"], 0.995}))
        ax.set(xlabel=w["xlabel"], ylabel=w["ylabel"], ylim=(0.975, 0.996), xlim=(0, None))
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=1))
        ax.legend(loc="lower right")
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
        plt.close(fig)
    svg = buffer.getvalue()
    return responsive_svg(svg[svg.index("<svg") :])


def untranslatable(node: nodes.Node) -> nodes.Node:
    """Keep generated text out of the gettext catalogs."""
    for element in node.findall(nodes.TextElement):
        if not isinstance(element, nodes.Inline):  # Sphinx drops inline nodes that carry the flag
            element["translatable"] = False
    return node


class CostReport(SphinxDirective):
    """``cost-report`` directive: one part of the measured costs, rendered from results.json."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        part = self.arguments[0]
        if part not in PARTS:
            raise self.error(f"cost-report: unknown part {part!r}; choose one of {', '.join(PARTS)}")
        self.env.note_dependency(str(RESULTS))
        results, language = load_results(), self.config.language
        if part == "mnist-figure":
            svg = accuracy_figure_svg(results["mnist"], language)
            alt = words(language)["figure_alt"]
            html = f'<figure class="cost-figure" role="img" aria-label="{alt}">{svg}</figure>'
            return [nodes.raw("", html, format="html")]
        container = nodes.container(classes=["cost-report"])
        self.state.nested_parse(StringList(report_markdown(part, results, language).splitlines()), 0, container)
        return [untranslatable(container)]


def add_badge(app, doctree) -> None:
    """Put the chapter's cost line under its title, if results.json measured it."""
    if not RESULTS.exists():
        return
    results = load_results()
    cost = results.get("notebooks", {}).get(Path(app.env.docname).name)
    section = next(iter(doctree.findall(nodes.section)), None)
    if not cost or section is None:
        return
    app.env.note_dependency(str(RESULTS))
    text = badge_text(cost, results["machine"], app.config.language)
    before, _, rest = text.partition("[")
    link_text, _, after = rest.partition("](costs.md)")
    link = addnodes.pending_xref(
        "", refdomain="std", reftype="doc", reftarget="/book/costs", refexplicit=True, refdoc=app.env.docname
    )
    link += nodes.inline("", link_text)
    label = nodes.strong("", words(app.config.language)["badge_label"])
    paragraph = nodes.paragraph("", "", label, nodes.Text(before), link, nodes.Text(after), classes=["cost-badge"])
    paragraph["translatable"] = False
    section.insert(1, paragraph)


def setup(app):
    app.add_directive("cost-report", CostReport)
    app.connect("doctree-read", add_badge)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
