"""Build hook: the wheel carries sql/, expectations/ and the shipped data as package data.

Everything else about the package is in pyproject.toml. These folders stay at the top of the
repository (where people read and edit them); building copies them into ``flows/_shipped/``,
where ``flows.settings.shipped`` finds them in an installed minyi.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent

# What the code reads at run time, relative to the repository root.
SHIPPED = (
    "sql/**/*.sql",
    "expectations/*.json",
    "data/topics.csv",
    "data/topics-*.txt",
    "data/topics-*.csv",
)


class BuildWithShippedData(build_py):
    """build_py that also copies the shipped folders into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads them from the checkout
        target = Path(self.build_lib) / "flows" / "_shipped"
        for pattern in SHIPPED:
            for source in sorted(ROOT.glob(pattern)):
                copy = target / source.relative_to(ROOT)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, copy)


setup(cmdclass={"build_py": BuildWithShippedData})
