"""Texts too long to show are cut where rows leave the warehouse; everything else is kept."""

from __future__ import annotations

import duckdb
import pandas as pd

from flows.warehouse.display import cut_long_frame, cut_text, display_rows


def test_display_rows_cut_long_texts_and_keep_the_rest() -> None:
    con = duckdb.connect()
    con.execute('create table t("意见 text" varchar, n integer)')
    con.execute("insert into t values (repeat('长', 12), 1), ('短', 2), (null, 3)")
    rows = display_rows(con, 'select "意见 text", n from t where n >= ? order by n', [1], 10)
    assert rows == [
        {"意见 text": "长" * 9 + "…", "n": 1},
        {"意见 text": "短", "n": 2},
        {"意见 text": None, "n": 3},
    ]


def test_cut_long_frame_cuts_only_texts_over_the_limit() -> None:
    frame = pd.DataFrame({"text": ["x" * 11, "y" * 10, None], "n": [1, 2, 3]})
    shown = cut_long_frame(frame, 10)
    assert shown["text"].tolist()[:2] == ["x" * 9 + "…", "y" * 10]
    assert pd.isna(shown["text"][2])
    assert shown["n"].tolist() == [1, 2, 3]
    assert frame["text"][0] == "x" * 11, "the frame given is left alone"
    short = pd.DataFrame({"text": ["a"]})
    assert cut_long_frame(short, 10) is short


def test_cut_text_leaves_other_values() -> None:
    assert cut_text(12345678901, 3) == 12345678901
    assert cut_text("abcd", 3) == "ab…"
