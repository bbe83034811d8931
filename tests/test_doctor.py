"""Tests of companion.doctor: a healthy machine passes, and each broken thing is named with its fix."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    expected = "Keras backend: tensorflow, float32, channels_last, epsilon 1e-07 (from Keras' default)"
    assert doctor.check_keras_backend() == doctor.Finding(OK, expected)
    (tmp_path / "keras.json").write_text(json.dumps({"backend": "torch"}))
    finding = doctor.check_keras_backend()
    assert finding.status == FAIL and str(tmp_path / "keras.json") in finding.fix


def keras_archive(path, config=None):
    """A minimal .keras zip whose config.json is ``config`` (default: one Keras layer)."""
    import zipfile

    config = config or {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"layers": []},
        "registered_name": None,
    }
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("metadata.json", "{}")
    return path.read_bytes()


def test_reference_model_hash(tmp_path):
    manifest = tmp_path / "reference" / "improved_cnn.json"
    finding = doctor.check_reference_model(manifest)
    assert finding.status == FAIL and "chapter 6 needs it" in finding.what  # chapter 6 fails without it
    manifest.parent.mkdir()
    model = manifest.parent / "improved_cnn.keras"
    data = keras_archive(model)
    manifest.write_text(json.dumps({"file": model.name, "sha256": hashlib.sha256(data).hexdigest()}))
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
    assert finding.what == "no requirements for this platform found in nnbook-companion (not installed)"
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
        assert finding.what.startswith(f"{config} is not valid JSON") and finding.fix.startswith(
            f"fix or delete {config}"
        )
    else:  # no "backend" key: Keras' default, tensorflow, read from that file
        assert finding.what == f"Keras backend: tensorflow, float32, channels_last, epsilon 1e-07 (from {config})"


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
    assert doctor.CHECKS == (
        "check_python",
        "check_dependencies",
        "check_lock",
        "check_keras_backend",
        "check_mnist",
        "check_reference_model",
        "check_memory",
    )
    names = [
        "check_python",
        "check_lock",
        "check_keras_backend",
        "check_mnist",
        "check_reference_model",
        "check_memory",
    ]
    for name in names:
        monkeypatch.setattr(doctor, name, lambda name=name: doctor.Finding(OK, name))
    monkeypatch.setattr(
        doctor, "check_dependencies", lambda: [doctor.Finding(OK, "dep 1"), doctor.Finding(OK, "dep 2")]
    )
    assert [f.what for f in doctor.run_checks()] == [names[0], "dep 1", "dep 2", *names[1:]]


def test_lock_differences_are_a_warning_naming_each_package(tmp_path):
    lock = tmp_path / "requirements.txt"
    lock.write_text("numpy==2.0.0\nkeras==3.5.0\nshap==0.46.0\n")
    versions = {"numpy": "2.0.0", "keras": "3.6.0", "shap": None}
    finding = doctor.check_lock(lock, installed=versions.get)
    assert finding.status == WARN
    assert "2 package(s)" in finding.what
    assert "keras 3.6.0 (locked 3.5.0)" in finding.what and "shap missing (locked 0.46.0)" in finding.what
    assert "numpy" not in finding.what
    assert "pip install -r requirements.txt" in finding.fix


def test_lock_matched_or_absent_is_ok(tmp_path):
    lock = tmp_path / "requirements.txt"
    lock.write_text("numpy==2.0.0\n")
    assert doctor.check_lock(lock, installed={"numpy": "2.0.0"}.get).status == OK
    assert doctor.check_lock(tmp_path / "missing.txt").status == OK


def test_a_lock_that_is_no_lock_is_a_fail_line_naming_it(monkeypatch, tmp_path):
    lock = tmp_path / "requirements.txt"
    lock.write_text("numpy>=2\n")
    monkeypatch.setattr(doctor, "CHECKS", ("check_lock",))
    monkeypatch.setattr(doctor, "LOCK", lock)
    [finding] = doctor.run_checks()
    assert finding.status == FAIL and "is not 'name==version'" in finding.what


def test_main_with_only_warnings_is_ready_and_exits_0(monkeypatch, capsys):
    findings = [doctor.Finding(OK, "fine", "never shown"), doctor.Finding(WARN, "slow", "close programs")]
    monkeypatch.setattr(doctor, "run_checks", lambda: findings)
    assert doctor.main() == 0
    out = capsys.readouterr().out
    assert "warn  slow" in out and "fix: close programs" in out and "never shown" not in out
    assert out.splitlines()[-1] == "Ready to run the book (1 warning(s))."


# --- bad input: a FAIL line that names the problem and the fix, never a traceback ------------------------------


@pytest.mark.parametrize(
    ("content", "what"),
    [
        ('{"image_data_format": "channels_first"}', "image_data_format is 'channels_first'"),
        ('{"floatx": "float16"}', "floatx is 'float16'"),
        ('{"floatx": "float64", "backend": "jax"}', "backend is 'jax'"),
        ('{"epsilon": 0.1}', "epsilon is 0.1"),
        (b"\xff\xfe{}", "is not UTF-8 text"),
        ("null", "not valid JSON for Keras"),
        ("", "is not valid JSON"),
    ],
)
def test_keras_config_the_chapters_cannot_run_with_fails(monkeypatch, tmp_path, content, what):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    config = tmp_path / "keras.json"
    config.write_bytes(content if isinstance(content, bytes) else content.encode())
    finding = doctor.check_keras_backend()
    assert finding.status == FAIL and what in finding.what and str(config) in finding.fix


def test_keras_config_that_is_a_directory_fails(monkeypatch, tmp_path):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "keras.json").mkdir()
    finding = doctor.check_keras_backend()
    assert finding.status == FAIL and "is not a file" in finding.what


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=80) | st.text(max_size=80).map(str.encode))
def test_any_keras_config_gives_a_finding_never_a_traceback(tmp_path_factory, content):
    import os

    folder = tmp_path_factory.mktemp("keras")
    (folder / "keras.json").write_bytes(content)
    old = os.environ.get("KERAS_HOME"), os.environ.pop("KERAS_BACKEND", None)
    os.environ["KERAS_HOME"] = str(folder)
    try:
        finding = doctor.check_keras_backend()
    finally:
        os.environ.pop("KERAS_HOME")
        if old[0] is not None:
            os.environ["KERAS_HOME"] = old[0]
        if old[1] is not None:
            os.environ["KERAS_BACKEND"] = old[1]
    assert finding.status in (OK, FAIL) and finding.what


@pytest.mark.parametrize("error", [PermissionError(13, "Permission denied"), IsADirectoryError(21, "Is a directory")])
def test_an_unreadable_mnist_file_is_a_fail_line(monkeypatch, tmp_path, error):
    monkeypatch.setenv("MNIST_PATH", str(tmp_path / "mnist.npz"))

    def unreadable(path):
        raise error

    monkeypatch.setattr(doctor, "load_mnist_file", unreadable)
    finding = doctor.check_mnist()
    assert finding.status == FAIL and "is unusable" in finding.what and "MNIST_PATH" in finding.fix


def test_mnist_path_that_is_a_directory_fails(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_PATH", str(tmp_path))
    finding = doctor.check_mnist()
    assert finding.status == FAIL and str(tmp_path) in finding.what


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("pytest>=1\nnumpy>>1\n", "requirements.txt:2: 'numpy>>1' is not a requirement"),
        (b"pytest>=1\n# caf\xe9\n", "requirements.txt:2: not UTF-8 text"),
        ("-r missing.txt\n", "requirements.txt:1: cannot follow '-r missing.txt'"),
    ],
)
def test_requirement_lines_that_cannot_be_read_are_a_fail_line(tmp_path, text, what):
    requirements = tmp_path / "requirements.txt"
    requirements.write_bytes(text if isinstance(text, bytes) else text.encode())
    (finding,) = doctor.check_dependencies(requirements)
    assert finding.status == FAIL and what in finding.what, finding


def test_pip_syntax_is_understood_and_other_platforms_are_skipped(tmp_path):
    (tmp_path / "more.txt").write_text("numpy>=1\n")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "pytest>=1 \\\n"
        "    --hash=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \\\n"
        "    --hash=sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\n"
        'no-such-package-anywhere>=1; sys_platform == "no-such-platform"\n'
        "-r more.txt\n"
        "--index-url https://example.org/simple\n"
        "packaging>=1 \\\n"  # a continuation on the last line: pip reads the line as it stands
    )
    expected = doctor.Finding(OK, f"3 packages within the bounds of {requirements}")
    assert doctor.check_dependencies(requirements) == [expected]


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=60) | st.text(alphabet="numpy>=<!~1.2,; #-\\\n\"'@", max_size=60).map(str.encode))
def test_any_requirements_file_gives_findings_never_a_traceback(tmp_path_factory, content):
    requirements = tmp_path_factory.mktemp("req") / "requirements.txt"
    requirements.write_bytes(content)
    findings = doctor.check_dependencies(requirements)
    assert findings and all(f.status in (OK, FAIL) and f.what for f in findings)


def reference(tmp_path, sha256=None, config=None, manifest_bytes=None):
    model = tmp_path / "improved_cnn.keras"
    data = keras_archive(model, config)
    manifest = tmp_path / "improved_cnn.json"
    if manifest_bytes is not None:
        manifest.write_bytes(manifest_bytes)
    else:
        manifest.write_text(json.dumps({"file": model.name, "sha256": sha256 or hashlib.sha256(data).hexdigest()}))
    return manifest, hashlib.sha256(data).hexdigest()


def test_the_manifest_hash_may_be_upper_case_or_prefixed(tmp_path):
    manifest, digest = reference(tmp_path)
    for written in (digest.upper(), f"sha256:{digest}", f"SHA256:{digest.upper()}"):
        manifest.write_text(json.dumps({"file": "improved_cnn.keras", "sha256": written}))
        assert doctor.check_reference_model(manifest).status == OK, written


@pytest.mark.parametrize(
    ("sha256", "what"), [("abc", "64 hexadecimal digits"), ("x" * 64, "64 hexadecimal digits"), (42, "64 hexadecimal")]
)
def test_a_manifest_hash_that_is_no_sha256_says_so(tmp_path, sha256, what):
    manifest, _ = reference(tmp_path, sha256=sha256)
    finding = doctor.check_reference_model(manifest)
    assert finding.status == FAIL and what in finding.what and "does not match" not in finding.what


def test_a_manifest_that_is_not_utf8_fails(tmp_path):
    manifest, _ = reference(tmp_path, manifest_bytes=b'{"file": "improved_cnn.keras", "sha256": "\xff"}')
    finding = doctor.check_reference_model(manifest)
    assert finding.status == FAIL and "is not UTF-8 text" in finding.what


def test_a_reference_model_that_would_run_code_fails(tmp_path):
    config = {"module": "os", "class_name": "system", "config": {"command": "true"}, "registered_name": None}
    manifest, _ = reference(tmp_path, config=config)
    finding = doctor.check_reference_model(manifest)
    assert finding.status == FAIL and "tries to run code" in finding.what and "os.system" in finding.what


def test_a_truncated_reference_model_with_a_matching_hash_fails(tmp_path):
    manifest, _ = reference(tmp_path)
    model = tmp_path / "improved_cnn.keras"
    model.write_bytes(model.read_bytes()[:40])
    manifest.write_text(json.dumps({"file": model.name, "sha256": hashlib.sha256(model.read_bytes()).hexdigest()}))
    finding = doctor.check_reference_model(manifest)
    assert finding.status == FAIL and "not a readable .keras archive" in finding.what


def test_a_check_that_crashes_is_a_fail_line(monkeypatch, capsys):
    def broken():
        raise RuntimeError("something unforeseen")

    monkeypatch.setattr(doctor, "check_memory", broken)
    assert doctor.main() == 1
    out = capsys.readouterr().out
    assert "FAIL  check_memory could not finish: RuntimeError: something unforeseen" in out
    assert "Traceback" not in out
