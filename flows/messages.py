"""The message catalogue: every user-facing text in Chinese and English.

Look texts up with :func:`msg` (one language) or :func:`both` ("中文 / English").
Placeholders use ``str.format`` names. Sections are grouped by pipeline stage.
"""

from __future__ import annotations

from typing import Final

Lang = str  # "zh" | "en"

_CLI: Final[dict[str, tuple[str, str]]] = {
    "app_help": (
        "民意 minyi：街道半年度评议与参与情况数据处理。",
        "minyi: semiannual evaluation and participation pipeline for subdistrict offices.",
    ),
    "run_done": (
        "运行完成：{files} 个文件，载入 {loaded} 行，隔离 {quarantined} 行。",
        "Run finished: {files} file(s), {loaded} row(s) loaded, {quarantined} row(s) quarantined.",
    ),
    "reports_at": ("报告位于：{path}", "Reports are in: {path}"),
    "run_failed": ("运行失败：{error}", "Run failed: {error}"),
    "generated": ("已生成 {files} 个文件到 {path}", "Generated {files} file(s) into {path}"),
    "no_new_files": ("收件箱中没有新文件。", "No new files in the inbox."),
    "file_missing": ("找不到文件：{path}", "File not found: {path}"),
    "query_error": ("查询出错：{error}", "Query failed: {error}"),
    "query_write_refused": (
        "查询只能读取数据，不能修改仓库（拒绝：{statement}）。",
        "Queries are read-only; statements that change the warehouse are refused ({statement}).",
    ),
    "warehouse_missing": (
        "仓库尚不存在：{path}。请先运行 minyi run 或 minyi demo。",
        "The warehouse does not exist yet: {path}. Run `minyi run` or `minyi demo` first.",
    ),
    "warehouse_locked_wait": (
        "仓库正被另一个程序使用（{holder}），最多等待 {seconds:.0f} 秒……",
        "The warehouse is in use by another program ({holder}); waiting up to {seconds:.0f} s...",
    ),
    "warehouse_locked_gave_up": (
        "仓库被另一个程序占用超过 {seconds:.0f} 秒，本次未写入任何数据。请关闭其他连接后重试。",
        "The warehouse stayed locked by another program for {seconds:.0f} s; nothing was written. "
        "Close other connections and try again.",
    ),
    "bad_period": (
        "无法识别的评议期：{value}（应为 2026H1、2026年上半年 等）",
        "Unrecognised period: {value} (expected 2026H1, 2026年上半年, ...)",
    ),
}

_READING: Final[dict[str, tuple[str, str]]] = {
    "file_unknown_kind": (
        "无法识别文件类型：表头不像评议表、听证记录或党支部报表。找到的表头：{found}",
        "Unrecognised file: the header matches no evaluation form, hearing record or branch "
        "report. Headers found: {found}",
    ),
    "file_missing_columns": (
        "缺少必填列：{missing}。找到的列：{found}",
        "Required columns missing: {missing}. Columns found: {found}",
    ),
    "file_unreadable": ("文件无法读取：{error}", "The file cannot be read: {error}"),
    "file_encoding": (
        "文件编码无法识别（不是 UTF-8、GB18030 或 UTF-16 文本），未载入以免出现乱码。",
        "The file's text encoding is not recognised (not UTF-8, GB18030 or UTF-16); "
        "it was not loaded, to avoid garbled text.",
    ),
    "file_empty": ("文件中没有数据。", "The file holds no data."),
    "file_too_large": (
        "文件大小 {size} 字节，超过上限 {limit} 字节。",
        "The file is {size} bytes, over the limit of {limit} bytes.",
    ),
    "file_unsupported": (
        "不支持的文件格式（{suffix}）：请另存为 .xlsx 或 .csv。",
        "Unsupported file format ({suffix}): save it as .xlsx or .csv.",
    ),
}

_VALIDATION: Final[dict[str, tuple[str, str]]] = {}

_LOADING: Final[dict[str, tuple[str, str]]] = {
    "file_duplicate": (
        "与已载入的文件内容完全相同（{original}），未重复载入。",
        "Same content as a file already loaded ({original}); nothing loaded again.",
    ),
    "accounting_mismatch": (
        "行数核对失败：{file} 读取 {read} 行，载入 {loaded} 行，隔离 {quarantined} 行。",
        "Row accounting failed: {file} read {read}, loaded {loaded}, quarantined {quarantined}.",
    ),
}

_REPORTS: Final[dict[str, tuple[str, str]]] = {}

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    **_CLI,
    **_READING,
    **_VALIDATION,
    **_LOADING,
    **_REPORTS,
}


def msg(key: str, lang: Lang = "zh", **values: object) -> str:
    """The message ``key`` in one language, with its placeholders filled."""
    zh, en = MESSAGES[key]
    return (en if lang == "en" else zh).format(**values)


def both(key: str, **values: object) -> str:
    """The message ``key`` in Chinese and English: "中文 / English"."""
    return f"{msg(key, 'zh', **values)} / {msg(key, 'en', **values)}"
