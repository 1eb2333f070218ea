"""One settings object: every path and tunable of minyi, resolved once.

Values come from, in order of precedence: environment variables (``MINYI_*``),
``MINYI_HOME/settings.toml``, then the defaults below.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent
REPO_ROOT = _PACKAGE.parent
# What an installed wheel carries besides code (setup.py copies sql/, expectations/ and the
# shipped data/ here); a checkout or an editable install reads them from the repository.
SHIPPED_DIR = _PACKAGE / "_shipped"
INSTALLED = SHIPPED_DIR.is_dir()


def shipped(name: str) -> Path:
    """A folder or file minyi ships (``sql``, ``expectations``, ``data/topics.csv``): inside
    the installed package when it was installed from a wheel, else in the checkout."""
    root = Path(str(resources.files("flows") / "_shipped")) if INSTALLED else REPO_ROOT
    return root / name


def _default_home() -> Path:
    """``data/`` in a checkout; installed from a wheel (no repository), the user's data
    folder: ``$XDG_DATA_HOME/minyi``, else ``~/.local/share/minyi``."""
    if not INSTALLED:
        return REPO_ROOT / "data"
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "minyi"


SQL_DIR = shipped("sql")
EXPECTATIONS_DIR = shipped("expectations")
DEFAULT_HOME = _default_home()
DEFAULT_TOPICS = shipped("data/topics.csv")


@dataclass(frozen=True)
class Settings:
    """Where minyi reads and writes, and the targets and rules it applies."""

    home: Path = DEFAULT_HOME
    # Satisfaction: target rate, headline definition (top2 = 满意+基本满意, top1 = 满意 only),
    # and the minimum responses before a figure counts as a full sample.
    satisfaction_target: float = 0.98
    satisfaction_definition: str = "top2"
    min_responses: int = 10
    # Reports never show a group smaller than this (it could reveal one person's verdict).
    min_cell_size: int = 3
    # Participation targets from the seed text: 90% of members, 70% of unit organisations.
    member_target: float = 0.90
    unit_target: float = 0.70
    # A report is on time when submitted within this many days after its half-year ends.
    report_deadline_days: int = 15
    timezone: str = "Asia/Shanghai"
    lang: str = "zh"
    # How long a writer waits for another process to release the warehouse.
    lock_timeout_seconds: float = 60.0
    max_file_bytes: int = 100 * 1024 * 1024
    # Characters in one workbook cell: Excel's own limit. A workbook holding a longer text
    # (a shared string of millions of characters) is refused whole, before it is read.
    max_cell_chars: int = 32_767
    # A workbook's parts decompressed, as its zip entries declare them.
    max_workbook_bytes: int = 512 * 1024 * 1024
    # Characters in one CSV field (Excel cannot hold more in a cell either).
    max_field_chars: int = 32_767
    # Rows validated per Great Expectations batch (bounds memory on large inboxes).
    validation_chunk_rows: int = 200_000
    # Input bytes read, validated and committed per batch: bounds memory on a large inbox.
    batch_bytes: int = 16 * 1024 * 1024
    # Processes that read and validate a batch's files at once (this one and workers it
    # starts); 0 = one per CPU, 1 = this process alone.
    workers: int = 0
    # DuckDB's own memory cap for warehouse connections (it spills to disk beyond it): with
    # DuckDB's default of 80% of RAM, loading a national roster alone took over 1 GiB.
    duckdb_memory_limit: str = "512MB"
    # DuckDB's threads for warehouse connections; 0 = DuckDB's default (one per core).
    duckdb_threads: int = 0
    # An analyst's query (minyi query) is interrupted after this many seconds.
    query_timeout_seconds: float = 300.0
    # Above this many registered communities the report shows subdistricts, not every
    # community (a national registry has 115,000): the warehouse keeps them all.
    report_community_limit: int = 5_000
    # minyi serve's Prefect server serves the Prefect UI beside its API (false: API only).
    prefect_ui: bool = True
    semiannual_cron: str = "0 6 5 1,7 *"
    inbox_interval_minutes: int = 15
    # The warehouse file's name inside home (a rebuild writes a second file, then swaps).
    warehouse_name: str = "warehouse.duckdb"
    # Where files are read and validated: "default" (in the flow's process) or "dask".
    task_runner: str = "default"
    # The Dask scheduler to use ("tcp://host:8786"); empty = a local cluster with 2 workers.
    dask_address: str = ""
    # City-wide layout: after each batch, publish this office's current rows as Parquet here.
    publish_dir: str = ""
    # This office's name in the published layout; empty = the name of the home folder.
    office: str = ""
    # The topic taxonomy opinions are tagged with (CSV); empty = the shipped data/topics.csv.
    # A relative path is read from the home folder.
    topics: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def reference_dir(self) -> Path:
        """Registry CSVs: communities, organisations, evaluators."""
        return self.home / "reference"

    @property
    def inbox_dir(self) -> Path:
        """Files waiting to be ingested."""
        return self.home / "inbox"

    @property
    def archive_dir(self) -> Path:
        """Every ingested file, kept by content hash."""
        return self.home / "archive"

    @property
    def reports_dir(self) -> Path:
        """Reports per period."""
        return self.home / "reports"

    @property
    def templates_dir(self) -> Path:
        """Forms written for the offices to fill: ``templates/<period>/`` (minyi templates)."""
        return self.home / "templates"

    @property
    def quarantine_dir(self) -> Path:
        """Files rejected whole (not tables, unreadable)."""
        return self.home / "quarantine"

    @property
    def warehouse_path(self) -> Path:
        """The DuckDB warehouse file."""
        return self.home / self.warehouse_name

    @property
    def snapshot_path(self) -> Path:
        """The readers' copy of the warehouse beside it, refreshed after each successful run."""
        stem = self.warehouse_name.removesuffix(".duckdb")
        return self.home / f"{stem}.snapshot.duckdb"

    @property
    def key_path(self) -> Path:
        """Secret key for evaluator pseudonyms (created on first use, mode 600)."""
        return self.home / "secret.key"

    @property
    def names_path(self) -> Path:
        """Names found in evaluator columns but not on the roster, masked in every later
        file's text (personal data, mode 600)."""
        return self.home / "evaluator-names"

    @property
    def cache_dir(self) -> Path:
        """What minyi derives and keeps between runs to save time; safe to delete (mode 700)."""
        return self.home / "cache"

    @property
    def registry_cache_dir(self) -> Path:
        """What is derived from the registry files alone, kept between runs (mode 600)."""
        return self.cache_dir / "registry"

    @property
    def jieba_cache_dir(self) -> Path:
        """jieba's built prefix dictionary for topic tagging, kept between runs."""
        return self.cache_dir / "jieba"

    @property
    def publish_path(self) -> Path | None:
        """The shared folder this office publishes Parquet to, None when publishing is off."""
        return Path(self.publish_dir).expanduser().resolve() if self.publish_dir else None

    @property
    def office_name(self) -> str:
        """This office's partition name in the published layout."""
        return self.office or self.home.name

    @property
    def topics_path(self) -> Path:
        """The topic taxonomy file: the ``topics`` setting, else the shipped one."""
        if not self.topics:
            return DEFAULT_TOPICS
        return (self.home / Path(self.topics).expanduser()).resolve()

    @property
    def prefect_home(self) -> Path:
        """Default PREFECT_HOME when the user has not set one."""
        return self.home / "prefect"


_ENV = {
    "home": "MINYI_HOME",
    "satisfaction_target": "MINYI_SATISFACTION_TARGET",
    "satisfaction_definition": "MINYI_SATISFACTION_DEFINITION",
    "min_responses": "MINYI_MIN_RESPONSES",
    "min_cell_size": "MINYI_MIN_CELL_SIZE",
    "member_target": "MINYI_MEMBER_TARGET",
    "unit_target": "MINYI_UNIT_TARGET",
    "report_deadline_days": "MINYI_REPORT_DEADLINE_DAYS",
    "timezone": "MINYI_TIMEZONE",
    "lang": "MINYI_LANG",
    "lock_timeout_seconds": "MINYI_LOCK_TIMEOUT_SECONDS",
    "max_file_bytes": "MINYI_MAX_FILE_BYTES",
    "max_cell_chars": "MINYI_MAX_CELL_CHARS",
    "max_workbook_bytes": "MINYI_MAX_WORKBOOK_BYTES",
    "max_field_chars": "MINYI_MAX_FIELD_CHARS",
    "validation_chunk_rows": "MINYI_VALIDATION_CHUNK_ROWS",
    "batch_bytes": "MINYI_BATCH_BYTES",
    "workers": "MINYI_WORKERS",
    "duckdb_memory_limit": "MINYI_DUCKDB_MEMORY_LIMIT",
    "duckdb_threads": "MINYI_DUCKDB_THREADS",
    "query_timeout_seconds": "MINYI_QUERY_TIMEOUT_SECONDS",
    "report_community_limit": "MINYI_REPORT_COMMUNITY_LIMIT",
    "prefect_ui": "MINYI_PREFECT_UI",
    "semiannual_cron": "MINYI_SEMIANNUAL_CRON",
    "inbox_interval_minutes": "MINYI_INBOX_INTERVAL_MINUTES",
    "task_runner": "MINYI_TASK_RUNNER",
    "dask_address": "MINYI_DASK_ADDRESS",
    "publish_dir": "MINYI_PUBLISH_DIR",
    "office": "MINYI_OFFICE",
    "topics": "MINYI_TOPICS",
}


def _coerce(name: str, raw: Any, source: str) -> Any:
    """``raw`` as the type of setting ``name``; ValueError naming ``source`` (the variable or
    the settings.toml key) when it is not one."""
    kind = {f.name: f.type for f in fields(Settings)}[name]
    if name == "home":
        return Path(str(raw)).expanduser().resolve()
    if kind == "bool":
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        from flows.messages import both

        raise ValueError(both("setting_not_a_boolean", name=source, value=raw))
    try:
        if kind == "float":
            return float(raw)
        if kind == "int":
            return int(raw)
    except (TypeError, ValueError):
        from flows.messages import both

        key = "setting_not_a_whole_number" if kind == "int" else "setting_not_a_number"
        raise ValueError(both(key, name=source, value=raw)) from None
    return str(raw)


def load_settings(
    env: dict[str, str] | None = None, *, home: str | Path | None = None, **overrides: Any
) -> Settings:
    """Build the settings from environment variables, the home's settings.toml and defaults.

    ``home`` (an explicit folder) wins over ``MINYI_HOME``; other keyword overrides win over
    everything.
    """
    env = dict(os.environ if env is None else env)
    home = Path(home or env.get("MINYI_HOME") or DEFAULT_HOME).expanduser().resolve()
    values: dict[str, Any] = {"home": home}
    toml_path = home / "settings.toml"
    if toml_path.is_file():
        with toml_path.open("rb") as fh:
            for key, raw in tomllib.load(fh).items():
                if key in _ENV and key != "home":
                    values[key] = _coerce(key, raw, f"{toml_path}: {key}")
    for key, var in _ENV.items():
        if key != "home" and env.get(var):
            values[key] = _coerce(key, env[var], var)
    values.update(overrides)
    settings = Settings(**values)
    if settings.satisfaction_definition not in ("top2", "top1"):
        raise ValueError(
            "satisfaction_definition must be top2 or top1, "
            f"not {settings.satisfaction_definition!r}"
        )
    if settings.task_runner not in ("default", "dask"):
        raise ValueError(f"task_runner must be default or dask, not {settings.task_runner!r}")
    if settings.lang not in ("zh", "en"):
        raise ValueError(f"lang must be zh or en, not {settings.lang!r}")
    return settings
