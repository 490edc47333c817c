"""Read a data folder, check every row, and set bad rows aside.

This is ``shared/data-contract.md`` in code. One call, :func:`load_ledgers`,
reads every table of the registry (:data:`helpers.read.schema.TABLES`) once — CSV,
``.xlsx`` or ``.xls``, every sheet whose header matches, as
:mod:`helpers.read.sheets` reads them — keeps only the contract's columns (anything
else, such as a petitioner's name or phone number, is dropped on reading and
never stored), and returns typed frames, the rows it set aside, and notes on
what it skipped. The result is cached under ``output/.cache`` keyed by the
input files' hashes, so a build validates once and every report's notebook
reads the cache.

Every record keeps where it came from: ``file``, ``sheet`` and ``row`` (the
row number as the spreadsheet shows it).
"""

from __future__ import annotations

import hashlib
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..settings import paths
from ..settings.config import categories as load_categories
from ..settings.config import rules as load_rules
from ..settings.errors import ColumnMissingError, InputError, TableMissingError, UnreadableFileError
from . import activity, casework, counted, publicity, schema, sheets
from .privacy import Personal, mask

CACHE_FORMAT = 7  # bump when the cached object's shape changes

_DATE_SEPARATORS = str.maketrans({"／": "/", "－": "-", "．": ".", "：": ":"})
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
_DATE_RE = (
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
    r"(?:\s*[ T]?\s*\d{1,2}[:时]\d{2}(?::\d{2}(?:\.\d+)?)?分?)?$"
)
_MONTH_DAY_RE = r"^(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]$"
_SERIAL_RE = r"^\d{5}(?:\.\d+)?$"  # an Excel date serial typed as text (45357 = 2024-03-06)
_SERIAL_RANGE = (18264, 73051)  # 1950-01-01 .. 2099-12-31
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_COUNT_RE = r"^(\d+)\s*(?:人次|人|名|位)?$"
_MAX_VALUE_CHARS = 60
REJECTED_COLUMNS = ["file", "sheet", "row", "column", "value", "reason"]
# The reading account, one line per file and sheet (reading.csv; nianbao validate).
READING_COLUMNS = ["file", "sheet", "table", "rows", "records", "set_aside", "cancelled", *sheets.LAYOUT_KINDS, "note"]
READING_LABELS = {"file": "文件", "sheet": "工作表", "table": "台账", "rows": "非空行", "records": "记录",
                  "set_aside": "剔除", "cancelled": "作废", **sheets.LAYOUT_KINDS, "note": "说明"}
LAYOUT_COLUMNS = list(sheets.LAYOUT_KINDS)  # the kinds of layout rows, as the sheet reader counts them
CANCELLED_COLUMNS = ["table", "file", "sheet", "row", "how"]
UNSETTLED_COLUMNS = ["table", "file", "sheet", "row", "unit_id", "date", "what", "value", "means"]
# Files that look like a table but are not read are named; these never are.
_SPREADSHEET_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".et", ".ods", ".numbers", ".xlsb", ".wps", ".txt")


@dataclass
class Note:
    """Something read or skipped that a user should know of (not a bad row).

    ``kind`` is ``sheet`` (a sheet without the table's header was skipped),
    ``lines`` (合计 or footer lines skipped), ``file`` (a file not read),
    ``count`` (a count written without a number), ``category`` (a category
    that is neither canonical nor an alias).
    """

    kind: str
    file: str
    sheet: str
    message: str
    count: int = 0


@dataclass
class Ledgers:
    """The validated tables of one data folder.

    Attributes
    ----------
    data_dir : Path
        Where the tables were read from.
    units : DataFrame
        Indexed by ``unit_id``: ``unit_name``, ``party_org``, ``recipient``.
    tables : dict
        Each ledger table of :data:`helpers.read.schema.LEDGER_TABLES` by name, also an
        attribute (``ledgers.casework``): good rows only, with dates as ``datetime64``
        and ``unit`` as a unit id, and ``file``, ``sheet``, ``row`` saying where each
        came from; ``None`` for an optional table the data folder does not hold.
    rejected : DataFrame
        One line per problem: file, sheet, row, column, value, reason (and the
        ``table`` and ``unit_id`` it belongs to, when known).
    notes : list of Note
        Sheets and lines skipped, files not read, counts and categories to check.
    sources : dict
        Table name to the (first) file name it was read from.
    digest : str
        Hash of the input files and the validation code.
    files : dict
        Table name to every file it was read from (a table may be kept in several).
    reading : DataFrame
        The account of every row read (:data:`READING_COLUMNS`): per file and
        sheet, its non-empty rows and their fates — records, layout rows by kind,
        set aside, cancelled — which add up to the non-empty rows.
    cancelled : DataFrame
        Rows the office marked as cancelled: table, file, sheet, row, how.
    kept : dict
        Table to unit to the optional columns the unit's rows fill: a figure from
        a column is stated only where the column is kept (``petitioner`` where
        the rows name their petitioners, so that 重复信访 can be counted).
    unsettled : DataFrame
        Rows that went uncounted, or counted apart, for a reason the reader could
        not settle (:data:`UNSETTLED_COLUMNS`): a unit that names no unit
        (``unit_id`` empty: it may be any unit's), a category that nearly names a
        canonical one. A figure of 0 is not stated over them.
    """

    data_dir: Path
    units: pd.DataFrame
    tables: dict[str, pd.DataFrame | None]
    rejected: pd.DataFrame
    sources: dict[str, str] = field(default_factory=dict)
    digest: str = ""
    notes: list[Note] = field(default_factory=list)
    files: dict[str, list[str]] = field(default_factory=dict)
    reading: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=READING_COLUMNS))
    cancelled: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CANCELLED_COLUMNS))
    unsettled: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=UNSETTLED_COLUMNS))
    kept: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame | None:
        # a ledger table by its name: ledgers.activities, ledgers.discipline …
        tables = self.__dict__.get("tables")
        if tables is not None and name in schema.TABLES and name in tables:
            return tables[name]
        raise AttributeError(name)

    def with_tables(self, **frames: pd.DataFrame | None) -> Ledgers:
        """A copy with some ledger tables replaced (``with_tables(casework=…)``)."""
        unknown = set(frames) - set(self.tables)
        if unknown:
            raise TypeError(f"not ledger tables: {sorted(unknown)}")
        return replace(self, tables={**self.tables, **frames})

    def kept_columns(self, table: str, unit_id: str) -> set[str]:
        """The optional columns of ``table`` that ``unit_id``'s rows fill (and ``petitioner``, see :attr:`kept`)."""
        return set(self.kept.get(table, {}).get(unit_id, ()))

    @property
    def rejected_rows(self) -> int:
        """Number of distinct rows set aside (a row may have several problems)."""
        if self.rejected.empty:
            return 0
        return int(self.rejected[["file", "sheet", "row"]].drop_duplicates().shape[0])

    def rejected_for(self, unit_id: str) -> dict[str, tuple[int, int]]:
        """Rows set aside and rows in all, per table, of one unit.

        A set-aside row counts for the unit when its unit cell names the unit.

        Returns
        -------
        dict
            Table name to ``(set aside, all rows)``, for the tables the unit has rows in.
        """
        out: dict[str, tuple[int, int]] = {}
        rej = self.rejected
        for name in schema.LEDGER_TABLES:
            frame = getattr(self, name)
            if frame is None:
                continue
            good = int((frame["unit"] == unit_id).sum())
            bad = 0
            if not rej.empty:
                # a row whose unit names no unit may be this unit's: it counts for every unit
                mine = rej[(rej["table"] == name) & ((rej["unit_id"] == unit_id) | (rej["unit_id"] == ""))]
                bad = int(mine[["file", "sheet", "row"]].drop_duplicates().shape[0])
            if good or bad:
                out[name] = (bad, good + bad)
        return out

    def unsettled_for(self, unit_id: str, table: str | None = None) -> pd.DataFrame:
        """Rows that may be ``unit_id``'s and went uncounted for a reason not settled (of ``table``)."""
        u = self.unsettled
        if u.empty:
            return u
        mine = u[(u["unit_id"] == unit_id) | (u["unit_id"] == "")]
        return mine if table is None else mine[mine["table"] == table]

    def unit_id_of(self, text: str) -> str:
        """The id of the unit ``text`` names: its id, its name, an alias (简称) or its name without the region.

        Text that names no unit is returned as it is (:meth:`unit` then says so).
        """
        if text in self.units.index:
            return text
        lookup = unit_lookup(self.units)
        prefixes = region_prefixes(self.units)
        return lookup.get(text) or lookup.get(_strip_regions(text, prefixes)) or text

    def unit(self, unit_id: str) -> dict[str, str]:
        """Return the units row of ``unit_id`` as a dict, defaults filled in.

        Raises
        ------
        InputError
            When the unit is not in ``units``.
        """
        if unit_id not in self.units.index:
            known = "、".join(self.units.index[:10])
            raise InputError(
                f"单位“{unit_id}”不在{self.sources.get('units', 'units')}中"
                f"（已有：{known}{'…' if len(self.units) > 10 else ''}）"
            )
        row = self.units.loc[unit_id]
        name = row["unit_name"]
        return {
            "unit_id": unit_id,
            "unit_name": name,
            "party_org": row["party_org"] or name,
            "recipient": row["recipient"] or "",
        }

    def derived(self, name: Any, sources: tuple, make: Callable[[], Any]) -> Any:
        """What ``make`` works out from ``sources`` (tables of these ledgers), kept until one is replaced.

        ``name`` (any hashable) tells one such result from another. The results are
        kept beside the dataclass's fields (not compared, not shown); a source is
        recognised by identity, so a table replaced by a copy is worked out again.
        """
        kept = self.__dict__.setdefault("_derived", {})
        entry = kept.get(name)
        if entry is None or len(entry[0]) != len(sources) or any(a is not b for a, b in zip(entry[0], sources)):
            entry = kept[name] = (tuple(sources), make())
        return entry[1]

    def years(self, unit_id: str | None = None) -> list[int]:
        """Years in which the ledgers hold any dated record (of ``unit_id``)."""
        dated = self._dated()

        def by_unit() -> dict[str | None, list[int]]:  # every unit's at once
            found: dict[str | None, set[int]] = {None: set()}
            for frame, col in dated:
                pairs = pd.DataFrame({"unit": frame["unit"], "year": frame[col].dt.year}).dropna(subset=["year"])
                for unit, year in pairs.drop_duplicates().itertuples(index=False):
                    found.setdefault(unit, set()).add(int(year))
                    found[None].add(int(year))
            return {unit: sorted(years) for unit, years in found.items()}

        return list(self.derived("years", tuple(frame for frame, _ in dated), by_unit).get(unit_id, []))

    def unknown_categories(self, unit_id: str | None = None, start=None, end=None) -> dict[str, int]:
        """Activity category texts that are neither canonical nor an alias, with their counts.

        Parameters
        ----------
        unit_id : str, optional
            Only this unit's records.
        start, end : Timestamp, optional
            Only records dated in this span (both inclusive).
        """
        acts = self.activities
        if unit_id is not None:
            acts = acts[acts["unit"] == unit_id]
        if start is not None:
            acts = acts[(acts["date"] >= start) & (acts["date"] <= end)]
        codes = set(schema.CATEGORIES)
        other = acts.loc[~acts["category"].isin(codes), "category"]
        return {str(k): int(v) for k, v in other.value_counts().items()}

    def _dated(self) -> list[tuple[pd.DataFrame, str]]:
        dated = (schema.TABLES[name] for name in schema.LEDGER_TABLES if schema.TABLES[name].date_column)
        return [(self.tables[t.name], t.date_column) for t in dated if self.tables[t.name] is not None]


# --------------------------------------------------------------------------- finding files


def find_tables(data_dir: Path, name: str) -> list[Path]:
    """Every file of table ``name``: ``casework.xlsx`` first, then each file whose name starts with the
    table's name or its Chinese name (``casework-2023.xlsx``, ``信访台账（2023年）.xlsx``), by name.

    Raises
    ------
    UnreadableFileError
        When the table's own name is taken by two files (``casework.csv`` and ``casework.xlsx``).
    """
    table = schema.TABLES[name]
    exact = [data_dir / n for n in table.file_names() if (data_dir / n).is_file()]
    if len(exact) > 1:
        raise UnreadableFileError(
            f"{'和'.join(p.name for p in exact)}都在{data_dir}中，都像是{table.title}：请只保留一个"
        )
    others = sorted(p for p in Path(data_dir).iterdir()
                    if p.is_file() and p not in exact and table.owns_file(p.name))
    return exact + others


def _table_hint(stem: str) -> schema.Table | None:
    """The table a near-miss file name probably means (信访台账 → casework)."""
    key = schema.header_key(stem)
    for table in schema.TABLES.values():
        title = schema.header_key(table.title)
        if key == table.name or title in key or key in title or key.startswith(table.name):
            return table
    return None


def unread_files(data_dir: Path, used: set[str], reading: dict[str, Any] | None = None) -> tuple[list[Note], list[str]]:
    """Files in the data folder that are not read, each with why, and those that look like a ledger.

    A spreadsheet whose name or content (a sheet with a table's header) looks
    like a ledger is never left out in silence: it is returned in the second
    list, and the build stops naming it.
    """
    notes, ledgers = [], []
    for path in sorted(Path(data_dir).iterdir()):
        if not path.is_file() or path.name in used or path.name.startswith("."):
            continue
        suffix = path.suffix.lower()
        if path.name.startswith("~$"):
            notes.append(Note("file", path.name, "", "未读取：WPS/Excel 编辑时留下的临时文件（关闭该表格后会消失）"))
            continue
        if suffix not in _SPREADSHEET_SUFFIXES:
            notes.append(Note("file", path.name, "", "未读取：不是表格文件"))
            continue
        hint = _table_hint(path.stem) or (_content_hint(path, reading) if reading is not None else None)
        if suffix in (".et", ".ods", ".numbers", ".xlsb", ".wps"):
            why = f"{suffix} 格式不能直接读取：请在 WPS/Excel 中另存为 .xlsx"
            if hint:
                why += f"，并命名为 {hint.name}.xlsx"
        elif hint is not None:
            ending = suffix
            why = (f"像是{hint.title}，但文件名不以台账表名开头：请改名为 {hint.name}{ending}"
                   f"（或以“{hint.title}”开头），或移出数据文件夹")
        else:
            names = "、".join(f"{t.name}（{t.title}）" for t in schema.TABLES.values())
            why = f"文件名不是任何台账表的名称（应为：{names}，扩展名 .csv/.xlsx/.xls）"
        notes.append(Note("file", path.name, "", f"未读取：{why}"))
        if hint is not None:
            ledgers.append(f"{path.name}：{why}")
    return notes, ledgers


def _content_hint(path: Path, reading: dict[str, Any]) -> schema.Table | None:
    """The table whose header a sheet of an unread file holds, if any."""
    if path.suffix.lower() not in schema.SUFFIXES:
        return None
    try:
        found = sheets.grids(path)
    except Exception:
        return None
    rows = int(reading.get("header_rows", 10))
    for table in schema.TABLES.values():
        for _sheet, _hidden, frame, _own in found:
            if not frame.empty and sheets.find_header(frame, table, rows)[0] is not None:
                return table
    return None


# --------------------------------------------------------------------------- checking


class _Problems:
    """Collects the set-aside rows of one table."""

    def __init__(self, table: str, personal: Personal | None = None) -> None:
        self.table = table
        self.parts: list[pd.DataFrame] = []
        self.personal = personal or Personal()

    def add(self, frame: pd.DataFrame, mask: pd.Series, column: str, reason: str | pd.Series) -> None:
        if not mask.any():
            return
        sub = frame.loc[mask]
        values = map_distinct(sub[column].astype(str).str.slice(0, _MAX_VALUE_CHARS), self.personal.hide)
        reasons = reason[mask] if isinstance(reason, pd.Series) else reason
        self.parts.append(
            pd.DataFrame(
                {
                    "file": sub["file"].to_numpy(),
                    "sheet": sub["sheet"].to_numpy(),
                    "row": sub["row"].to_numpy(),
                    "column": column,
                    "value": values.to_numpy(),
                    "reason": reasons if isinstance(reasons, str) else reasons.to_numpy(),
                    "table": self.table,
                    "unit_id": sub["_unit_id"].to_numpy() if "_unit_id" in sub else "",
                    "_pos": sub.index.to_numpy(),
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=[*REJECTED_COLUMNS, "table", "unit_id", "_pos"])
        return pd.concat(self.parts, ignore_index=True)

    def bad_positions(self) -> np.ndarray:
        return np.array([], dtype=int) if not self.parts else self.frame()["_pos"].to_numpy()


def parse_dates(values: pd.Series, years: pd.Series | None = None, months: pd.Series | None = None) -> pd.Series:
    """Parse the contract's date spellings; unreadable or empty values give ``NaT``.

    Accepts ``2024-03-05``, ``2024/3/5``, ``2024.3.5``, ``2024年3月5日`` (digits
    already half-width, separators full- or half-width), optionally followed by
    a time; an Excel date serial typed as text (``45357``); and ``3月5日`` when
    ``years`` gives the row's year (from its sheet name or title). Each distinct
    spelling is parsed once (a ledger of a million rows holds a few thousand dates).

    Parameters
    ----------
    values : Series of str
        Trimmed text cells.
    years : Series of float, optional
        Per row, the year that dates written without one belong to (NaN: none).
    months : Series of float, optional
        Per row, the month its sheet is named for (NaN: none): a date written
        without a year in another month is left unread (a December case kept on
        the January sheet may be of the year before).

    Returns
    -------
    Series of datetime64
        Same index; ``NaT`` where the text is empty or not a real date.
    """
    codes, uniques = pd.factorize(values, sort=False)
    parsed = _parse_distinct_dates(pd.Series(uniques, dtype=object).astype(str))
    out = pd.Series(parsed.to_numpy()[codes] if len(uniques) else [], index=values.index, dtype="datetime64[ns]")
    if years is not None:
        month_day = pd.Series(uniques, dtype=object).str.match(_MONTH_DAY_RE).to_numpy()
        todo = out.isna() & pd.Series(month_day[codes] if len(uniques) else [], index=values.index, dtype=bool)
        todo &= years.notna()
        if todo.any():
            parts = values[todo].str.extract(_MONTH_DAY_RE).astype(int)
            if months is not None:
                sheet_month = months[todo]
                fits = sheet_month.isna() | (sheet_month == parts[0])
                todo[todo] = fits.to_numpy()
                parts = parts[fits.to_numpy()]
            out.loc[todo] = pd.to_datetime(
                {"year": years[todo].astype(int), "month": parts[0], "day": parts[1]}, errors="coerce"
            )
    return out


def _parse_distinct_dates(values: pd.Series) -> pd.Series:
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    todo = values != ""
    for fmt in _DATE_FORMATS:
        if not todo.any():
            return out
        parsed = pd.to_datetime(values[todo], format=fmt, errors="coerce")
        out.loc[parsed.index] = parsed
        todo &= out.isna()
    if todo.any():
        rest = values[todo].str.translate(_DATE_SEPARATORS)
        parts = rest.str.extract(_DATE_RE)
        ok = parts.notna().all(axis=1)
        if ok.any():
            nums = parts[ok].astype(int)
            parsed = pd.to_datetime({"year": nums[0], "month": nums[1], "day": nums[2]}, errors="coerce")
            out.loc[parsed.index] = parsed
        todo &= out.isna()
    if todo.any():
        serial = values[todo][values[todo].str.match(_SERIAL_RE)].astype(float)
        serial = serial[(serial >= _SERIAL_RANGE[0]) & (serial <= _SERIAL_RANGE[1])]
        if len(serial):
            out.loc[serial.index] = (_EXCEL_EPOCH + pd.to_timedelta(np.floor(serial), unit="D")).to_numpy()
        todo &= out.isna()
    if todo.any():  # the rarer spellings, one distinct value at a time
        for i, text in values[todo].items():
            readings = date_readings(text)
            if len(readings) == 1:
                out.loc[i] = pd.Timestamp(readings[0])
    return out


_CN_DIGITS = {ch: i for i, ch in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0, "О": 0}
_TIME_AFTER = re.compile(r"\s*(?:上午|下午|中午|晚上|早上|凌晨|AM|PM|am|pm)?\s*"
                         r"(?:\d{1,2}\s*[:：时点]\s*(?:\d{1,2}\s*分?)?(?:[:：]\d{1,2}(?:\.\d+)?\s*秒?)?)?"
                         r"\s*(?:上午|下午|中午|晚上|AM|PM|am|pm)?\s*$")
_CN_DATE = re.compile(r"^([〇零○一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月"
                      r"\s*([一二三四五六七八九十]{1,3})\s*[日号]$")
_EIGHT = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})$")
_SHORT_YEAR = re.compile(r"^(\d{1,2})\s*([./\-])\s*(\d{1,2})\s*\2\s*(\d{1,2})$")


def _cn_number(text: str) -> int:
    """一 … 三十一 as a number."""
    if "十" not in text:
        return _CN_DIGITS[text]
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _real(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def date_readings(text: str) -> list[date]:
    """Every date a spelling beyond the usual ones may mean (none, one, or two when it could swap).

    ``20240305``; ``二〇二四年三月五日``; a date followed by 上午/下午 and a time;
    ``24.3.5`` (a two-digit year first); ``05.03.24`` reads 2005年3月24日 or
    2024年3月5日 — two readings, so the row is set aside naming both, never guessed.
    """
    text = str(text).strip()
    core = _TIME_AFTER.sub("", text) if text else text
    if core != text and core:
        parsed = _parse_distinct_dates(pd.Series([core], dtype=object)).iloc[0]
        if pd.notna(parsed):
            return [parsed.date()]
    text = core
    m = _EIGHT.match(text)
    if m:
        found = _real(*map(int, m.groups()))
        return [found] if found else []
    m = _CN_DATE.match(text)
    if m:
        year = int("".join(str(_CN_DIGITS[ch]) for ch in m.group(1)))
        try:
            found = _real(year, _cn_number(m.group(2)), _cn_number(m.group(3)))
        except KeyError:
            return []
        return [found] if found else []
    m = _SHORT_YEAR.match(text)
    if m:
        first, _sep, middle, last = m.groups()
        readings = []
        if len(first) == 2:  # 年.月.日, as Chinese offices write it
            readings.append(_real(2000 + int(first), int(middle), int(last)))
        if len(last) == 2:  # 日.月.年
            readings.append(_real(2000 + int(last), int(middle), int(first)))
        return list(dict.fromkeys(r for r in readings if r is not None))
    return []


def _label(table: schema.Table, column: str) -> str:
    return table.column(column).label


def _check_required(frame, table, problems):
    for col in table.columns:
        if col.required:
            problems.add(frame, frame[col.name] == "", col.name, f"必填项“{_label(table, col.name)}”为空")


def _check_date(frame, table, column, problems, reading, primary: pd.Series | None = None):
    """Parse and check a date column; ``primary`` is the row's main date when this column is another.

    A sheet's month applies to the main date only (a case is kept on the sheet of the
    month it came in); a later date written without a year (答复 1月5日 on the sheet
    2024年12月) that would fall before the main date belongs to the next year.
    """
    years = frame["_year"] if "_year" in frame else None
    months = frame["_month"] if "_month" in frame and primary is None else None
    if primary is not None and not (frame[column] != "").any():  # an optional date column left empty
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    parsed = parse_dates(frame[column], years, months)
    if primary is not None and years is not None:
        wrapped = parsed.notna() & (parsed < primary)
        if wrapped.any():  # only those rows are looked at as 月日 without a year
            wrapped[wrapped] = frame.loc[wrapped, column].str.match(_MONTH_DAY_RE).to_numpy(dtype=bool)
        parsed[wrapped] = parsed[wrapped] + pd.DateOffset(years=1)
    bad = parsed.isna() & (frame[column] != "")
    month_day = pd.Series(False, index=frame.index)
    if bad.any():
        month_day[bad] = frame.loc[bad, column].str.match(_MONTH_DAY_RE).to_numpy(dtype=bool)
    has_year = years.notna() if years is not None else pd.Series(False, index=frame.index)
    other_month = month_day & has_year
    problems.add(frame, other_month, column,
                 "日期只写了月日，且不在本工作表的月份内，无法确定是哪一年：请写明年份，如2024年12月28日")
    problems.add(frame, month_day & ~has_year, column,
                 "日期没有写年份，工作表名和标题中也没有年份（请写成2024年3月5日，或把工作表命名为“2024年3月”）")
    two_ways = pd.Series("", index=frame.index, dtype=object)
    if bad.any():
        for i, text in frame.loc[bad & ~month_day, column].items():
            readings = date_readings(text)
            if len(readings) > 1:
                said = "或".join(f"{d.year}年{d.month}月{d.day}日" for d in readings)
                two_ways[i] = f"日期可读作{said}，无法确定：请写成四位年份，如{said.split('或')[-1]}"
    ambiguous = two_ways != ""
    problems.add(frame, ambiguous, column, two_ways)
    problems.add(frame, bad & ~month_day & ~ambiguous, column, "日期无法识别（请写成2024-03-05或2024年3月5日）")
    first = pd.Timestamp(int(reading["earliest_year"]), 1, 1)
    last = pd.Timestamp(date.today().year + int(reading["latest_years_ahead"]), 12, 31)
    odd = parsed.notna() & ((parsed < first) | (parsed > last))
    problems.add(frame, odd, column,
                 f"日期不合理：早于{first.year}年或晚于{last.year}年（日期格式的单元格里输入数字也会这样），请核对")
    return parsed.where(~odd)


_REGION = re.compile(r"^[\u4e00-\u9fff]{1,7}?(?:省|自治区|市|自治州|州|地区|盟|区|县|旗)")


def region_prefixes(units: pd.DataFrame) -> list[str]:
    """The 省/市/区/县 names that lead the names in ``units`` (六安市, 叶集区), longest first.

    Unit names, and the party organisations and recipients without their 中共
    (中共六安市叶集区民政局党组 gives 六安市 as well).
    """
    found: set[str] = set()
    names = [*units["unit_name"]]
    for col in ("party_org", "recipient"):
        if col in units:
            names += [str(v).removeprefix("中共") for v in units[col] if v]
    for name in names:
        rest = str(name)
        while True:
            m = _REGION.match(rest)
            if not m or len(m.group(0)) >= len(rest) - 1:
                break
            found.add(m.group(0))
            rest = rest[len(m.group(0)):]
    return sorted(found, key=len, reverse=True)


def _strip_regions(name: str, prefixes: list[str]) -> str:
    changed = True
    while changed:
        changed = False
        for p in prefixes:
            if name.startswith(p) and len(name) > len(p) + 1:
                name, changed = name[len(p):], True
    return name


def _strip_any_region(name: str, prefixes: list[str]) -> str:
    """``name`` without any leading 省/市/区/县 names (六安市叶集区民政局 → 民政局), known or not."""
    while True:
        m = _REGION.match(name)
        if not m or len(m.group(0)) >= len(name) - 1:
            return _strip_regions(name, prefixes)
        name = name[len(m.group(0)):]


def unit_lookup(units: pd.DataFrame) -> dict[str, str]:
    """Every way offices may write a unit, to its id.

    The id, the exact name, each alias listed in ``aliases`` (separated by 、 ; ，
    or a comma), and the name without its region prefix when that names exactly
    one unit (民政局 for 叶集区民政局). Abbreviations (人社局) come only from aliases.
    """
    lookup: dict[str, str] = {}
    ambiguous: set[str] = set()
    prefixes = region_prefixes(units)
    short: dict[str, set[str]] = {}
    for uid, row in units.iterrows():
        short.setdefault(_strip_regions(str(row["unit_name"]), prefixes), set()).add(uid)
    for key, ids in short.items():
        if len(ids) == 1:
            lookup[key] = next(iter(ids))
        else:
            ambiguous.add(key)
    for uid, row in units.iterrows():
        for alias in re.split(r"[、;；,，/]+", str(row.get("aliases", "") or "")):
            alias = alias.strip()
            if alias:
                lookup[alias] = uid
                lookup.setdefault(_strip_regions(alias, prefixes), uid)
        lookup[str(row["unit_name"])] = uid
        lookup[uid] = uid
    return {k: v for k, v in lookup.items() if k not in ambiguous or k in units.index}


def _check_units(frame, units: pd.DataFrame, problems, notes: list[Note] | None = None,
                 table: str = "") -> pd.Series:
    lookup = unit_lookup(units)
    prefixes = region_prefixes(units)
    text = frame["unit"]
    ids = map_distinct(text, lambda v: lookup.get(v) or lookup.get(_strip_regions(v, prefixes))
                       or lookup.get(_strip_any_region(v, prefixes)))
    ids = ids.where(ids.notna(), None)
    frame["_unit_id"] = ids.fillna("")
    unknown = ids.isna() & (text != "")
    problems.add(frame, unknown, "unit",
                 "单位不在单位名录中（请填单位代码或全称，或在单位名录的“简称”列登记这种写法）")
    if unknown.any() and notes is not None:
        import difflib

        names = list(units["unit_name"])
        for spelling, n in text[unknown].value_counts().items():
            shown = problems.personal.hide(spelling)
            near = difflib.get_close_matches(_strip_regions(spelling, prefixes),
                                             [_strip_regions(x, prefixes) for x in names], n=2, cutoff=0.3)
            near_names = [x for x in names if _strip_regions(x, prefixes) in near]
            hint = f"，最接近的单位：{'、'.join(near_names)}" if near_names else ""
            notes.append(Note("unit", table, "", f"单位写作“{shown}”的{n}行无法对应到单位名录{hint}："
                              "这些行可能属于任何单位，已计入每个单位的剔除比例", int(n)))
    return ids


def _check_duplicates(frame, table: schema.Table, key: str, problems, scope: str = "unit"):
    has = frame[key] != ""
    dup = has & frame.duplicated(subset=[scope, key], keep="first")
    if dup.any():
        firsts = frame[has].drop_duplicates(subset=[scope, key], keep="first").set_index([scope, key])
        idx = pd.MultiIndex.from_frame(frame.loc[dup, [scope, key]])
        kept = firsts.reindex(idx)
        where = [
            f"{s}工作表第{r}行" if s else f"第{r}行" for s, r in zip(kept["sheet"].to_numpy(), kept["row"].to_numpy())
        ]
        reason = pd.Series("", index=frame.index, dtype=object)
        reason[dup] = [f"{_label(table, key)}重复（保留{w}）" for w in where]
        problems.add(frame, dup, key, reason)


def _check_choice(frame, column, allowed, problems, label: str):
    allowed = [a for a in allowed if a]
    bad = (frame[column] != "") & ~frame[column].isin(allowed)
    several = pd.Series(False, index=frame.index)
    if bad.any():
        several[bad] = frame.loc[bad, column].str.contains("+", regex=False).to_numpy(dtype=bool)
    problems.add(frame, several, column, f"{label}勾选了多项：只能勾一项")
    problems.add(frame, bad & ~several, column, f"{label}应为{'、'.join(allowed)}之一，或留空")


def _check_int(frame, table, column, problems, notes: list[Note]) -> pd.Series:
    """A count: ``15`` or ``15人``; a negative count sets the row aside; any other text
    (全体党员, 约15人, 12-15人) leaves the count empty with a note, and the record still counts."""
    text = frame[column]
    counted = text.str.extract(_COUNT_RE)[0]
    numeric = pd.to_numeric(counted, errors="coerce")
    negative = text.str.match(r"^-\s*\d")
    problems.add(frame, negative, column, "人数不能为负数")
    wordy = (text != "") & numeric.isna() & ~negative
    if wordy.any():
        for (file, sheet), part in frame[wordy].groupby(["file", "sheet"], sort=False):
            rows = "、".join(map(str, part["row"].head(5))) + ("等" if len(part) > 5 else "")
            notes.append(Note("count", file, sheet,
                              f"{_label(table, column)}不是一个整数（第{rows}行，如“{part[column].iloc[0][:12]}”）："
                              "该项按空白处理，记录照常统计", len(part)))
    return numeric.astype("Int64")


def map_distinct(values: pd.Series, fn) -> pd.Series:
    """``values.map(fn)``, calling ``fn`` once per distinct value."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), sort=False)
    mapped = np.array([fn(u) for u in uniques], dtype=object)
    return pd.Series(mapped[codes] if len(uniques) else [], index=values.index, dtype=object)


def yes_no_words(reading: dict[str, Any], label: str) -> tuple[set[str], set[str]]:
    """The words that say yes and no in a column (as :func:`schema.header_key`).

    The configured ``reading.true_words`` and ``false_words`` (analysts extend
    them), and the column's own 已/未 forms: for 是否延期, 延期 and 已延期 say
    yes, 未延期, 不延期, 无延期, 没有延期 and 无需延期 say no.
    """
    yes = {schema.header_key(w) for w in reading["true_words"]}
    no = {schema.header_key(w) for w in reading["false_words"]}
    topic = schema.header_key(label).removeprefix("是否")
    if topic:
        yes |= {topic, f"已{topic}", f"有{topic}", f"已经{topic}"}
        no |= {f"未{topic}", f"不{topic}", f"无{topic}", f"没有{topic}", f"无需{topic}", f"不需{topic}", f"未经{topic}"}
    return yes, no


def _yes_no(frame, column, reading, problems, label: str) -> pd.Series:
    """A yes/no column as booleans; a word that is neither stops, naming the column and the words found.

    Raises
    ------
    ColumnMissingError
        Naming the files, the column, each unknown word and its rows.
    """
    yes, no = yes_no_words(reading, label)
    key = map_distinct(frame[column], schema.header_key)
    unknown = ~key.isin(yes | no)
    if unknown.any():
        found = frame.loc[unknown].groupby(column, sort=False)
        words = "、".join(f"“{problems.personal.hide(w)[:12]}”{len(g)}行（{_rows(g)}）" for w, g in list(found)[:8])
        raise ColumnMissingError(
            f"“{label}”列有无法识别的写法：{words}：请改为 是 或 否，或把这些写法加到 config/rules.yml 的 "
            "reading.true_words（表示是）或 reading.false_words（表示否）中"
        )
    return key.isin(yes - {""})


def _rows(group: pd.DataFrame) -> str:
    """Where rows are: ``casework.xlsx 工作表“3月”第5、8行`` (the first few)."""
    out = []
    for (file, sheet), part in group.groupby(["file", "sheet"], sort=False):
        rows = "、".join(map(str, part["row"].head(4))) + ("等" if len(part) > 4 else "")
        out.append(f"{file}{' 工作表“' + sheet + '”' if sheet else ''}第{rows}行")
    return "；".join(out[:3])


def _finish(frame: pd.DataFrame, problems: _Problems, columns: list[str]) -> pd.DataFrame:
    bad = problems.bad_positions()
    good = frame.drop(index=np.unique(bad)) if len(bad) else frame
    return good[columns].reset_index(drop=True)


def _check_units_table(frame: pd.DataFrame, problems: _Problems) -> pd.DataFrame:
    _check_required(frame, schema.UNITS, problems)
    problems.add(
        frame,
        (frame["unit_id"] != "") & ~frame["unit_id"].str.fullmatch(schema.UNIT_ID_PATTERN),
        "unit_id",
        "单位代码应为1–40位小写字母（a-z）、数字（0-9）或“-”",
    )
    frame = frame.assign(_all="")
    _check_duplicates(frame, schema.UNITS, "unit_id", problems, scope="_all")
    _check_duplicates(frame, schema.UNITS, "unit_name", problems, scope="_all")
    good = _finish(frame, problems, [c.name for c in schema.UNITS.columns])
    return good.set_index("unit_id")


_PLACE = ["file", "sheet", "row"]


@dataclass
class Checking:
    """One ledger table being checked, as a table's own check (:data:`TABLE_CHECKS`) sees it.

    The checks every table gets (required columns, units, dates, counts, yes/no
    columns, duplicate keys) have run; ``typed`` holds the parsed columns so far.
    A table's own check adds to ``typed`` and ``derived``, sets rows aside
    (:meth:`set_aside`) or leaves them unsettled (:meth:`unsettle`).
    """

    table: schema.Table
    frame: pd.DataFrame  # the rows as read (text), with file, sheet, row and _unit_id
    typed: dict[str, pd.Series]
    rules: dict
    problems: _Problems
    unsettled_parts: list[pd.DataFrame]
    kept: dict  # per table, per unit: the optional columns its rows fill (see read.casework.kept_by_unit)
    dated: pd.Series | None = None  # each row's first date (how an unsettled row is dated)
    derived: list[str] = field(default_factory=list)  # columns the check adds to the table (``repeat_of``)

    distinct = staticmethod(map_distinct)

    def label(self, column: str) -> str:
        """How the office calls a column (``收到日期``)."""
        return _label(self.table, column)

    def set_aside(self, mask: pd.Series, column: str, reason: str) -> None:
        """Set the rows of ``mask`` aside, naming ``column`` and the reason (in Chinese)."""
        self.problems.add(self.frame, mask, column, reason)

    def choice(self, column: str, allowed: list[str]) -> None:
        """Set aside the rows whose ``column`` is none of ``allowed`` (empty is allowed), or ticks several."""
        _check_choice(self.frame, column, allowed, self.problems, self.label(column))

    def good(self) -> np.ndarray:
        """Whether each row (in order) is still kept: not set aside so far."""
        good = np.ones(len(self.frame), dtype=bool)
        good[np.isin(np.arange(len(self.frame)), self.problems.bad_positions())] = False
        return good

    def unsettle(self, mask: pd.Series, what: str, value: pd.Series, means: pd.Series | str) -> None:
        """Leave the rows of ``mask`` neither counted nor apart until the office settles ``what``
        (``value`` as written, what it probably ``means``)."""
        frame = self.frame
        self.unsettled_parts.append(pd.DataFrame({
            "table": self.table.name, "file": frame.loc[mask, "file"], "sheet": frame.loc[mask, "sheet"],
            "row": frame.loc[mask, "row"], "unit_id": frame.loc[mask, "_unit_id"],
            "date": self.dated[mask] if self.dated is not None else pd.NaT, "what": what, "value": value,
            "means": means}))


# Each ledger table's own check, after the ones every table gets (a counted table's comes with it).
TABLE_CHECKS: dict[str, Callable[[Checking], None]] = {
    "activities": activity.check,
    "casework": casework.check,
    "publicity": publicity.check,
}
TABLE_CHECKS.update({name: counted.check for name in schema.COUNTED_TABLES})


def _check_table(
    name: str, frame: pd.DataFrame, units: pd.DataFrame, problems: _Problems, rules: dict, notes: list[Note],
    unsettled: list[pd.DataFrame], kept: dict | None = None,
) -> pd.DataFrame:
    table = schema.TABLES[name]
    reading = rules["reading"]
    kept = {} if kept is None else kept
    if "_aside" in frame:  # the sheet itself says so: a row struck through in part
        problems.add(frame, frame["_aside"] != "", "row", frame["_aside"])
    _check_required(frame, table, problems)
    written = frame["unit"].copy()
    frame["unit"] = _check_units(frame, units, problems, notes, table.title).fillna("")
    typed: dict[str, pd.Series] = {}
    primary = None
    for col in table.columns:
        if col.kind == "date":
            typed[col.name] = _check_date(frame, table, col.name, problems, reading, primary)
            if primary is None:
                primary = typed[col.name]
        elif col.kind == "int":
            typed[col.name] = _check_int(frame, table, col.name, problems, notes)
        elif col.kind == "bool":
            typed[col.name] = _yes_no(frame, col.name, reading, problems, col.label)
    for key in table.key:
        _check_duplicates(frame, table, key, problems)
    checking = Checking(table, frame, typed, rules, problems, unsettled, kept, primary)
    unknown = (frame["_unit_id"] == "") & (written != "")
    if unknown.any():  # a unit the office names that units.csv does not hold
        checking.unsettle(unknown, "unit", map_distinct(written[unknown], problems.personal.hide), "")
    own = TABLE_CHECKS.get(name)
    if own is not None:
        own(checking)
    out = frame.assign(**typed)
    return _finish(out, problems, [*_PLACE, *(c.name for c in table.columns), *checking.derived])


# --------------------------------------------------------------------------- caching


def _code_fingerprint() -> bytes:
    here = Path(__file__).resolve().parent
    h = hashlib.sha256(str(CACHE_FORMAT).encode())
    for path in sorted(here.glob("*.py")):  # the read step's code
        h.update(path.read_bytes())
    h.update(Path(paths.RULES_CONFIG).read_bytes())
    h.update(Path(paths.CATEGORIES_CONFIG).read_bytes())
    return h.digest()


def table_files(data_dir: Path) -> list[Path]:
    """Every file of the data folder that a table may be read from."""
    return [data_dir / n for t in schema.TABLES.values() for n in t.file_names() if (data_dir / n).is_file()]


def input_digest(data_dir: Path) -> str:
    """Hash of every table file in ``data_dir`` and of the validation code and rules."""
    h = hashlib.sha256(_code_fingerprint())
    for p in table_files(Path(data_dir)):
        h.update(p.name.encode())
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    # Files not read are named in notes: their names are part of what validation says.
    h.update("\0".join(sorted(p.name for p in Path(data_dir).iterdir() if p.is_file())).encode())
    return h.hexdigest()[:20]


def load_ledgers(data_dir: Path | str | None = None, *, cache: bool = True) -> Ledgers:
    """Read and validate a data folder, once; later calls read the cache.

    Parameters
    ----------
    data_dir : Path or str, optional
        The data folder; the project's ``data/`` by default.
    cache : bool
        Read and write the validated cache under ``output/.cache``.

    Returns
    -------
    Ledgers
        Typed good rows, the rows set aside, and notes.

    Raises
    ------
    InputError
        Whole-file problems: a required table or column missing, a file
        that cannot be read, a sheet that looks like a ledger but cannot be
        read. Every such problem of the folder is in the one message; nothing
        is written in that case.
    """
    data_dir = Path(data_dir or paths.DATA_DIR).resolve()
    if not data_dir.is_dir():
        raise InputError(f"数据文件夹 {data_dir} 不存在（请检查 --data 或 data_dir）")
    digest = input_digest(data_dir)
    cache_file = paths.CACHE_DIR / f"ledgers-{digest}.pkl"
    if cache and (data_dir, digest) in _LOADED:
        return _LOADED[(data_dir, digest)]  # a warm kernel's next report: not even unpickled again
    if cache and cache_file.is_file():
        with open(cache_file, "rb") as fh:
            ledgers = pickle.load(fh)
        ledgers.data_dir = data_dir
        _remember(data_dir, digest, ledgers)
        return ledgers
    ledgers = validate(data_dir)
    ledgers.digest = digest
    if cache:
        _remember(data_dir, digest, ledgers)
        _write_atomic_pickle(cache_file, ledgers)
    return ledgers


# The ledgers last loaded in this process (one folder at a time), so that a warm
# kernel building report after report reads the cache once, not once a report.
_LOADED: dict[tuple[Path, str], Ledgers] = {}


def _remember(data_dir: Path, digest: str, ledgers: Ledgers) -> None:
    _LOADED.clear()
    _LOADED[(data_dir, digest)] = ledgers


def _write_atomic_pickle(target: Path, obj: Any) -> None:
    from ..settings.outdir import atomic_file

    with atomic_file(target) as tmp, open(tmp, "wb") as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)


def read_table(files: Path | list[Path], table: schema.Table, reading: dict[str, Any], notes: list[Note],
               personal: Personal | None = None, account: list[dict] | None = None,
               cancelled: list[dict] | None = None) -> pd.DataFrame:
    """Read one table from its files: every matching sheet, the contract's columns as text, with file/sheet/row.

    Parameters
    ----------
    files : Path or list of Path
        The table's files (:func:`find_tables`); records repeated across them are
        checked like records repeated across sheets.
    account, cancelled : list, optional
        Collect the reading account (one dict per file and sheet) and the rows
        the office marked as cancelled.

    Raises
    ------
    InputError
        A whole-file problem (see :func:`helpers.read.sheets.read_blocks`).
    """
    files = [files] if isinstance(files, Path) else list(files)
    account = [] if account is None else account
    cancelled = [] if cancelled is None else cancelled
    parts = []
    problems: list[InputError] = []
    for path in files:
        try:
            result = sheets.read_blocks(path, table, reading, personal if table.personal else None)
        except InputError as exc:
            problems.append(exc)
            continue
        for skipped in result.skipped:
            notes.append(Note("sheet", skipped.file, skipped.sheet, f"未读取该工作表：{skipped.reason}"))
            account.append({"file": skipped.file, "sheet": skipped.sheet, "table": table.name, "rows": skipped.rows,
                            "not_ledger": skipped.rows, "note": skipped.reason})
        for block in result.blocks:
            lines = block.skipped_totals + block.skipped_footers
            if lines:
                kinds = (("合计/小计行", block.skipped_totals), ("表尾的填表人、审核人等行", block.skipped_footers))
                what = "、".join(w for w, n in kinds if n)
                notes.append(Note("lines", block.file, block.sheet, f"跳过{what}共{lines}行（不是记录）", lines))
            for check in block.checks:
                notes.append(Note("check", block.file, block.sheet, f"核对通过：{check}"))
            for row, how in block.cancelled:
                cancelled.append({"table": table.name, "file": block.file, "sheet": block.sheet, "row": row,
                                  "how": how})
            if block.cancelled:
                n = len(block.cancelled)
                notes.append(Note("cancelled", block.file, block.sheet,
                                  f"{n}行标为作废（删除线、备注或底纹），未计入", n))
            account.append({"file": block.file, "sheet": block.sheet, "table": table.name, "rows": block.nonempty,
                            "records": len(block.frame), "cancelled": len(block.cancelled), **block.layout,
                            "cancelled_rows": [r for r, _how in block.cancelled]})
            frame = block.frame
            if "closed_date" in frame and "replied_date" not in frame:  # 办结日期 alone is the reply
                frame["replied_date"] = frame["closed_date"]
            frame["_year"] = np.nan if block.year is None else float(block.year)
            frame["_month"] = np.nan if block.month is None else float(block.month)
            parts.append(frame)
    if problems:
        if len(problems) == 1:
            raise problems[0]
        cls = type(problems[0]) if all(type(e) is type(problems[0]) for e in problems) else ColumnMissingError
        raise cls("；".join(map(str, problems)))
    if len(parts) > 1:
        _check_repeated_sheets(parts, table)
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    for col in table.columns:
        if col.name not in frame.columns:
            frame[col.name] = ""
    for helper in ("_aside", "_person"):
        if helper not in frame:
            frame[helper] = ""
    if len(parts) > 1:  # sheets with different columns leave gaps (one sheet has none: no need to look)
        frame = frame.fillna({c.name: "" for c in table.columns} | {"_aside": "", "_person": ""})
    return frame


def _check_repeated_sheets(parts: list[pd.DataFrame], table: schema.Table) -> None:
    """Stop when a sheet repeats the records of other sheets (a 全年汇总 sheet beside the monthly ones).

    Every sheet whose header matches is read, so a summary sheet that copies the
    monthly sheets would count each record twice. Records are compared by their
    required fields, dates as dates (a summary retyped with 1月8日 for 2024-01-08,
    or with a shortened 主题, is still a copy).

    Raises
    ------
    ColumnMissingError
        Naming the sheet and how many of its records stand in other sheets too.
    """
    cols = [c for c in table.required_columns]
    prints = []
    for i, part in enumerate(parts):
        fp = pd.DataFrame(index=part.index)
        for col in cols:
            if col.kind == "date":
                parsed = parse_dates(part[col.name], part.get("_year"), part.get("_month"))
                fp[col.name] = parsed.dt.strftime("%Y-%m-%d").fillna(part[col.name])
            else:
                fp[col.name] = part[col.name]
        prints.append(fp.assign(_block=i, sheet=part["sheet"]))
    tagged = pd.concat(prints, ignore_index=True)
    names = [c.name for c in cols]
    tagged = tagged[(tagged[names] != "").any(axis=1)]
    spread = tagged.groupby(names, sort=False)["_block"].transform("nunique")
    repeated = tagged[spread > 1].groupby("_block").size()
    sizes = tagged.groupby("_block").size()
    if repeated.empty:
        return
    block = int(repeated.idxmax())  # the sheet repeating most records: a summary sheet, as a rule
    count = int(repeated[block])
    if count >= 2 and count >= 0.5 * sizes[block]:
        first = parts[block]
        others = sorted(set(tagged.loc[(spread > 1) & (tagged["_block"] != block), "sheet"]))
        raise ColumnMissingError(
            f"{first['file'].iloc[0]} 工作表“{first['sheet'].iloc[0]}”的{sizes[block]}条记录中有{count}条"
            f"与其他工作表（{'、'.join(others[:4])}{'等' if len(others) > 4 else ''}）的记录相同，像是汇总表："
            "每条记录只能登记一次，请删除重复的工作表后再统计"
        )


def validate(data_dir: Path | str) -> Ledgers:
    """Read and check every table of ``data_dir`` (no cache), and account for every row.

    See :func:`load_ledgers` for parameters and errors.
    """
    data_dir = Path(data_dir)
    rules = load_rules()
    load_categories()  # a broken categories file stops here, before any table is read
    reading = rules["reading"]
    sources: dict[str, str] = {}
    files: dict[str, list[str]] = {}
    raw: dict[str, pd.DataFrame] = {}
    notes: list[Note] = []
    errors: list[InputError] = []
    personal = Personal()
    account: list[dict] = []
    cancelled: list[dict] = []
    for name, table in schema.TABLES.items():
        try:
            found = find_tables(data_dir, name)
            if not found:
                if table.required:
                    raise TableMissingError(
                        f"缺少必需的{table.title}：请在 {data_dir} 中放入 {name}.xlsx（或 {name}.xls、{name}.csv）"
                    )
                continue
            sources[name] = found[0].name
            files[name] = [p.name for p in found]
            raw[name] = read_table(found, table, reading, notes, personal, account, cancelled)
        except InputError as exc:
            errors.append(exc)
    read = {n for names in files.values() for n in names}
    unread, ledger_like = unread_files(data_dir, read, reading)
    notes.extend(unread)
    for note in unread:
        account.append({"file": note.file, "sheet": "", "table": "", "note": note.message})
    if ledger_like:
        errors.append(UnreadableFileError("数据文件夹中有像台账却未读取的文件：" + "；".join(ledger_like)))
    if errors:
        _raise_all(errors, [n for n in unread if n.message.startswith("未读取：文件名")])

    rejected: list[pd.DataFrame] = []
    unsettled: list[pd.DataFrame] = []
    kept: dict[str, dict[str, list[str]]] = {}
    problems = _Problems("units", personal)
    units = _check_units_table(raw["units"], problems)
    rejected.append(problems.frame())
    frames: dict[str, pd.DataFrame | None] = {}
    for name in schema.LEDGER_TABLES:
        if name not in raw:
            frames[name] = None
            continue
        problems = _Problems(name, personal.for_table(schema.TABLES[name].personal))
        try:
            frames[name] = _check_table(name, raw[name], units, problems, rules, notes, unsettled, kept)
        except InputError as exc:  # a word no rule knows: every such problem of the folder in one message
            errors.append(exc)
            continue
        rejected.append(problems.frame())
    if errors:
        _raise_all(errors, [])
    unsettled_frame = (pd.concat(unsettled, ignore_index=True) if unsettled
                       else pd.DataFrame(columns=UNSETTLED_COLUMNS))[UNSETTLED_COLUMNS]
    if frames["activities"] is not None:
        near = unsettled_frame[unsettled_frame["what"] == "category"]
        nearly = set(near["value"])
        unknown = frames["activities"].loc[~frames["activities"]["category"].isin(set(schema.CATEGORIES)), "category"]
        for text, n in unknown.value_counts().items():
            if text in nearly:
                means = schema.CATEGORIES[near.loc[near["value"] == text, "means"].iloc[0]][0]
                notes.append(Note("category", sources["activities"], "",
                                  f"类别“{text}”像是“{means}”，但不在 config/categories.yml 的别名中：未计入任何类别，"
                                  f"请在该类别的 aliases 下加上“{text}”后重新统计", int(n)))
            else:
                notes.append(Note("category", sources["activities"], "",
                                  f"类别“{text}”不是规定类别，也不在 config/categories.yml 的别名中："
                                  "按其他类别单列统计", int(n)))
    all_rejected = pd.concat([r for r in rejected if not r.empty] or [rejected[0]], ignore_index=True)
    all_rejected = all_rejected.drop(columns="_pos")
    if not all_rejected.empty:
        all_rejected = all_rejected.sort_values(["file", "sheet", "row"], kind="stable", ignore_index=True)
    for note in notes:
        note.message = personal.hide(note.message) if note.kind != "unit" else note.message
    return Ledgers(
        data_dir=data_dir,
        units=units,
        tables={name: frames[name] for name in schema.LEDGER_TABLES},
        rejected=all_rejected,
        sources=sources,
        notes=notes,
        files=files,
        reading=_account(account, all_rejected),
        cancelled=pd.DataFrame(cancelled, columns=CANCELLED_COLUMNS),
        unsettled=unsettled_frame,
        kept=kept,
    )


def _account(lines: list[dict], rejected: pd.DataFrame) -> pd.DataFrame:
    """The reading account: per file and sheet, records (kept), set aside, cancelled and layout rows."""
    frame = pd.DataFrame(lines, columns=READING_COLUMNS)
    frame["note"] = frame["note"].astype(object)
    for i, line in enumerate(lines):
        if line.get("cancelled_rows"):
            rows = "、".join(map(str, line["cancelled_rows"][:20])) + ("等" if len(line["cancelled_rows"]) > 20 else "")
            frame.loc[i, "note"] = f"标为作废的行：第{rows}行"
    counts = ["rows", "records", "set_aside", "cancelled", *LAYOUT_COLUMNS]
    frame[counts] = frame[counts].fillna(0).astype(int)
    for col in ("sheet", "table", "note"):
        frame[col] = frame[col].astype(object).where(frame[col].notna(), "")
    if not rejected.empty and not frame.empty:
        aside = rejected.drop_duplicates(["table", "file", "sheet", "row"]).groupby(["table", "file", "sheet"]).size()
        key = list(zip(frame["table"], frame["file"], frame["sheet"]))
        frame["set_aside"] = [int(aside.get(k, 0)) for k in key]
        frame["records"] -= frame["set_aside"]
    return frame


def _raise_all(errors: list[InputError], unread: list[Note]) -> None:
    """Stop with every whole-file problem of the folder in one message."""
    messages = [mask(str(e)) for e in errors]
    if any(isinstance(e, TableMissingError) for e in errors) and unread:
        messages.append("另外，文件夹中有未读取的文件：" + "；".join(f"{n.file}（{n.message}）" for n in unread))
    if len(errors) == 1:
        raise type(errors[0])(messages[0] if len(messages) == 1 else "；".join(messages))
    cls = ColumnMissingError if all(isinstance(e, ColumnMissingError) for e in errors) else InputError
    listed = "；".join(f"（{i}）{m}" for i, m in enumerate(messages, 1))
    raise cls(f"数据文件夹有{len(errors)}处问题，需先改正：{listed}")


def rejected_for_output(rejected: pd.DataFrame) -> pd.DataFrame:
    """The set-aside rows as ``rejected.csv`` lists them: file, sheet, row, column, value, reason.

    Ledger text that a spreadsheet would run as a formula is kept as text (:func:`csv_safe`).
    """
    return csv_safe(rejected[REJECTED_COLUMNS])


# What a spreadsheet that opens a CSV file reads as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_SOMEWHERE = re.compile("(?:^|\x1f)[=+\\-@\t\r]")


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each text that starts like a formula (``=`` ``+`` ``-`` ``@``) prefixed with ``'``.

    Excel and WPS run ``=HYPERLINK(…)`` typed into a ledger as a formula when
    they open a CSV file; with the apostrophe (OWASP's advice on CSV
    injection) they show it as text. Numbers are left as they are.
    """
    out = None
    for name in frame.columns:
        col = frame[name]
        if col.dtype != object and not pd.api.types.is_string_dtype(col.dtype):
            continue
        values = col.to_numpy(dtype=object)
        try:  # one look at the whole column first: almost always nothing to do
            joined = "\x1f".join(values)
        except TypeError:
            joined = "\x1f".join(v for v in values if isinstance(v, str))
        if not _FORMULA_SOMEWHERE.search(joined):
            continue
        risky = np.fromiter((isinstance(v, str) and v.startswith(FORMULA_START) for v in values), bool, len(values))
        if risky.any():
            out = frame.copy() if out is None else out
            out[name] = col.where(~risky, "'" + col.where(risky, "").astype(str))
    return frame if out is None else out


def over_threshold(ledgers: Ledgers, unit_id: str, share: float | None = None) -> list[tuple[str, int, int]]:
    """Tables in which more than the allowed share of the unit's rows were set aside.

    Parameters
    ----------
    ledgers : Ledgers
    unit_id : str
    share : float, optional
        The allowed share; ``data_quality.max_rejected_share`` of ``config/rules.yml`` by default.

    Returns
    -------
    list of (table, set aside, all rows)
        Empty when the unit's data can be trusted.
    """
    limit = load_rules()["data_quality"]["max_rejected_share"] if share is None else share
    return [(t, bad, total) for t, (bad, total) in ledgers.rejected_for(unit_id).items() if bad > limit * total]
