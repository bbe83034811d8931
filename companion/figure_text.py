"""The words in the book's figures: which text is words, its numbers, and its maths as SVG (every chapter).

A line of figure text is either words ("time (ms)"), which the Chinese edition translates, or
not: numbers, units, names (ReLU, Sobel, LGN) and maths (``$x_1$``) read the same in both
languages. Numbers in a line of words become placeholders, so "true 3, said 5" and "true 9,
said 4" are one message for the translator, "true {0}, said {1}". Maths inside words
(``threshold $V_{th}$``) is written as SVG ``<tspan>`` runs (italic letters, sub- and
superscripts), the same way in the English figure and in its translation. Pure Python: the
book's build imports this module without matplotlib.
"""

from __future__ import annotations

import re
from html import escape

__all__ = ["fill", "has_words", "latin_words", "math_as_plain", "math_as_tspans", "template"]

MATH = re.compile(r"\$[^$]+\$")
# A number that is not part of a name such as V1 or x2: 7, 0.52, 10,000.
NUMBER = re.compile(r"(?<![A-Za-z_\d.,])\d{1,3}(?:,\d{3})+(?![\d])|(?<![A-Za-z_\d.,])\d+(?:\.\d+)?")
PLACEHOLDER = re.compile(r"\{(\d+)\}")

# Names and units stay as they are in both editions (the glossary keeps these terms in English too;
# "ctx" is the context node of chapter 1's graphs, "fit" Keras' method).
NAMES = (
    "Deep SHAP", "Partition SHAP", "keras.io", "SmoothGrad", "SHAP", "LIME", "ReLU", "relu", "tanh", "sigmoid",
    "softmax", "Sobel", "Xavier", "He", "XOR", "MNIST", "RNN", "CNN", "MLP", "LIF", "LGN", "Keras", "NumPy",
    "TensorFlow", "Elman", "Jordan", "ctx", "fit", "AUC",
)  # fmt: skip
UNITS = ("ms", "mV", "nA", "Hz", "px", "dB")
_NAME = re.compile(r"(?<![A-Za-z])(?:" + "|".join(re.escape(n) for n in (*NAMES, *UNITS)) + r")(?![A-Za-z])")
# A word: lower case or capitalised ("time", "Elman"), or an acronym ("GPU"); "xW" is a product of symbols.
_LATIN_WORD = re.compile(r"[A-Z]{2,}(?![a-z])|[A-Za-z][a-z]+")
# Quoted text is a name from the code, such as Keras' padding "valid": it stays as it is.
_QUOTED = re.compile(r"“[^”]*”|‘[^’]*’|\"[^\"]*\"|`[^`]*`")
# A symbol with a subscript written in plain text, such as t_ref, I_rh or V_th: maths, not a word.
_SUBSCRIPTED = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z]_[A-Za-z0-9]+(?![A-Za-z0-9_])")


def _outside_math(text: str, replace) -> str:
    """Apply ``replace`` to the parts of ``text`` outside ``$...$``; the maths stays as it is."""
    parts, last = [], 0
    for m in MATH.finditer(text):
        parts += [replace(text[last : m.start()]), m.group()]
        last = m.end()
    return "".join([*parts, replace(text[last:])])


def template(line: str) -> tuple[str, list[str]]:
    """``"true 3, said 5"`` -> ``("true {0}, said {1}", ["3", "5"])``: numbers outside maths become placeholders."""
    if PLACEHOLDER.search(MATH.sub("", line)):
        raise ValueError(f"figure text must not contain a placeholder such as {{0}}; got {line!r}")
    numbers: list[str] = []

    def number(m: re.Match) -> str:
        numbers.append(m.group())
        return f"{{{len(numbers) - 1}}}"

    return _outside_math(line, lambda part: NUMBER.sub(number, part)), numbers


def fill(template_text: str, numbers: list[str]) -> str:
    """Put ``numbers`` back into a (translated) template's placeholders, outside its maths."""

    def number(m: re.Match) -> str:
        index = int(m.group(1))
        if index >= len(numbers):
            raise ValueError(f"{template_text!r} asks for number {{{index}}}; the figure has {len(numbers)}")
        return numbers[index]

    return _outside_math(template_text, lambda part: PLACEHOLDER.sub(number, part))


def latin_words(text: str) -> list[str]:
    """The words of ``text`` in Latin letters, leaving out maths, symbols such as t_ref, quoted names and units."""
    plain = _NAME.sub(" ", _SUBSCRIPTED.sub(" ", _QUOTED.sub(" ", MATH.sub(" ", text))))
    return _LATIN_WORD.findall(plain)


def has_words(text: str) -> bool:
    """Whether a line of figure text has words to translate (not only numbers, units, names or maths)."""
    return bool(latin_words(text))


# ---------------------------------------------------------------- maths inside words, as SVG text

SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η", "theta": "θ",
    "lambda": "λ", "mu": "μ", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "omega": "ω",
    "Delta": "Δ", "Sigma": "Σ", "partial": "∂", "nabla": "∇", "cdot": "·", "times": "×", "odot": "⊙",
    "top": "⊤", "prime": "′", "infty": "∞", "approx": "≈", "propto": "∝", "leq": "≤", "geq": "≥",
    "to": "→", "in": "∈", "sum": "∑", "ell": "ℓ",
}  # fmt: skip
_SPACES = {",": "\u2009", ";": " ", " ": " ", "!": "", "|": "‖", "{": "{", "}": "}", "%": "%", "$": "$"}
_UPRIGHT_COMMANDS = ("mathrm", "text", "mathdefault", "operatorname")
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|([A-Za-z])|(.)", re.DOTALL)

SUB_SCALE, SUB_DROP, SUP_RISE = 0.7, 0.25, 0.4  # of the font size, close to matplotlib's mathtext


def _math_runs(tex: str, shift: str = "", upright: bool = False) -> list[tuple[str, bool, str]]:
    """A TeX formula (without $) as runs of (text, italic, shift) with shift '', 'sub' or 'sup'."""
    runs: list[tuple[str, bool, str]] = []
    i = 0

    def group(start: int) -> tuple[str, int]:
        """The argument at ``start``: a {braced group}, a command or one character; and where it ends."""
        while start < len(tex) and tex[start] == " ":
            start += 1
        if start >= len(tex):
            raise ValueError(f"maths ends too early in figure text: ${tex}$")
        if tex[start] == "{":
            depth = 0
            for end in range(start, len(tex)):
                depth += {"{": 1, "}": -1}.get(tex[end], 0)
                if depth == 0:
                    return tex[start + 1 : end], end + 1
            raise ValueError(f"unbalanced braces in figure text: ${tex}$")
        if tex[start] == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[start:])
            return m.group(), start + m.end()
        return tex[start], start + 1

    while i < len(tex):
        char = tex[i]
        if char in "_^":
            argument, i = group(i + 1)
            runs += _math_runs(argument, "sub" if char == "_" else "sup", upright)
            continue
        if char == "{":
            argument, i = group(i)
            runs += _math_runs(argument, shift, upright)
            continue
        m = _TOKEN.match(tex, i)
        command, letter, other = m.groups()
        i = m.end()
        if command is not None:
            if command in _UPRIGHT_COMMANDS:
                argument, i = group(i)
                runs += _math_runs(argument, shift, upright=True)
            elif command in SYMBOLS:
                runs.append((SYMBOLS[command], False, shift))
            elif command in _SPACES:
                runs.append((_SPACES[command], False, shift))
            else:
                raise ValueError(f"figure text uses \\{command}, which the book's SVG text does not typeset: ${tex}$")
        elif letter is not None:
            runs.append((letter, not upright, shift))
        elif other != " ":
            runs.append(({"-": "−", "'": "′"}.get(other, other), False, shift))
    return runs


def _merged(runs: list[tuple[str, bool, str]]) -> list[tuple[str, bool, str]]:
    """Neighbouring runs of the same style joined into one."""
    merged: list[tuple[str, bool, str]] = []
    for text, italic, shift in runs:
        if merged and merged[-1][1:] == (italic, shift):
            merged[-1] = (merged[-1][0] + text, italic, shift)
        else:
            merged.append((text, italic, shift))
    return merged


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _line_runs(text: str) -> list[tuple[str, bool, str]]:
    """A line of figure text as styled runs: its words plain, its ``$...$`` maths as `_math_runs`."""
    runs, last = [], 0
    for m in MATH.finditer(text):
        runs.append((text[last : m.start()], False, ""))
        runs += _math_runs(m.group()[1:-1])
        last = m.end()
    runs.append((text[last:], False, ""))
    return _merged([r for r in runs if r[0]])


def math_as_tspans(text: str, size: float) -> str:
    """SVG content for a line with ``$...$`` maths at font size ``size`` (px): words as text, maths as tspans."""
    offsets = {"": 0.0, "sub": SUB_DROP * size, "sup": -SUP_RISE * size}
    out, baseline = [], 0.0
    for piece, italic, shift in _line_runs(text):
        attributes = []
        if offsets[shift] != baseline:
            attributes.append(f'dy="{_number(offsets[shift] - baseline)}"')
            baseline = offsets[shift]
        if italic:
            attributes.append('font-style="italic"')
        if shift:
            attributes.append(f'font-size="{_number(SUB_SCALE * size)}px"')
        content = escape(piece, quote=False)
        out.append(f"<tspan {' '.join(attributes)}>{content}</tspan>" if attributes else content)
    return "".join(out)


def math_as_plain(text: str) -> str:
    """The line with its maths as plain characters (``threshold $V_{th}$`` -> ``threshold Vth``), for layout."""
    return "".join(piece for piece, _, _ in _line_runs(text))
