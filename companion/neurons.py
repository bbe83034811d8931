"""The leaky integrate-and-fire neuron and the perceptron (chapter 1); NumPy only.

Units throughout: time in ms, voltage in mV, resistance in MOhm, current in nA
(so that R * I is in mV) and firing rates in spikes per second (Hz).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from companion._checks import (
    as_float_array,
    check_batch,
    check_bool,
    check_finite,
    check_int,
    check_number,
    check_seed,
)
from companion.activations import step

__all__ = ["LIFParams", "PerceptronHistory", "lif_rate", "lif_simulate", "perceptron_train", "rate_from_spikes"]


@dataclass(frozen=True)
class LIFParams:
    """Parameters of a leaky integrate-and-fire neuron (chapter 1)."""

    tau_m: float = 10.0  # membrane time constant, ms
    r_m: float = 10.0  # membrane resistance, MOhm
    v_rest: float = -65.0  # resting (leak reversal) potential, mV
    v_reset: float = -65.0  # potential after a spike, mV
    v_th: float = -50.0  # spike threshold, mV
    t_ref: float = 2.0  # absolute refractory period, ms

    def __post_init__(self):
        for name in ("tau_m", "r_m", "v_rest", "v_reset", "v_th", "t_ref"):
            check_number(name, getattr(self, name))
        if not self.tau_m > 0:
            raise ValueError(f"tau_m must be > 0 ms; got {self.tau_m}")
        if not self.r_m > 0:
            raise ValueError(f"r_m must be > 0 MOhm; got {self.r_m}")
        if not self.t_ref >= 0:
            raise ValueError(f"t_ref must be >= 0 ms; got {self.t_ref}")
        if not self.v_reset < self.v_th:
            raise ValueError(f"v_reset ({self.v_reset}) must be below v_th ({self.v_th})")

    @property
    def rheobase(self) -> float:
        """The smallest constant current (nA) that makes the neuron fire: (v_th - v_rest) / R."""
        return (self.v_th - self.v_rest) / self.r_m


def _check_params(params) -> LIFParams:
    if not isinstance(params, LIFParams):
        raise TypeError(f"params must be a LIFParams; got {type(params).__name__}")
    return params


def _check_dt(dt) -> float:
    dt = check_number("dt", dt)
    if not dt > 0:
        raise ValueError(f"dt must be a positive time step in ms; got {dt}")
    return dt


def lif_simulate(current, dt: float, params: LIFParams = LIFParams(), v0=None, record_v: bool = True):
    """Euler-integrate tau_m dV/dt = -(V - v_rest) + R I for many neurons at once (chapter 1).

    ``current`` is ``(steps, neurons)`` in nA. Returns ``(v, spikes)``: the membrane
    potential (``None`` unless ``record_v``) and a boolean spike array, both
    ``(steps, neurons)``. After a spike, V is held at ``v_reset`` for ``t_ref``.
    """
    record_v = check_bool("record_v", record_v)
    current = as_float_array("current", current, 2, "(steps, neurons) in nA").astype(float, copy=False)
    check_batch("current", current, "(steps, neurons) array")
    check_finite("current", current)
    params = _check_params(params)
    dt = _check_dt(dt)
    if not dt < params.tau_m:
        raise ValueError(f"dt must be below tau_m ({params.tau_m} ms) for Euler integration to be stable; got {dt}")
    steps, n = current.shape
    v = np.full(n, params.v_rest, dtype=float) if v0 is None else as_float_array("v0", v0).astype(float)
    if v.shape != (n,):
        raise ValueError(f"v0 must have shape ({n},) to match current's {n} neurons; got {v.shape}")
    check_finite("v0", v)
    refractory_left = np.zeros(n)
    v_trace = np.empty((steps, n)) if record_v else None
    spikes = np.zeros((steps, n), dtype=bool)
    decay = dt / params.tau_m
    for t in range(steps):
        active = refractory_left <= 0
        dv = decay * (-(v - params.v_rest) + params.r_m * current[t])
        v = np.where(active, v + dv, params.v_reset)
        fired = v >= params.v_th
        spikes[t] = fired
        v = np.where(fired, params.v_reset, v)
        refractory_left = np.where(fired, params.t_ref, refractory_left - dt)
        if record_v:
            v_trace[t] = v
    return v_trace, spikes


def lif_rate(current, params: LIFParams = LIFParams()):
    """Analytic firing rate (Hz) of the LIF neuron under constant current (chapter 1's f-I curve).

    r(I) = 1 / (t_ref + tau_m ln((R I + v_rest - v_reset) / (R I + v_rest - v_th))) above
    threshold (R I > v_th - v_rest), else 0. With v_reset = v_rest this is the textbook
    r(I) = 1 / (t_ref + tau_m ln(R I / (R I - (v_th - v_reset)))).
    """
    current = as_float_array("current", current).astype(float, copy=False)
    check_finite("current", current)
    params = _check_params(params)
    drive = params.r_m * current + params.v_rest
    above = drive > params.v_th
    safe = np.where(above, drive, params.v_th + 1.0)
    period_ms = params.t_ref + params.tau_m * np.log((safe - params.v_reset) / (safe - params.v_th))
    rate = np.where(above, 1000.0 / period_ms, 0.0)
    check_finite("the rate (R * current overflows)", rate, error=FloatingPointError)
    return rate


def rate_from_spikes(spikes, dt: float):
    """Firing rate (Hz) of each neuron as 1 / mean inter-spike interval; 0 with < 2 spikes (chapter 1)."""
    dt = _check_dt(dt)
    spikes = np.asarray(spikes)
    if spikes.dtype != bool and not (spikes.dtype.kind in "uif" and np.isin(spikes, (0, 1)).all()):
        raise TypeError(f"spikes must be a boolean (or 0/1) array; got dtype {spikes.dtype}")
    spikes = spikes.astype(bool)
    if spikes.ndim != 2:
        raise ValueError(f"spikes must be (steps, neurons); got shape {spikes.shape}")
    rates = np.zeros(spikes.shape[1])
    for i in range(spikes.shape[1]):
        times = np.flatnonzero(spikes[:, i]) * dt
        if len(times) >= 2:
            rates[i] = 1000.0 / np.mean(np.diff(times))
    return rates


@dataclass
class PerceptronHistory:
    """What `perceptron_train` did: weights after each epoch, errors and accuracy per epoch."""

    weights: list[np.ndarray]
    errors: list[int]
    accuracy: list[float]
    converged: bool


def perceptron_train(x, d, lr: float = 1.0, epochs: int = 50, seed: int = 0) -> PerceptronHistory:
    """Rosenblatt's rule w <- w + lr (d - y) [x, 1], y = step([x, 1] w) the unit's output (chapter 1).

    ``x`` is ``(n, features)``, ``d`` holds the targets 0/1. The last weight is the bias.
    Stops early once an epoch makes no mistake (``converged``).
    """
    x = as_float_array("x", x).astype(float, copy=False)
    d = np.asarray(d)
    if x.ndim != 2 or d.shape != (x.shape[0],):
        raise ValueError(f"x must be (n, features) and d (n,); got {x.shape} and {d.shape}")
    check_batch("x", x, "(n, features) array")
    if d.dtype.kind not in "buif" or not np.isin(d, (0, 1)).all():
        raise ValueError(f"d must hold targets 0 and 1; got {np.unique(d)[:5].tolist()}")
    check_finite("x", x)
    lr, epochs = check_number("lr", lr, positive=True), check_int("epochs", epochs)
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    history = PerceptronHistory(weights=[w.copy()], errors=[], accuracy=[], converged=False)
    for _ in range(epochs):
        mistakes = 0
        for i in rng.permutation(len(x)):
            y = step(xb[i] @ w)
            if y != d[i]:
                w = w + lr * (d[i] - y) * xb[i]
                mistakes += 1
        history.weights.append(w.copy())
        history.errors.append(mistakes)
        history.accuracy.append(float(np.mean(step(xb @ w) == d)))
        if mistakes == 0:
            history.converged = True
            break
    return history
