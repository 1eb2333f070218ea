"""Settings: environment over settings.toml over defaults, typed once, bad values refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.settings import DEFAULT_HOME, Settings, load_settings


def _toml(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text(text, encoding="utf-8")
    return home


def test_defaults_without_environment_or_file(tmp_path: Path) -> None:
    settings = load_settings(env={"MINYI_HOME": str(tmp_path)})
    assert settings == Settings(home=tmp_path.resolve())
    assert (settings.satisfaction_target, settings.member_target, settings.unit_target) == (
        0.98,
        0.90,
        0.70,
    )
    assert settings.timezone == "Asia/Shanghai" and settings.lang == "zh"


def test_no_home_given_is_the_repositorys_data_folder() -> None:
    assert load_settings(env={}).home == DEFAULT_HOME.resolve()


def test_environment_wins_over_the_file_which_wins_over_defaults(tmp_path: Path) -> None:
    home = _toml(tmp_path / "home", "satisfaction_target = 0.95\nmin_responses = 20\n")
    env = {"MINYI_HOME": str(home), "MINYI_MIN_RESPONSES": "30"}
    settings = load_settings(env=env)
    assert settings.min_responses == 30, "environment over the file"
    assert settings.satisfaction_target == 0.95, "the file over the default"
    assert settings.member_target == 0.90, "the default where neither says"


def test_keyword_overrides_win_over_everything(tmp_path: Path) -> None:
    home = _toml(tmp_path / "home", "lang = 'en'\n")
    settings = load_settings(env={"MINYI_HOME": str(home), "MINYI_LANG": "en"}, lang="zh")
    assert settings.lang == "zh"


def test_an_explicit_home_wins_over_minyi_home_and_reads_its_own_file(tmp_path: Path) -> None:
    chosen = _toml(tmp_path / "chosen", "report_deadline_days = 20\n")
    other = _toml(tmp_path / "other", "report_deadline_days = 30\n")
    settings = load_settings(env={"MINYI_HOME": str(other)}, home=chosen)
    assert settings.home == chosen.resolve()
    assert settings.report_deadline_days == 20


def test_the_file_cannot_move_the_home(tmp_path: Path) -> None:
    home = _toml(tmp_path / "home", f"home = '{tmp_path / 'elsewhere'}'\nunknown_key = 1\n")
    settings = load_settings(env={"MINYI_HOME": str(home)})
    assert settings.home == home.resolve()
    assert settings.extra == {}, "unknown keys are ignored"


def test_home_is_expanded_and_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert load_settings(env={"MINYI_HOME": "~/minyi"}).home == tmp_path.resolve() / "minyi"
    assert load_settings(env={"MINYI_HOME": "relative"}).home == tmp_path.resolve() / "relative"


def test_an_empty_variable_counts_as_unset(tmp_path: Path) -> None:
    home = _toml(tmp_path / "home", "min_cell_size = 5\n")
    settings = load_settings(env={"MINYI_HOME": str(home), "MINYI_MIN_CELL_SIZE": ""})
    assert settings.min_cell_size == 5


COERCED = {
    "int-from-text": ("MINYI_MIN_RESPONSES", "25", "min_responses", 25),
    "float-from-text": ("MINYI_SATISFACTION_TARGET", "0.9", "satisfaction_target", 0.9),
    "float-from-whole": ("MINYI_LOCK_TIMEOUT_SECONDS", "5", "lock_timeout_seconds", 5.0),
    "text-kept": ("MINYI_DUCKDB_MEMORY_LIMIT", "1GB", "duckdb_memory_limit", "1GB"),
    "cron-kept": ("MINYI_SEMIANNUAL_CRON", "0 7 6 1,7 *", "semiannual_cron", "0 7 6 1,7 *"),
}


@pytest.mark.parametrize(
    ("variable", "raw", "name", "expected"), list(COERCED.values()), ids=list(COERCED)
)
def test_environment_text_is_typed(
    tmp_path: Path, variable: str, raw: str, name: str, expected: object
) -> None:
    value = getattr(load_settings(env={"MINYI_HOME": str(tmp_path), variable: raw}), name)
    assert value == expected and type(value) is type(expected)


def test_file_values_are_typed_like_environment_text(tmp_path: Path) -> None:
    home = _toml(
        tmp_path / "home",
        "member_target = 1\nbatch_bytes = 1024.0\nmax_file_bytes = '2048'\noffice = 12\n",
    )
    settings = load_settings(env={"MINYI_HOME": str(home)})
    assert (settings.member_target, type(settings.member_target)) == (1.0, float)
    assert (settings.batch_bytes, type(settings.batch_bytes)) == (1024, int)
    assert settings.max_file_bytes == 2048
    assert settings.office == "12"


REFUSED = {
    "definition": ("MINYI_SATISFACTION_DEFINITION", "top3", "satisfaction_definition"),
    "task-runner": ("MINYI_TASK_RUNNER", "ray", "task_runner"),
    "lang": ("MINYI_LANG", "fr", "lang"),
}


@pytest.mark.parametrize(("variable", "raw", "name"), list(REFUSED.values()), ids=list(REFUSED))
def test_a_value_outside_its_choices_is_refused_by_name(
    tmp_path: Path, variable: str, raw: str, name: str
) -> None:
    with pytest.raises(ValueError) as refused:
        load_settings(env={"MINYI_HOME": str(tmp_path), variable: raw})
    assert name in str(refused.value) and repr(raw) in str(refused.value)


@pytest.mark.parametrize(
    ("variable", "raw"),
    [("MINYI_MIN_RESPONSES", "ten"), ("MINYI_MEMBER_TARGET", "90%"), ("MINYI_BATCH_BYTES", "1.5")],
    ids=["int-word", "float-percent", "int-fraction"],
)
def test_a_number_that_is_not_one_is_refused(tmp_path: Path, variable: str, raw: str) -> None:
    with pytest.raises(ValueError, match=raw.replace(".", r"\.")):
        load_settings(env={"MINYI_HOME": str(tmp_path), variable: raw})


def test_a_number_that_is_not_one_names_its_variable(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"MINYI_MIN_RESPONSES.*整数.*whole number"):
        load_settings(env={"MINYI_HOME": str(tmp_path), "MINYI_MIN_RESPONSES": "ten"})


def test_a_number_that_is_not_one_in_the_file_names_the_file_and_key(tmp_path: Path) -> None:
    home = _toml(tmp_path / "home", "member_target = 'most'\n")
    with pytest.raises(ValueError, match=r"settings\.toml: member_target"):
        load_settings(env={"MINYI_HOME": str(home)})


def test_a_bad_value_in_the_file_is_refused_too(tmp_path: Path) -> None:
    home = _toml(tmp_path / "home", "satisfaction_definition = 'all'\n")
    with pytest.raises(ValueError, match="satisfaction_definition"):
        load_settings(env={"MINYI_HOME": str(home)})


def test_paths_derive_from_the_home(tmp_path: Path) -> None:
    settings = load_settings(env={"MINYI_HOME": str(tmp_path)})
    home = tmp_path.resolve()
    assert settings.inbox_dir == home / "inbox"
    assert settings.warehouse_path == home / "warehouse.duckdb"
    assert settings.registry_cache_dir == home / "cache" / "registry"
    assert settings.publish_path is None
    assert settings.office_name == home.name


def test_publishing_names_an_absolute_folder_and_an_office(tmp_path: Path) -> None:
    env = {
        "MINYI_HOME": str(tmp_path / "heping"),
        "MINYI_PUBLISH_DIR": str(tmp_path / "city" / ".." / "city"),
    }
    settings = load_settings(env=env)
    assert settings.publish_path == (tmp_path / "city").resolve()
    assert settings.office_name == "heping"
    assert load_settings(env={**env, "MINYI_OFFICE": "HP01"}).office_name == "HP01"


def test_shipped_files_are_read_from_the_checkout_when_not_installed() -> None:
    from flows import settings as module

    assert not module.INSTALLED  # the tests run from the checkout (editable install)
    assert module.shipped("sql") == module.REPO_ROOT / "sql"
    assert (module.SQL_DIR / "metrics" / "satisfaction.sql").is_file()
    assert module.DEFAULT_TOPICS.is_file()
    assert module.DEFAULT_HOME == module.REPO_ROOT / "data"


def test_an_installed_minyi_keeps_its_home_in_the_users_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from flows import settings as module

    monkeypatch.setattr(module, "INSTALLED", True)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert module._default_home() == tmp_path / "minyi"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert module._default_home() == Path.home() / ".local" / "share" / "minyi"


@pytest.mark.parametrize(
    ("raw", "expected"), [("false", False), ("0", False), ("off", False), ("TRUE", True)]
)
def test_the_prefect_ui_setting_reads_yes_and_no(home: Path, raw: str, expected: bool) -> None:
    assert load_settings(env={"MINYI_HOME": str(home), "MINYI_PREFECT_UI": raw}).prefect_ui is (
        expected
    )


def test_a_setting_that_is_not_yes_or_no_is_named(home: Path) -> None:
    with pytest.raises(ValueError, match="MINYI_PREFECT_UI"):
        load_settings(env={"MINYI_HOME": str(home), "MINYI_PREFECT_UI": "maybe"})
