"""companion.lockfile: the lock is read strictly and every difference from it is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.lockfile import Difference, differences, read_lock

ROOT = Path(__file__).resolve().parents[1]


def test_the_repository_lock_pins_the_book_stack():
    pins = read_lock(ROOT / "requirements.txt")
    for name in ("tensorflow", "keras", "numpy", "jupyter-book", "shap", "nbval"):
        assert name in pins, f"the lock does not pin {name}"
    assert len(pins) > 100, "a lock pins every dependency of every dependency too"


def test_every_requirement_range_is_pinned_within_its_bounds():
    """The lock was made from requirements.in: each range holds its pinned version."""
    from packaging.requirements import Requirement

    pins = read_lock(ROOT / "requirements.txt")
    for line in (ROOT / "requirements.in").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"{name} is required but not locked: refresh the lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} outside {line}"


def test_differences_names_each_moved_or_missing_package(tmp_path):
    lock = tmp_path / "requirements.txt"
    lock.write_text("-e .\nnumpy==2.0.0\n    # via x\nSphinx_Book.Theme==1.1.0\ngone==1.0 ; python_version < '3'\n")
    versions = {"numpy": "2.1.0", "sphinx-book-theme": "1.1.0"}
    found = differences(lock, installed=versions.get)
    assert found == [Difference("numpy", "2.0.0", "2.1.0")]
    lock.write_text("absent==1.0\n")
    assert differences(lock, installed=versions.get) == [Difference("absent", "1.0", None)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("numpy>=1.26\n", "is not 'name==version'"),
        ("# only comments\n-e .\n", "pins no package"),
        (b"numpy==1.0\n\xff\n", "is not UTF-8"),
    ],
)
def test_a_broken_lock_is_refused_clearly(tmp_path, content, message):
    lock = tmp_path / "requirements.txt"
    lock.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ValueError, match=message):
        read_lock(lock)


def test_a_missing_lock_says_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match="no lock file at"):
        read_lock(tmp_path / "requirements.txt")
