"""Writing into MINYI_HOME: a full disk or a folder that cannot be written gives one clear error."""

from __future__ import annotations

import errno
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
