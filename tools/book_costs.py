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
        "memory": "Peak kernel memory, MiB (max)",
        "runs": "runs",
        "model": "Model",
        "epochs": "Epochs to {target}",
        "time": "Seconds to {target}",
        "test": "Test accuracy after training",
        "never": "not in {epochs} epochs ({seconds:.0f} s)",
        "ratio_line": "The improved model reaches {target} validation accuracy in {ratio} of the reference's "
        "time, measured in the same run (target: at most {limit}).",
        "figure_alt": "Validation accuracy after each epoch against training seconds, both models",
        "xlabel": "training seconds (wall time of fit, this machine)",
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
    },
    "zh": {
        "badge_label": "运行成本：",
        "badge": "在 {cores} 核 CPU 上运行约 {seconds}；内存峰值约 {memory}；无需 GPU（[运行成本](costs.md)）。",
        "machine": "测量于 {date}，{cores} 核 {cpu}，可用内存 {memory}，无 GPU；Python {python}、NumPy {numpy}、"
        "TensorFlow {tensorflow}、Keras {keras}、shap {shap}、Jupyter Book {jupyter_book}。",
        "chapter": "章节",
        "seconds": "秒：中位数（最小–最大）",
        "memory": "内核内存峰值，MiB（最大）",
        "runs": "次运行",
        "model": "模型",
        "epochs": "达到 {target} 的轮数",
        "time": "达到 {target} 的秒数",
        "test": "训练后的测试准确率",
        "never": "{epochs} 轮内未达到（{seconds:.0f} 秒）",
        "ratio_line": "改进模型达到 {target} 验证准确率所用时间是参考模型的 {ratio}，两者在同一次运行中测量"
        "（目标：不超过 {limit}）。",
        "figure_alt": "两个模型每轮后的验证准确率与训练秒数",
        "xlabel": "训练秒数（fit 的墙钟时间，本机）",
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


def badge_text(cost: dict, machine: dict, language: str | None = "en") -> str:
    """The one-line cost of a chapter (MyST markdown)."""
    cores = machine["cores"]
    if isinstance(cores, bool) or not isinstance(cores, int) or cores < 1:
        positive(float("nan"), f"machine.cores ({cores!r})")
    return words(language)["badge"].format(
        seconds=about_seconds(cost["seconds"]["median"], "a chapter's median seconds"),
        cores=cores,
        memory=about_memory(cost["peak_rss_mib"]["max"], "a chapter's peak memory"),
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
            s, m = cost["seconds"], cost["peak_rss_mib"]
            for key in ("median", "min", "max"):
                positive(s[key], f"notebooks.{name}.seconds.{key}")
            positive(m["max"], f"notebooks.{name}.peak_rss_mib.max")
            rows.append(f"| {{doc}}`{name}` | {s['median']:.0f} ({s['min']:.0f}–{s['max']:.0f}) | {m['max']:.0f} |")
        n = len(next(iter(results["notebooks"].values()))["seconds"]["runs"])
        return "\n".join(rows) + f"\n\n({n} {w['runs']})"
    if part == "mnist":
        mnist = results["mnist"]
        target = f"{mnist['target']:.1%}"
        rows = [
            f"| {w['model']} | {w['epochs'].format(target=target)} | {w['time'].format(target=target)} | {w['test']} |",
            "| --- | ---: | ---: | ---: |",
        ]

        def never(record):
            return w["never"].format(epochs=len(record["epochs"]), seconds=record["epochs"][-1]["seconds"])

        for key in ("improved", "reference"):
            r = mnist[key]
            reached = r["seconds_to_target"] is not None
            rows.append(
                f"| {r['model']} | {r['epochs_to_target'] if reached else never(r)} | "
                f"{r['seconds_to_target'] if reached else never(r)} | {r['test_accuracy_after_training']:.2%} |"
            )
        ratio = mnist["time_ratio"]
        bound = "< " if mnist.get("time_ratio_is_upper_bound") else ""
        line = w["ratio_line"].format(
            target=target,
            ratio=f"{bound}{ratio:.2f}" if ratio else "—",
            limit=results["targets"]["mnist_time_ratio"],
        )
        return "\n".join(rows) + "\n\n" + line
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


def accuracy_figure_svg(mnist: dict, language: str | None = "en") -> str:
    """The accuracy-against-training-time plot of both MNIST models, as an inline SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    w = words(language)
    # Text stays text in the SVG (searchable, read by screen readers, drawn in the browser's fonts),
    # so matplotlib's own font lacking CJK glyphs only affects its layout estimate: not worth a warning.
    with plt.rc_context({"svg.fonttype": "none"}), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig, ax = plt.subplots(figsize=(6.4, 3.6))
        for key, marker in (("improved", "o"), ("reference", "s")):
            record = mnist[key]
            seconds = [e["seconds"] for e in record["epochs"]]
            accuracy = [e["val_accuracy"] for e in record["epochs"]]
            ax.plot(seconds, accuracy, marker=marker, label=record["model"])
        ax.axhline(mnist["target"], color="grey", linestyle="--", linewidth=1, label=f"{mnist['target']:.1%}")
        ax.set(xlabel=w["xlabel"], ylabel=w["ylabel"], ylim=(0.96, 1.0))
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=1))
        ax.legend(loc="lower right")
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
        plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


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
