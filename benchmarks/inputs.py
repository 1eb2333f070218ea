"""The benchmark's inputs: generated once per size, plus UTF-8 copies for DuckDB's floor."""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path

from flows.datasets import Kind
from flows.demo.generate import generate
from flows.periods import Period
from flows.settings import load_settings

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
CACHE_DIR = OUT_DIR / "cache"
PERIOD = Period(2026, 1)

# File names the generator writes at scale (see flows.demo.submissions.write_per_subdistrict).
_NAME_PARTS: dict[str, Kind] = {
    "代表评议": "evaluations",
    "听证恳谈走访记录": "hearings",
    "党支部报表": "branch_reports",
}
_ENCODINGS = {"evaluations": "utf-8-sig", "hearings": "gb18030"}


@dataclass(frozen=True)
class Inputs:
    """One size's generated files: registry, inbox files, UTF-8 copies for the floor."""

    subdistricts: int
    root: Path

    @property
    def reference_dir(self) -> Path:
        """The registry the generator wrote for this size."""
        return self.root / "reference"

    @property
    def files_dir(self) -> Path:
        """The files as offices send them (UTF-8 BOM and GB18030 CSV, XLSX)."""
        return self.root / "files"

    @property
    def utf8_dir(self) -> Path:
        """Every file as plain UTF-8 CSV, one folder per dataset (workbooks converted)."""
        return self.root / "utf8"

    def files(self) -> list[Path]:
        """The generated files, sorted by name."""
        return sorted(p for p in self.files_dir.iterdir() if p.is_file())


def kind_of(path: Path) -> Kind:
    """The dataset of a generated file, from its name."""
    for part, kind in _NAME_PARTS.items():
        if part in path.name:
            return kind
    raise ValueError(f"not a generated file: {path.name}")


def csv_encoding(kind: Kind) -> str:
    """The encoding the generator writes a dataset's CSV in."""
    return _ENCODINGS[kind]


def ensure_inputs(subdistricts: int, log: bool = True) -> Inputs:
    """Generate one half-year for ``subdistricts`` subdistricts, unless already cached."""
    inputs = Inputs(subdistricts, CACHE_DIR / f"n{subdistricts}")
    generated, converted = inputs.root / ".complete", inputs.utf8_dir / ".complete"
    if not generated.exists():
        if inputs.root.exists():
            shutil.rmtree(inputs.root)
        if log:
            print(f"generating N={subdistricts} into {inputs.root} (once) ...", flush=True)
        settings = load_settings(env={}, home=inputs.root)
        generate(settings, [PERIOD], subdistricts=subdistricts, out_dir=inputs.files_dir)
        generated.write_text("complete\n", encoding="utf-8")
    if not converted.exists():
        shutil.rmtree(inputs.utf8_dir, ignore_errors=True)
        _write_utf8_copies(inputs)
        converted.write_text("complete\n", encoding="utf-8")
    return inputs


def _write_utf8_copies(inputs: Inputs) -> None:
    """Transcode CSVs to UTF-8 and convert workbooks to CSV, outside any timing."""
    from python_calamine import CalamineWorkbook

    for path in inputs.files():
        kind = kind_of(path)
        target = inputs.utf8_dir / kind / (path.stem + ".csv")
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() == ".csv":
            text = path.read_text(encoding=csv_encoding(kind))
            target.write_text(text, encoding="utf-8", newline="")
            continue
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        with target.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)


def write_correction(inputs: Inputs, target_dir: Path) -> Path:
    """A corrected copy of the first subdistrict's branch report: one member count changed."""
    from openpyxl import load_workbook

    source = next(p for p in inputs.files() if kind_of(p) == "branch_reports")
    workbook = load_workbook(source)
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    column = header.index("参与社区工作党员数") + 1
    cell = sheet.cell(row=2, column=column)
    cell.value = max(0, int(cell.value or 0) - 1)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{source.stem}_更正.xlsx"
    workbook.save(target)
    return target
