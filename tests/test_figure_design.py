"""Every figure function draws for the book's column: width, text size, colour that is not the only cue, no frames.

Each plot function of the companion is called on small made-up data and its SVG (what the
chapters store) is checked against the rules of companion/plotting.py: at most the column's
width, no text under 10 pt, annotations readable on their cells, lines and bars that a legend
tells apart by more than colour, and thumbnails without the stray L-shaped frame.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import Collection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from companion.cnn import conv2d_forward  # noqa: E402
from companion.figure_svg import figure_svg  # noqa: E402
from companion.neurons import LIFParams, lif_simulate, perceptron_train  # noqa: E402
from companion.plot_classifier import plot_confusion, plot_keras_history, plot_mistakes, plot_prediction  # noqa: E402
from companion.plot_cnn import plot_conv_arithmetic, plot_feature_maps, plot_image_row, plot_kernels  # noqa: E402
from companion.plot_explain import plot_attributions, plot_cascade, plot_references  # noqa: E402
from companion.plot_neurons import (  # noqa: E402
    draw_graph,
    plot_activations,
    plot_fi_curve,
    plot_fi_curves,
    plot_membrane_trace,
    plot_perceptron_runs,
    plot_raster,
)
from companion.plot_outlook import plot_data_curves, plot_learning_curve, plot_membership  # noqa: E402
from companion.plot_rnn import plot_jacobian_norms, plot_sequence_prediction  # noqa: E402
from companion.plot_training import (  # noqa: E402
    plot_computational_graph,
    plot_curves,
    plot_decision_boundary,
    plot_history,
    plot_layer_norms,
)
from companion.plotting import (  # noqa: E402
    MIN_FONT_SIZE,
    class_counts_bar,
    digit_grid,
    hide_frame,
    text_colour_on,
    use_book_style,
    wrap_label,
)

COLUMN_PX = 688  # the book's text column at a 1280-px window (tools/check_figures.py measures it)
rng = np.random.default_rng(0)


def _graph():
    fig, ax = plt.subplots(figsize=(3, 2))
    draw_graph(ax, {"retina": (0, 0), "V1": (1.1, 0)}, [("retina", "V1", 0), ("V1", "V1", 0)], "visual system")
    return fig


def _perceptron():
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y_and, y_xor = np.array([0, 0, 0, 1]), np.array([0, 1, 1, 0])
    runs = [("AND", x, y_and, perceptron_train(x, y_and)), ("XOR", x, y_xor, perceptron_train(x, y_xor, epochs=5))]
    return plot_perceptron_runs(runs)


def _membrane():
    params, dt = LIFParams(), 0.1
    t = np.arange(0, 200, dt)
    current = np.where((t > 20) & (t < 170), 2.0, 0.0)
    v, spikes = lif_simulate(current[:, None], dt, params)
    return plot_membrane_trace(t, current, v[:, 0], spikes[:, 0], params)


def _conv():
    x, w = np.arange(9.0).reshape(3, 3), np.arange(4.0).reshape(2, 2)
    out, _ = conv2d_forward(x[None, :, :, None], w[:, :, None, None], np.zeros(1), stride=1, padding="valid")
    return plot_conv_arithmetic(x, w, [("valid, stride 1", 1, "valid", out[0, :, :, 0])])


def _mistakes():
    probabilities = rng.dirichlet(np.ones(10), size=40)
    return plot_mistakes(rng.random((40, 28, 28)), rng.integers(0, 10, 40), probabilities, n=12)[0]


def _confusion():
    matrix = np.diag(np.full(10, 980))
    matrix[9, 4], matrix[4, 9], matrix[7, 2] = 6, 3, 1
    return plot_confusion(matrix)


def _attributions():
    maps = {name: rng.normal(size=(3, 28, 28)) for name in ("saliency", "SmoothGrad", "Integrated Gradients",
                                                             "Deep SHAP", "Partition SHAP", "LIME (4×4 grid)",
                                                             "occlusion")}  # fmt: skip
    return plot_attributions(rng.random((3, 28, 28)), maps, row_titles=["7 → 7", "2 → 2", "3 → 5"])


def _cascade():
    names = ["saliency", "SmoothGrad", "Integrated Gradients", "gradient × input", "Deep SHAP"]
    similarity = {n: list(np.linspace(1, 0.1 * k, 5)) for k, n in enumerate(names)}
    floor, ceiling = {n: 0.05 * k for k, n in enumerate(names)}, {n: 1 - 0.03 * k for k, n in enumerate(names)}
    return plot_cascade(similarity, floor, ceiling, [0, 1, 2, 3, 4], ["none", "top 1", "top 2", "top 3", "all 4"])


FIGURES = {
    "digit_grid": lambda: digit_grid(rng.integers(0, 255, (24, 28, 28)), np.arange(24) % 10),
    "class_counts_bar": lambda: class_counts_bar({"train": np.full(10, 6000), "test": np.full(10, 1000)}),
    "membrane_trace": _membrane,
    "raster": lambda: plot_raster(rng.random((5000, 8)) < 0.01, 0.1, labels=[f"{m:.1f} nA" for m in range(8)]),
    "fi_curves": lambda: plot_fi_curves(
        np.linspace(1, 7, 61),
        {
            "LIF, t_ref = 2 ms": np.linspace(0, 150, 61),
            "LIF, t_ref = 0": np.linspace(0, 250, 61),
            "ReLU, equal to t_ref = 0 at 2 I_rh": np.linspace(0, 300, 61),
        },
        1.5,
        marks=[3.0, 6.0],
    ),  # fmt: skip
    "fi_curve": lambda: plot_fi_curve([1, 2, 3], [0, 40, 80], np.linspace(1, 3, 50), np.linspace(0, 80, 50), 1.5),
    "activations": lambda: plot_activations(["step", "sigmoid", "tanh", "relu"]),
    "perceptron_runs": _perceptron,
    "draw_graph": _graph,
    "computational_graph": lambda: plot_computational_graph(
        {
            "W_1": "∂L/∂W_1 = [[-0.5, 1], [-1, 2]]",
            "b_1": "∂L/∂b_1 = [-0.5, 1]",
            "z": "z = [2, 0.5]\n∂L/∂z = [-0.5, 1]",
            "h": "h = [2, 0.5]\n∂L/∂h = [-0.5, 1]",
        }  # fmt: skip
    ),
    "curves": lambda: plot_curves({"article's update rules": [1, 2, 4], "backpropagation": [1, 0.5, 0.2]}),
    "decision_boundary": lambda: plot_decision_boundary(
        lambda g: 1 / (1 + np.exp(-g[:, 0])), rng.normal(size=(40, 2)), np.arange(40) % 2, resolution=40
    ),
    "history": lambda: plot_history({"loss": [0.3, 0.1, 0.05], "val_accuracy": [0.9, 0.95, 0.97]}, 0.975),
    "layer_norms": lambda: plot_layer_norms({"sigmoid (Xavier)": [1e-3, 1e-2, 0.3], "relu (He)": [0.5, 0.4, 0.6]}),
    "conv_arithmetic": _conv,
    "image_row": lambda: plot_image_row(
        [rng.random((28, 28))] * 4,
        ["input", "vertical edges (Sobel x)", "horizontal edges (Sobel y)", "5 × 5 box blur"],
        symmetric=[1, 2],
    ),
    "kernels": lambda: plot_kernels(rng.normal(size=(3, 3, 1, 32)), n_cols=16),
    "feature_maps": lambda: plot_feature_maps({s: rng.normal(size=(28, 28, 8)) for s in ("conv", "ReLU", "pool")}),
    "jacobian_norms": lambda: plot_jacobian_norms(
        {f"{kind}, ρ = {r}": r ** np.arange(1, 65) for kind in ("linear", "tanh") for r in (0.9, 1.0, 1.1)},
        {
            f"{kind}, ρ = {r}": {"color": c, "ls": ls}
            for kind, ls in (("linear", "-"), ("tanh", "--"))
            for r, c in ((0.9, "C0"), (1.0, "C2"), (1.1, "C3"))
        },  # fmt: skip
    ),
    "sequence_prediction": lambda: plot_sequence_prediction(rng.normal(size=40), np.sin(np.arange(40)), np.zeros(40)),
    "keras_history": lambda: plot_keras_history(
        {m: {"accuracy": [0.9, 0.95], "val_accuracy": [0.92, 0.96]} for m in ("article", "improved")}
    ),
    "confusion": _confusion,
    "mistakes": _mistakes,
    "prediction": lambda: plot_prediction(rng.random((28, 28)), rng.dirichlet(np.ones(10))),
    "attributions": _attributions,
    "cascade": _cascade,
    "references": lambda: plot_references(
        rng.random((5, 28, 28)),
        rng.dirichlet(np.ones(10), size=5),
        ["black (all 0)", "neutral", "digit (7)", "7 × 7 blur", "blur(4,4), all hidden"],
    ),
    "learning_curve": lambda: plot_learning_curve(
        [250, 1000, 4000, 16000], [22, 14, 11, 7], [0.67, 0.56, 0.51, 0.52], 0.23, 80.0
    ),  # fmt: skip
    "data_curves": lambda: plot_data_curves(
        [250, 500, 1000, 2000, 4000, 8000, 16000],
        18 - np.log2(np.arange(1, 8)) - rng.random((3, 7)),
        [0.0, 0.1, 0.2, 0.4],
        10 + 12 * np.array([0.0, 0.1, 0.2, 0.4]) + rng.random((3, 4)),
    ),
    "membership": lambda: plot_membership(
        [250, 500, 1000, 2000],
        0.6 - 0.02 * np.arange(4) + 0.01 * rng.random((3, 4)),
        np.full(4, 0.47),
        np.full(4, 0.53),
    ),  # fmt: skip
}


@pytest.fixture(scope="module", autouse=True)
def _book_style():
    use_book_style()


def _svg_width_px(svg: str) -> float:
    return float(re.search(r'width="([\d.]+)pt"', svg).group(1)) * 4 / 3


@pytest.mark.parametrize("name", FIGURES)
def test_figure_fits_the_column_with_text_of_at_least_10_pt(name):
    svg = figure_svg(FIGURES[name]())
    assert _svg_width_px(svg) <= COLUMN_PX
    sizes = [float(s) for s in re.findall(r"<text [^>]*font-size: ([\d.]+)px", svg)]
    assert min(sizes, default=MIN_FONT_SIZE) >= MIN_FONT_SIZE


def _legends(fig):
    """The legends of a figure: each axis's own and the figure's."""
    return [ax.get_legend() for ax in fig.axes if ax.get_legend()] + list(fig.legends)


def _look(handle) -> tuple:
    """What tells a legend entry apart besides its colour: line style and width, marker shape and fill, hatch."""
    if isinstance(handle, Line2D):
        hollow = str(handle.get_markerfacecolor()) in ("white", "none", "w")
        return ("line", str(handle.get_linestyle()), str(handle.get_marker()), round(handle.get_linewidth(), 1), hollow)
    if isinstance(handle, Collection):
        return ("markers", len(handle.get_paths()[0].vertices), handle.get_hatch() or "")
    return ("patch", handle.get_hatch() or "")


@pytest.mark.parametrize("name", FIGURES)
def test_legend_entries_differ_in_more_than_colour(name):
    for legend in _legends(FIGURES[name]()):  # a legend's entries; panels have legends of their own
        looks = [_look(h) for h in legend.legend_handles]
        assert len(looks) == len(set(looks)), looks


@pytest.mark.parametrize("name", FIGURES)
def test_thumbnails_have_no_frame(name):
    for ax in FIGURES[name]().axes:
        images = [a for a in ax.get_children() if isinstance(a, AxesImage)]
        if images and ax.axison and not ax.get_xticks().size and not ax.get_yticks().size:
            assert not any(s.get_visible() for s in ax.spines.values()), name


def _contrast(a, b) -> float:
    def luminance(rgba):
        c = [x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4 for x in rgba[:3]]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_confusion_counts_read_on_every_cell():
    fig = _confusion()
    ax = fig.axes[0]
    image = ax.get_images()[0]
    for text in ax.texts:
        j, i = (int(round(v)) for v in text.get_position())
        cell = image.cmap(image.norm(image.get_array()[i, j]))
        assert _contrast(to_rgba(text.get_color()), cell) >= 3.0, (i, j, text.get_text())
    assert ax.texts[9 * 10 + 4].get_color() == "white"  # the largest confusion, on the darkest red


def test_text_colour_on_picks_the_better_contrast():
    assert text_colour_on((0, 0, 0, 1)) == "white" and text_colour_on((1, 1, 1, 1)) == "black"
    assert text_colour_on(plt.get_cmap("Reds")(1.0)) == "white" and text_colour_on(plt.get_cmap("Reds")(0.1)) == "black"


def test_wrap_label_breaks_between_words_to_fit():
    assert wrap_label("horizontal edges (Sobel y)", 1.5) == "horizontal edges\n(Sobel y)"
    assert wrap_label("input", 0.5) == "input"


def test_hide_frame_leaves_no_spine_and_no_tick():
    fig, ax = plt.subplots()
    hide_frame(ax)
    assert not any(s.get_visible() for s in ax.spines.values())
    assert not ax.get_xticks().size and not ax.get_yticks().size


def _called_plot_functions(build) -> set[str]:
    """Names of the functions of companion/plot*.py that building a figure calls."""
    import sys

    called = set()

    def profile(frame, event, _arg):
        if event == "call" and "companion/plot" in frame.f_code.co_filename.replace("\\", "/"):
            called.add(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        plt.close(build())
    finally:
        sys.setprofile(None)
    return called


def test_every_plot_function_is_checked():
    """Every public function of companion/plot_*.py and companion/plotting.py that draws is in FIGURES."""
    import importlib
    import pkgutil

    import companion

    drawn = set().union(*(_called_plot_functions(build) for build in FIGURES.values()))
    for info in pkgutil.iter_modules(companion.__path__):
        if not info.name.startswith("plot"):
            continue
        module = importlib.import_module(f"companion.{info.name}")
        drawing = {
            n for n in module.__all__ if n.startswith(("plot_", "draw_")) or n in ("digit_grid", "class_counts_bar")
        }
        assert drawing <= drawn, f"companion.{info.name}: {sorted(drawing - drawn)} have no entry in FIGURES"
