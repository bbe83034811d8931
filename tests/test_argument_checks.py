"""Bad arguments to companion functions: a clear error, never a silent wrong result or a huge allocation.

These cover checks added at the top of functions whose modules have their own test files
(`fnn.one_hot`, `neurons.lif_simulate`, `outlook.per_example_cross_entropy`,
`models.shifted_batches`), through the shared helpers of `companion/_checks.py`.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion._checks import check_bool
from companion.fnn import one_hot
from companion.neurons import lif_simulate
from companion.outlook import per_example_cross_entropy


def peak_bytes(function, *args, **kwargs) -> int:
    """Peak bytes NumPy and Python allocated while ``function`` ran (NumPy reports its buffers to tracemalloc)."""
    tracemalloc.start()
    try:
        function(*args, **kwargs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_one_hot_allocates_what_the_result_needs():
    """one_hot([0, 1], 30000) used to build a 30000 x 30000 identity matrix (6.7 GiB) for a 480 KB result."""
    rows = one_hot([0, 1], 30_000)
    assert rows.shape == (2, 30_000) and rows.sum() == 2 and rows[0, 0] == rows[1, 1] == 1
    assert peak_bytes(one_hot, [0, 1], 30_000) < 4 * rows.nbytes


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3000).flatmap(lambda k: st.tuples(st.just(k), st.lists(st.integers(0, k - 1), max_size=40))))
def test_one_hot_rows_are_the_labels_and_cost_their_size(case):
    n_classes, labels = case
    rows = one_hot(np.array(labels, dtype=np.int64), n_classes, dtype=np.float32)
    assert rows.shape == (len(labels), n_classes) and rows.dtype == np.float32
    assert np.array_equal(rows.sum(axis=1), np.ones(len(labels)))
    assert np.array_equal(rows.argmax(axis=1), np.array(labels, dtype=np.int64))
    labels = np.array(labels, dtype=np.int64)
    assert peak_bytes(one_hot, labels, n_classes) <= 2 * rows.nbytes * 2 + 65536  # float64: twice float32's bytes


@pytest.mark.parametrize("labels", [[-1, 0], [0, 3]])
def test_per_example_cross_entropy_refuses_labels_outside_the_classes(labels):
    """-1 used to index the last class and return its loss: a silent wrong result."""
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        per_example_cross_entropy(np.zeros((2, 3)), labels)


@pytest.mark.parametrize(
    ("labels", "error", "match"),
    [
        (np.eye(3)[[0, 1]], ValueError, r"labels \(n,\); got \(2, 3\) and \(2, 3\)"),
        ([0.0, 1.0], TypeError, "integer class indices"),
        ([0], ValueError, r"labels \(n,\); got \(2, 3\) and \(1,\)"),
    ],
)
def test_per_example_cross_entropy_names_wrong_labels(labels, error, match):
    with pytest.raises(error, match=match):
        per_example_cross_entropy(np.zeros((2, 3)), labels)


def test_per_example_cross_entropy_refuses_nan_logits():
    with pytest.raises(ValueError, match="logits contains NaN"):
        per_example_cross_entropy(np.array([[0.0, np.nan]]), [0])


@settings(max_examples=60, deadline=None)
@given(st.integers(-5, 5).filter(lambda label: not 0 <= label < 3))
def test_any_label_outside_the_classes_is_refused(label):
    with pytest.raises(ValueError):
        per_example_cross_entropy(np.zeros((1, 3)), [label])


@pytest.mark.parametrize("flag", ["no", "False", 0, 1, None, np.array([True])])
def test_lif_simulate_record_v_must_be_a_bool(flag):
    """record_v="no" used to be read as true and record the trace."""
    with pytest.raises(TypeError, match="record_v must be True or False"):
        lif_simulate(np.ones((5, 2)), dt=0.1, record_v=flag)


def test_lif_simulate_record_v_false_and_true():
    v, spikes = lif_simulate(np.ones((5, 2)), dt=0.1, record_v=False)
    assert v is None and spikes.shape == (5, 2)
    v, _ = lif_simulate(np.ones((5, 2)), dt=0.1, record_v=np.bool_(True))
    assert v.shape == (5, 2)


def test_no_labels_are_no_rows_and_an_empty_list_says_how():
    assert one_hot(np.array([], dtype=int), 3).shape == (0, 3)
    with pytest.raises(TypeError, match=r"an empty list reads as float: pass np.array\(\[\], dtype=int\)"):
        one_hot([], 3)


def test_check_bool():
    assert check_bool("flag", True) is True and check_bool("flag", np.bool_(False)) is False
    with pytest.raises(TypeError, match="flag must be True or False; got 'yes'"):
        check_bool("flag", "yes")


@pytest.mark.tensorflow
@pytest.mark.parametrize(
    ("x", "y", "error", "match"),
    [
        (np.zeros((4, 28, 28), np.uint8), np.eye(10, dtype=np.uint8)[[0, 1, 2, 3]], ValueError, r"\(4,\), one per"),
        (np.zeros((4, 28, 28), np.uint8), np.eye(10, dtype=np.float32)[[0, 1, 2, 3]], TypeError, "integer class"),
        (np.zeros((4, 28, 28), np.uint8), np.array([0, 1, np.nan, 3]), TypeError, "integer class indices"),
        (np.zeros((4, 28, 28), np.uint8), np.array([0, 1, -1, 3]), ValueError, r"got -1 at index 2"),
        (np.full((4, 28, 28, 1), np.nan, np.float32), np.arange(4), ValueError, "x contains NaN"),
    ],
)
def test_shifted_batches_refuses_labels_and_images_it_would_train_on_wrongly(x, y, error, match):
    from companion.models import shifted_batches

    with pytest.raises(error, match=match):
        shifted_batches(x, y, batch_size=2, shift=0.1)
