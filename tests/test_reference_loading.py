"""Loading the shipped reference model (companion.models): every damaged or hostile file is named for what it is."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile

import pytest

from companion.models import REFERENCE_DIR, code_in_keras_file, manifest_sha256, reference_manifest

DIGEST = "4009c2bbe51913bdecc81f3d8fb6276dc00d8edf734e47c28d1575b4f508377c"


@pytest.mark.parametrize("written", [DIGEST, DIGEST.upper(), f"sha256:{DIGEST}", f"SHA256:{DIGEST}", f" {DIGEST}\n"])
def test_manifest_hash_accepts_case_and_prefix(written):
    assert manifest_sha256({"sha256": written}) == DIGEST


@pytest.mark.parametrize("written", ["", "abc", DIGEST[:-1], DIGEST + "0", "g" * 64, None, 42, f"md5:{DIGEST}"])
def test_manifest_hash_that_is_no_sha256_says_so(written):
    with pytest.raises(ValueError, match="'sha256' must be 64 hexadecimal digits"):
        manifest_sha256({"sha256": written}, "improved_cnn.json")


def copy_reference(tmp_path):
    for name in ("improved_cnn.keras", "improved_cnn.json"):
        shutil.copy(REFERENCE_DIR / name, tmp_path / name)
    return tmp_path


def rehash(folder):
    """Make the manifest match whatever the model file now is (both replaced together)."""
    manifest = json.loads((folder / "improved_cnn.json").read_text())
    manifest["sha256"] = hashlib.sha256((folder / "improved_cnn.keras").read_bytes()).hexdigest()
    (folder / "improved_cnn.json").write_text(json.dumps(manifest))


def rewrite_config(folder, change):
    path = folder / "improved_cnn.keras"
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(parts["config.json"])
    change(config["config"]["layers"])
    parts["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    rehash(folder)


def test_the_shipped_model_runs_no_code():
    assert code_in_keras_file(REFERENCE_DIR / "improved_cnn.keras") == []


@pytest.mark.parametrize(
    ("layer", "named"),
    [
        ({"module": "os", "class_name": "system", "config": {"command": "true"}, "registered_name": None}, "os.system"),
        ({"module": "builtins", "class_name": "eval", "config": {}}, "builtins.eval"),
        ({"module": "keras.layers", "class_name": "Lambda", "config": {"function": {}}}, "keras.layers.Lambda"),
        ({"module": "keras.layers", "class_name": "Dense", "config": {}, "registered_name": "evil>Dense"}, "Dense"),
    ],
)
def test_a_config_that_would_run_code_is_found(tmp_path, layer, named):
    folder = copy_reference(tmp_path)
    rewrite_config(folder, lambda layers: layers.insert(2, layer))
    assert any(named in found for found in code_in_keras_file(folder / "improved_cnn.keras"))


def test_a_manifest_that_is_not_utf8_json_is_named(tmp_path):
    (tmp_path / "improved_cnn.json").write_bytes(b'{"file": "improved_cnn.keras", "sha256": "\xff"}')
    with pytest.raises(ValueError, match="not a readable manifest"):
        reference_manifest(tmp_path)
    (tmp_path / "improved_cnn.json").write_text('{"file": "improved_cnn.keras"}')
    with pytest.raises(ValueError, match="not a manifest with 'file' and 'sha256'"):
        reference_manifest(tmp_path)


@pytest.mark.tensorflow
def test_a_config_injecting_os_system_is_refused_as_code(tmp_path):
    from companion.models import reference_mnist_cnn

    folder = copy_reference(tmp_path)
    layer = {"module": "os", "class_name": "system", "config": {"command": "true"}, "registered_name": None}
    rewrite_config(folder, lambda layers: layers.insert(2, layer))
    with pytest.raises(ValueError, match=r"tries to run code when loaded \(it names os.system\); refused"):
        reference_mnist_cnn(folder)


@pytest.mark.tensorflow
def test_a_truncated_model_whose_hash_matches_says_so(tmp_path):
    """Keras said "File not found" for a file that exists."""
    from companion.models import reference_mnist_cnn

    folder = copy_reference(tmp_path)
    model = folder / "improved_cnn.keras"
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    rehash(folder)
    with pytest.raises(ValueError, match="not a readable .keras archive .*both replaced.*reinstall") as info:
        reference_mnist_cnn(folder)
    assert "File not found" not in str(info.value)


@pytest.mark.tensorflow
def test_damaged_weights_whose_hash_matches_name_keras_reason(tmp_path):
    from companion.models import reference_mnist_cnn

    folder = copy_reference(tmp_path)
    path = folder / "improved_cnn.keras"
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["model.weights.h5"] = parts["model.weights.h5"][:1000]
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    rehash(folder)
    with pytest.raises(ValueError, match="passed its SHA-256 check but Keras cannot load it"):
        reference_mnist_cnn(folder)


@pytest.mark.tensorflow
def test_an_upper_case_manifest_hash_loads(tmp_path):
    from companion.models import reference_mnist_cnn

    folder = copy_reference(tmp_path)
    manifest = json.loads((folder / "improved_cnn.json").read_text())
    manifest["sha256"] = "sha256:" + manifest["sha256"].upper()
    (folder / "improved_cnn.json").write_text(json.dumps(manifest))
    assert reference_mnist_cnn(folder).count_params() > 0
