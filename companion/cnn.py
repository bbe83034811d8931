"""Convolution and max pooling from scratch, forward and backward (chapter 3); NumPy only.

Layouts follow Keras: images are ``x`` of shape (N, H, W, C) and kernels ``w`` of shape
(KH, KW, C_in, C_out). "Convolution" is what every framework computes, cross-correlation:
    z[n, i, j, c] = sum_{m, p, c'} w[m, p, c', c] * x[n, s*i + m, s*j + p, c'] + b[c].
Padding "same" pads like TensorFlow: the output has ceil(H / s) rows, and when the total
padding is odd the extra row goes at the bottom (and the extra column on the right).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from companion._checks import as_float_array, check_batch, check_finite, check_int

__all__ = [
    "conv2d_backward",
    "conv2d_backward_naive",
    "conv2d_forward",
    "conv2d_forward_naive",
    "conv_output_size",
    "maxpool2d_backward",
    "maxpool2d_forward",
    "receptive_field",
]


def conv_output_size(size: int, kernel: int, stride: int, padding: str) -> tuple[int, int, int]:
    """Output length and (before, after) padding along one axis, as TensorFlow computes them."""
    size, kernel, stride = check_int("size", size), check_int("kernel", kernel), check_int("stride", stride)
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same'; got {padding!r}")
    if padding == "valid":
        if kernel > size:
            raise ValueError(f"kernel {kernel} exceeds the input size {size} (padding 'valid')")
        return (size - kernel) // stride + 1, 0, 0
    out = -(-size // stride)  # ceil
    total = max((out - 1) * stride + kernel - size, 0)
    return out, total // 2, total - total // 2


def _check_conv_args(x, w, b, stride, padding, bias=True):
    """Validate a convolution's arguments; return x, w, b as float arrays (integers would wrap around).

    ``bias=False`` (the backward pass, which needs no b) skips b and returns None for it.
    """
    x = as_float_array("x", x, 4, "(batch, height, width, channels)")
    w = as_float_array("w", w, 4, "(kernel_h, kernel_w, in_channels, out_channels)")
    check_batch("x", x, "(batch, height, width, channels) array")
    check_batch("w", w, "(kernel_h, kernel_w, in_channels, out_channels) array")
    if w.shape[2] != x.shape[3]:
        raise ValueError(f"w expects {w.shape[2]} input channels but x has {x.shape[3]} (x {x.shape}, w {w.shape})")
    if bias:
        b = as_float_array("b", b)
        if b.shape != (w.shape[3],):
            raise ValueError(f"b must have shape ({w.shape[3]},) to match w {w.shape}; got {b.shape}")
    stride = check_int("stride", stride)
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same'; got {padding!r}")
    for name, array in (("x", x), ("w", w), ("b", b)) if bias else (("x", x), ("w", w)):
        check_finite(name, array)
    for axis, name in ((0, "height"), (1, "width")):
        if padding == "valid" and w.shape[axis] > x.shape[axis + 1]:
            raise ValueError(
                f"kernel {name} {w.shape[axis]} exceeds the padded input {name} (x {x.shape}, w {w.shape})"
            )
    return x, w, b


def _check_result(name, array):
    """Refuse a result that overflowed: finite inputs so large that the exact result exceeds the float range."""
    check_finite(f"{name} (the result)", array, error=FloatingPointError)
    return array


def _check_dout(dout, expected_shape):
    """The upstream gradient as a finite float array of the forward output's shape."""
    dout = as_float_array("dout", dout)
    if dout.shape != tuple(expected_shape):
        raise ValueError(f"dout must have the shape of the forward output {tuple(expected_shape)}; got {dout.shape}")
    check_finite("dout", dout)
    return dout


def _pad(x, w, stride, padding):
    """Zero-pad x for the convolution; returns the padded array and the pads per axis."""
    (_, top, bottom), (_, left, right) = (
        conv_output_size(x.shape[1], w.shape[0], stride, padding),
        conv_output_size(x.shape[2], w.shape[1], stride, padding),
    )
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0))), (top, bottom, left, right)


def _windows(x_padded, kh, kw, stride):
    """All kernel-sized windows: (N, OH, OW, C, KH, KW), a view without copying."""
    return sliding_window_view(x_padded, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]


def _kernel_matrix(w):
    """The kernel as a (C_in * KH * KW, C_out) matrix whose rows follow the im2col columns (C, KH, KW)."""
    kh, kw, c_in, c_out = w.shape
    return w.transpose(2, 0, 1, 3).reshape(c_in * kh * kw, c_out)


def conv2d_forward(x, w, b, stride=1, padding="valid"):
    """Vectorised convolution (im2col as one matrix product); returns ``(out, cache)`` (chapter 3)."""
    x, w, b = _check_conv_args(x, w, b, stride, padding)
    kh, kw, c_in, c_out = w.shape
    x_padded, pads = _pad(x, w, stride, padding)
    windows = _windows(x_padded, kh, kw, stride)
    n, oh, ow = windows.shape[:3]
    cols = windows.reshape(n * oh * ow, c_in * kh * kw)  # the "im2col" matrix (this copies)
    out = (cols @ _kernel_matrix(w) + b).reshape(n, oh, ow, c_out)
    return _check_result("conv2d_forward", out), (x.shape, x_padded.shape, pads, cols, w, stride)


def _output_shape(cache):
    """The (N, OH, OW, C_out) output shape of the forward pass that made ``cache``."""
    if not isinstance(cache, tuple) or len(cache) != 6:
        raise TypeError("cache must be the second value returned by conv2d_forward")
    x_shape, padded_shape, _, _, w, stride = cache
    oh, ow = ((padded_shape[axis + 1] - w.shape[axis]) // stride + 1 for axis in (0, 1))
    return (x_shape[0], oh, ow, w.shape[3])


def conv2d_backward(dout, cache):
    """Gradients ``(dx, dw, db)`` of the convolution from dL/dout (chapter 3).

    dL/dw sums upstream errors times input patches; dL/dx scatters every error back through
    the kernel onto the patch it came from (the "full" convolution with the flipped kernel).
    """
    dout = _check_dout(dout, _output_shape(cache))
    x_shape, padded_shape, (top, bottom, left, right), cols, w, stride = cache
    kh, kw, c_in, c_out = w.shape
    n, oh, ow, _ = dout.shape
    d = dout.reshape(-1, c_out)
    db = d.sum(axis=0)
    dw = (cols.T @ d).reshape(c_in, kh, kw, c_out).transpose(1, 2, 0, 3)
    dcols = (d @ _kernel_matrix(w).T).reshape(n, oh, ow, c_in, kh, kw)
    dx_padded = np.zeros(padded_shape, dtype=dout.dtype)
    for m in range(kh):  # scatter-add each kernel offset's contribution (KH * KW slices)
        for p in range(kw):
            dx_padded[:, m : m + stride * oh : stride, p : p + stride * ow : stride, :] += dcols[..., m, p]
    dx = dx_padded[:, top : padded_shape[1] - bottom, left : padded_shape[2] - right, :]
    return tuple(_check_result(name, g) for name, g in (("dx", dx), ("dw", dw), ("db", db)))


def conv2d_forward_naive(x, w, b, stride=1, padding="valid"):
    """The same convolution as explicit loops over positions, for reading, not speed (chapter 3)."""
    x, w, b = _check_conv_args(x, w, b, stride, padding)
    kh, kw, _, c_out = w.shape
    x_padded, _ = _pad(x, w, stride, padding)
    oh = (x_padded.shape[1] - kh) // stride + 1
    ow = (x_padded.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], oh, ow, c_out), dtype=np.result_type(x, w))
    for i in range(oh):
        for j in range(ow):
            patch = x_padded[:, stride * i : stride * i + kh, stride * j : stride * j + kw, :]  # (N, KH, KW, C)
            out[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2])) + b
    return _check_result("conv2d_forward_naive", out)


def conv2d_backward_naive(dout, x, w, stride=1, padding="valid"):
    """Loop version of the gradients, mirroring the derivation line by line (chapter 3)."""
    x, w, _ = _check_conv_args(x, w, None, stride, padding, bias=False)
    kh, kw, _, c_out = w.shape
    out_size = [conv_output_size(x.shape[axis + 1], w.shape[axis], stride, padding)[0] for axis in (0, 1)]
    dout = _check_dout(dout, (x.shape[0], *out_size, c_out))
    x_padded, (top, bottom, left, right) = _pad(x, w, stride, padding)
    dx_padded, dw = np.zeros_like(x_padded, dtype=dout.dtype), np.zeros_like(w, dtype=dout.dtype)
    for i in range(dout.shape[1]):
        for j in range(dout.shape[2]):
            rows, cols = slice(stride * i, stride * i + kh), slice(stride * j, stride * j + kw)
            delta = dout[:, i, j, :]  # (N, C_out): the error at output position (i, j)
            dw += np.tensordot(x_padded[:, rows, cols, :], delta, axes=([0], [0]))  # patch x delta
            dx_padded[:, rows, cols, :] += np.tensordot(delta, w, axes=([1], [3]))  # delta back through w
    db = dout.sum(axis=(0, 1, 2))
    dx = dx_padded[:, top : x_padded.shape[1] - bottom, left : x_padded.shape[2] - right, :]
    return tuple(_check_result(name, g) for name, g in (("dx", dx), ("dw", dw), ("db", db)))


def maxpool2d_forward(x, size=2, stride=2):
    """Max over each ``size`` x ``size`` window ("valid" windows only); returns ``(out, cache)``."""
    x = as_float_array("x", x, 4, "(batch, height, width, channels)")
    check_batch("x", x, "(batch, height, width, channels) array")
    size, stride = check_int("size", size), check_int("stride", stride)
    check_finite("x", x)
    if size > min(x.shape[1:3]):
        raise ValueError(
            f"need 1 <= size <= min(height, width) and stride >= 1; got size {size}, stride {stride}, x {x.shape}"
        )
    windows = _windows(x, size, size, stride)  # (N, OH, OW, C, size, size)
    flat = windows.reshape(*windows.shape[:4], size * size)
    argmax = flat.argmax(axis=-1)  # the first maximum of each window, as TensorFlow does
    out = np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0]
    return out, (x.shape, argmax, size, stride)


def maxpool2d_backward(dout, cache):
    """Route each upstream gradient to the input that won its window; every other input gets 0."""
    if not isinstance(cache, tuple) or len(cache) != 4:
        raise TypeError("cache must be the second value returned by maxpool2d_forward")
    x_shape, argmax, size, stride = cache
    dout = _check_dout(dout, argmax.shape)
    n, oh, ow, c = dout.shape
    dm, dp = np.divmod(argmax, size)  # winner's row and column inside its window
    rows = stride * np.arange(oh)[None, :, None, None] + dm
    cols = stride * np.arange(ow)[None, None, :, None] + dp
    dx = np.zeros(x_shape, dtype=dout.dtype)
    batch = np.arange(n)[:, None, None, None]
    channel = np.arange(c)[None, None, None, :]
    np.add.at(dx, (batch, rows, cols, channel), dout)  # add: overlapping windows may share a winner
    return _check_result("maxpool2d_backward", dx)


def receptive_field(layers) -> list[int]:
    """Receptive field (in input pixels) after each (kernel, stride) layer: r += (k - 1) * jump."""
    r, jump, sizes = 1, 1, []
    for i, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) != 2:
            raise TypeError(f"layers[{i}] must be a (kernel, stride) pair; got {layer!r}")
        kernel, stride = check_int(f"layers[{i}] kernel", layer[0]), check_int(f"layers[{i}] stride", layer[1])
        r += (kernel - 1) * jump
        jump *= stride
        sizes.append(r)
    return sizes
