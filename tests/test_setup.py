"""Tests of `import companion` and `companion.setup`: cheap import, seeding, quiet TensorFlow."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

import companion


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)


def test_import_has_no_heavy_side_effects():
    result = run_python(
        "import sys, companion\n"
        "heavy = [m for m in ('tensorflow', 'keras', 'matplotlib', 'shap', 'lime') if m in sys.modules]\n"
        "print(heavy)"
    )
    assert result.stdout.strip() == "[]"


def test_setup_seeds_numpy_and_python():
    import random

    companion.setup(seed=3)
    first = (np.random.rand(3), random.random())  # noqa: NPY002 (setup seeds the global generator)
    companion.setup(seed=3)
    second = (np.random.rand(3), random.random())  # noqa: NPY002
    np.testing.assert_array_equal(first[0], second[0])
    assert first[1] == second[1]
    companion.setup(seed=4)
    assert not np.array_equal(np.random.rand(3), first[0])  # noqa: NPY002


def test_setup_applies_the_book_style():
    import matplotlib as mpl

    from companion.plotting import BOOK_STYLE

    mpl.rcdefaults()
    companion.setup(seed=0)
    assert mpl.rcParams["axes.spines.top"] is BOOK_STYLE["axes.spines.top"]
    assert mpl.rcParams["image.cmap"] == BOOK_STYLE["image.cmap"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"seed": -1}, ValueError, "seed must be an integer >= 0"),
        ({"seed": 2**32}, ValueError, r"seed must be an integer >= 0 and <= 4294967295; got 4294967296"),
        ({"seed": 1.5}, TypeError, "seed must be an integer; got 1.5"),
        ({"seed": True}, TypeError, "seed must be an integer; got True"),
        ({"threads": 0}, ValueError, "threads must be an integer >= 1"),
        ({"threads": 2.0}, TypeError, "threads must be an integer; got 2.0"),
        ({"tensorflow": "yes"}, TypeError, "tensorflow must be True or False"),
    ],
)
def test_setup_rejects_bad_arguments_before_changing_anything(kwargs, error, match):
    import random

    companion.setup(seed=1)
    state = random.getstate(), np.random.get_state()[1].copy()  # noqa: NPY002
    with pytest.raises(error, match=match):
        companion.setup(**kwargs)
    assert random.getstate() == state[0]  # seed=2**32 used to reseed Python's random, then fail in NumPy
    np.testing.assert_array_equal(np.random.get_state()[1], state[1])  # noqa: NPY002


def test_setup_accepts_numpy_integers():
    assert companion.setup(seed=np.int64(3), threads=np.int32(2)) == companion.setup(seed=3)
    assert repr(companion.setup(seed=np.uint32(2**32 - 1))) == "Setup(seed=4294967295, tensorflow=False, threads=None)"


@pytest.mark.tensorflow
def test_tensorflow_threads_cannot_change_silently():
    code = (
        "import companion\n"
        "companion.setup(seed=0, tensorflow=True, threads=2)\n"
        "print(companion.setup(seed=1, tensorflow=True, threads=2))\n"
        "try:\n"
        "    companion.setup(seed=0, tensorflow=True, threads=1)\n"
        "except RuntimeError as exc:\n"
        "    print(exc)\n"
        "import tensorflow as tf\n"
        "print(tf.config.threading.get_intra_op_parallelism_threads())\n"
    )
    lines = run_python(code).stdout.splitlines()
    assert lines[0] == "Setup(seed=1, tensorflow=True, threads=2)"  # the same count again is fine
    assert "TensorFlow already runs with 2 threads" in lines[1] and "threads=1" in lines[1]
    assert lines[2] == "2"


@pytest.mark.tensorflow
def test_tensorflow_setup_is_quiet_seeded_and_thread_fixed():
    code = (
        "import companion\n"
        "companion.setup(seed=7, tensorflow=True, threads=1)\n"
        "import tensorflow as tf, keras\n"
        "a = keras.random.uniform((4,)).numpy()\n"
        "companion.setup(seed=7, tensorflow=True, threads=1)\n"
        "b = keras.random.uniform((4,)).numpy()\n"
        "print((a == b).all(), tf.config.threading.get_intra_op_parallelism_threads())\n"
    )
    result = run_python(code)
    assert result.stdout.split() == ["True", "1"]
    for noise in ("oneDNN", "cpu_feature_guard", "cuda", "absl::InitializeLog"):
        assert noise not in result.stderr, result.stderr


def test_setup_reports_what_it_did():
    assert repr(companion.setup(seed=5)) == "Setup(seed=5, tensorflow=False, threads=None)"


class _FakeThreading:
    """TensorFlow's ``tf.config.threading`` after its runtime started with ``current`` intra-op threads."""

    def __init__(self, current):
        self.current = current

    def set_intra_op_parallelism_threads(self, threads):
        raise RuntimeError("Intra op parallelism cannot be modified after initialization.")

    def set_inter_op_parallelism_threads(self, threads):
        raise RuntimeError("Inter op parallelism cannot be modified after initialization.")

    def get_intra_op_parallelism_threads(self):
        return self.current


def _started_tensorflow(current):
    from types import SimpleNamespace

    return SimpleNamespace(config=SimpleNamespace(threading=_FakeThreading(current)))


@pytest.mark.parametrize(("current", "in_effect"), [(4, "4 threads"), (0, "all cores (TensorFlow's default)")])
def test_a_started_runtime_with_other_threads_is_an_error(current, in_effect):
    from companion.tfsetup import _fix_threads

    expected = rf"already runs with {re.escape(in_effect)} in this process .* threads=2"
    with pytest.raises(RuntimeError, match=expected) as info:
        _fix_threads(_started_tensorflow(current), 2)
    assert info.value.__suppress_context__  # TensorFlow's own message is not what the reader needs
    _fix_threads(_started_tensorflow(2), 2)  # the same count again is fine
