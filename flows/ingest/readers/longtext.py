"""Cells holding more text than Excel allows, found in a workbook's XML as it streams.

calamine and openpyxl materialise every shared string and cell text whole: one string of
190 million characters in a 187 KB workbook takes gigabytes before any check could run. So
the shared strings and the sheets are measured here first, in bounded memory.

Each part is measured in two passes when needed. A cheap byte scan, run on every block
already read for the sheet's extent, finds the longest stretch between the starts of two
cells (``<c ``) or shared strings (``<si``): a text cannot be longer in characters than the
element holding it is in bytes, so when no stretch exceeds the limit, no text does. Only
then, or when a shared string over the limit must be traced to its cell, does an XML parser
(expat, handlers counting characters without keeping them) read the part again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import IO, Final
from xml.parsers import expat

import numpy as np

# Excel's own limit on the characters one cell holds.
EXCEL_CELL_CHARS: Final = 32_767
_BLOCK: Final = 1 << 20
_CELL_MARKERS: Final = (b"<c ", b"<c>")
_SHARED_MARKERS: Final = (b"<si>", b"<si ")
_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]+)")


class GapMeter:
    """The longest stretch of bytes between the starts of two markers, in XML fed block by
    block (a stretch counts its opening marker: never shorter than the text it holds).

    Markers are found with numpy over the whole block: a sheet of a million cells costs a few
    vector operations, not a million Python steps.
    """

    def __init__(self, markers: tuple[bytes, ...]) -> None:
        self.markers = markers
        self.longest = 0
        self._width = max(map(len, markers))
        self._tail = b""
        self._seen = 0  # bytes fed so far
        self._last = 0  # where the last marker started (0: the start of the part)

    def feed(self, block: bytes) -> None:
        """Measure ``block``; a marker cut between two blocks is found in the next."""
        chunk = self._tail + block
        start = self._seen - len(self._tail)
        data = np.frombuffer(chunk, dtype=np.uint8)
        found = np.zeros(len(data), dtype=bool)
        for marker in self.markers:
            count = len(data) - len(marker) + 1
            if count <= 0:
                continue
            hit = np.ones(count, dtype=bool)
            for offset, byte in enumerate(marker):
                hit &= data[offset : offset + count] == byte
            found[:count] |= hit
        positions = np.flatnonzero(found) + start
        if len(positions):
            self.longest = max(self.longest, int(positions[0]) - self._last)
            if len(positions) > 1:
                self.longest = max(self.longest, int(np.diff(positions).max()))
            self._last = int(positions[-1])
        self._seen += len(block)
        self.longest = max(self.longest, self._seen - self._last)
        self._tail = chunk[-(self._width - 1) :] if self._width > 1 else b""


class _Found(Exception):
    """Stops the parser at the first text over the limit."""

    def __init__(self, where: str | int, chars: int) -> None:
        super().__init__(where)
        self.where = where
        self.chars = chars


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


def _first_found(
    stream: IO[bytes],
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    text: Callable[[str], None],
) -> _Found | None:
    """Parses ``stream`` with these element handlers; the _Found one of them raised, else None."""

    def refuse_doctype(*_args: object) -> None:
        raise ValueError("a DOCTYPE in a workbook part")

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = refuse_doctype
    try:
        for block in iter(lambda: stream.read(_BLOCK), b""):
            parser.Parse(block, False)
        parser.Parse(b"", True)
    except _Found as found:
        return found
    return None


def oversized_shared_string(stream: IO[bytes], limit: int) -> tuple[int, int] | None:
    """(index, characters counted) of the first shared string over ``limit``; else None.

    Counting stops just past the limit: the string is never held whole.
    """
    state = {"index": -1, "chars": 0, "text": False, "phonetic": False}

    def start(name: str, _attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "si":
            state.update(index=state["index"] + 1, chars=0)
        elif local == "rPh":
            state["phonetic"] = True
        elif local == "t" and not state["phonetic"]:
            state["text"] = True

    def end(name: str) -> None:
        local = _local(name)
        if local == "t":
            state["text"] = False
        elif local == "rPh":
            state["phonetic"] = False

    def text(data: str) -> None:
        if state["text"]:
            state["chars"] += len(data)
            if state["chars"] > limit:
                raise _Found(state["index"], state["chars"])

    found = _first_found(stream, start, end, text)
    return None if found is None else (int(found.where), found.chars)


def oversized_cell(
    stream: IO[bytes], limit: int, shared: tuple[int, int] | None = None
) -> tuple[str, int] | None:
    """(cell reference, characters) of the first cell over ``limit`` in a sheet's XML: its
    own text (inline or a formula's result), or the shared string ``shared`` (index,
    characters) it shows; else None."""
    cell = _CellState()

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "row":
            cell.new_row(attrs.get("r"))
        elif local == "c":
            cell.new_cell(attrs.get("r"), attrs.get("t"))
        elif local in ("v", "t"):
            cell.text, cell.value_text = True, local == "v"
            cell.value = ""

    def end(name: str) -> None:
        local = _local(name)
        if local in ("v", "t"):
            if (
                cell.value_text
                and shared is not None
                and cell.kind == "s"
                and cell.value.strip() == str(shared[0])
            ):
                raise _Found(cell.ref, shared[1])
            cell.text = False

    def text(data: str) -> None:
        if cell.text:
            cell.chars += len(data)
            if cell.chars > limit:
                raise _Found(cell.ref, cell.chars)
            if cell.value_text and len(cell.value) < 16:
                cell.value += data

    found = _first_found(stream, start, end, text)
    return None if found is None else (str(found.where), found.chars)


class _CellState:
    """Where the parser is in a sheet: row and column (for cells without a reference)."""

    def __init__(self) -> None:
        self.row = 0
        self.column = 0
        self.ref = "A1"
        self.kind: str | None = None
        self.chars = 0
        self.text = False
        self.value_text = False
        self.value = ""

    def new_row(self, number: str | None) -> None:
        self.row = int(number) if number and number.isdigit() else self.row + 1
        self.column = 0

    def new_cell(self, ref: str | None, kind: str | None) -> None:
        match = _CELL_REF.fullmatch(ref or "")
        if match:
            self.column = _column_number(match.group(1))
            self.ref = ref or ""
        else:
            self.column += 1
            self.ref = f"{column_letters(self.column)}{self.row}"
        self.kind, self.chars = kind, 0


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    """A 1-based column number as Excel letters: 1 -> A, 27 -> AA."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def blocks(stream: IO[bytes], size: int = 1 << 22) -> Iterator[bytes]:
    """The stream in blocks of ``size`` bytes."""
    yield from iter(lambda: stream.read(size), b"")
