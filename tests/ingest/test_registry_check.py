"""Registry files checked before reading: the encoding and unique ids, named by file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.ingest.registry_check import RegistryProblem, check_registry
from flows.messages import both

COMMUNITIES = "community_id,name,households,residents\nC01,和平社区,10,20\nC02,东风社区,10,20\n"


def _registry(folder: Path, communities: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "communities.csv").write_bytes(communities)
    (folder / "organisations.csv").write_text("org_id,name\nB01,一支部\n", encoding="utf-8")
    (folder / "evaluators.csv").write_text("period,evaluator,role,community_id\n", "utf-8")
    return folder


@pytest.mark.parametrize(
    "data",
    [COMMUNITIES.encode("utf-8"), b"\xef\xbb\xbf" + COMMUNITIES.encode("utf-8")],
    ids=["utf-8", "utf-8-with-bom"],
)
def test_a_utf8_registry_passes(tmp_path: Path, data: bytes) -> None:
    check_registry(_registry(tmp_path, data))


def test_a_registry_in_another_encoding_names_the_file_and_line(tmp_path: Path) -> None:
    folder = _registry(tmp_path, COMMUNITIES.encode("gb18030"))
    with pytest.raises(RegistryProblem) as problem:
        check_registry(folder)
    # Line 1 is ASCII: the first Chinese name stands on line 2.
    assert str(problem.value) == both("registry_bad_encoding", file="communities.csv", line=2)


def test_a_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    data = (COMMUNITIES + "C01,和平社区（重复）,1,2\n").encode("utf-8")
    with pytest.raises(RegistryProblem) as problem:
        check_registry(_registry(tmp_path, data))
    assert str(problem.value) == both(
        "registry_duplicate_id",
        file="communities.csv",
        column="community_id",
        value="C01",
        first=2,
        line=4,
    )


def test_files_checked_once_are_not_read_again_until_they_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load that passed the check keeps the files' digests; while every file is as it was
    then, later loads skip the check (a national roster is 1 GB to read). A changed file is
    checked again: a bad encoding written in its place is still refused."""
    import os
    import time

    from flows.ingest import registry

    folder = _registry(tmp_path / "reference", COMMUNITIES.encode("utf-8"))
    cache = tmp_path / "cache"
    checks: list[Path] = []
    monkeypatch.setattr(registry, "check_registry", lambda path: checks.append(path))
    # Digests are kept only for files whose last change is older than the racy interval.
    old = time.time() - 60
    for path in folder.iterdir():
        os.utime(path, (old, old))
    monkeypatch.setattr(registry, "_RACY_NS", 0)
    assert not registry.checked_before(folder, cache)
    registry.load_registry(folder, cache)
    assert checks == [folder] and registry.checked_before(folder, cache)
    registry.load_registry(folder, cache)
    assert checks == [folder]  # not again
    assert not registry.checked_before(folder, None)  # no cache: always checked

    (folder / "communities.csv").write_bytes(COMMUNITIES.encode("gb18030"))
    assert not registry.checked_before(folder, cache)
    monkeypatch.setattr(registry, "check_registry", check_registry)
    with pytest.raises(RegistryProblem):
        registry.load_registry(folder, cache)
