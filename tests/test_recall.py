"""The recall task's Keras models: the forget-gate bias is where chapter 4 says, and the gradient probe measures."""

from __future__ import annotations

import numpy as np
import pytest

from companion.recall import KINDS, recall_layer, recall_run


def test_an_unknown_kind_is_refused_before_keras_is_needed():
    with pytest.raises(ValueError, match="kind must be one of"):
        recall_layer("GRU", 4, 8)


@pytest.mark.tensorflow
@pytest.mark.parametrize("kind", [k for k, bias in KINDS.items() if bias is not None])
def test_the_lstm_starts_with_its_forget_gate_bias_and_nothing_else_changed(kind):
    import companion

    companion.setup(seed=0, tensorflow=True)
    layer = recall_layer(kind, 4, 8)
    bias = layer.cell.bias.numpy()
    np.testing.assert_array_equal(bias[4:8], KINDS[kind])  # Keras' order i, f, c, o
    np.testing.assert_array_equal(np.delete(bias, np.s_[4:8]), 0.0)


@pytest.mark.tensorflow
def test_the_gradient_probe_sees_no_path_from_the_first_input_when_the_recurrence_is_cut():
    import keras

    import companion
    from companion.recall import _input_gradient_norms
    from companion.toydata import recall_task

    companion.setup(seed=0, tensorflow=True)
    x, labels = recall_task(16, 6, seed=0)
    rnn = keras.layers.SimpleRNN(5)
    net = keras.Sequential([keras.Input(x.shape[1:]), rnn, keras.layers.Dense(4, activation="softmax")])
    norms = _input_gradient_norms(net, x, labels)
    assert norms.shape == (6,) and np.all(norms > 0)
    rnn.cell.recurrent_kernel.assign(np.zeros((5, 5), np.float32))  # the output now reads X_T only
    norms = _input_gradient_norms(net, x, labels)
    assert np.all(norms[:-1] == 0) and norms[-1] > 0


@pytest.mark.tensorflow
def test_a_short_recall_run_reports_what_the_chapter_prints():
    import companion

    companion.setup(seed=0, tensorflow=True)
    run = recall_run("SimpleRNN", 3, seed=1, epochs=1)
    assert set(run) == {"kind", "steps", "seed", "accuracy", "grad_first", "grad_last"}
    assert (run["kind"], run["steps"], run["seed"]) == ("SimpleRNN", 3, 1)
    assert 0.0 <= run["accuracy"] <= 1.0 and run["grad_first"] > 0 and run["grad_last"] > 0
    untrained = recall_run("SimpleRNN", 3, seed=1, epochs=0)
    assert (untrained["grad_first"], untrained["grad_last"]) == (run["grad_first"], run["grad_last"])
    assert untrained["accuracy"] is None
    with pytest.raises(ValueError, match="lr must be > 0"):
        recall_run("SimpleRNN", 3, lr=0.0)
    with pytest.raises(ValueError, match="epochs must be an integer >= 0"):
        recall_run("SimpleRNN", 3, epochs=-1)
