"""Read a data folder, check every row, and set bad rows aside.

This is ``shared/data-contract.md`` in code. One call, :func:`load_ledgers`,
reads every table once, keeps only the contract's columns (anything else, such
as a petitioner's name or phone number, is dropped on reading and never stored),
and returns typed frames plus a list of the rows it set aside. The result is
cached under ``output/.cache`` keyed by the input files' hashes, so a build
validates once and every report's notebook reads the cache.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import paths, schema
from .config import rules as load_rules
from .errors import ColumnMissingError, InputError, TableMissingError, UnreadableFileError

CACHE_FORMAT = 3  # bump when the cached object's shape changes

# Full-width digits and the ideographic space, normalised in every value; the
# full-width date separators only in date columns (titles keep their punctuation).
_FULLWIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "\u3000": " ", "\ufeff": ""})
_FULLWIDTH_RE = re.compile("[\uff10-\uff19\u3000\ufeff]")
# Values with surrounding white space, in the joined distinct values of a column.
_PADDING = ("\x1f ", " \x1f", "\x1f\t", "\t\x1f", "\x1f\n", "\n\x1f", "\r\x1f")
_DATE_SEPARATORS = str.maketrans({"／": "/", "－": "-", "．": ".", "：": ":"})
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
_DATE_RE = (
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_MAX_VALUE_CHARS = 60
REJECTED_COLUMNS = ["file", "row", "column", "value", "reason"]


@dataclass
class Ledgers:
    """The validated tables of one data folder.

    Attributes
    ----------
    data_dir : Path
        Where the tables were read from.
    units : DataFrame
        Indexed by ``unit_id``: ``unit_name``, ``party_org``, ``recipient``.
    activities, casework : DataFrame
        Good rows only, with dates as ``datetime64`` and ``unit`` as a unit id.
    publicity, coverage : DataFrame or None
        ``None`` when the optional table is absent.
    rejected : DataFrame
        One line per problem: file, row, column, value, reason.
    sources : dict
        Table name to the file name it was read from.
    digest : str
        Hash of the input files and the validation code.
    """

    data_dir: Path
    units: pd.DataFrame
    activities: pd.DataFrame
    casework: pd.DataFrame
    publicity: pd.DataFrame | None
    coverage: pd.DataFrame | None
    rejected: pd.DataFrame
    sources: dict[str, str] = field(default_factory=dict)
    digest: str = ""

    @property
    def rejected_rows(self) -> int:
        """Number of distinct rows set aside (a row may have several problems)."""
        if self.rejected.empty:
            return 0
        return int(self.rejected[["file", "row"]].drop_duplicates().shape[0])

    def unit(self, unit_id: str) -> dict[str, str]:
        """Return the units row of ``unit_id`` as a dict, defaults filled in.

        Raises
        ------
        InputError
            When the unit is not in ``units``.
        """
        if unit_id not in self.units.index:
            known = ", ".join(self.units.index[:10])
            raise InputError(
                f"unit '{unit_id}' is not in {self.sources.get('units', 'units')}"
                f" (known: {known}{', …' if len(self.units) > 10 else ''})"
            )
        row = self.units.loc[unit_id]
        name = row["unit_name"]
        return {
            "unit_id": unit_id,
            "unit_name": name,
            "party_org": row["party_org"] or name,
            "recipient": row["recipient"] or "",
        }

    def years(self, unit_id: str | None = None) -> list[int]:
        """Years in which the ledgers hold any dated record (of ``unit_id``)."""
        found: set[int] = set()
        for frame, col in self._dated():
            if unit_id is not None:
                frame = frame[frame["unit"] == unit_id]
            found.update(int(y) for y in frame[col].dt.year.dropna().unique())
        return sorted(found)

    def _dated(self) -> list[tuple[pd.DataFrame, str]]:
        out = [(self.activities, "date"), (self.casework, "received_date")]
        if self.publicity is not None:
            out.append((self.publicity, "date"))
        return out


# --------------------------------------------------------------------------- reading


def find_table(data_dir: Path, name: str) -> Path | None:
    """Return the file of table ``name`` (``.csv`` or ``.xlsx``), or ``None``.

    Raises
    ------
    UnreadableFileError
        When both a CSV and an XLSX of the same table exist.
    """
    found = [p for p in (data_dir / f"{name}.csv", data_dir / f"{name}.xlsx") if p.is_file()]
    if len(found) > 1:
        raise UnreadableFileError(
            f"{found[0].name} and {found[1].name} both exist in {data_dir}: keep only one"
        )
    return found[0] if found else None


def _utf8_csv(raw: bytes, path: Path) -> bytes:
    """The file's bytes as UTF-8: UTF-8 (with or without BOM) as is, else GBK/GB18030."""
    try:
        raw.decode("utf-8")
        return raw
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030").encode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableFileError(f"{path.name}: cannot be read as UTF-8 or GBK/GB18030 text") from None


def _cell_to_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def read_raw(path: Path) -> pd.DataFrame:
    """Read one table file as text cells, with spreadsheet row numbers.

    Every cell is a ``str``. Column names are the file's own headers, trimmed,
    full-width digits and spaces normalised. The index is the row number as a
    spreadsheet shows it (header = row 1). Values are normalised later, by
    :func:`normalise_values`, for the contract's columns only.

    Raises
    ------
    UnreadableFileError
        When the file cannot be parsed.
    """
    try:
        if path.suffix.lower() == ".xlsx":
            frame = pd.read_excel(path, sheet_name=0, dtype=object, engine="calamine")
            frame.columns = [_cell_to_text(c) for c in frame.columns]
            frame = frame.map(_cell_to_text)
        else:
            data = _utf8_csv(path.read_bytes(), path)
            frame = pd.read_csv(
                io.BytesIO(data), dtype=object, keep_default_na=False, skip_blank_lines=False,
                encoding="utf-8-sig",
            )
            del data
    except UnreadableFileError:
        raise
    except Exception as exc:  # pandas / calamine raise many kinds
        raise UnreadableFileError(
            f"{path.name}: cannot be read as a {path.suffix.lstrip('.').upper()} table"
            f" ({type(exc).__name__})"
        ) from None
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="row")
    frame.columns = [str(c).translate(_FULLWIDTH).strip() for c in frame.columns]
    return frame


def normalise_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Trim values and normalise full-width digits and spaces; drop wholly empty rows.

    Each distinct value is normalised once (a column of a million rows holds
    few distinct values, ids aside), so this stays cheap on large ledgers.
    """
    for col in frame.columns:
        codes, uniques = pd.factorize(frame[col].fillna("").to_numpy(dtype=object), sort=False)
        uniques = np.asarray(uniques, dtype=object)
        joined = "\x1f" + "\x1f".join(map(str, uniques)) + "\x1f"
        if _FULLWIDTH_RE.search(joined) or any(p in joined for p in _PADDING):
            uniques = np.array([str(v).translate(_FULLWIDTH).strip() for v in uniques], dtype=object)
        frame[col] = pd.Series(uniques[codes] if len(uniques) else [], index=frame.index, dtype=object)
    if len(frame.columns):
        frame = frame[(frame != "").any(axis=1)]
    return frame


def _map_headers(frame: pd.DataFrame, table: schema.Table, file_name: str) -> pd.DataFrame:
    lookup: dict[str, str] = {}
    for col in table.columns:
        for spelling in (col.name, *col.aliases):
            lookup[spelling.lower()] = col.name
            lookup[spelling.replace("（", "(").replace("）", ")").lower()] = col.name
    keep: dict[str, str] = {}
    for header in frame.columns:
        canonical = lookup.get(str(header).lower())
        if canonical is None:
            continue  # extra column: ignored, never stored (it may hold personal data)
        if canonical in keep.values():
            raise ColumnMissingError(
                f"{file_name}: two columns both mean '{canonical}': keep only one of them"
            )
        keep[header] = canonical
    out = normalise_values(frame[list(keep)].rename(columns=keep))
    for col in table.columns:
        if col.name not in out.columns:
            if col.required:
                spellings = " or ".join(f"'{s}'" for s in (col.name, *col.aliases))
                raise ColumnMissingError(
                    f"{file_name}: the required column {spellings} is missing"
                )
            out[col.name] = ""
    return out[[c.name for c in table.columns]]


# --------------------------------------------------------------------------- checking


class _Problems:
    """Collects set-aside rows of one file."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.parts: list[pd.DataFrame] = []
        self.bad = None  # index of rows set aside

    def add(self, frame: pd.DataFrame, mask: pd.Series, column: str, reason: str | pd.Series):
        if not mask.any():
            return
        values = frame.loc[mask, column].astype(str).str.slice(0, _MAX_VALUE_CHARS)
        reasons = reason[mask] if isinstance(reason, pd.Series) else reason
        self.parts.append(
            pd.DataFrame(
                {
                    "file": self.file_name,
                    "row": values.index.to_numpy(),
                    "column": column,
                    "value": values.to_numpy(),
                    "reason": reasons if isinstance(reasons, str) else reasons.to_numpy(),
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=REJECTED_COLUMNS)
        return pd.concat(self.parts, ignore_index=True)

    def bad_rows(self) -> set[int]:
        return set() if not self.parts else set(self.frame()["row"].tolist())


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse the contract's date spellings; unreadable or empty values give ``NaT``.

    Accepts ``2024-03-05``, ``2024/3/5``, ``2024.3.5``, ``2024年3月5日`` (digits
    already half-width, separators full- or half-width), optionally followed by
    a time. Each distinct spelling is parsed once (a ledger of a million rows
    holds a few thousand dates).

    Parameters
    ----------
    values : Series of str
        Trimmed text cells.

    Returns
    -------
    Series of datetime64
        Same index; ``NaT`` where the text is empty or not a real date.
    """
    codes, uniques = pd.factorize(values, sort=False)
    parsed = _parse_distinct_dates(pd.Series(uniques, dtype=object).astype(str))
    out = parsed.to_numpy()[codes]
    return pd.Series(out, index=values.index, dtype="datetime64[ns]")


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
            parsed = pd.to_datetime(
                {"year": nums[0], "month": nums[1], "day": nums[2]}, errors="coerce"
            )
            out.loc[parsed.index] = parsed
    return out


def _check_required(frame, table, problems):
    for col in table.columns:
        if col.required:
            problems.add(frame, frame[col.name] == "", col.name, "required value is missing")


def _check_date(frame, column, problems):
    parsed = parse_dates(frame[column])
    problems.add(
        frame,
        parsed.isna() & (frame[column] != ""),
        column,
        "date cannot be read (use e.g. 2024-03-05 or 2024年3月5日)",
    )
    return parsed


def _check_units(frame, units: pd.DataFrame, problems) -> pd.Series:
    by_name = pd.Series(units.index, index=units["unit_name"].to_numpy())
    by_name = by_name[~by_name.index.duplicated()]
    ids = frame["unit"].where(frame["unit"].isin(units.index))
    ids = ids.fillna(frame["unit"].map(by_name))
    problems.add(
        frame, ids.isna() & (frame["unit"] != ""), "unit", "unit is not in units (unit_id or exact unit_name)"
    )
    return ids


def _check_duplicates(frame, key: str, problems, scope: str = "unit"):
    has = frame[key] != ""
    dup = has & frame.duplicated(subset=[scope, key], keep="first")
    if dup.any():
        first = (
            frame[has]
            .reset_index()
            .drop_duplicates(subset=[scope, key], keep="first")
            .set_index([scope, key])["row"]
        )
        idx = pd.MultiIndex.from_frame(frame.loc[dup, [scope, key]])
        reason = pd.Series("", index=frame.index)
        reason[dup] = [f"duplicate {key} (row {r} kept)" for r in first.reindex(idx).to_numpy()]
        problems.add(frame, dup, key, reason)


def _check_choice(frame, column, allowed, problems):
    allowed = list(allowed)
    bad = (frame[column] != "") & ~frame[column].isin(allowed)
    problems.add(frame, bad, column, f"must be one of {'、'.join(allowed)} or empty")


def _check_int(frame, column, problems) -> pd.Series:
    text = frame[column]
    numeric = pd.to_numeric(text.where(text != ""), errors="coerce")
    problems.add(
        frame,
        (text != "") & (numeric.isna() | (numeric % 1 != 0)),
        column,
        "not a whole number",
    )
    problems.add(frame, numeric < 0, column, "negative count")
    return numeric.where(numeric % 1 == 0).astype("Int64")


def _finish(frame: pd.DataFrame, problems: _Problems, columns: list[str]) -> pd.DataFrame:
    bad = problems.bad_rows()
    good = frame.loc[~frame.index.isin(list(bad)), columns] if bad else frame[columns]
    return good.copy()


def _check_units_table(frame: pd.DataFrame, problems: _Problems) -> pd.DataFrame:
    _check_required(frame, schema.UNITS, problems)
    problems.add(
        frame,
        (frame["unit_id"] != "") & ~frame["unit_id"].str.fullmatch(schema.UNIT_ID_PATTERN),
        "unit_id",
        "unit_id must be 1-40 of a-z, 0-9 and '-'",
    )
    frame = frame.assign(_all="")
    _check_duplicates(frame, "unit_id", problems, scope="_all")
    _check_duplicates(frame, "unit_name", problems, scope="_all")
    good = _finish(frame, problems, [c.name for c in schema.UNITS.columns])
    return good.set_index("unit_id")


def _check_table(
    name: str, frame: pd.DataFrame, units: pd.DataFrame, problems: _Problems, rules: dict
) -> pd.DataFrame:
    table = schema.TABLES[name]
    _check_required(frame, table, problems)
    frame = frame.assign(unit=_check_units(frame, units, problems).fillna(""))
    typed: dict[str, pd.Series] = {}
    for col in table.columns:
        if col.kind == "date":
            typed[col.name] = _check_date(frame, col.name, problems)
        elif col.kind == "int":
            typed[col.name] = _check_int(frame, col.name, problems)
    for key in table.key:
        _check_duplicates(frame, key, problems)
    if name == "activities":
        lookup = schema.category_lookup()
        typed["category"] = frame["category"].map(lookup).fillna(frame["category"])
    elif name == "casework":
        cw = rules["casework"]
        late = typed["replied_date"] < typed["received_date"]
        problems.add(frame, late, "replied_date", "replied_date is before received_date")
        true_words = {str(w).lower() for w in cw["extended_true"]}
        false_words = {str(w).lower() for w in cw["extended_false"]}
        ext = frame["extended"].str.lower()
        problems.add(
            frame,
            ~ext.isin(true_words | false_words),
            "extended",
            "must be 是 or 否 (or true/false, 1/0)",
        )
        typed["extended"] = ext.isin(true_words)
        _check_choice(frame, "escalation", [*cw["no_escalation"], *cw["escalation_levels"]], problems)
        _check_choice(frame, "satisfaction", cw["rated"], problems)
    elif name == "publicity":
        schemes = "|".join(re.escape(s) for s in rules.get("publicity", {}).get("url_schemes", ["http", "https"]))
        bad = (frame["url"] != "") & ~frame["url"].str.match(rf"(?i)^(?:{schemes})://\S+$")
        problems.add(frame, bad, "url", "link must start with http:// or https://")
    out = frame.assign(**typed)
    return _finish(out, problems, [c.name for c in table.columns])


# --------------------------------------------------------------------------- caching


def _code_fingerprint() -> bytes:
    here = Path(__file__).resolve().parent
    h = hashlib.sha256(str(CACHE_FORMAT).encode())
    for name in ("ledgers.py", "schema.py"):
        h.update((here / name).read_bytes())
    h.update(Path(paths.RULES_CONFIG).read_bytes())
    return h.digest()


def input_digest(data_dir: Path) -> str:
    """Hash of every table file in ``data_dir`` and of the validation code."""
    h = hashlib.sha256(_code_fingerprint())
    for name in schema.TABLES:
        for suffix in (".csv", ".xlsx"):
            p = data_dir / f"{name}{suffix}"
            if p.is_file():
                h.update(p.name.encode())
                with open(p, "rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(chunk)
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
        Typed good rows and the rows set aside.

    Raises
    ------
    InputError
        A whole-file problem: a required table or column missing, a file
        that cannot be read. Nothing is written in that case.
    """
    data_dir = Path(data_dir or paths.DATA_DIR).resolve()
    if not data_dir.is_dir():
        raise InputError(f"data folder {data_dir} does not exist (check --data / data_dir)")
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
    if cache:
        _write_atomic_pickle(cache_file, ledgers)
    return ledgers


# The ledgers last loaded in this process (one folder at a time), so that a warm
# kernel building report after report reads the cache once, not once a report.
_LOADED: dict[tuple[Path, str], Ledgers] = {}


def _remember(data_dir: Path, digest: str, ledgers: Ledgers) -> None:
    _LOADED.clear()
    _LOADED[(data_dir, digest)] = ledgers


def _write_atomic_pickle(target: Path, obj: Any) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def validate(data_dir: Path | str) -> Ledgers:
    """Read and check every table of ``data_dir`` (no cache).

    See :func:`load_ledgers` for parameters and errors.
    """
    data_dir = Path(data_dir)
    rules = load_rules()
    sources: dict[str, str] = {}
    raw: dict[str, pd.DataFrame] = {}
    for name, table in schema.TABLES.items():
        path = find_table(data_dir, name)
        if path is None:
            if table.required:
                raise TableMissingError(
                    f"the required table {name} ({table.title}) is missing:"
                    f" put {name}.csv or {name}.xlsx in {data_dir}"
                )
            continue
        sources[name] = path.name
        raw[name] = _map_headers(read_raw(path), table, path.name)

    rejected: list[pd.DataFrame] = []
    problems = _Problems(sources["units"])
    units = _check_units_table(raw["units"], problems)
    rejected.append(problems.frame())
    frames: dict[str, pd.DataFrame | None] = {}
    for name in ("activities", "casework", "publicity", "coverage"):
        if name not in raw:
            frames[name] = None
            continue
        problems = _Problems(sources[name])
        frames[name] = _check_table(name, raw[name], units, problems, rules).reset_index()
        rejected.append(problems.frame())
    all_rejected = pd.concat([r for r in rejected if not r.empty] or [rejected[0]], ignore_index=True)
    if not all_rejected.empty:
        all_rejected = all_rejected.sort_values(["file", "row"], kind="stable", ignore_index=True)
    return Ledgers(
        data_dir=data_dir,
        units=units,
        activities=frames["activities"],
        casework=frames["casework"],
        publicity=frames["publicity"],
        coverage=frames["coverage"],
        rejected=all_rejected,
        sources=sources,
    )
