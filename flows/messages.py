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
    "files_not_listed": (
        "另有 {count} 个文件未逐一列出，全部文件见数据质量报告。",
        "{count} more file(s) not listed; the data-quality report lists every file.",
    ),
    "run_failed": ("运行失败：{error}", "Run failed: {error}"),
    "dask_unreachable": (
        "无法连接 Dask 调度器 {address}（MINYI_DASK_ADDRESS）：{error}。"
        "请确认调度器已启动且本机可以访问；清空 MINYI_DASK_ADDRESS 则使用本机集群。",
        "Cannot reach the Dask scheduler at {address} (MINYI_DASK_ADDRESS): {error}. Check "
        "that it is running and reachable from here; leave MINYI_DASK_ADDRESS empty for a "
        "local cluster.",
    ),
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
    "run_locked_wait": (
        "另一个 minyi 运行正在进行，最多等待 {seconds:.0f} 秒……",
        "Another minyi run is in progress; waiting up to {seconds:.0f} s...",
    ),
    "run_locked_gave_up": (
        "另一个 minyi 运行超过 {seconds:.0f} 秒仍未结束，本次未写入任何数据。",
        "Another minyi run did not finish within {seconds:.0f} s; nothing was written.",
    ),
    "registry_missing": (
        "找不到名册文件：{error}。请把 communities.csv、organisations.csv、evaluators.csv 放入 {path}。",
        "Registry files are missing: {error}. Put communities.csv, organisations.csv and "
        "evaluators.csv into {path}.",
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
    "file_old_excel": (
        "这是旧版 Excel 97-2003 工作簿（.xls）：请在 Excel 或 WPS 中另存为 .xlsx 后再提交。",
        "This is an old Excel 97-2003 workbook (.xls): open it in Excel or WPS and save it "
        "as .xlsx, then submit it again.",
    ),
    "file_password_protected": (
        "工作簿设置了打开密码，无法读取：请取消密码后另存为 .xlsx 再提交。",
        "The workbook is password protected and cannot be read: remove the password, save it "
        "as .xlsx and submit it again.",
    ),
    "file_corrupt": (
        "文件已损坏或不是真正的 Excel 工作簿（扩展名为 {suffix}，内容不符）。",
        "The file is damaged or not a real Excel workbook (named {suffix}, content does not "
        "match).",
    ),
    "file_zip_bomb": (
        "工作簿解压后过大（{uncompressed} 字节，压缩后 {compressed} 字节），为安全起见未读取。",
        "The workbook expands to {uncompressed} bytes from {compressed} bytes; it was not "
        "read, for safety.",
    ),
    "file_sheet_too_large": (
        "工作表「{sheet}」的数据区域过大（{rows} 行 × {columns} 列），未读取。"
        "请删除远处多余的单元格后重新保存。",
        "Sheet '{sheet}' spans too large an area ({rows} rows x {columns} columns); it was "
        "not read. Delete stray cells far from the table and save it again.",
    ),
    "file_field_too_large": (
        "第 {line} 行附近有一个单元格超过 {limit} 个字符，可能是引号未配对，未载入。",
        "A cell near line {line} holds more than {limit} characters (perhaps an unmatched "
        "quote); the file was not loaded.",
    ),
    "file_bad_correction_marker": (
        "更正工作簿的隐藏页 _minyi_correction 中 A1 应为原文件的校验值，实际为：{value}",
        "The hidden sheet _minyi_correction of a corrections workbook should hold the source "
        "file's hash in A1; it holds: {value}",
    ),
}

# Each rule named in an expectation's meta.rule (expectations/*.json) or by the normaliser has a
# reason ("rule.<name>") and what the organizer should do ("action.<name>").
_VALIDATION: Final[dict[str, tuple[str, str]]] = {
    "rule.required": ("必填项“{column_zh}”为空。", "Required field {column} is empty."),
    "action.required": ("请补填该项后重新提交。", "Fill in the field and send the file again."),
    "rule.bad_number": (
        "“{column_zh}”应为整数，实际为“{value}”。",
        "{column} must be a whole number, found '{value}'.",
    ),
    "action.bad_number": ("请填写阿拉伯数字（如 12）。", "Write a number such as 12."),
    "rule.bad_rating": (
        "“{column_zh}”评分应为 1-5 的整数，实际为“{value}”。",
        "{column} must be a whole rating from 1 to 5, found '{value}'.",
    ),
    "action.bad_rating": ("请填写 1 到 5 的整数评分。", "Write a whole rating from 1 to 5."),
    "rule.bad_date": (
        "“{column_zh}”不是有效日期：“{value}”。",
        "{column} is not a valid date: '{value}'.",
    ),
    "action.bad_date": (
        "请按 2026-03-05 或 2026年3月5日 的格式填写日期。",
        "Write the date like 2026-03-05 or 2026年3月5日.",
    ),
    "rule.bad_period": (
        "“{column_zh}”无法识别：“{value}”。",
        "{column} is not a recognised half-year: '{value}'.",
    ),
    "action.bad_period": (
        "请写成 2026年上半年、2026年下半年 或 2026H1。",
        "Write the half-year as 2026年上半年, 2026年下半年 or 2026H1.",
    ),
    "rule.bad_boolean": (
        "“{column_zh}”应为“是”或“否”，实际为“{value}”。",
        "{column} must be 是 (yes) or 否 (no), found '{value}'.",
    ),
    "action.bad_boolean": ("请填写“是”或“否”。", "Write 是 or 否."),
    "rule.unknown_community": (
        "社区“{value}”不在社区名册中。",
        "Community '{value}' is not in the community registry.",
    ),
    "action.unknown_community": (
        "请使用名册中的社区名称或编号；如为新社区，请先更新 reference/communities.csv。",
        "Use a registered community name or id; for a new community update "
        "reference/communities.csv first.",
    ),
    "rule.unknown_org": (
        "组织“{value}”不在组织名册中。",
        "Organisation '{value}' is not in the organisation registry.",
    ),
    "action.unknown_org": (
        "请使用名册中的组织名称或编号；如为新组织，请先更新 reference/organisations.csv。",
        "Use a registered organisation name or id; for a new one update "
        "reference/organisations.csv first.",
    ),
    "rule.unknown_role": (
        "评议人身份“{value}”无法识别。",
        "Evaluator role '{value}' is not recognised.",
    ),
    "action.unknown_role": (
        "身份应为：人大代表、政协委员、居民代表、单位代表。",
        "The role must be one of 人大代表, 政协委员, 居民代表, 单位代表.",
    ),
    "rule.unknown_verdict": (
        "总体评价“{value}”无法识别。",
        "Overall verdict '{value}' is not recognised.",
    ),
    "action.unknown_verdict": (
        "总体评价应为：满意、基本满意、不满意。",
        "The verdict must be one of 满意, 基本满意, 不满意.",
    ),
    "rule.unknown_hearing_kind": (
        "形式“{value}”无法识别。",
        "Kind '{value}' is not recognised.",
    ),
    "action.unknown_hearing_kind": (
        "形式应为：听证会、恳谈会、入户走访。",
        "The kind must be one of 听证会, 恳谈会, 入户走访.",
    ),
    "rule.rating_range": (
        "“{column_zh}”评分 {value} 超出 1-5 范围。",
        "{column} rating {value} is outside 1 to 5.",
    ),
    "action.rating_range": (
        "请核对原始评议表，填写 1 到 5 的评分。",
        "Check the paper form; ratings are 1 to 5.",
    ),
    "rule.negative_count": (
        "“{column_zh}”不能为负数（{value}）。",
        "{column} cannot be negative ({value}).",
    ),
    "action.negative_count": ("请核对人数或次数。", "Check the count."),
    "rule.resolved_over_raised": (
        "办结数（{value}）大于收集意见数。",
        "Opinions resolved ({value}) exceed opinions raised.",
    ),
    "action.resolved_over_raised": (
        "办结数不能多于收集的意见数，请核对两列。",
        "Resolved cannot exceed raised; check both columns.",
    ),
    "rule.attendance_parts_over_total": (
        "居民、代表委员、党员人数之和大于参加人数（{value}）。",
        "Residents + deputies + party members exceed the attendees ({value}).",
    ),
    "action.attendance_parts_over_total": (
        "请核对参加人数及其构成。",
        "Check the attendance and its breakdown.",
    ),
    "rule.participating_over_total": (
        "参与社区工作党员数（{value}）大于党员总数。",
        "Members taking part ({value}) exceed members in total.",
    ),
    "action.participating_over_total": (
        "请核对党员总数与参与人数。",
        "Check members in total and members taking part.",
    ),
    "rule.registered_over_total": (
        "在职党员报到数（{value}）大于党员总数。",
        "Registered in-service members ({value}) exceed members in total.",
    ),
    "action.registered_over_total": ("请核对两列数字。", "Check both columns."),
    "rule.date_before_period": (
        "“{column_zh}”（{value}）早于该半年度开始。",
        "{column} ({value}) is before the half-year began.",
    ),
    "action.date_before_period": (
        "请核对日期和评议期/报告期。",
        "Check the date and the half-year.",
    ),
    "rule.duplicate_form": (
        "同一评议人对同一社区同一半年度有多份评议表（{value}）。",
        "The same evaluator has more than one form for this community and half-year ({value}).",
    ),
    "action.duplicate_form": (
        "每人每半年度每社区只填一份；请删去重复行，保留正确的一份后重新提交。",
        "One form per evaluator, community and half-year: delete the extra rows and resend.",
    ),
    "rule.duplicate_record": (
        "同一记录（{value}）在文件中出现多次。",
        "The same record ({value}) appears more than once in the file.",
    ),
    "action.duplicate_record": ("请删去重复行后重新提交。", "Delete the repeated rows and resend."),
    "rule.duplicate_report": (
        "同一组织同一半年度有多行报表（{value}）。",
        "More than one report row for this organisation and half-year ({value}).",
    ),
    "action.duplicate_report": (
        "每个组织每半年度只报一行；请合并后重新提交。",
        "One row per organisation and half-year: merge them and resend.",
    ),
}

_LOADING: Final[dict[str, tuple[str, str]]] = {
    "file_duplicate": (
        "与已载入的文件内容完全相同（{original}），未重复载入。",
        "Same content as a file already loaded ({original}); nothing loaded again.",
    ),
    "accounting_mismatch": (
        "行数核对失败：{file} 读取 {read} 行，载入 {loaded} 行，隔离 {quarantined} 行。",
        "Row accounting failed: {file} read {read}, loaded {loaded}, quarantined {quarantined}.",
    ),
    "disk_full": (
        "磁盘空间不足，无法写入 {path}。本次未载入任何数据，仓库保持原样；请腾出空间后重新运行。",
        "The disk is full: could not write {path}. Nothing was loaded and the warehouse is "
        "unchanged; free some space and run again.",
    ),
    "home_not_writable": (
        "无法写入 {path}（{reason}）。本次未载入任何数据，仓库保持原样；请检查 MINYI_HOME 的位置和写入权限。",
        "Cannot write {path} ({reason}). Nothing was loaded and the warehouse is unchanged; "
        "check where MINYI_HOME points and that it can be written.",
    ),
    "manifest_not_written": (
        "数据已载入仓库，但无法更新归档清单 {path}（{reason}）；收件箱中的文件暂时保留，下次运行会补写清单并清理收件箱。",
        "The data is in the warehouse, but the archive manifest {path} could not be updated "
        "({reason}); the inbox files stay for now and the next run completes the manifest.",
    ),
}

_REPORTS: Final[dict[str, tuple[str, str]]] = {
    # Titles and front matter
    "report.title": (
        "{period} 半年度评议与参与情况报告",
        "Semiannual evaluation and participation report, {period}",
    ),
    "report.quality_title": ("{period} 数据质量报告", "Data-quality report, {period}"),
    "report.generated": ("生成时间：{when}（{tz}）", "Generated {when} ({tz})"),
    "report.subtitle": (
        "本报告由 民意 minyi 根据已载入的数据自动生成，数字均可追溯到文末所列文件。",
        "Generated by minyi from the loaded data; every figure traces back to the files listed at the end.",
    ),
    "report.contents": ("目录", "Contents"),
    "report.no_data": ("本期没有数据。", "No data for this half-year."),
    "report.suppressed_mark": ("—", "—"),
    "report.yes": ("是", "yes"),
    "report.no": ("否", "no"),
    "report.all": ("全街道", "Whole subdistrict"),
    "report.all_subdistricts": ("全部街道", "All subdistricts"),
    "report.subdistrict.none": ("（无街道代码）", "(no subdistrict code)"),
    "report.unknown": ("未知", "unknown"),
    # Definitions, verdicts, tests
    "report.definition.top2": (
        "满意+基本满意（前两档）",
        "top-two-box: satisfied + basically satisfied",
    ),
    "report.definition.top1": ("仅计“满意”", "top-box: satisfied only"),
    "report.verdict.meets": ("达标", "meets target"),
    "report.verdict.borderline": ("临界（区间含目标）", "borderline (interval includes target)"),
    "report.verdict.below": ("未达标", "below target"),
    "report.significant": ("显著", "significant"),
    "report.not_significant": ("不显著", "not significant"),
    "report.pp": ("{value:+.1f} 个百分点", "{value:+.1f} pp"),
    # Headline
    "report.section.headline": ("概况", "Headline"),
    "report.headline.satisfaction": ("满意率（{definition}）", "Satisfaction rate ({definition})"),
    "report.headline.members": (
        "党员参与社区工作比例",
        "Party members taking part in community work",
    ),
    "report.headline.units": ("共建单位参与比例", "Unit organisations taking part"),
    "report.headline.interval": (
        "95% 区间 {low} – {high}，{n} 份评议表",
        "95% interval {low} – {high}, {n} forms",
    ),
    "report.headline.count": ("{part} / {total}", "{part} of {total}"),
    "report.headline.target": ("目标 {target}", "target {target}"),
    "report.headline.md_title": ("{period} 半年度主要指标", "Headline figures, {period}"),
    # Column labels
    "report.col.measure": ("指标", "Measure"),
    "report.col.value": ("数值", "Value"),
    "report.col.detail": ("说明", "Detail"),
    "report.col.community": ("社区", "Community"),
    "report.col.role": ("评议人类别", "Evaluator role"),
    "report.col.responses": ("评议表数", "Forms"),
    "report.col.satisfied": ("满意", "Satisfied"),
    "report.col.basically_satisfied": ("基本满意", "Basically satisfied"),
    "report.col.dissatisfied": ("不满意", "Dissatisfied"),
    "report.col.rate": ("满意率", "Rate"),
    "report.col.ci_low": ("区间下限", "Interval low"),
    "report.col.ci_high": ("区间上限", "Interval high"),
    "report.col.target": ("目标", "Target"),
    "report.col.verdict": ("结论", "Verdict"),
    "report.col.small_sample": ("样本偏少", "Small sample"),
    "report.col.rate_previous": ("上期满意率", "Previous rate"),
    "report.col.change": ("变化", "Change"),
    "report.col.p_value": ("p 值", "p value"),
    "report.col.change_test": ("变化检验", "Change test"),
    "report.col.item": ("评议项目", "Item"),
    "report.col.mean": ("平均分", "Mean"),
    "report.col.sd": ("标准差", "SD"),
    "report.col.period": ("半年度", "Half-year"),
    "report.col.members_total": ("党员总数", "Members"),
    "report.col.members_participating": ("参与党员数", "Members taking part"),
    "report.col.participation_rate": ("参与比例", "Share taking part"),
    "report.col.meets_target": ("是否达标", "Meets target"),
    "report.col.org_kind": ("组织类型", "Kind of organisation"),
    "report.col.orgs_registered": ("登记组织数", "Organisations registered"),
    "report.col.reports_received": ("已报送", "Reports received"),
    "report.col.in_service_registered": ("在职党员报到数", "In-service members registered"),
    "report.col.activities": ("活动次数", "Activities"),
    "report.col.orgs_took_part": ("参与共建", "Took part"),
    "report.col.hearing_kind": ("形式", "Kind"),
    "report.col.events": ("场次", "Events"),
    "report.col.attendees": ("参加人数", "Attendees"),
    "report.col.opinions_raised": ("收集意见", "Opinions raised"),
    "report.col.opinions_resolved": ("已办结", "Resolved"),
    "report.col.resolution_rate": ("办结率", "Resolution rate"),
    "report.col.households_visited": ("走访户次", "Household visits"),
    "report.col.household_coverage": ("走访覆盖率", "Household coverage"),
    "report.col.source": ("报送类别", "Source"),
    "report.col.expected": ("应报", "Expected"),
    "report.col.received": ("已报", "Received"),
    "report.col.on_time": ("按时", "On time"),
    "report.col.late": ("迟报", "Late"),
    "report.col.missing": ("缺报", "Missing"),
    "report.col.completeness": ("完整率", "Completeness"),
    "report.col.timeliness": ("及时率", "Timeliness"),
    "report.col.unit": ("报送单位", "Reporting unit"),
    "report.col.status": ("情况", "Status"),
    "report.col.submitted_on": ("报送日期", "Submitted on"),
    "report.col.opinion": ("意见建议", "Opinion"),
    "report.col.file": ("文件", "File"),
    "report.col.hash": ("内容指纹", "Content hash"),
    "report.col.received_at": ("接收时间", "Received at"),
    "report.col.kind": ("类型", "Kind"),
    "report.col.cells": ("单元格数", "Cells"),
    "report.col.files": ("文件数", "Files"),
    "report.col.run": ("运行编号", "Run"),
    "report.col.started_at": ("开始时间", "Started"),
    "report.col.finished_at": ("结束时间", "Finished"),
    "report.col.run_status": ("运行状态", "Run status"),
    "report.col.files_seen": ("文件数", "Files"),
    "report.col.rows_read": ("读取行数", "Rows read"),
    "report.col.rows_loaded": ("载入行数", "Rows loaded"),
    "report.col.rows_quarantined": ("隔离行数", "Rows quarantined"),
    "report.col.outcome": ("结果", "Outcome"),
    "report.col.reason": ("原因", "Reason"),
    "report.col.action": ("处理办法", "What to do"),
    "report.col.sheet": ("工作表", "Sheet"),
    "report.col.row_number": ("行号", "Row"),
    "report.col.column": ("列", "Column"),
    "report.col.cell_value": ("填写内容", "Value"),
    "report.col.problem": ("问题说明", "Problem"),
    "report.col.subdistrict": ("街道", "Subdistrict"),
    "report.col.communities": ("社区数", "Communities"),
    "report.col.communities_below": ("未达标社区数", "Communities below target"),
    "report.col.opinions": ("意见条数", "Opinions"),
    # Sections of the semiannual report (also sheet names: at most 31 characters)
    "report.section.by_community": ("各社区满意率", "Satisfaction by community"),
    "report.section.by_role": ("各类评议人满意率", "Satisfaction by role"),
    "report.section.community_role": ("社区×评议人类别", "Community x role"),
    "report.section.items": ("分项评分", "Item scores"),
    "report.section.trends": ("历次满意率", "Trends"),
    "report.section.members": ("党员参与（分社区）", "Member participation"),
    "report.section.org_kinds": ("参与情况（分组织类型）", "Participation by kind"),
    "report.section.units": ("共建单位参与", "Unit participation"),
    "report.section.hearings": ("听证与走访（分社区）", "Hearings by community"),
    "report.section.hearing_kinds": ("听证与走访（分形式）", "Hearings by kind"),
    "report.section.reporting": ("报送完整性与及时性", "Reporting"),
    "report.section.gaps": ("缺报与迟报名单", "Missing and late"),
    "report.section.opinions": ("意见建议", "Opinions"),
    "report.section.files": ("数据来源：文件", "Sources: files"),
    "report.section.runs": ("数据来源：运行", "Sources: runs"),
    "report.section.notes": ("说明", "Notes"),
    "report.section.by_subdistrict": ("各街道满意率", "Satisfaction by subdistrict"),
    "report.section.under_target": ("未达目标的社区", "Communities under target"),
    "report.section.items_by_subdistrict": ("分项评分（分街道）", "Item scores by subdistrict"),
    "report.section.trends_by_subdistrict": ("历次满意率（分街道）", "Trends by subdistrict"),
    "report.section.members_by_subdistrict": ("党员参与（分街道）", "Members by subdistrict"),
    "report.section.hearings_by_subdistrict": ("听证与走访（分街道）", "Hearings by subdistrict"),
    "report.section.gaps_by_subdistrict": (
        "缺报与迟报（分街道）",
        "Missing and late by subdistrict",
    ),
    "report.section.opinions_by_subdistrict": ("意见建议（分街道）", "Opinions by subdistrict"),
    "report.section.runs_quality": ("运行记录", "Runs"),
    "report.section.receipts": ("收到的文件", "Files received"),
    "report.section.rejected": ("整份退回的文件", "Files rejected whole"),
    "report.section.quarantine": ("隔离的数据行", "Quarantined rows"),
    "report.section.quarantine_reasons": ("隔离原因汇总", "Quarantined cells by reason"),
    "report.section.quarantine_unknown_reasons": (
        "隔离原因汇总（半年度无法识别）",
        "Quarantined cells by reason (half-year unknown)",
    ),
    "report.section.quarantine_unknown": (
        "隔离的数据行（半年度无法识别）",
        "Quarantined rows (half-year unknown)",
    ),
    # Section introductions and notes
    "report.intro.by_community": (
        "按满意率从高到低排列。图中圆点为满意率，横线为 95% Wilson 区间，竖线为目标 {target}；空心圆点表示样本偏少（少于 {min_responses} 份）。",
        "Sorted by rate, highest first. Dots are rates, bars their 95% Wilson intervals, the vertical line the {target} target; hollow dots mark small samples (fewer than {min_responses} forms).",
    ),
    "report.intro.trends": (
        "各社区各半年度满意率（{definition}），竖轴自 {low} 至 100%，虚线为目标。",
        "Each community's rate per half-year ({definition}); the axis runs from {low} to 100%, the dashed line is the target.",
    ),
    "report.intro.opinions": (
        "按社区汇总评议表中的意见建议，不显示评议人及其类别，顺序已打乱（按文字排序）。",
        "Opinions written on the forms, grouped by community, without the evaluator or their role, in text order rather than form order.",
    ),
    "report.intro.by_subdistrict": (
        "本期名册共有 {communities} 个社区，超过 {limit} 个，因此本报告按街道汇总，并列出未达目标 {target} 的社区。按满意率从高到低排列。",
        "The registry holds {communities} communities, more than {limit}, so this report sums them up by subdistrict and lists the communities under the {target} target. Sorted by rate, highest first.",
    ),
    "report.intro.under_target": (
        "满意率低于目标 {target} 的社区共 {under} 个，其中“未达标”{below} 个；先列“未达标”，再按满意率从低到高，此处列出 {listed} 个。",
        "{under} communities are under the {target} target, {below} of them below it; those below come first, then the lowest rates; {listed} are listed here.",
    ),
    "report.intro.trends_by_subdistrict": (
        "各街道各半年度满意率（{definition}）；图为全部社区合计，竖轴自 {low} 至 100%，虚线为目标。",
        "Each subdistrict's rate per half-year ({definition}); the chart shows all communities together, its axis from {low} to 100%, the dashed line the target.",
    ),
    "report.intro.opinions_by_subdistrict": (
        "社区较多，意见建议原文不在本报告中逐条列出；下表为各街道的意见条数，原文保存在数据仓库中（core.evaluations 的 comments 列）。",
        "With this many communities the opinions are not listed one by one; the table counts them per subdistrict, and their text is in the warehouse (column comments of core.evaluations).",
    ),
    "report.note.by_subdistrict": (
        "社区超过 {limit} 个时，本报告按街道汇总（街道取社区名册的 subdistrict 列；未填写时为社区代码中“-”之前的部分）；每个社区的数据都在数据仓库中，可用 minyi export 导出。",
        "With more than {limit} communities this report sums up by subdistrict (the registry's subdistrict column; where it is empty, the part of the community code before “-”); every community's figures are in the warehouse, and minyi export writes them out.",
    ),
    "report.note.definition": (
        "满意率口径：{definition}。",
        "Satisfaction rate counts {definition} as satisfied.",
    ),
    "report.note.interval": (
        "区间为 95% Wilson 置信区间；满意率达到目标为“达标”，未达到但区间上限不低于目标为“临界”，区间上限低于目标为“未达标”。",
        "Intervals are 95% Wilson intervals. A rate at or above the target meets it; below it but with the interval reaching the target is borderline; an interval wholly below the target is below.",
    ),
    "report.note.small_sample": (
        "少于 {min_responses} 份评议表的满意率标为“样本偏少”，应谨慎解读。",
        "Rates from fewer than {min_responses} forms are marked as small samples and should be read with care.",
    ),
    "report.note.suppression": (
        "“—”：为保护评议人，少于 {min_cell} 份评议表的分组不显示；若同一组中只有一格被隐去，另隐去一个最小的格，以免用合计反推。",
        "“—”: to protect evaluators, groups with fewer than {min_cell} forms are not shown; where only one cell of a group would be hidden, the next smallest is hidden too so it cannot be worked out from the total.",
    ),
    "report.note.fisher": (
        "与上一半年度（{previous}）的变化用 Fisher 精确检验（双侧，2×2 表：满意/不满意 × 本期/上期）判断，p < {alpha} 记为显著；小样本时 25/25 变为 24/25 不算显著。",
        "Change against the previous half-year ({previous}) is tested with Fisher's exact test (two-sided, 2×2 table: satisfied/not × this/previous half-year); p < {alpha} is marked significant, so 25/25 becoming 24/25 is not.",
    ),
    "report.note.participation": (
        "党员参与比例只计党支部（楼院、市场、非公企业、临时党支部）；共建单位参与比例 = 参与共建的单位 / 登记在册的共建单位。",
        "Member participation counts party branches only (building, market, enterprise and temporary branches); unit participation is unit organisations taking part / unit organisations registered.",
    ),
    "report.note.timeliness": (
        "按时：在半年度结束后 {days} 天内报送。及时率 = 按时 / 应报。",
        "On time: submitted within {days} days after the half-year ends. Timeliness = on time / expected.",
    ),
    "report.note.coverage": (
        "走访覆盖率 = 走访户次 / 社区户数（同一户走访两次计两次）。",
        "Household coverage = household visits / households in the community (a household visited twice counts twice).",
    ),
    "report.note.sources": (
        "本期数据（现行行，不含已被替换的行）来自下列文件和运行。",
        "This half-year's current rows (not those since replaced) come from these files and runs.",
    ),
    # Vocabularies
    "report.role.deputy": ("人大代表", "People's congress deputies"),
    "report.role.cppcc_member": ("政协委员", "CPPCC members"),
    "report.role.resident_rep": ("居民代表", "Resident representatives"),
    "report.role.unit_rep": ("单位代表", "Unit representatives"),
    "report.item.service_attitude": ("服务态度", "Service attitude"),
    "report.item.efficiency": ("办事效率", "Efficiency"),
    "report.item.environment": ("环境整治", "Environment"),
    "report.item.openness": ("居务公开", "Openness of community affairs"),
    "report.item.practical_results": ("为民办实事", "Practical results"),
    "report.hearing.hearing": ("听证会", "Hearing"),
    "report.hearing.consultation": ("恳谈会", "Consultation meeting"),
    "report.hearing.home_visit": ("入户走访", "Home visit"),
    "report.org.building_branch": ("楼院党支部", "Building / courtyard branch"),
    "report.org.market_branch": ("市场党支部", "Market branch"),
    "report.org.enterprise_branch": ("非公企业党支部", "Non-public enterprise branch"),
    "report.org.temporary_branch": ("临时党支部", "Temporary branch"),
    "report.org.economic_committee": ("综合经济党委", "Integrated economic committee"),
    "report.org.unit_org": ("共建单位", "Co-building unit organisation"),
    "report.source.evaluations": ("代表评议表", "Representative evaluations"),
    "report.source.branch_reports": ("党支部报表", "Branch reports"),
    "report.source.hearings": ("听证记录", "Hearing records"),
    "report.status.missing": ("缺报", "missing"),
    "report.status.late": ("迟报", "late"),
    "report.outcome.loaded": ("已载入", "loaded"),
    "report.outcome.duplicate": ("重复文件", "duplicate"),
    "report.outcome.rejected": ("整份退回", "rejected"),
    "report.outcome.superseded": ("已被替换", "superseded"),
    "report.run.running": ("运行中", "running"),
    "report.run.completed": ("已完成", "completed"),
    "report.run.failed": ("失败", "failed"),
    # Quality report and corrections
    "report.quality.intro": (
        "本期每个收到的文件、整份退回的文件和每个被隔离的数据行。被隔离的行可在更正表中修改后放回收件箱重新载入。",
        "Every file received for this half-year, the files rejected whole and each quarantined row. Quarantined rows can be fixed in the corrections workbooks and dropped back into the inbox.",
    ),
    "report.quality.corrections": (
        "更正表位于 corrections 文件夹：{names}",
        "Corrections workbooks are in the corrections folder: {names}",
    ),
    "report.quality.corrections_many": (
        "已为 {count} 个文件生成更正表，位于 corrections 文件夹，文件名与原文件相同。",
        "Corrections workbooks for {count} files are in the corrections folder, named after "
        "the files they correct.",
    ),
    "report.quality.corrected": (
        "另有 {files} 个文件的 {cells} 个单元格已由更正表替换，不再列出：更正表中改好的行已载入，"
        "仍有问题的行列在更正表自己名下。",
        "{cells} more cells in {files} files are not listed: a corrections workbook has replaced "
        "those files. Its fixed rows loaded; rows still wrong are listed under the workbook.",
    ),
    "report.quality.receipts_listed": (
        "仅列出收到的 {total} 个文件中的 {listed} 个，被拒收或有隔离行的文件优先。各次运行的合计见“运行记录”表。",
        "Only {listed} of the {total} files received are listed, those rejected or with "
        "quarantined rows first. The runs table has each run's totals.",
    ),
    "report.quality.cells_listed": (
        "仅列出前 {listed} 个单元格，共 {total} 个。全部单元格见各文件的更正表，"
        "以及仓库表 meta.quarantine。",
        "Only the first {listed} of {total} cells are listed. Every cell is in its file's "
        "corrections workbook and in the warehouse table meta.quarantine.",
    ),
    "report.quality.unknown_note": (
        "下列行的半年度无法识别，因此出现在每个半年度的质量报告中。",
        "The half-year of these rows could not be read, so they appear in every half-year's quality report.",
    ),
    "report.quality.none": ("无。", "None."),
    "report.correction.sheet": ("更正", "Corrections"),
    "report.correction.row_problem": (
        "原第 {row} 行（{sheet}）：{reasons}",
        "Row {row} ({sheet}): {reasons}",
    ),
    "report.correction.help": (
        "请直接修改黄色单元格（鼠标悬停可看原因），改好后将本文件原样放回收件箱；最后一列不必删除。",
        "Fix the yellow cells (hover for the reason), then drop this workbook back into the inbox as it is; the last column may stay.",
    ),
}

_GENERATE: Final[dict[str, tuple[str, str]]] = {
    "generate_subdistricts_invalid": (
        "街道数必须至少为 1（收到 {count}）。",
        "The number of subdistricts must be at least 1 (got {count}).",
    ),
    "generate_registry_mismatch": (
        "登记表 {path} 包含 {found} 个街道，与要求的 {wanted} 个不符。"
        "请改用 {found} 个街道，或指定另一个数据目录。",
        "The registry in {path} holds {found} subdistrict(s), not the {wanted} asked for. "
        "Ask for {found}, or point to another data folder.",
    ),
}

_SERVE: Final[dict[str, tuple[str, str]]] = {
    "serve_starting_server": (
        "正在启动本机 Prefect 服务器（127.0.0.1:{port}）……",
        "Starting the local Prefect server (127.0.0.1:{port})...",
    ),
    "serve_using_server": (
        "使用已有的 Prefect 服务器：{url}",
        "Using the existing Prefect server: {url}",
    ),
    "serve_server_ready": ("Prefect 服务器已就绪：{url}", "The Prefect server is ready: {url}"),
    "serve_server_failed": (
        "Prefect 服务器未能在 {seconds:.0f} 秒内启动。请查看日志：{log}",
        "The Prefect server did not start within {seconds:.0f} s. See its log: {log}",
    ),
    "serve_server_unreachable": (
        "无法连接 PREFECT_API_URL 指向的 Prefect 服务器：{url}",
        "The Prefect server at PREFECT_API_URL does not answer: {url}",
    ),
    "serve_port_busy": (
        "端口 {port} 已被占用。请用 --port 或环境变量 MINYI_PREFECT_PORT 指定其他端口（0 表示自动选择空闲端口）。",
        "Port {port} is already in use. Choose another with --port or MINYI_PREFECT_PORT "
        "(0 picks a free port).",
    ),
    "serve_already_running": (
        "minyi serve 已经在为 {home} 运行，不能同时启动两个。",
        "minyi serve is already running for {home}; only one may run at a time.",
    ),
    "serve_ready": (
        "服务已启动：半年度运行按 {cron}（{tz}）执行，收件箱每 {minutes} 分钟检查一次。按 Ctrl-C 停止。",
        "Serving: the half-year run on {cron} ({tz}), the inbox every {minutes} min. "
        "Press Ctrl-C to stop.",
    ),
    "serve_crashed_runs": (
        "已将 {count} 个上次中断的运行标记为“崩溃”。",
        "Marked {count} run(s) interrupted last time as Crashed.",
    ),
    "serve_orphan_crashed": (
        "运行进程已中断（服务重新启动时该运行仍显示为运行中）。",
        "The run's process ended (it still showed as running when the service restarted).",
    ),
    "serve_zombie_crashed": (
        "运行进程已停止发送心跳，判定为崩溃。",
        "The run's process stopped sending heartbeats; marked as crashed.",
    ),
    "serve_stopping": ("正在停止，计划已暂停……", "Stopping; the schedules are paused..."),
    "serve_stopped": (
        "已停止。再次运行 minyi serve 即可恢复计划。",
        "Stopped. Run `minyi serve` again to resume the schedules.",
    ),
    "status_server_up": ("Prefect 服务器：{url}", "Prefect server: {url}"),
    "status_server_down": (
        "Prefect 服务器未运行（{url}），因此不显示计划任务。请用 minyi serve 启动服务。",
        "No Prefect server answers at {url}, so no schedules are shown. Start the service with "
        "`minyi serve`.",
    ),
    "status_deployments": ("计划任务（时间为 {tz}）：", "Deployments (times in {tz}):"),
    "status_no_deployments": (
        "尚未登记计划任务（minyi serve 启动后登记）。",
        "No deployments registered yet (`minyi serve` registers them).",
    ),
    "status_paused": ("（已暂停）", " (paused)"),
    "status_next": ("下次运行：{when}", "next: {when}"),
    "status_none": ("无", "none"),
    "status_flow_runs": ("最近的 Prefect 运行（{tz}）：", "Recent Prefect runs ({tz}):"),
    "status_warehouse_runs": (
        "仓库记录的最近运行（{tz}）：",
        "Recent runs in the warehouse ({tz}):",
    ),
    "status_run_counts": (
        "{period}  {files} 个文件，载入 {loaded} 行，隔离 {quarantined} 行",
        "{period}  {files} file(s), {loaded} row(s) loaded, {quarantined} quarantined",
    ),
    "status_warehouse_missing": ("仓库尚未建立。", "The warehouse does not exist yet."),
    "status_warehouse_busy": (
        "仓库正被一次运行写入，稍后再查看。",
        "A run is writing to the warehouse; look again shortly.",
    ),
    "status_inbox": (
        "收件箱：{waiting} 个文件等待载入，{writing} 个文件仍在写入或为临时文件（下次检查时再载入）。",
        "Inbox: {waiting} file(s) waiting, {writing} still being written or temporary "
        "(left for the next poll).",
    ),
    "query_file_access_refused": (
        "查询只能读取仓库中的表，不能读取或写入其他文件。",
        "Queries read the warehouse's tables only; they cannot read or write other files.",
    ),
    "query_output_written": ("已将 {rows} 行写入 {path}", "Wrote {rows} row(s) to {path}"),
    "query_output_suffix": (
        "输出文件须以 .csv、.parquet 或 .xlsx 结尾：{path}",
        "The output file must end in .csv, .parquet or .xlsx: {path}",
    ),
    "export_done": (
        "已导出 {period} 的 {tables} 个表到 {path}",
        "Exported {tables} table(s) for {period} to {path}",
    ),
    "export_table": ("  {name}：{rows} 行", "  {name}: {rows} row(s)"),
    "export_bad_format": (
        "--format 须为 parquet 或 csv：{value}",
        "--format must be parquet or csv: {value}",
    ),
}

_SECURITY: Final[dict[str, tuple[str, str]]] = {
    "file_symlink": (
        "收件箱中的符号链接（快捷方式）不被接受，未读取其指向的文件。请放入文件本身。",
        "A symbolic link in the inbox is refused; the file it points to was not read. "
        "Put the file itself in the inbox.",
    ),
    "file_not_regular": (
        "这不是普通文件（可能是设备或管道），未读取。",
        "This is not a regular file (perhaps a device or a pipe); it was not read.",
    ),
    "file_sheet_too_many_rows": (
        "工作表「{sheet}」超过 {limit} 行，可能是大量空白格式行，未读取。"
        "请删除表格下方多余的行后重新保存。",
        "Sheet '{sheet}' has more than {limit} rows, perhaps many empty formatted rows; it "
        "was not read. Delete the extra rows under the table and save it again.",
    ),
}

# --- Topic tagging (flows/topics/): the taxonomy file's problems, and `python -m flows.topics`.
# Added in one block by the topics branch; the lead carries them over to the .po files.
_TOPICS: Final[dict[str, tuple[str, str]]] = {
    "topics_file": ("主题表 {path}{where}：{problem}", "Topics file {path}{where}: {problem}"),
    "topics_line": (" 第 {line} 行", ", line {line}"),
    "topics_missing": (
        "文件不存在。请检查设置 topics（环境变量 MINYI_TOPICS）。",
        "the file does not exist. Check the topics setting (MINYI_TOPICS).",
    ),
    "topics_unreadable": ("无法读取文件（{error}）。", "the file cannot be read ({error})."),
    "topics_not_text": (
        "不是 UTF-8 或 GBK 编码的文本。请在 Excel 中“另存为 CSV UTF-8”。",
        'is not UTF-8 or GBK text. In Excel, use Save As "CSV UTF-8".',
    ),
    "topics_not_csv": ("无法按 CSV 读取（{error}）。", "cannot be read as CSV ({error})."),
    "topics_missing_columns": (
        "表头缺少列 {columns}。需要 topic、name_zh、name_en、keywords 四列，examples 可选。",
        "the header lacks {columns}. The columns topic, name_zh, name_en and keywords are "
        "needed; examples is optional.",
    ),
    "topics_row_columns": (
        "这一行有 {found} 列，表头只有 {expected} 列。关键词之间请用 | 分隔，不要用逗号。",
        "this row has {found} fields but the header {expected}. Separate keywords with |, "
        "not commas.",
    ),
    "topics_empty_code": ("topic 列（主题代码）为空。", "the topic column (the code) is empty."),
    "topics_bad_code": (
        "主题代码 {code} 只能包含英文字母、数字、下划线和连字符。",
        "the topic code {code} may hold only letters, digits, _ and -.",
    ),
    "topics_missing_name": (
        "主题 {code} 的 {column} 为空。",
        "topic {code} has an empty {column}.",
    ),
    "topics_keyword_punctuation": (
        "关键词“{keyword}”含有标点或空格，永远不会匹配。关键词之间请用 | 分隔。",
        'the keyword "{keyword}" holds punctuation or a space and can never match. '
        "Separate keywords with |.",
    ),
    "topics_no_topics": ("没有任何主题行。", "there is no topic row."),
    "topics_duplicate": (
        "主题代码 {code} 与第 {first} 行重复。",
        "the topic code {code} is already used on line {first}.",
    ),
    "topics_second_fallback": (
        "主题 {code} 没有关键词，但第 {first} 行的 {other} 已经是兜底主题（不匹配任何关键词的意见归入它）。"
        "只有一个主题可以没有关键词。",
        "topic {code} has no keywords, but {other} on line {first} is already the fallback "
        "(for opinions that match no keyword). Only one topic may have no keywords.",
    ),
    "topics_other_reserved": (
        "主题代码 {code} 留给兜底主题：请给它去掉关键词，或改用其他代码。",
        "the topic code {code} is kept for the fallback topic: remove its keywords or use "
        "another code.",
    ),
    "topics_check_ok": (
        "主题表 {path}：{topics} 个主题，{keywords} 个关键词，{hints} 个提示词，兜底主题 {fallback}。",
        "Topics file {path}: {topics} topics, {keywords} keywords, {hints} hints, fallback "
        "{fallback}.",
    ),
    "topics_example_missed": (
        "示例未归入其主题 {code}（第 {line} 行）：{example} → {found}",
        "An example of {code} (line {line}) is not tagged with it: {example} -> {found}",
    ),
}

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    **_CLI,
    **_READING,
    **_VALIDATION,
    **_LOADING,
    **_REPORTS,
    **_GENERATE,
    **_SERVE,
    **_SECURITY,
    **_TOPICS,
}


def msg(key: str, lang: Lang = "zh", **values: object) -> str:
    """The message ``key`` in one language, with its placeholders filled."""
    zh, en = MESSAGES[key]
    return (en if lang == "en" else zh).format(**values)


def both(key: str, **values: object) -> str:
    """The message ``key`` in Chinese and English: "中文 / English"."""
    return f"{msg(key, 'zh', **values)} / {msg(key, 'en', **values)}"
