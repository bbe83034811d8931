"""Tests of `import companion` and `companion.setup`: cheap import, seeding, quiet TensorFlow."""

from __future__ import annotations

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


@pytest.mark.parametrize("kwargs", [{"seed": -1}, {"seed": 1.5}, {"threads": 0}])
def test_setup_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match="seed|threads"):
        companion.setup(**kwargs)


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
