"""The book's notation (book/notation.md) stays: the symbols it retired do not come back.

The check reads the pages' Markdown and code and the companion modules' docstrings and
comments, and fails on a retired symbol: ŷ, ``\\hat y`` or ``y_hat`` for the output; α as the
learning rate (in prose and formulas, and as a word in docstrings and comments); ``c_j``,
``c_k``, ``c_y`` as a bias; a target array named ``y_…`` in code that takes it from the toy
data sets or hands it to the perceptron; a column-vector recurrence ``W_{hh} h_{t-1}``. The
article's own words are exempt (``{article}``, ``{article-math}``, ``{article-code}``: the book
quotes the letters it replaces), and so are the notation page's list of retired symbols and
chapter 6's α, the integration variable of Integrated Gradients.

By default the check covers getting started, chapters 1-3, the notation page and their
companion modules. ``NOTATION_SCOPE=all pytest tests/test_notation.py`` covers every page and
module of the book.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
COMPANION = ROOT / "companion"

PAGES = ["getting_started.ipynb", "notation.md", "ch1_neurons.ipynb", "ch2_feedforward.ipynb", "ch3_convolution.ipynb"]
MODULES = [
    "activations",
    "cnn",
    "cnn_model",
    "data",
    "fnn",
    "gradcheck",
    "neurons",
    "optim",
    "plot_cnn",
    "plot_neurons",
    "plot_training",
    "toydata",
]

# (name, pattern, where it applies: "prose" = Markdown text and formulas, "code" = code cells,
# "doc" = docstrings and comments of modules and code cells)
RULES = [
    ("output written y-hat", re.compile(r"\\hat\s*\{?\s*y|ŷ|\by_hat\b"), {"prose", "code", "doc"}),
    ("learning rate written alpha", re.compile(r"\\alpha|α"), {"prose"}),
    ("learning rate written alpha", re.compile(r"\balpha\b|α"), {"doc"}),
    ("bias written c", re.compile(r"(?<![\\\w])c_\{?(?:j|k|y|[0-9])\}?(?![\w])|\\partial\s*c\b"), {"prose"}),
    (
        "target array named y_",
        re.compile(
            r"\b\w+,\s*y\w*\s*=\s*(?:two_moons|two_spirals|noisy_sine|sine_sequences|recall_task)\("
            r"|perceptron_train\(\s*\w+,\s*y\w*"
        ),
        {"code"},
    ),
    (
        "column-vector recurrence",
        re.compile(r"W_\{?hh\}?(?:\s|\\[,;:!])*h_\{?t|W_\{?xh\}?(?:\s|\\[,;:!])*x_\{?t"),
        {"prose"},
    ),
]
ALLOWED = {("ch6_explain.ipynb", "learning rate written alpha")}  # Integrated Gradients' alpha

QUOTE_ROLE = re.compile(r"\{article(?:-math)?\}`[^`]*`")
QUOTE_BLOCK = re.compile(r"^(`{3,}|:{3,})\{article-code\}.*?^\1\s*$", re.DOTALL | re.MULTILINE)
RETIRED_SECTION = re.compile(r"^## Retired symbols\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)


def without_quotes(text: str) -> str:
    """The text with the article's quoted words removed: they keep the article's letters."""
    return QUOTE_ROLE.sub(" ", QUOTE_BLOCK.sub(" ", text))


def python_comments_and_docstrings(source: str) -> str:
    """The comments and docstrings of Python source, one per line."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    parts = [tok.string for tok in tokens if tok.type == tokenize.COMMENT]
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a notebook cell with IPython syntax: its comments were read already
        return "\n".join(parts)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node)
            if doc:
                parts.append(doc)
    return "\n".join(parts)


def findings(texts: dict[str, str], page: str = "") -> list[str]:
    """Every retired symbol in ``texts`` ({"prose": …, "code": …, "doc": …}), as readable lines."""
    found = []
    for name, pattern, where in RULES:
        if (page, name) in ALLOWED:
            continue
        for kind in sorted(where & texts.keys()):
            for match in pattern.finditer(texts[kind]):
                start = texts[kind].rfind("\n", 0, match.start()) + 1
                end = texts[kind].find("\n", match.end())
                line = texts[kind][start : end if end >= 0 else None].strip()
                found.append(f"{page} ({kind}): {name}: {line[:100]!r}")
    return found


def page_texts(path: Path) -> dict[str, str]:
    """A page's prose (quotes removed), code, and code comments."""
    if path.suffix == ".md":
        prose = path.read_text(encoding="utf-8")
        code = ""
    else:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        prose = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        prose += "\n\n".join(  # figure captions and alt texts are prose too
            json.dumps(c["metadata"].get("mystnb", {}), ensure_ascii=False) for c in cells if c["cell_type"] == "code"
        )
        code = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    prose = RETIRED_SECTION.sub(" ", without_quotes(prose))
    return {"prose": prose, "code": code, "doc": python_comments_and_docstrings(code) if code else ""}


def scope() -> tuple[list[Path], list[Path]]:
    if os.environ.get("NOTATION_SCOPE") == "all":
        return sorted([*BOOK.glob("*.md"), *BOOK.glob("*.ipynb")]), sorted(COMPANION.glob("*.py"))
    return [BOOK / page for page in PAGES], [COMPANION / f"{module}.py" for module in MODULES]


def test_the_check_catches_each_retired_symbol_and_spares_the_article():
    planted = {
        "prose": "the prediction $\\hat y_k$ with step $\\alpha$ and output bias $c_k$, "
        "$h_t = \\tanh(W_{hh} h_{t-1} + W_{xh} x_t)$, and $\\partial L/\\partial c$",
        "code": "x_moon, y_moon = two_moons(n=300)\nhistory = perceptron_train(x, y_sep)\ny_hat = net.forward(x)",
        "doc": "Update w <- w - alpha * grad, with α the step, and y_hat the output.",
    }
    names = [line.split(": ")[1] for line in findings(planted)]
    assert names.count("output written y-hat") == 3
    assert names.count("learning rate written alpha") == 3
    assert names.count("bias written c") == 2
    assert names.count("target array named y_") == 2
    assert names.count("column-vector recurrence") == 2
    clean = page_texts_from(
        "The article's {article-math}`v_{jk} = v_{jk} + \\alpha\\delta_j(y_k - d_k)` and "
        "{article-math}`y_k = g(\\sum_{j=1}^{m} v_{jk}h_j + c_k)` become "
        "$v_{jk} \\leftarrow v_{jk} - \\eta\\, \\delta_k h_j$, with bias $b_{2,k}$ and class $c$.\n\n"
        "## Retired symbols\n\n- $\\hat y$ for the output; $\\alpha$ for the learning rate.\n",
        "(x_train, y_train), (x_test, y_test) = load_mnist()\nax.plot(x, y, alpha=0.5)\n"
        "x_moon, d_moon = two_moons(n=300)\n",
    )
    assert findings(clean) == []


def page_texts_from(markdown: str, code: str) -> dict[str, str]:
    """page_texts for a page given as text (the self-test's)."""
    prose = RETIRED_SECTION.sub(" ", without_quotes(markdown))
    return {"prose": prose, "code": code, "doc": python_comments_and_docstrings(code)}


@pytest.mark.parametrize("path", scope()[0], ids=lambda p: p.name)
def test_pages_use_the_books_notation(path):
    found = findings(page_texts(path), path.name)
    assert not found, "retired symbols (see book/notation.md):\n" + "\n".join(found)


@pytest.mark.parametrize("path", scope()[1], ids=lambda p: p.name)
def test_companion_docstrings_use_the_books_notation(path):
    found = findings({"doc": python_comments_and_docstrings(path.read_text(encoding="utf-8"))}, path.name)
    assert not found, "retired symbols (see book/notation.md):\n" + "\n".join(found)
