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
