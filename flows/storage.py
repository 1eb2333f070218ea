"""Writing into MINYI_HOME: a full disk or a folder that cannot be written gives one clear error."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flows.messages import both

_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}


class HomeNotWritable(RuntimeError):
    """A file under MINYI_HOME could not be written (disk full, read-only, not a folder)."""


@contextmanager
def writing(path: Path, key: str = "home_not_writable") -> Iterator[None]:
    """Turn an ``OSError`` while writing ``path`` into :class:`HomeNotWritable`.

    ``key`` names the message for a folder that cannot be written; a full disk always reads
    ``disk_full``, or ``manifest_not_written`` keeps its own wording (the data is already in).
    """
    try:
        yield
    except OSError as error:
        reason = error.strerror or str(error)
        if error.errno in _DISK_FULL and key == "home_not_writable":
            key = "disk_full"
        raise HomeNotWritable(both(key, path=path, reason=reason)) from error


# What minyi writes holds personal data (originals, reports naming communities, the key):
# readable by the account running minyi only. To share a report, copy it out of MINYI_HOME.
PRIVATE_UMASK = 0o077
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def keep_private(home: Path) -> None:
    """Make what this process writes from now on private (umask 077), and ``home`` 0700 when
    it exists and others may read it (a home minyi cannot change is left as it is)."""
    os.umask(PRIVATE_UMASK)
    try:
        mode = home.stat().st_mode
        if stat.S_IMODE(mode) & 0o077:
            home.chmod(stat.S_IMODE(mode) & 0o700 | 0o700)
    except OSError:
        pass


def ensure_home_writable(home: Path) -> None:
    """Create ``home`` (0700) if needed and prove it can be written; HomeNotWritable if not.

    Checked before a command starts Prefect, whose server would otherwise spend its whole
    start-up timeout failing to create its database there.
    """
    probe = home / ".minyi-write-check"
    with writing(probe):
        home.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        os.close(fd)
        probe.unlink()
