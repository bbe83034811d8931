"""Loading and verifying MNIST (used by every chapter that touches real data).

Sources, in order: the ``path`` argument, the ``MNIST_PATH`` environment variable,
Keras' cached download (``$KERAS_HOME/datasets/mnist.npz``, default ``~/.keras``),
and finally Keras' own downloader for readers with internet. Every local file is
opened without pickle and checked array by array against the SHA-256 of each array.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

__all__ = [
    "MNIST_ENV_VAR",
    "MNIST_SHA256",
    "MNISTNotFoundError",
    "keras_cache_file",
    "load_mnist",
    "load_mnist_file",
    "scale_images",
    "verify_mnist_arrays",
]

MNIST_ENV_VAR = "MNIST_PATH"

# SHA-256 of each array's raw bytes in C order. This project computed them from its copy of the
# MNIST arrays (keys, shapes, dtypes and order as in Keras' mnist.npz); nobody else publishes
# them. Keras publishes only the SHA-256 of its mnist.npz file, which it checks on download and
# which changes with the file's compression; these do not, so they identify the arrays in any file.
MNIST_SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}
MNIST_SHAPES = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}

_HOW_TO_GET = (
    "To get MNIST, either connect to the internet once (Keras downloads it to {cache}), "
    "or point the environment variable MNIST_PATH at a local mnist.npz, e.g. "
    "`export MNIST_PATH=/path/to/mnist.npz` (the project's CI uses ../shared/data/mnist.npz)."
)


class MNISTNotFoundError(FileNotFoundError):
    """No MNIST source could be reached (no file given, none cached, no network)."""


def keras_cache_file() -> Path:
    """Where Keras caches its MNIST download (used by `load_mnist`)."""
    home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    return home / "datasets" / "mnist.npz"


def _sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def verify_mnist_arrays(
    arrays: dict[str, np.ndarray], source: str = "MNIST", advice: str = "download it again"
) -> None:
    """Raise ValueError unless `arrays` are exactly the MNIST arrays (their SHA-256 in `MNIST_SHA256`)."""
    for key, expected_shape in MNIST_SHAPES.items():
        if key not in arrays:
            raise ValueError(f"{source}: missing array {key!r}; found {sorted(arrays)}")
        array = arrays[key]
        if array.dtype != np.uint8:
            raise ValueError(f"{source}: {key} must have dtype uint8; got {array.dtype}")
        if array.shape != expected_shape:
            raise ValueError(f"{source}: {key} must have shape {expected_shape}; got {array.shape}")
        if _sha256(array) != MNIST_SHA256[key]:
            raise ValueError(
                f"{source}: {key} does not match MNIST's SHA-256 (companion.data.MNIST_SHA256); the file is "
                f"corrupt or not the original MNIST: {advice}"
            )


MNISTSplits = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def _advice(path: Path) -> str:
    """What to do about a bad file: Keras' cached copy is used as long as it exists, so it must go."""
    if path.resolve() == keras_cache_file().resolve():
        return f"delete {path} so that Keras downloads a fresh copy"
    return "download it again"


def _check_header(member, key: str, source: str, advice: str) -> None:
    """Read a member's .npy header and refuse a wrong dtype or shape before any data is read."""
    try:
        version = np.lib.format.read_magic(member)
        shape, _, dtype = _HEADER_READERS[version](member)
    except (ValueError, KeyError, EOFError, OSError, zlib.error, zipfile.BadZipFile) as exc:
        raise ValueError(f"{source}: {key}.npy is not readable NumPy .npy data ({exc!r}); {advice}") from None
    if dtype.hasobject:
        raise ValueError(f"{source}: refusing to load pickled data ({key} holds Python objects); MNIST holds uint8")
    if dtype != np.uint8:
        raise ValueError(f"{source}: {key} must have dtype uint8; got {dtype}")
    if shape != MNIST_SHAPES[key]:
        raise ValueError(f"{source}: {key} must have shape {MNIST_SHAPES[key]}; got {shape}")


def _read_array(archive: zipfile.ZipFile, key: str, source: str, advice: str) -> np.ndarray:
    """One expected array of the archive, its header checked first; no other member is ever read."""
    name = f"{key}.npy"
    if name not in archive.namelist():
        raise ValueError(f"{source}: missing array {key!r}; found members {sorted(archive.namelist())}")
    with archive.open(name) as member:
        _check_header(member, key, source, advice)
    try:
        with archive.open(name) as member:
            return np.lib.format.read_array(member, allow_pickle=False)
    except (ValueError, EOFError, OSError, zlib.error, zipfile.BadZipFile) as exc:
        raise ValueError(f"{source}: {key} is truncated or corrupt ({exc}); {advice}") from None


def load_mnist_file(path: str | os.PathLike) -> MNISTSplits:
    """Load and verify a local mnist.npz (no pickle) as Keras' tuples (used by `load_mnist`)."""
    path = Path(path)
    if not path.is_file():
        raise MNISTNotFoundError(f"MNIST file not found: {path}. " + _HOW_TO_GET.format(cache=keras_cache_file()))
    advice = _advice(path)
    try:
        with zipfile.ZipFile(path) as archive:
            arrays = {key: _read_array(archive, key, str(path), advice) for key in MNIST_SHAPES}
    except PermissionError as exc:
        raise PermissionError(f"{path}: cannot read the MNIST file ({exc.strerror}); check its permissions") from None
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ValueError(
            f"{path}: not a readable .npz (not a zip archive: {exc}); it may be truncated: {advice}"
        ) from None
    verify_mnist_arrays(arrays, source=str(path), advice=advice)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _download_with_keras() -> MNISTSplits:
    """Fetch MNIST through Keras (imports TensorFlow; needs the internet once)."""
    from companion.tfsetup import silenced_stderr

    cache = keras_cache_file()
    try:
        with silenced_stderr():  # TensorFlow's start-up lines would bury the message that matters
            from keras.datasets import mnist
    except ImportError as exc:
        raise MNISTNotFoundError(
            f"No local MNIST and Keras is not importable ({exc}). " + _HOW_TO_GET.format(cache=cache)
        ) from None
    try:
        (x_train, y_train), (x_test, y_test) = mnist.load_data()
    except Exception as exc:  # Keras wraps network failures in plain Exceptions
        raise MNISTNotFoundError(
            f"MNIST is not available: {MNIST_ENV_VAR} is not set, it is not in Keras' cache {cache}, "
            f"and the download failed ({type(exc).__name__}: {exc}). " + _HOW_TO_GET.format(cache=cache)
        ) from None
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    verify_mnist_arrays(arrays, source="Keras' MNIST download")
    return (x_train, y_train), (x_test, y_test)


def load_mnist(path: str | os.PathLike | None = None) -> MNISTSplits:
    """Return ``(x_train, y_train), (x_test, y_test)`` as verified uint8 arrays (every chapter).

    ``path`` wins, then ``$MNIST_PATH``, then Keras' cache, then a Keras download.
    """
    if path is None:
        path = os.environ.get(MNIST_ENV_VAR) or None
    if path is not None:
        return load_mnist_file(path)
    if keras_cache_file().is_file():
        return load_mnist_file(keras_cache_file())
    return _download_with_keras()


def scale_images(x: np.ndarray, dtype=np.float32) -> np.ndarray:
    """Map uint8 pixels 0..255 to floats in [0, 1] (chapters 2, 3 and 5)."""
    x = np.asarray(x)
    if x.dtype != np.uint8:
        raise ValueError(f"images must be uint8 pixels 0..255; got dtype {x.dtype}")
    scaled = x.astype(dtype)
    scaled /= dtype(255.0)  # in place: no second full-size temporary
    return scaled
