"""Writing into MINYI_HOME: a full disk or a folder that cannot be written, said plainly."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from flows.messages import both
from flows.storage import HomeNotWritable, writing

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
