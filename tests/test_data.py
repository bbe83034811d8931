"""Tests of companion.data: the real MNIST verifies, every kind of bad file is refused."""

from __future__ import annotations

import hashlib
import os
import sys
import types
import zipfile

import numpy as np
import pytest

from companion import data
from companion.data import MNISTNotFoundError, load_mnist, load_mnist_file, scale_images, verify_mnist_arrays


@pytest.fixture
def tiny_mnist(monkeypatch):
    """Small stand-in arrays whose hashes and shapes we register as the published ones."""
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 6, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 2, dtype=np.uint8),
    }
    monkeypatch.setattr(data, "MNIST_SHAPES", {k: v.shape for k, v in arrays.items()})
    monkeypatch.setattr(data, "MNIST_SHA256", {k: hashlib.sha256(v.tobytes()).hexdigest() for k, v in arrays.items()})
    return arrays


def save(tmp_path, arrays, name="mnist.npz"):
    path = tmp_path / name
    np.savez_compressed(path, **arrays)
    return path


def test_valid_file_loads_as_keras_tuples(tmp_path, tiny_mnist):
    (x_train, y_train), (x_test, y_test) = load_mnist_file(save(tmp_path, tiny_mnist))
    np.testing.assert_array_equal(x_train, tiny_mnist["x_train"])
    np.testing.assert_array_equal(y_test, tiny_mnist["y_test"])
    assert x_train.dtype == np.uint8 and x_test.shape == (2, 28, 28) and y_train.shape == (6,)


def test_path_argument_beats_environment(tmp_path, tiny_mnist, monkeypatch):
    monkeypatch.setenv("MNIST_PATH", str(tmp_path / "does-not-exist.npz"))
    (x_train, _), _ = load_mnist(save(tmp_path, tiny_mnist))
    assert x_train.shape == (6, 28, 28)


def test_environment_variable_is_used(tmp_path, tiny_mnist, monkeypatch):
    monkeypatch.setenv("MNIST_PATH", str(save(tmp_path, tiny_mnist)))
    (_, y_train), _ = load_mnist()
    np.testing.assert_array_equal(y_train, tiny_mnist["y_train"])


def test_keras_cache_is_used_without_importing_keras(tmp_path, tiny_mnist, monkeypatch):
    monkeypatch.delenv("MNIST_PATH", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    save(tmp_path / "datasets", tiny_mnist)
    monkeypatch.setattr(data, "_download_with_keras", lambda: pytest.fail("must not download"))
    (_, y_train), _ = load_mnist()
    np.testing.assert_array_equal(y_train, tiny_mnist["y_train"])


def test_missing_file_names_the_variable(tmp_path):
    with pytest.raises(MNISTNotFoundError, match="MNIST_PATH"):
        load_mnist_file(tmp_path / "nope.npz")


def test_no_source_and_no_network_gives_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("MNIST_PATH", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    class FakeMnist:
        @staticmethod
        def load_data():
            raise Exception("URL fetch failure on https://example.invalid/mnist.npz: None -- no network")

    import keras.datasets

    monkeypatch.setattr(keras.datasets, "mnist", FakeMnist)
    with pytest.raises(MNISTNotFoundError) as info:
        load_mnist()
    message = str(info.value)
    assert "MNIST_PATH" in message and str(tmp_path / "datasets" / "mnist.npz") in message
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_wrong_hash_is_refused(tmp_path, tiny_mnist):
    tiny_mnist["x_train"][0, 0, 0] ^= 1
    path = save(tmp_path, tiny_mnist)
    with pytest.raises(ValueError, match=r"x_train does not match MNIST's SHA-256") as info:
        load_mnist_file(path)
    assert str(path) in str(info.value)


def test_missing_key_is_refused(tmp_path, tiny_mnist):
    del tiny_mnist["y_test"]
    with pytest.raises(ValueError, match="missing array 'y_test'"):
        load_mnist_file(save(tmp_path, tiny_mnist))


@pytest.mark.parametrize(
    ("key", "bad", "match"),
    [
        ("x_train", lambda a: a.astype(np.float32), "dtype uint8; got float32"),
        ("y_train", lambda a: a[:-1], r"shape \(6,\); got \(5,\)"),
    ],
)
def test_wrong_dtype_or_shape_is_refused(tmp_path, tiny_mnist, key, bad, match):
    tiny_mnist[key] = bad(tiny_mnist[key])
    with pytest.raises(ValueError, match=match):
        load_mnist_file(save(tmp_path, tiny_mnist))


def test_truncated_file_is_refused(tmp_path, tiny_mnist):
    path = save(tmp_path, tiny_mnist)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError, match="truncated") as info:
        load_mnist_file(path)
    assert str(path) in str(info.value)


def test_garbage_file_is_refused(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_bytes(b"this is not a zip archive")
    with pytest.raises(ValueError, match="not a readable .npz"):
        load_mnist_file(path)


def test_pickled_object_arrays_are_refused(tmp_path, tiny_mnist):
    tiny_mnist["y_train"] = np.array([object()] * 6, dtype=object)
    path = tmp_path / "mnist.npz"
    np.savez(path, **tiny_mnist)  # object arrays are stored pickled
    with pytest.raises(ValueError, match="refusing to load pickled data"):
        load_mnist_file(path)


def test_verify_rejects_an_empty_archive(tmp_path):
    path = tmp_path / "empty.npz"
    with zipfile.ZipFile(path, "w"):
        pass
    with pytest.raises(ValueError, match="missing array 'x_train'"):
        load_mnist_file(path)


@pytest.mark.mnist
def test_real_mnist_matches_published_facts():
    (x_train, y_train), (x_test, y_test) = load_mnist()
    verify_mnist_arrays({"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test})
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    scaled = scale_images(x_train, dtype=np.float64)
    assert scaled.mean() == pytest.approx(0.1307, abs=5e-5)
    assert scaled.std() == pytest.approx(0.3081, abs=5e-5)


def test_scale_images_range_and_dtype():
    x = np.array([[0, 255], [51, 102]], dtype=np.uint8)
    scaled = scale_images(x)
    assert scaled.dtype == np.float32
    np.testing.assert_allclose(scaled, [[0, 1], [0.2, 0.4]], rtol=1e-6)
    with pytest.raises(ValueError, match="uint8"):
        scale_images(x.astype(np.float64))


def npy_member(header_shape, data: bytes, dtype="|u1") -> bytes:
    """The bytes of a .npy file whose header claims ``header_shape``, followed by ``data``."""
    import io

    stream = io.BytesIO()
    header = {"descr": dtype, "fortran_order": False, "shape": header_shape}
    np.lib.format.write_array_header_1_0(stream, header)
    return stream.getvalue() + data


def test_only_the_four_arrays_are_read(tmp_path, tiny_mnist):
    path = save(tmp_path, tiny_mnist)
    with zipfile.ZipFile(path, "a") as archive:  # an extra member claiming a 1 TiB array is never opened
        archive.writestr("huge.npy", npy_member((2**40,), b"\0" * 8))
    (x_train, _), _ = load_mnist_file(path)
    np.testing.assert_array_equal(x_train, tiny_mnist["x_train"])


def test_headers_are_checked_before_any_data_is_read(tmp_path, tiny_mnist):
    path = tmp_path / "mnist.npz"
    np.savez(path, **{k: v for k, v in tiny_mnist.items() if k != "y_train"})
    with zipfile.ZipFile(path, "a") as archive:  # used to fail with NumPy's MemoryError, naming no file
        archive.writestr("y_train.npy", npy_member((2**40,), b"\0" * 8))
    with pytest.raises(ValueError, match=r"mnist.npz: y_train must have shape \(6,\); got \(1099511627776,\)"):
        load_mnist_file(path)


@pytest.mark.parametrize(
    ("member", "content", "match"),
    [
        ("x_train.npy", b"these bytes are not .npy data", r"x_train.npy is not readable NumPy .npy data"),
        ("x_train", b"no .npy suffix", r"missing array 'x_train'; found members \['x_test.npy', 'x_train', "),
        ("x_train.npy", npy_member((6, 28, 28), b"\0" * 10), r"x_train is truncated or corrupt"),
    ],
)
def test_a_member_that_is_not_npy_data_is_named(tmp_path, tiny_mnist, member, content, match):
    path = tmp_path / "mnist.npz"
    np.savez(path, **{k: v for k, v in tiny_mnist.items() if k != "x_train"})
    with zipfile.ZipFile(path, "a") as archive:  # used to give an AttributeError
        archive.writestr(member, content)
    with pytest.raises(ValueError, match=match):
        load_mnist_file(path)


def test_an_unreadable_file_is_a_permission_error_not_a_corrupt_one(tmp_path, tiny_mnist, monkeypatch):
    path = save(tmp_path, tiny_mnist)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(data.zipfile, "ZipFile", denied)  # is_zipfile used to swallow this as "not a zip archive"
    with pytest.raises(PermissionError, match=r"mnist.npz: cannot read the MNIST file \(Permission denied\)"):
        load_mnist_file(path)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_a_file_without_read_permission(tmp_path, tiny_mnist):
    path = save(tmp_path, tiny_mnist)
    path.chmod(0)
    try:
        with pytest.raises(PermissionError, match="check its permissions"):
            load_mnist_file(path)
    finally:
        path.chmod(0o644)


def test_a_corrupt_keras_cache_says_to_delete_it(tmp_path, tiny_mnist, monkeypatch):
    monkeypatch.delenv("MNIST_PATH", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(data, "_download_with_keras", lambda: pytest.fail("must not download"))
    cache = data.keras_cache_file()
    cache.parent.mkdir(parents=True)
    tiny_mnist["y_test"][0] ^= 1
    np.savez_compressed(cache, **tiny_mnist)
    with pytest.raises(ValueError, match=f"delete {cache} so that Keras downloads a fresh copy") as info:
        load_mnist()
    assert "download it again" not in str(info.value)  # the loader never downloads while the cache exists
    cache.write_bytes(b"truncated")
    with pytest.raises(ValueError, match=f"not a zip archive.*delete {cache}"):
        load_mnist()


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda a: a.pop("y_train"), r"missing array 'y_train'; found \['x_test', 'x_train', 'y_test'\]"),
        (lambda a: a.update(x_test=a["x_test"].astype(np.int64)), "x_test must have dtype uint8; got int64"),
        (lambda a: a.update(x_train=a["x_train"][:, :27]), r"x_train must have shape \(6, 28, 28\); got \(6, 27, 28\)"),
    ],
)
def test_verify_names_what_is_wrong_with_arrays_in_memory(tiny_mnist, change, match):
    verify_mnist_arrays(tiny_mnist)  # the untouched arrays pass
    change(tiny_mnist)
    with pytest.raises(ValueError, match=f"^Keras' MNIST download: {match}"):
        verify_mnist_arrays(tiny_mnist, source="Keras' MNIST download")


def _fake_keras_datasets(monkeypatch, load_data):
    """Stand in for ``keras.datasets`` so that the download path runs without importing TensorFlow."""
    module = types.ModuleType("keras.datasets")
    module.mnist = types.SimpleNamespace(load_data=load_data)
    monkeypatch.setitem(sys.modules, "keras.datasets", module)


def _no_local_mnist(monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_PATH", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty Keras cache


def test_a_keras_download_is_verified_and_returned_as_keras_tuples(tmp_path, tiny_mnist, monkeypatch):
    _no_local_mnist(monkeypatch, tmp_path)
    arrays = tiny_mnist
    _fake_keras_datasets(
        monkeypatch, lambda: ((arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"]))
    )
    (x_train, y_train), (x_test, y_test) = load_mnist()
    for name, got in {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}.items():
        np.testing.assert_array_equal(got, arrays[name])
    arrays["y_test"] = arrays["y_test"] ^ 1  # a download that is not the published data
    with pytest.raises(ValueError, match="Keras' MNIST download: y_test does not match MNIST's SHA-256"):
        load_mnist()


def test_without_keras_the_error_says_how_to_get_mnist(tmp_path, monkeypatch):
    _no_local_mnist(monkeypatch, tmp_path)
    monkeypatch.setitem(sys.modules, "keras.datasets", None)  # makes the import fail
    with pytest.raises(MNISTNotFoundError, match="No local MNIST and Keras is not importable") as info:
        load_mnist()
    assert "export MNIST_PATH=" in str(info.value) and info.value.__suppress_context__
