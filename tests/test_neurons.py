"""The LIF neuron obeys its analytic f-I curve; the perceptron learns what is separable only."""

from __future__ import annotations

import numpy as np
import pytest

from companion.neurons import LIFParams, lif_rate, lif_simulate, perceptron_train, rate_from_spikes

DT = 0.01  # ms


def constant_current(values, duration_ms=500.0, dt=DT):
    return np.tile(np.asarray(values, dtype=float), (int(duration_ms / dt), 1))


def test_simulated_rate_matches_formula_above_threshold():
    params = LIFParams()
    currents = np.linspace(1.6, 4.0, 9)
    _, spikes = lif_simulate(constant_current(currents), DT, params, record_v=False)
    simulated = rate_from_spikes(spikes, DT)
    analytic = lif_rate(currents, params)
    assert np.all(analytic > 0)
    np.testing.assert_allclose(simulated, analytic, rtol=0.02)


def test_formula_reduces_to_the_textbook_form():
    params = LIFParams(tau_m=20.0, r_m=5.0, v_rest=-70.0, v_reset=-70.0, v_th=-54.0, t_ref=3.0)
    current = np.array([4.0, 6.0])
    ri = params.r_m * current
    textbook = 1000.0 / (params.t_ref + params.tau_m * np.log(ri / (ri - (params.v_th - params.v_reset))))
    np.testing.assert_allclose(lif_rate(current, params), textbook, rtol=1e-12)


def test_silent_below_threshold():
    params = LIFParams()
    threshold = params.rheobase
    assert threshold == pytest.approx(1.5)
    currents = [0.0, 0.5 * threshold, 0.999 * threshold]
    v, spikes = lif_simulate(constant_current(currents, 300.0), DT, params)
    assert not spikes.any()
    assert np.all(lif_rate(currents, params) == 0)
    # the membrane settles at v_rest + R I, below threshold
    np.testing.assert_allclose(v[-1], params.v_rest + params.r_m * np.array(currents), atol=1e-6)


def test_refractory_period_is_respected():
    params = LIFParams(t_ref=5.0)
    _, spikes = lif_simulate(constant_current([50.0], 200.0), DT, params, record_v=False)
    intervals = np.diff(np.flatnonzero(spikes[:, 0])) * DT
    assert intervals.min() >= params.t_ref
    assert rate_from_spikes(spikes, DT)[0] < 1000.0 / params.t_ref


def test_reset_after_each_spike():
    params = LIFParams()
    v, spikes = lif_simulate(constant_current([3.0], 100.0), DT, params)
    assert spikes.any()
    np.testing.assert_array_equal(v[spikes], params.v_reset)
    assert v.max() < params.v_th


def test_neurons_are_independent_in_the_vectorised_simulation():
    currents = np.array([2.0, 3.0])
    _, together = lif_simulate(constant_current(currents, 200.0), DT, record_v=False)
    _, alone = lif_simulate(constant_current(currents[1:], 200.0), DT, record_v=False)
    np.testing.assert_array_equal(together[:, 1], alone[:, 0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"tau_m": 0.0}, "tau_m must be > 0"),
        ({"tau_m": -5.0}, "tau_m must be > 0"),
        ({"t_ref": -1.0}, "t_ref must be >= 0"),
        ({"v_reset": -40.0}, "must be below v_th"),
    ],
)
def test_bad_parameters_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LIFParams(**kwargs)


def test_bad_simulation_inputs_are_refused():
    with pytest.raises(ValueError, match="dt must be a positive"):
        lif_simulate(np.zeros((10, 2)), dt=-0.1)
    with pytest.raises(ValueError, match=r"\(steps, neurons\)"):
        lif_simulate(np.zeros(10), dt=0.1)
    with pytest.raises(ValueError, match=r"v0 must have shape \(2,\)"):
        lif_simulate(np.zeros((10, 2)), dt=0.1, v0=np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        lif_simulate(np.full((10, 2), np.nan), dt=0.1)


def separable_blobs(seed=0, n=40):
    rng = np.random.default_rng(seed)
    x = np.vstack([rng.normal([-2, -2], 0.7, (n, 2)), rng.normal([2, 2], 0.7, (n, 2))])
    y = np.repeat([0, 1], n)
    return x, y


def test_perceptron_converges_on_separable_data():
    x, y = separable_blobs()
    history = perceptron_train(x, y, epochs=100)
    assert history.converged
    assert history.errors[-1] == 0 and history.accuracy[-1] == 1.0
    w = history.weights[-1]
    assert np.all((x @ w[:2] + w[2] >= 0) == (y == 1))


XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0])


def test_perceptron_never_converges_on_xor():
    for seed in range(5):
        history = perceptron_train(XOR_X, XOR_Y, epochs=200, seed=seed)
        assert not history.converged
        assert min(history.errors) > 0
        assert max(history.accuracy) <= 0.75


def test_perceptron_rejects_bad_input():
    with pytest.raises(ValueError, match="targets 0 and 1"):
        perceptron_train(XOR_X, XOR_Y * 2)
    with pytest.raises(ValueError, match=r"x must be \(n, features\)"):
        perceptron_train(XOR_X, XOR_Y[:3])
    with pytest.raises(ValueError, match="NaN"):
        perceptron_train(np.full((4, 2), np.nan), XOR_Y)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: LIFParams(v_rest=float("nan")), ValueError, "v_rest must be finite"),
        (lambda: LIFParams(tau_m="10"), TypeError, "tau_m must be a real number"),
        (lambda: lif_simulate(np.zeros((10, 2)), dt=10.0), ValueError, r"dt must be below tau_m \(10.0 ms\)"),
        (lambda: lif_simulate(np.zeros((0, 2)), dt=0.1), ValueError, "current must be a non-empty"),
        (lambda: lif_simulate(np.zeros((10, 2)), dt=0.1, params={"tau_m": 5}), TypeError, "params must be a LIFParams"),
        (lambda: lif_simulate(np.zeros((10, 1)), 0.1, v0=[np.nan]), ValueError, "v0 contains NaN"),
        (lambda: lif_rate([1.0, np.inf]), ValueError, "current contains NaN"),
        (lambda: rate_from_spikes(np.zeros((10, 2), bool), dt=0.0), ValueError, "dt must be a positive time step"),
        (lambda: rate_from_spikes(np.full((10, 2), 0.5), dt=0.1), TypeError, "spikes must be a boolean"),
        (lambda: perceptron_train(XOR_X, XOR_Y, epochs=2.5), TypeError, "epochs must be an integer; got 2.5"),
        (lambda: perceptron_train(XOR_X, XOR_Y, lr=0.0), ValueError, "lr must be > 0"),
        (lambda: perceptron_train(np.zeros((0, 2)), np.zeros(0)), ValueError, "x must be a non-empty"),
        (lambda: perceptron_train(XOR_X, [0, 1, 2, 0]), ValueError, r"d must hold targets 0 and 1; got \[0, 1, 2\]"),
    ],
)
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_rates_from_integer_spikes_equal_those_from_booleans():
    spikes = np.zeros((100, 1), dtype=int)
    spikes[::10] = 1
    np.testing.assert_array_equal(rate_from_spikes(spikes, 0.1), rate_from_spikes(spikes.astype(bool), 0.1))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"r_m": 0.0}, "r_m must be > 0 MOhm; got 0.0"), ({"tau_m": -1.0}, "tau_m must be > 0 ms; got -1.0")],
)
def test_lif_parameters_must_be_physical(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LIFParams(**kwargs)
