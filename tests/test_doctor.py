"""Tests of companion.doctor: a healthy machine passes, and each broken thing is named with its fix."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from companion import doctor
from companion.doctor import FAIL, OK, WARN


@pytest.mark.mnist
def test_healthy_environment_passes_without_importing_tensorflow():
    code = "import sys, companion.doctor as d; status = d.main(); print('tensorflow' in sys.modules); sys.exit(status)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout
    assert "MNIST verified" in result.stdout
    assert result.stdout.splitlines()[-1] == "False"  # TensorFlow was never imported


def test_missing_mnist_names_mnist_path(monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_PATH", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty Keras cache
    finding = doctor.check_mnist()
    assert finding.status == WARN
    assert "MNIST_PATH" in finding.what and "export MNIST_PATH=" in finding.fix


def test_broken_mnist_path_fails_and_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_PATH", str(tmp_path / "nowhere.npz"))
    finding = doctor.check_mnist()
    assert finding.status == FAIL
    assert "nowhere.npz" in finding.what and "MNIST_PATH" in finding.fix


def test_main_prints_the_fix_and_exits_1(monkeypatch, capsys):
    monkeypatch.setattr(doctor, "run_checks", lambda: [doctor.Finding(OK, "fine"), doctor.Finding(FAIL, "bad", "do X")])
    assert doctor.main() == 1
    out = capsys.readouterr().out
    assert "FAIL  bad" in out and "fix: do X" in out


def test_dependencies_are_checked_against_their_bounds(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "# a comment\n-e .\npytest>=1  # within bounds\nnumpy>=0.1,<1\nno-such-package-for-the-doctor>=1,<2\n"
    )
    findings = {f.what.split()[0]: f for f in doctor.check_dependencies(requirements)}
    assert set(findings) == {"numpy", "no-such-package-for-the-doctor"}
    assert findings["numpy"].status == FAIL and "outside <1,>=0.1" in findings["numpy"].what
    assert findings["numpy"].fix == 'pip install "numpy<1,>=0.1"'
    assert "not installed" in findings["no-such-package-for-the-doctor"].what


def test_all_dependencies_within_bounds_is_one_ok_line(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pytest>=1\nnumpy>=1\n")
    expected = doctor.Finding(OK, f"2 packages within the bounds of {requirements}")
    assert doctor.check_dependencies(requirements) == [expected]


def test_python_version():
    assert doctor.check_python((3, 11, 4)).status == OK
    assert doctor.check_python((3, 12, 0)).status == WARN
    assert doctor.check_python((3, 10, 9)).status == FAIL


def test_keras_backend_from_environment_and_config(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert doctor.check_keras_backend().status == FAIL
    monkeypatch.delenv("KERAS_BACKEND")
    assert doctor.check_keras_backend() == doctor.Finding(OK, "Keras backend: tensorflow (from Keras' default)")
    (tmp_path / "keras.json").write_text(json.dumps({"backend": "torch"}))
    finding = doctor.check_keras_backend()
    assert finding.status == FAIL and str(tmp_path / "keras.json") in finding.fix


def test_reference_model_hash(tmp_path):
    manifest = tmp_path / "reference" / "improved_cnn.json"
    assert doctor.check_reference_model(manifest).status == WARN  # missing is reported, not a crash
    manifest.parent.mkdir()
    model = manifest.parent / "improved_cnn.keras"
    model.write_bytes(b"weights")
    manifest.write_text(json.dumps({"file": model.name, "sha256": hashlib.sha256(b"weights").hexdigest()}))
    assert doctor.check_reference_model(manifest).status == OK
    model.write_bytes(b"tampered")
    assert doctor.check_reference_model(manifest).status == FAIL
    model.unlink()
    assert "missing" in doctor.check_reference_model(manifest).what


def test_memory_from_meminfo_and_container_limit(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 16000000 kB\nMemAvailable: 8000000 kB\n")
    assert doctor.available_memory_gb(meminfo, tmp_path) == pytest.approx(8.192)
    (tmp_path / "memory.max").write_text("2000000000\n")
    (tmp_path / "memory.current").write_text("500000000\n")
    assert doctor.available_memory_gb(meminfo, tmp_path) == pytest.approx(1.5)
    assert doctor.check_memory(1.2).status == WARN
    assert doctor.check_memory(doctor.MEMORY_NEEDED_GB).status == OK
    assert doctor.check_memory(8.0).status == OK


def test_cpu_model_reads_the_model_name_and_falls_back(tmp_path):
    from companion.doctor import cpu_model

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Example CPU @ 2.0GHz\nflags\t: avx\n")
    assert cpu_model(cpuinfo) == "Example CPU @ 2.0GHz"
    assert cpu_model(tmp_path / "missing")  # platform's answer, never empty


def test_without_requirements_txt_the_installed_metadata_is_read(monkeypatch, tmp_path):
    declared = [
        "numpy>=1.26",
        'tensorflow>=2.21; extra == "tf"',  # the book's extras count
        'sphinx>=7; extra == "docs"',  # other extras and other platforms do not
        'futures>=3; python_version < "3"',
        "not a requirement !!",
    ]
    monkeypatch.setattr(doctor.metadata, "requires", lambda name: declared if name == doctor.PACKAGE else None)
    found, source = doctor.requirements(tmp_path / "no-requirements.txt")
    assert [str(r) for r in found] == ["numpy>=1.26", "tensorflow>=2.21"]  # markers dropped once evaluated
    assert source == "nnbook-companion's metadata"


def test_no_requirements_anywhere_is_a_failure(monkeypatch):
    def not_installed(name):
        raise doctor.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(doctor.metadata, "requires", not_installed)
    (finding,) = doctor.check_dependencies(None)
    assert finding.status == FAIL
    assert finding.what == "no requirements found in nnbook-companion (not installed)"
    assert "pip install -r requirements.txt" in finding.fix


@pytest.mark.parametrize(("content", "status"), [("{not json", FAIL), ("[1, 2]", FAIL), ('{"floatx": "float32"}', OK)])
def test_keras_config_that_is_broken_or_silent_about_the_backend(monkeypatch, tmp_path, content, status):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    config = tmp_path / "keras.json"
    config.write_text(content)
    finding = doctor.check_keras_backend()
    assert finding.status == status
    if status == FAIL:
        assert finding.what.startswith(f"{config} is not valid JSON") and finding.fix == f"fix or delete {config}"
    else:  # no "backend" key: Keras' default, tensorflow, read from that file
        assert finding.what == f"Keras backend: tensorflow (from {config})"


def test_mnist_from_keras_cache_is_verified(monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_PATH", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    cache = tmp_path / "datasets" / "mnist.npz"
    cache.parent.mkdir()
    cache.write_bytes(b"not a zip archive")
    finding = doctor.check_mnist()
    assert finding.status == FAIL and finding.what.startswith("MNIST from Keras' cache is unusable")
    checked = []
    monkeypatch.setattr(doctor, "load_mnist_file", checked.append)  # a file that verifies
    assert doctor.check_mnist() == doctor.Finding(OK, f"MNIST verified: {cache} (Keras' cache)")
    assert checked == [cache]


@pytest.mark.parametrize("content", ["{broken", '{"file": "improved_cnn.keras"}', "[]"])
def test_reference_manifest_that_is_not_a_manifest(tmp_path, content):
    manifest = tmp_path / "improved_cnn.json"
    manifest.write_text(content)
    finding = doctor.check_reference_model(manifest)
    assert finding.status == FAIL
    assert "is not a manifest with 'file' and 'sha256'" in finding.what
    assert "git checkout -- companion/reference" in finding.fix


def test_memory_that_cannot_be_measured_is_a_warning(monkeypatch, tmp_path):
    assert doctor.available_memory_gb(tmp_path / "missing", tmp_path) is None
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 16000000 kB\n")  # an old kernel without MemAvailable
    assert doctor.available_memory_gb(meminfo, tmp_path) is None
    meminfo.write_text("MemAvailable: 4000000 kB\n")
    (tmp_path / "memory.max").write_text("max\n")  # a container without a limit
    assert doctor.available_memory_gb(meminfo, tmp_path) == pytest.approx(4.096)
    monkeypatch.setattr(doctor, "available_memory_gb", lambda: None)
    finding = doctor.check_memory()
    assert finding.status == WARN and finding.what == "could not measure the available memory"


def test_checks_run_in_the_order_a_reader_fixes_them(monkeypatch):
    names = ["check_python", "check_keras_backend", "check_mnist", "check_reference_model", "check_memory"]
    for name in names:
        monkeypatch.setattr(doctor, name, lambda name=name: doctor.Finding(OK, name))
    monkeypatch.setattr(
        doctor, "check_dependencies", lambda: [doctor.Finding(OK, "dep 1"), doctor.Finding(OK, "dep 2")]
    )
    assert [f.what for f in doctor.run_checks()] == [names[0], "dep 1", "dep 2", *names[1:]]


def test_main_with_only_warnings_is_ready_and_exits_0(monkeypatch, capsys):
    findings = [doctor.Finding(OK, "fine", "never shown"), doctor.Finding(WARN, "slow", "close programs")]
    monkeypatch.setattr(doctor, "run_checks", lambda: findings)
    assert doctor.main() == 0
    out = capsys.readouterr().out
    assert "warn  slow" in out and "fix: close programs" in out and "never shown" not in out
    assert out.splitlines()[-1] == "Ready to run the book (1 warning(s))."
