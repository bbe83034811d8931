"""The book can be cited: CITATION.cff follows the Citation File Format 1.2.0 and names the current version.

The checks here are the format's rules that matter for this file (its required keys, its
known keys, the date, the authors, the type) plus the project's own: one version everywhere
(``companion.__version__``, CITATION.cff, a heading of CHANGELOG.md, pyproject.toml reading
the package). CI also runs the reference validator, ``cffconvert --validate``, on the file.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import pytest
import yaml

import companion

ROOT = Path(__file__).resolve().parents[1]
CFF_KEYS = {
    "abstract", "authors", "cff-version", "commit", "contact", "date-released", "doi", "identifiers", "keywords",
    "license", "license-url", "message", "preferred-citation", "references", "repository", "repository-artifact",
    "repository-code", "title", "type", "url", "version",
}  # fmt: skip
REQUIRED = {"authors", "cff-version", "message", "title"}
PERSON_KEYS = {"family-names", "given-names", "name-particle", "name-suffix", "affiliation", "orcid", "email",
               "website", "alias", "address", "city", "country", "post-code", "region", "tel", "fax"}  # fmt: skip
ENTITY_KEYS = {"name", "date-start", "date-end", "location", "orcid", "email", "website", "alias", "address", "city",
               "country", "post-code", "region", "tel", "fax"}  # fmt: skip
DATE = re.compile(r"^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$")


def cff_problems(data) -> list[str]:
    """What makes `data` (a parsed CITATION.cff) invalid, in words; empty when it is valid."""
    if not isinstance(data, dict):
        return ["the file is not a YAML mapping"]
    problems = [f"missing required key {key!r}" for key in sorted(REQUIRED - set(data))]
    problems += [f"unknown key {key!r} (not in CFF 1.2.0)" for key in sorted(set(data) - CFF_KEYS)]
    if data.get("cff-version") != "1.2.0":
        problems.append(f"cff-version must be '1.2.0', got {data.get('cff-version')!r}")
    for key in ("message", "title", "abstract", "license"):
        if key in data and not (isinstance(data[key], str) and data[key].strip()):
            problems.append(f"{key!r} must be a non-empty string")
    if data.get("type", "software") not in ("software", "dataset"):
        problems.append(f"type must be 'software' or 'dataset', got {data.get('type')!r}")
    authors = data.get("authors")
    if not isinstance(authors, list) or not authors:
        problems.append("authors must be a non-empty list")
    else:
        for i, author in enumerate(authors):
            if not isinstance(author, dict):
                problems.append(f"author {i} is not a mapping")
            elif "name" in author:
                problems += [f"author {i}: unknown key {k!r} for an entity" for k in sorted(set(author) - ENTITY_KEYS)]
            elif "family-names" in author or "given-names" in author:
                problems += [f"author {i}: unknown key {k!r} for a person" for k in sorted(set(author) - PERSON_KEYS)]
            else:
                problems.append(f"author {i} has neither a name nor family/given names")
    if "date-released" in data:
        date = data["date-released"]
        date = date.isoformat() if isinstance(date, dt.date) else date
        if not (isinstance(date, str) and DATE.match(date)):
            problems.append(f"date-released must be YYYY-MM-DD, got {data['date-released']!r}")
        else:
            try:
                dt.date.fromisoformat(date)
            except ValueError:
                problems.append(f"date-released {date!r} is not a date")
    for key in ("url", "repository-code", "repository", "repository-artifact", "license-url"):
        if key in data and not re.match(r"^(https|http|ftp|sftp)://.+", str(data[key])):
            problems.append(f"{key!r} must be a URL")
    if "keywords" in data and not (
        isinstance(data["keywords"], list) and all(isinstance(k, str) for k in data["keywords"])
    ):
        problems.append("keywords must be a list of strings")
    return problems


def citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_file_is_valid_cff():
    assert cff_problems(citation()) == []


def test_one_version_everywhere():
    """companion.__version__ is the source; CITATION.cff and CHANGELOG.md name it, pyproject reads it."""
    version = companion.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert str(citation()["version"]) == version, "CITATION.cff's version differs from companion.__version__"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    heading = re.search(rf"^## {re.escape(version)} — (\d{{4}}-\d\d-\d\d)$", changelog, re.MULTILINE)
    assert heading, f"CHANGELOG.md has no '## {version} — YYYY-MM-DD' heading"
    assert heading.group(1) == str(citation()["date-released"]), "the release date differs from CHANGELOG.md's"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "companion.__version__"}


def test_changelog_says_which_printed_numbers_changed():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.split(r"^## ", changelog, flags=re.MULTILINE)[1:]
    for release in releases:
        if not release.startswith("Unreleased"):
            assert "Printed numbers" in release, f"release {release.splitlines()[0]!r} lists no printed numbers"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("title"), "missing required key 'title'"),
        (lambda d: d.update({"cff-version": "1.1.0"}), "cff-version must be '1.2.0'"),
        (lambda d: d.update({"date-released": "2026-13-01"}), "date-released must be YYYY-MM-DD"),
        (lambda d: d.update({"date-released": "2026-02-30"}), "is not a date"),
        (lambda d: d.update({"authors": []}), "authors must be a non-empty list"),
        (lambda d: d.update({"authors": [{"affiliation": "x"}]}), "neither a name nor family/given names"),
        (lambda d: d.update({"vesion": "1.0.0"}), "unknown key 'vesion'"),
        (lambda d: d.update({"repository-code": "github.com/x"}), "'repository-code' must be a URL"),
        (lambda d: d.update({"type": "book"}), "type must be 'software' or 'dataset'"),
    ],
)
def test_a_broken_citation_file_is_refused(change, expected):
    data = citation()
    change(data)
    assert any(expected in problem for problem in cff_problems(data)), cff_problems(data)


def test_a_file_that_is_not_a_mapping_is_refused():
    assert cff_problems(yaml.safe_load("- just\n- a list\n")) == ["the file is not a YAML mapping"]
