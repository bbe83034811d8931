"""Keras models: shapes and parameter counts, the trained-model cache, and a short training run."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.tensorflow


@pytest.fixture(scope="module", autouse=True)
def quiet_tensorflow():
    import companion

    companion.setup(seed=0, tensorflow=True)


def test_article_model_shapes_and_parameters():
    from companion.models import article_model

    model = article_model()
    assert model.input_shape == (None, 28, 28, 1) and model.output_shape == (None, 10)
    conv, dense = 3 * 3 * 1 * 32 + 32, 13 * 13 * 32 * 10 + 10
    assert model.count_params() == conv + dense == 54_410


def test_improved_model_outputs_probabilities():
    from companion.models import improved_model

    model = improved_model(steps=100)
    assert model.output_shape == (None, 10)
    p = model.predict(np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32), verbose=0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("batch_norm", [True, False])
def test_improved_model_parameter_counts(batch_norm):
    from companion.models import improved_model

    model = improved_model(batch_norm=batch_norm)
    kernels = 5 * 5 * 1 * 32 + 3 * 3 * 32 * 64 + 7 * 7 * 64 * 128 + 128 * 10 + 10
    # with batch norm, each normalised unit has scale, offset, moving mean and variance instead of a bias
    per_unit = 4 if batch_norm else 1
    assert model.count_params() == kernels + per_unit * (32 + 64 + 128)
    assert any("batch_normalization" in layer.name for layer in model.layers) == batch_norm


def squares(n: int = 40, side: int = 6):
    """Images with one centred square each, of brightness (i + 1) / n, labelled i."""
    x = np.zeros((n, 28, 28, 1), np.float32)
    lo = (28 - side) // 2
    x[:, lo : lo + side, lo : lo + side, 0] = ((np.arange(n) + 1) / n)[:, None, None]
    return x, np.arange(n)


def centre_of_mass(images):
    """Row and column centre of mass of each (N, H, W, 1) image."""
    mass = images[..., 0]
    rows, cols = np.indices(mass.shape[1:])
    total = mass.sum(axis=(1, 2))
    return (mass * rows).sum(axis=(1, 2)) / total, (mass * cols).sum(axis=(1, 2)) / total


def test_shifted_batches_without_shift_is_a_labelled_permutation():
    from companion.models import shifted_batches

    x, y = squares()
    batches = list(shifted_batches(x, y, batch_size=16, shift=0.0))
    assert [len(b[1]) for b in batches] == [16, 16, 8]
    images = np.concatenate([b[0].numpy() for b in batches])
    labels = np.concatenate([b[1].numpy() for b in batches])
    assert sorted(labels) == list(y) and not np.array_equal(labels, y)  # shuffled, each image once
    np.testing.assert_array_equal(images, x[labels])


def test_shifted_batches_move_images_by_at_most_the_shift_and_keep_labels():
    from companion.models import shifted_batches

    x, y = squares()
    shift = 0.08
    batch = next(iter(shifted_batches(x, y, batch_size=16, shift=shift, seed=3)))
    images, labels = batch[0].numpy(), batch[1].numpy()
    # the square's inside keeps its brightness under sub-pixel shifts, so it identifies the label
    np.testing.assert_allclose(images.max(axis=(1, 2, 3)), (labels + 1) / len(x), rtol=1e-5)
    rows, cols = centre_of_mass(images)
    moved = np.hypot(rows - 13.5, cols - 13.5)
    assert np.all(np.abs(rows - 13.5) <= shift * 28 + 1e-3) and np.all(np.abs(cols - 13.5) <= shift * 28 + 1e-3)
    assert np.mean(moved > 0.25) > 0.5  # most images really moved


def test_shifted_batches_reject_bad_input():
    from companion.models import shifted_batches

    x, y = squares(4)
    with pytest.raises(ValueError, match="shift"):
        shifted_batches(x, y, 2, shift=1.5)
    with pytest.raises(ValueError, match="float32 images"):
        shifted_batches(x[..., 0], y, 2, shift=0.1)
    with pytest.raises(ValueError, match="float32 images"):
        shifted_batches(x.astype(np.float64), y, 2, shift=0.1)
    with pytest.raises(ValueError, match="N labels"):
        shifted_batches(x, y[:3], 2, shift=0.1)


def test_prepare_images_adds_the_channel_axis_and_rejects_floats():
    from companion.models import prepare_images

    x = prepare_images(np.full((2, 28, 28), 255, dtype=np.uint8))
    assert x.shape == (2, 28, 28, 1) and x.dtype == np.float32 and x.max() == 1.0
    with pytest.raises(ValueError, match="uint8"):
        prepare_images(np.zeros((2, 28, 28)))


@pytest.mark.mnist
def test_short_training_beats_chance_by_a_wide_margin():
    from companion.data import load_mnist
    from companion.models import article_model, prepare_images

    (x, y), (x_test, y_test) = load_mnist()
    model = article_model()
    model.fit(prepare_images(x[:3000]), y[:3000], epochs=1, batch_size=64, verbose=0)
    accuracy = model.evaluate(prepare_images(x_test[:1000]), y_test[:1000], verbose=0)[1]
    assert accuracy > 0.8  # chance is 0.1


@pytest.mark.mnist
def test_trained_model_cache_hit_miss_and_corrupt_file(tmp_path, monkeypatch):
    from companion import models

    calls = []
    real_train = models.train_improved

    def counting_train(*args, **kwargs):
        calls.append(1)
        return real_train(*args, **kwargs)

    monkeypatch.setattr(models, "train_improved", counting_train)
    tiny = {"epochs": 1, "batch_size": 128}
    first = models.trained_mnist_cnn(recipe=tiny, n_train=512, directory=tmp_path)  # miss: trains
    files = list(tmp_path.glob("*.keras"))
    assert len(calls) == 1 and len(files) == 1
    probe = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    second = models.trained_mnist_cnn(recipe=tiny, n_train=512, directory=tmp_path)  # hit: loads
    assert len(calls) == 1
    np.testing.assert_allclose(first.predict(probe, verbose=0), second.predict(probe, verbose=0), rtol=1e-6)

    models.trained_mnist_cnn(recipe={**tiny, "seed": 1}, n_train=512, directory=tmp_path)  # new key: trains
    assert len(calls) == 2 and len(list(tmp_path.glob("*.keras"))) == 2

    files[0].write_bytes(b"not a keras archive")  # corrupt: rebuilt, not trusted
    messages = []
    models.trained_mnist_cnn(recipe=tiny, n_train=512, directory=tmp_path, log=messages.append)
    assert len(calls) == 3 and "unreadable" in messages[0]
    assert models.trained_mnist_cnn(recipe=tiny, n_train=512, directory=tmp_path) is not None and len(calls) == 3


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    from companion.models import cache_dir

    monkeypatch.setenv("NNBOOK_CACHE", str(tmp_path))
    assert cache_dir() == tmp_path
    monkeypatch.delenv("NNBOOK_CACHE")
    assert cache_dir().name == "nnbook"
