"""Reading rules of the data contract: the corpus, and properties that hold whatever the format."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from corpus import CASES, Case
from helpers.figures.indicators import compute_indicators
from helpers.read.ledgers import load_ledgers, parse_dates, validate
from helpers.settings.errors import InputError

assert len(CASES) >= 30


def _ids(cases):
    return [c.name for c in cases]


ACCEPT = [c for c in CASES if c.accept]
REJECT = [c for c in CASES if c.reject]
ERROR = [c for c in CASES if c.error]


@pytest.mark.parametrize("case", ACCEPT, ids=_ids(ACCEPT))
def test_awkward_input_is_accepted(case: Case, tmp_path):
    ledgers = validate(case.write(tmp_path / "data"))
    assert ledgers.rejected.empty, ledgers.rejected.to_dict("records")
    ind = compute_indicators(ledgers, "u-1", 2024, date(2024, 12, 31))
    for key, value in case.accept.items():
        assert ind[key].value == value, key


@pytest.mark.parametrize("case", REJECT, ids=_ids(REJECT))
def test_bad_row_is_set_aside_with_its_reason(case: Case, tmp_path):
    ledgers = validate(case.write(tmp_path / "data"))
    file, row, column, reason = case.reject
    found = ledgers.rejected[(ledgers.rejected["file"] == file) & (ledgers.rejected["row"] == row)]
    assert not found.empty, ledgers.rejected.to_dict("records")
    assert column in found["column"].tolist()
    assert any(reason in r for r in found["reason"]), found["reason"].tolist()
    assert ledgers.rejected_rows == 1


@pytest.mark.parametrize("case", ERROR, ids=_ids(ERROR))
def test_whole_file_problem_stops_with_a_plain_message(case: Case, tmp_path):
    with pytest.raises(InputError) as err:
        validate(case.write(tmp_path / "data"))
    assert err.value.exit_code == 2
    for fragment in case.error:
        assert fragment in str(err.value), str(err.value)
    assert "\n" not in str(err.value)


def test_rejected_rows_keep_the_good_rows(tmp_path):
    data = Case("mixed", {"activities.csv": "单位,日期,类别\nu-1,2024-03-05,支部大会\nu-1,bad,支部大会\n"
                                             "u-9,2024-03-05,支部大会\nu-1,2024-03-07,支部大会\n"}).write(tmp_path / "d")
    ledgers = validate(data)
    assert ledgers.rejected_rows == 2
    assert len(ledgers.activities) == 2
    assert ledgers.activities["row"].tolist() == [2, 5]


def test_load_ledgers_validates_once_then_reads_the_cache(tmp_path, monkeypatch):
    from helpers.read import ledgers as module

    data = Case("cache", {}).write(tmp_path / "data")
    monkeypatch.setattr(module.paths, "CACHE_DIR", tmp_path / "cache")
    first = load_ledgers(data)
    monkeypatch.setattr(module, "validate", lambda _d: (_ for _ in ()).throw(AssertionError("validated twice")))
    assert load_ledgers(data) is first  # the same process: kept in memory
    module._LOADED.clear()
    second = load_ledgers(data)  # another process: read from the cache file
    assert second.digest == first.digest and second is not first
    (data / "activities.csv").write_text(
        "单位,日期,类别\nu-1,2024-03-05,支部大会\n", encoding="utf-8")  # a change in the input is seen
    with pytest.raises(AssertionError, match="validated twice"):
        load_ledgers(data)


def test_parse_dates_spellings():
    got = parse_dates(pd.Series(["2024-03-05", "2024/3/5", "2024.3.5", "2024年3月5日", "2024－3－5",
                                 "", "2024-02-30", "3/5/2024"]))
    assert got[:5].tolist() == [pd.Timestamp(2024, 3, 5)] * 5
    assert got[5:].isna().all()


# ----------------------------------------------------------------- properties

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

DAY = st.dates(min_value=date(2023, 1, 1), max_value=date(2024, 12, 31))
SPELL = st.sampled_from(["iso", "slash", "dot", "chinese", "fullwidth"])


def spell(d: date, how: str) -> str:
    if how == "iso":
        return d.isoformat()
    if how == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if how == "dot":
        return f"{d.year}.{d.month}.{d.day}"
    text = f"{d.year}年{d.month}月{d.day}日"
    return text.translate({ord(c): chr(0xFF10 + int(c)) for c in "0123456789"}) if how == "fullwidth" else text


@st.composite
def casework_records(draw):
    n = draw(st.integers(min_value=0, max_value=25))
    records = []
    for i in range(n):
        got = draw(DAY)
        lag = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=120)))
        replied = None if lag is None else got + pd.Timedelta(days=lag).to_pytimedelta()
        records.append({
            "信访编号": f"C{i}",
            "承办单位": draw(st.sampled_from(["u-1", "甲局"])),
            "收到日期": got,
            "答复日期": replied,
            "是否延期": draw(st.sampled_from(["是", "否"])),
            "越级情况": draw(st.sampled_from(["无", "到市", "进京"])),
            "满意度": draw(st.sampled_from(["", "满意", "基本满意", "不满意"])),
        })
    return records


def write_casework(folder, records, *, fmt, encoding, order, spelling, seed):
    rows = []
    for r in records:
        rows.append({k: (spell(v, spelling) if isinstance(v, date) else ("" if v is None else v))
                     for k, v in r.items()})
    frame = pd.DataFrame(rows, columns=["信访编号", "承办单位", "收到日期", "答复日期", "是否延期", "越级情况", "满意度"])
    frame = frame[order(list(frame.columns))].sample(frac=1, random_state=seed)
    (folder / "casework.csv").unlink()
    if fmt == "xlsx":
        frame.to_excel(folder / "casework.xlsx", index=False)
    else:
        frame.to_csv(folder / "casework.csv", index=False, encoding=encoding)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=casework_records(), fmt=st.sampled_from(["csv", "xlsx"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030"]),
       reverse=st.booleans(), spelling=SPELL, seed=st.integers(0, 1000))
def test_same_records_same_figures_whatever_the_file(tmp_path_factory, records, fmt, encoding, reverse,
                                                     spelling, seed):
    reference = Case("ref", {}).write(tmp_path_factory.mktemp("ref"))
    write_casework(reference, records, fmt="csv", encoding="utf-8", order=lambda c: c, spelling="iso", seed=0)
    variant = Case("var", {}).write(tmp_path_factory.mktemp("var"))
    write_casework(variant, records, fmt=fmt, encoding=encoding, seed=seed, spelling=spelling,
                   order=(lambda c: c[::-1]) if reverse else (lambda c: c))
    want = compute_indicators(validate(reference), "u-1", 2024, date(2024, 12, 31)).as_json()
    got = compute_indicators(validate(variant), "u-1", 2024, date(2024, 12, 31)).as_json()
    assert got == want
    ind = got["indicators"]
    assert ind["casework.on_time"]["value"] <= ind["casework.replied"]["value"] <= ind["casework.total"]["value"]
    assert ind["casework.overdue"]["value"] + ind["casework.on_time"]["value"] <= ind["casework.total"]["value"]


def test_each_tables_own_check_is_registered():
    """A table's own check runs after the common ones; a counted table's comes with it."""
    from helpers.read import schema
    from helpers.read.ledgers import TABLE_CHECKS

    assert set(TABLE_CHECKS) <= set(schema.TABLES)
    assert {"activities", "casework", "publicity", *schema.COUNTED_TABLES} == set(TABLE_CHECKS)


def test_years_per_unit_follow_the_tables_they_are_read_from(sample_ledgers):
    """A unit's years: those of its dated records in any table; again from the new table when one is replaced."""
    import copy

    ledgers = copy.copy(sample_ledgers)
    ledgers.tables = dict(sample_ledgers.tables)
    for unit in [None, *ledgers.units.index]:
        found: set[int] = set()
        for frame, col in ledgers._dated():
            rows = frame if unit is None else frame[frame["unit"] == unit]
            found.update(int(y) for y in rows[col].dt.year.dropna())
        assert ledgers.years(unit) == sorted(found), unit
    assert ledgers.years("no-such-unit") == []
    for name, frame in list(ledgers.tables.items()):  # every dated table without yeji-mzj's 2022 records
        column = next((col for dated, col in ledgers._dated() if dated is frame), None)
        if column is not None:
            ledgers.tables[name] = frame[~((frame["unit"] == "yeji-mzj") & (frame[column].dt.year == 2022))]
    assert 2022 not in ledgers.years("yeji-mzj")
    assert 2022 in ledgers.years("yeji-rsj")
