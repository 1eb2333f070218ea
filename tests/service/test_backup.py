"""Backup and restore: one archive of the home; restored into an empty home, same answers."""

from __future__ import annotations

import stat
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.ingest.batch import ingest
from flows.messages import both
from flows.service.backup import BackupError, backup, restore
from flows.service.runlock import RunLocked, run_lock
from flows.settings import Settings, load_settings
from flows.warehouse.query import run_query
from tests.helpers import evaluation, hearings_and_reports, write_csv

QUERIES = [
    "select period, community_id, role, definition, responses, rate "
    "from metrics.satisfaction order by all",
    "select file_name, status, rows_loaded, rows_quarantined from meta.files order by all",
    "select count(*), count(distinct evaluator_key) from core.evaluations",
]


def _loaded_home(settings: Settings) -> None:
    forms = [evaluation(evaluator=who) for who in ("测试甲", "测试乙", "测试丙")]
    paths = [write_csv(settings.home / "incoming" / "forms.csv", "evaluations", forms)]
    paths += hearings_and_reports(settings.home / "incoming")
    ingest(settings, paths)
    (settings.home / "settings.toml").write_text("min_cell_size = 3\n", encoding="utf-8")


def test_backup_then_restore_gives_the_same_answers(settings: Settings, tmp_path: Path) -> None:
    _loaded_home(settings)
    result = backup(settings, tmp_path / "backups")
    assert result.path.parent == tmp_path / "backups" and result.path.name.endswith(".tar.gz")
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    with tarfile.open(result.path) as packed:
        names = set(packed.getnames())
    assert {"BACKUP.json", "warehouse.duckdb", "secret.key", "settings.toml"} <= names
    assert any(n.startswith("archive/") for n in names)
    assert "reference/communities.csv" in names
    assert not any(n.startswith(("prefect/", "backups/", "cache/")) for n in names)

    restored = load_settings(env={"MINYI_HOME": str(tmp_path / "restored")})
    assert restore(restored, result.path) == result.files - 1
    for statement in QUERIES:
        expected = run_query(settings, statement)
        assert run_query(restored, statement).equals(expected), statement
    assert len(run_query(restored, QUERIES[0])) > 0
    assert (restored.home / "secret.key").read_bytes() == settings.key_path.read_bytes()
    assert stat.S_IMODE((restored.home / "secret.key").stat().st_mode) == 0o600


def test_restore_refuses_a_home_that_is_not_empty(settings: Settings, tmp_path: Path) -> None:
    _loaded_home(settings)
    archive = backup(settings, tmp_path / "one.tar.gz").path
    assert archive == tmp_path / "one.tar.gz"
    with pytest.raises(BackupError) as refused:
        restore(settings, archive)
    assert str(refused.value) == both("restore_home_not_empty", home=settings.home)


def test_restore_refuses_what_is_not_a_backup(settings: Settings, tmp_path: Path) -> None:
    other = tmp_path / "other.tar.gz"
    with tarfile.open(other, "w:gz") as tar:
        tar.add(settings.reference_dir / "communities.csv", arcname="communities.csv")
    empty = load_settings(env={"MINYI_HOME": str(tmp_path / "empty")})
    with pytest.raises(BackupError):
        restore(empty, other)


def test_a_backup_waits_for_a_run_and_gives_up_within_the_bound(
    settings: Settings, tmp_path: Path
) -> None:
    _loaded_home(settings)
    quick = load_settings(env={"MINYI_HOME": str(settings.home), "MINYI_LOCK_TIMEOUT_SECONDS": "0"})
    with run_lock(settings.home, 1), pytest.raises(RunLocked):
        backup(quick, tmp_path)
    assert not list(tmp_path.glob("*.tar.gz*")), "nothing half-written left"


def test_backup_and_restore_commands(settings: Settings, tmp_path: Path) -> None:
    _loaded_home(settings)
    runner = CliRunner()
    made = runner.invoke(app, ["backup", str(tmp_path / "b.tar.gz")])
    assert made.exit_code == 0, made.output
    target = tmp_path / "new-home"
    done = runner.invoke(
        app, ["restore", str(tmp_path / "b.tar.gz")], env={"MINYI_HOME": str(target)}
    )
    assert done.exit_code == 0, done.output
    again = runner.invoke(
        app, ["restore", str(tmp_path / "b.tar.gz")], env={"MINYI_HOME": str(target)}
    )
    assert again.exit_code == 1
