"""The book's figures as SVG: words as text, maths as paths, compact and the same on every run (every chapter).

`companion.setup` makes Jupyter show every figure through `figure_svg`, so the stored outputs
are SVG. Words stay ``<text>`` (so that they are sharp, searchable and translatable: the
Chinese edition substitutes them, tools/book_figures.py), in a font stack that every reader's
browser has; a line that mixes words and maths (``threshold $V_{th}$``) is written as text with
``<tspan>`` runs (companion.figure_text); pure maths (``$x_1$``, log-axis ticks) is drawn as
glyph outlines, like typeset maths. Images are embedded as they are (28 x 28 pixels stay 28 x 28,
drawn pixelated); dense artists that a plot function marks ``rasterized=True`` become one
image. Ids are hashed with a fixed salt, there is no date or version, and coordinates are
rounded to 0.01 pt, so a figure's SVG changes only when the figure does.
"""

from __future__ import annotations

import codecs
import functools
import io
import re
import warnings

import matplotlib as mpl
from matplotlib import cbook
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG
from matplotlib.text import Text
from matplotlib.transforms import IdentityTransform

from companion.figure_text import MATH, has_words, math_as_plain, math_as_tspans

__all__ = ["FONT_STACK", "FigureCanvas", "figure_svg", "use_svg_display"]

# matplotlib measures text with DejaVu Sans (it ships with it); a reader without it gets a sans-serif
# of similar width, and Chinese text takes its glyphs from the CJK fonts (Noto Sans CJK on Linux).
FONT_STACK = (
    "'DejaVu Sans', 'Bitstream Vera Sans', Verdana, 'Noto Sans', 'Noto Sans CJK SC', 'Source Han Sans SC', "
    "'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', Arial, sans-serif"
)
RASTER_DPI = 200  # artists marked rasterized=True: sharp on 2x screens
SAVE_OPTIONS = {"format": "svg", "bbox_inches": "tight", "pad_inches": 0.04, "dpi": RASTER_DPI,
                "backend": "module://companion.figure_svg"}  # fmt: skip
_NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}


_DRAWING: list[Text] = []  # the text whose lines are being drawn (matplotlib gives the renderer no text for them)


class _LineAnchor:
    """Stands for a text to matplotlib's SVG renderer so that one line of a multi-line text keeps its alignment."""

    def __init__(self, x: float, y: float, ha: str):
        self._position, self._ha = (x, y), ha

    def get_transform(self):
        return IdentityTransform()

    def get_unitless_position(self):
        return self._position

    def get_ha(self):
        return self._ha

    def get_rotation_mode(self):
        return "default"


class _BookRendererSVG(RendererSVG):
    """matplotlib's SVG renderer, with maths as outlines and everything else as text anchored as it is aligned."""

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if mtext is None and _DRAWING and not ismath and angle == 0:
            # a line of a multi-line text: anchor it where it is aligned, so that a translation
            # of another length stays centred (or right-aligned) like the English
            align = _DRAWING[-1]._get_multialignment()
            width = self.get_text_width_height_descent(s, prop, ismath)[0]
            offset = {"left": 0.0, "center": 0.5, "right": 1.0}[align]
            mtext = _LineAnchor(x + offset * width, self.height - y, {"left": "left"}.get(align, align))
        fonttype = mpl.rcParams["svg.fonttype"]
        mpl.rcParams["svg.fonttype"] = "path" if ismath else "none"
        try:
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        finally:
            mpl.rcParams["svg.fonttype"] = fonttype


def _draw_lines_anchored(text: Text, draw, renderer) -> None:
    """Text.draw for a multi-line text, telling `_BookRendererSVG` whose lines it draws."""
    _DRAWING.append(text)
    try:
        draw(renderer)
    finally:
        _DRAWING.pop()


class FigureCanvas(FigureCanvasSVG):
    """``savefig(..., backend="module://companion.figure_svg")`` writes the book's SVG (see the module)."""

    def print_svg(self, filename, *, bbox_inches_restore=None, metadata=None, **_ignored):
        """Draw the figure with `_BookRendererSVG`, then tidy the SVG (`tidy_svg`) and write it."""
        mixed = _words_with_maths(self.figure)
        multiline = [t for t in self.figure.findobj(Text) if "\n" in t.get_text()]
        for text in multiline:
            text.draw = functools.partial(_draw_lines_anchored, text, text.draw)
        buffer = io.StringIO()
        dpi = self.figure.dpi
        self.figure.dpi = 72  # as matplotlib's print_svg: savefig restores it (the tight-bbox pass needs 72 here)
        try:
            width, height = self.figure.get_size_inches()
            renderer = MixedModeRenderer(
                self.figure, width, height, dpi,
                _BookRendererSVG(width * 72, height * 72, buffer, image_dpi=dpi, metadata=_NO_METADATA),
                bbox_inches_restore=bbox_inches_restore,
            )  # fmt: skip
            with mpl.rc_context({"svg.hashsalt": mpl.rcParams["svg.hashsalt"] or "companion"}):
                self.figure.draw(renderer)
            renderer.finalize()
        finally:
            for text in multiline:
                del text.draw
            for text, (original, gid) in mixed.items():
                text.set_text(original)
                text.set_gid(gid)
        svg = tidy_svg(buffer.getvalue(), {f"mixed-{k}": original for k, (original, _) in enumerate(mixed.values())})
        with cbook.open_file_cm(filename, "w", encoding="utf-8") as fh:
            if not cbook.file_requires_unicode(fh):
                fh = codecs.getwriter("utf-8")(fh)
            fh.write(svg)


def _words_with_maths(figure) -> dict:
    """Texts that mix words and ``$maths$``: drawn as their plain letters (for the layout) and marked by id.

    Returns {text: (original string, original gid)}; `tidy_svg` then writes each marked text's
    maths as tspans (companion.figure_text.math_as_tspans).
    """
    mixed = {}
    for text in figure.findobj(Text):
        s = text.get_text()
        if MATH.search(s) and has_words(s) and text.get_visible():
            mixed[text] = (s, text.get_gid())
            text.set_gid(f"mixed-{len(mixed) - 1}")
            text.set_text(math_as_plain(s))
    return mixed


_TEXT = re.compile(r"<text (?P<attrs>[^>]*)>(?P<content>[^<]*)</text>")
_FONT_SIZE = re.compile(r"font-size: ([\d.]+)px")
_FONT_FAMILY = re.compile(r"font-family: [^;\"]*(; )?")
_NO_ROTATION = re.compile(r' transform="rotate\(-0 [^)]*\)"')
# not transforms: their scale factors need every digit
_COORDINATE_ATTRIBUTE = re.compile(r'(\s(?:d|x|y|x1|x2|y1|y2|width|height|points|viewBox)=")([^"]*)"')
_LONG_NUMBER = re.compile(r"-?\d+\.\d{3,}")


def _round(value: re.Match) -> str:
    rounded = f"{float(value.group()):.2f}".rstrip("0").rstrip(".")
    return "0" if rounded == "-0" else rounded


def tidy_svg(svg: str, mixed: dict[str, str] | None = None) -> str:
    """matplotlib's SVG made compact and fit for translation.

    No XML prolog, doctype or metadata; the font stack once in the style sheet instead of on
    every text; no ``rotate(-0 …)``; coordinates rounded to 0.01 pt. ``mixed`` maps a group id
    to the original string of a text that mixes words and maths (`_words_with_maths`): its
    lines are written with maths as tspans and keep their source in ``data-tex``.
    """
    svg = _FONT_FAMILY.sub("", svg[svg.index("<svg") :]).replace('; "', '"')
    svg = svg.replace("<svg ", '<svg class="book-figure" ', 1)
    svg = svg.replace(
        "*{stroke-linejoin: round; stroke-linecap: butt}",
        f"*{{stroke-linejoin: round; stroke-linecap: butt}}\n  text{{font-family: {FONT_STACK}}}",
        1,
    )
    svg = _NO_ROTATION.sub("", svg)
    svg = _COORDINATE_ATTRIBUTE.sub(lambda m: m.group(1) + _LONG_NUMBER.sub(_round, m.group(2)) + '"', svg)
    for gid, original in (mixed or {}).items():
        svg = _write_mixed(svg, gid, original)
    return svg


def _write_mixed(svg: str, gid: str, original: str) -> str:
    """Replace the plain lines of group ``gid`` with ``original``'s lines, maths as tspans."""
    match = re.search(rf'<g id="{re.escape(gid)}">(.*?)\n *</g>', svg, re.DOTALL)
    if match is None:
        return svg  # the text was not drawn (outside the saved area)
    lines = iter(original.split("\n"))

    def rich(m: re.Match) -> str:
        line = next(lines)
        size = float(_FONT_SIZE.search(m.group("attrs")).group(1))
        tex = line.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        return f'<text {m.group("attrs")} data-tex="{tex}">{math_as_tspans(line, size)}</text>'

    body = _TEXT.sub(rich, match.group(1))
    return svg[: match.start(1)] + body + svg[match.end(1) :]


def figure_svg(fig) -> str:
    """The figure as the book's SVG (what Jupyter shows and the notebooks store)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, metadata=_NO_METADATA, **SAVE_OPTIONS)
    return buffer.getvalue().decode("utf-8")


def use_svg_display() -> None:
    """Make Jupyter show figures as the book's SVG instead of PNG (called by `companion.setup`)."""
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing displays figures
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
        from matplotlib_inline.config import InlineBackend
    except ImportError:  # IPython without Jupyter's inline backend: figures open in windows
        return

    options = {key: value for key, value in SAVE_OPTIONS.items() if key != "format"}
    config = InlineBackend.instance()
    with warnings.catch_warnings():  # the inline backend's observers use traitlets 4.0 names
        warnings.simplefilter("ignore", DeprecationWarning)
        config.print_figure_kwargs = {**options, "metadata": _NO_METADATA}
        config.figure_formats = {"svg"}  # also when the inline backend is loaded later
    set_matplotlib_formats("svg", **config.print_figure_kwargs)
