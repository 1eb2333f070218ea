"""Opt-in crash points for the kill tests: ``MINYI_TEST_KILL_AT=<point>`` ends the process there.

Unset (always, outside the tests) every checkpoint is a no-op. Set to one of
:data:`CHECKPOINTS`, the process kills itself with SIGKILL the first time it reaches that
point: no cleanup, no ``finally`` blocks, as if the power went or an operator ran ``kill -9``.
"""

from __future__ import annotations

import os
import signal
from typing import Final

KILL_AT_VARIABLE: Final = "MINYI_TEST_KILL_AT"

CHECKPOINTS: Final[dict[str, str]] = {
    "read": "every file read and typed, nothing validated",
    "validated": "the batch validated, nothing written yet",
    "archive_partial": "a file half-way into the archive (copied, not yet renamed)",
    "stashed": "every new file copied to the archive, nothing in the warehouse",
    "file_loaded": "inside the load transaction: the first file's rows superseded and inserted",
    "committed": "the batch committed, the archive manifest not yet written",
    "manifest_written": "the manifest written, the inbox not yet cleared",
    "inbox_file_cleared": "one inbox file removed, the others still there",
}


def checkpoint(name: str) -> None:
    """Kill this process with SIGKILL if ``MINYI_TEST_KILL_AT`` names this point; else nothing."""
    if os.environ.get(KILL_AT_VARIABLE) == name:
        os.kill(os.getpid(), signal.SIGKILL)
