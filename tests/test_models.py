"""Keras models: shapes and parameter counts, recipes, the shipped reference model, and a short training run."""

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


def test_keras_io_convnet_has_the_published_parameter_count():
    from companion.models import keras_io_convnet

    model = keras_io_convnet()
    conv1, conv2, dense = 3 * 3 * 1 * 32 + 32, 3 * 3 * 32 * 64 + 64, 5 * 5 * 64 * 10 + 10
    assert model.count_params() == conv1 + conv2 + dense == 34_826  # keras.io's model.summary()


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
    assert [layer.output.shape[1:] for layer in model.layers if "conv" in layer.name] == [(12, 12, 16), (5, 5, 64)]
    kernels = 5 * 5 * 1 * 16 + 3 * 3 * 16 * 64 + 5 * 5 * 64 * 128 + 128 * 10 + 10
    # the first block keeps its bias and is never normalised; with batch norm, each normalised unit
    # has scale, offset, moving mean and variance instead of a bias
    per_unit = 4 if batch_norm else 1
    assert model.count_params() == kernels + 16 + per_unit * (64 + 128) == (216_490 if batch_norm else 215_914)
    normalised = [layer.name for layer in model.layers if "batch_normalization" in layer.name]
    assert len(normalised) == (2 if batch_norm else 0)


def test_smoothed_crossentropy_is_cross_entropy_against_smoothed_targets():
    import keras

    from companion.models import smoothed_crossentropy

    rng = np.random.default_rng(0)
    y = rng.dirichlet(np.ones(10), size=6).astype(np.float32)
    d = rng.integers(0, 10, 6)
    plain = keras.losses.SparseCategoricalCrossentropy()(d, y)
    np.testing.assert_allclose(float(smoothed_crossentropy(0.0)(d, y)), float(plain), rtol=1e-6)
    s = 0.1
    targets = np.full((6, 10), s / 10)
    targets[np.arange(6), d] += 1 - s  # 0.91 for the true class, 0.01 for each other
    expected = -(targets * np.log(y)).sum(axis=1).mean()
    np.testing.assert_allclose(float(smoothed_crossentropy(s)(d, y)), expected, rtol=1e-5)
    with pytest.raises(ValueError, match="label_smoothing"):
        smoothed_crossentropy(1.0)


def test_a_trained_improved_model_saves_and_loads_with_its_loss(tmp_path):
    import keras

    from companion.models import train_improved

    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 256, size=(64, 28, 28), dtype=np.uint8), rng.integers(0, 10, 64)
    model, _ = train_improved(x, y, recipe={"epochs": 1, "batch_size": 32})
    model.save(tmp_path / "model.keras")
    reloaded = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    assert reloaded.loss.label_smoothing == model.loss.label_smoothing == 0.1
    images = (x[..., None] / 255).astype(np.float32)
    np.testing.assert_array_equal(reloaded.predict(images, verbose=0), model.predict(images, verbose=0))


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


def test_shifted_batches_of_uint8_images_equal_those_of_prepared_images():
    from companion.models import prepare_images, shifted_batches

    rng = np.random.default_rng(0)
    x_uint8, y = rng.integers(0, 256, size=(40, 28, 28), dtype=np.uint8), np.arange(40)
    for shift in (0.0, 0.1):
        from_bytes = shifted_batches(x_uint8, y, batch_size=16, shift=shift, seed=1)
        from_floats = shifted_batches(prepare_images(x_uint8), y, batch_size=16, shift=shift, seed=1)
        for (a, label_a), (b, label_b) in zip(from_bytes, from_floats, strict=True):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a.numpy(), b.numpy())  # the same float32 values, bit for bit
            np.testing.assert_array_equal(label_a.numpy(), label_b.numpy())


def test_epoch_log_prints_one_short_line_per_epoch(capsys):
    from companion.models import article_model, epoch_log, prepare_images

    rng = np.random.default_rng(0)
    x, y = prepare_images(rng.integers(0, 256, size=(64, 28, 28), dtype=np.uint8)), rng.integers(0, 10, 64)
    article_model().fit(x, y, epochs=2, batch_size=32, validation_data=(x, y), verbose=0, callbacks=[epoch_log()])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [["epoch", "1/2"], ["epoch", "2/2"]]
    assert all("val_acc" in line and len(line) <= 77 for line in lines)


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


@pytest.mark.parametrize(
    ("recipe", "message"),
    [
        ({"epoch": 1}, "unknown recipe key"),
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 12.5}, "batch_size"),
        ({"seed": -1}, "seed"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"shift": 1.5}, "shift"),
        ({"label_smoothing": 1.0}, "label_smoothing"),
        ({"label_smoothing": "0.1"}, "label_smoothing"),
        ({"batch_norm": "yes"}, "batch_norm"),
    ],
)
def test_recipes_with_typos_or_impossible_values_are_refused(recipe, message):
    from companion.models import check_recipe

    with pytest.raises((ValueError, TypeError), match=message):  # TypeError for a wrong kind, as everywhere
        check_recipe(recipe)


def test_check_recipe_fills_in_the_defaults():
    from companion.models import IMPROVED_RECIPE, check_recipe

    assert check_recipe(None) == IMPROVED_RECIPE
    assert check_recipe({"epochs": 1}) == {**IMPROVED_RECIPE, "epochs": 1}


@pytest.fixture(scope="module")
def reference():
    from companion.models import reference_mnist_cnn

    return reference_mnist_cnn()


def test_reference_model_has_todays_architecture_and_recipe(reference):
    from companion.models import IMPROVED_RECIPE, improved_model, layer_signature, reference_manifest

    assert layer_signature(reference) == layer_signature(improved_model())
    manifest = reference_manifest()
    assert manifest["recipe"] == IMPROVED_RECIPE, "the recipe changed: run tools/make_reference_model.py"
    assert reference.count_params() == improved_model().count_params()


@pytest.mark.mnist
def test_reference_model_reaches_the_accuracy_its_manifest_states(reference):
    from companion.data import load_mnist
    from companion.models import prepare_images, reference_manifest

    _, (x_test, y_test) = load_mnist()
    accuracy = reference.evaluate(prepare_images(x_test), y_test, batch_size=1000, verbose=0)[1]
    stated = reference_manifest()["test_accuracy"]
    # chapter 5's bar for the recipe (its ten measured runs: 99.16 to 99.24 %)
    assert stated >= 0.990
    # the same weights on another CPU: float rounding can flip the argmax of a few near-ties
    assert abs(accuracy - stated) <= 5e-4


def _copy_reference(tmp_path):
    import shutil

    from companion.models import REFERENCE_DIR

    for name in ("improved_cnn.keras", "improved_cnn.json"):
        shutil.copy(REFERENCE_DIR / name, tmp_path / name)
    return tmp_path


def test_a_corrupt_reference_model_is_refused(tmp_path):
    from companion.models import reference_mnist_cnn

    folder = _copy_reference(tmp_path)
    data = bytearray((folder / "improved_cnn.keras").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / "improved_cnn.keras").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="SHA-256.*corrupt or was replaced"):
        reference_mnist_cnn(folder)


def test_a_reference_model_of_another_architecture_is_refused(tmp_path):
    import hashlib
    import json

    from companion.models import article_model, reference_mnist_cnn

    folder = _copy_reference(tmp_path)
    article_model().save(folder / "improved_cnn.keras")  # valid .keras file, wrong network
    manifest = json.loads((folder / "improved_cnn.json").read_text())
    manifest["sha256"] = hashlib.sha256((folder / "improved_cnn.keras").read_bytes()).hexdigest()
    (folder / "improved_cnn.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="does not have the architecture"):
        reference_mnist_cnn(folder)


def test_a_missing_reference_model_names_the_fix(tmp_path):
    from companion.models import reference_mnist_cnn

    with pytest.raises(FileNotFoundError, match="make_reference_model"):
        reference_mnist_cnn(tmp_path)


def test_the_shipped_recipe_runs_measure_todays_recipe():
    """Chapter 5 quotes the seed spread of these runs: they must have used the recipe the chapter trains."""
    from companion.models import IMPROVED_RECIPE, recipe_runs

    runs = recipe_runs()
    for label in ("normal", "perturbed"):
        book = [run for run in runs[label]["runs"] if run["variant"] == "book"]
        assert len(book) >= 3, label
        assert all({**run["recipe"], "seed": IMPROVED_RECIPE["seed"]} == IMPROVED_RECIPE for run in book), label
        assert len({run["seed"] for run in book}) == len(book)  # one run per seed


def test_the_shipped_ablation_runs_hold_no_test_accuracy():
    """Chapter 5 chooses between variants on validation: their test scores are neither computed nor stored."""
    from companion.models import recipe_runs

    runs = recipe_runs()["ablation"]["runs"]
    assert runs and all(run["test_accuracy"] is None for run in runs)
    assert all(run["variant"] != "book" for run in runs)


def test_the_shipped_ablation_runs_each_change_todays_recipe_in_one_ingredient():
    """Chapter 5's table says 'one thing changed at a time': each variant is today's recipe plus its own change."""
    import importlib.util
    from pathlib import Path

    from companion.models import IMPROVED_RECIPE, recipe_runs

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_mnist_training.py"
    spec = importlib.util.spec_from_file_location("bench_mnist_training", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    runs = recipe_runs()["ablation"]["runs"]
    assert {run["variant"] for run in runs} == set(bench.VARIANTS) - {"book"}
    for run in runs:
        change = bench.VARIANTS[run["variant"]]
        assert len(change) == 1 and run["recipe"] == {**IMPROVED_RECIPE, **change, "seed": run["seed"]}, run["variant"]


def test_a_manifest_without_its_model_file_names_the_fix(tmp_path):
    import shutil

    from companion.models import REFERENCE_DIR, reference_mnist_cnn

    shutil.copy(REFERENCE_DIR / "improved_cnn.json", tmp_path / "improved_cnn.json")
    with pytest.raises(FileNotFoundError, match=r"improved_cnn\.keras is missing: reinstall the companion package"):
        reference_mnist_cnn(tmp_path)


def test_the_article_recipe_runs_are_the_articles_program():
    """Chapter 5 quotes these runs as the article's result: its settings, five seeds, ten epochs on the test set."""
    from companion.models import article_recipe_runs

    runs = article_recipe_runs()
    for label in ("normal", "perturbed"):
        seeds = [run["seed"] for run in runs[label]["runs"]]
        assert len(seeds) >= 5 and len(set(seeds)) == len(seeds), label
        for run in runs[label]["runs"]:
            assert (run["epochs"], run["batch_size"], run["learning_rate"]) == (10, 128, 0.001)
            assert len(run["val_accuracy_per_epoch"]) == 10
            # validation_data was the test set: the last epoch's score is the test accuracy
            assert run["val_accuracy_per_epoch"][-1] == run["test_accuracy"]
            assert 0.9 < run["test_accuracy"] < 1


def test_the_article_benchmark_uses_the_articles_settings():
    """benchmarks/bench_article_recipe.py trains with the article's epochs, batch size and learning rate."""
    import sys
    from pathlib import Path

    from tools.book_article import article_path

    benchmarks = Path(__file__).resolve().parents[1] / "benchmarks"
    sys.path.insert(0, str(benchmarks))
    try:
        from bench_article_recipe import ARTICLE
    finally:
        sys.path.remove(str(benchmarks))
    assert ARTICLE == {"epochs": 10, "batch_size": 128, "learning_rate": 0.001}
    path = article_path(Path(__file__).resolve().parents[1])
    if not path.is_file():
        pytest.skip(f"the article's text is not at {path} (set ARTICLE_PATH)")
    article = path.read_text(encoding="utf-8")
    assert "Adam(lr=0.001)" in article
    assert "epochs=10, batch_size=128, validation_data=(x_test, y_test)" in article
