"""Writing into MINYI_HOME: a full disk or a folder that cannot be written, said plainly."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from flows.messages import MESSAGES, both
from flows.storage import HomeNotWritable, ensure_home_writable, keep_private, writing

TARGET = Path("/srv/minyi/archive/ab/x.csv")


def _fail(number: int) -> None:
    raise OSError(number, os.strerror(number), str(TARGET))


@pytest.mark.parametrize("number", [errno.ENOSPC, errno.EDQUOT], ids=["no-space", "quota"])
def test_a_full_disk_reads_disk_full(number: int) -> None:
    with pytest.raises(HomeNotWritable) as error, writing(TARGET):
        _fail(number)
    assert str(error.value) == both("disk_full", path=TARGET, reason=os.strerror(number))
    assert isinstance(error.value.__cause__, OSError), "the system's error is kept as the cause"


@pytest.mark.parametrize(
    "number", [errno.EACCES, errno.EROFS, errno.ENOTDIR], ids=["denied", "read-only", "not-dir"]
)
def test_a_folder_that_cannot_be_written_names_the_reason(number: int) -> None:
    with pytest.raises(HomeNotWritable) as error, writing(TARGET):
        _fail(number)
    assert str(error.value) == both("home_not_writable", path=TARGET, reason=os.strerror(number))


def test_the_manifest_keeps_its_own_message_even_on_a_full_disk() -> None:
    """The rows are already committed: 'nothing was loaded' would be untrue."""
    with pytest.raises(HomeNotWritable) as error, writing(TARGET, "manifest_not_written"):
        _fail(errno.ENOSPC)
    reason = os.strerror(errno.ENOSPC)
    assert str(error.value) == both("manifest_not_written", path=TARGET, reason=reason)


def test_an_error_without_a_system_reason_still_gives_one() -> None:
    with pytest.raises(HomeNotWritable) as error, writing(TARGET):
        raise FileExistsError("archive is a file")
    assert str(error.value) == both("home_not_writable", path=TARGET, reason="archive is a file")


def test_other_errors_pass_through_unchanged() -> None:
    with pytest.raises(ValueError, match="not about writing"), writing(TARGET):
        raise ValueError("not about writing")


def test_a_real_unwritable_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "archive"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    target = blocker / "ab" / "x.csv"
    with pytest.raises(HomeNotWritable, match="MINYI_HOME"), writing(target):
        target.parent.mkdir(parents=True)


def test_keep_private_sets_the_umask_and_closes_the_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o755)
    keep_private(home)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    (home / "report.html").write_text("x", encoding="utf-8")
    (home / "reports").mkdir()
    assert stat.S_IMODE((home / "report.html").stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "reports").stat().st_mode) == 0o700
    keep_private(tmp_path / "missing")  # nothing to close yet: no error


def test_ensure_home_writable_creates_a_private_home_or_says_why_not(tmp_path: Path) -> None:
    home = tmp_path / "new" / "home"
    ensure_home_writable(home)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700 and list(home.iterdir()) == []
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(HomeNotWritable) as error:
        ensure_home_writable(blocker / "home")
    assert str(error.value).startswith(MESSAGES["home_not_writable"][0].split("{", 1)[0])
