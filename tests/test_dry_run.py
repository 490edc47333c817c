"""`nianbao build --dry-run`: what would be built, and which input changed (as targets::tar_outdated)."""

from __future__ import annotations

import pytest

from conftest import run_cli


@pytest.mark.render
def test_dry_run_names_the_changed_input_and_writes_nothing(data_copy, tmp_path):
    out = tmp_path / "o"
    args = ("--year", "2024", "--unit", "yeji-mzj", "--data", str(data_copy), "--out", str(out))
    first = run_cli("build", "--dry-run", *args)
    assert first.returncode == 0 and "将生成 2024/ideology/yeji-mzj：尚未生成" in first.stdout
    assert not out.exists()  # nothing written
    assert run_cli("build", "--formats", "html", *args).returncode == 0
    assert "无变化 2024/ideology/yeji-mzj" in run_cli("build", "--formats", "html", "--dry-run", *args).stdout
    prose = data_copy / "narrative" / "yeji-mzj" / "2024.md"
    prose.write_text(prose.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = run_cli("build", "--formats", "html", "--dry-run", *args).stdout
    assert "将生成 2024/ideology/yeji-mzj：文字材料" in changed
    assert "缺少pdf" in run_cli("build", "--formats", "html,pdf", "--dry-run", *args).stdout


def test_a_kinds_generic_prose_is_an_input_of_that_kind_only(monkeypatch, tmp_path):
    from helpers.read.ledgers import load_ledgers
    from helpers.run.jobs import Job
    from helpers.run.provenance import unit_inputs
    from helpers.settings import paths

    ledgers = load_ledgers()
    jobs = {kind: Job(2024, "yeji-rsj", None, ledgers.data_dir, tmp_path, ("html",), kind=kind)
            for kind in ("ideology", "casework")}
    before = {kind: unit_inputs(job, ledgers, {}) for kind, job in jobs.items()}
    monkeypatch.setattr(paths, "ROOT", tmp_path)  # a project folder with its own 信访 generic prose
    (tmp_path / "prose").mkdir()
    (tmp_path / "prose" / "casework.md").write_text("## 开篇\n\n本单位的通用稿。\n", encoding="utf-8")
    after = {kind: unit_inputs(job, ledgers, {}) for kind, job in jobs.items()}
    assert after["ideology"] == before["ideology"]
    assert after["casework"]["generic_prose"] != before["casework"]["generic_prose"]


def test_dry_run_names_the_module_that_changed(tmp_path):
    import json

    from helpers.run.jobs import Job
    from helpers.run.provenance import code_hash, code_hashes, outdated, shared_inputs

    job = Job(2024, "yeji-mzj", None, tmp_path, tmp_path, ("html",))
    job.folder.mkdir(parents=True)
    inputs = {**shared_inputs(), "code": code_hash(job.kind)}
    old = dict(code_hashes(job.kind), **{"words/sentences.py": "0" * 16})
    (job.folder / "manifest.json").write_text(json.dumps({"inputs": {**inputs, "code": "old"}, "code_files": old}))
    (job.folder / "report.html").write_text("")
    assert outdated(job, inputs) == ["程序代码（words/sentences.py）"]


def test_a_tables_modules_are_code_of_the_kinds_that_state_its_figures(monkeypatch):
    """An edit to the 信访 figures or sentences makes the 信访 and 意识形态 reports stale, not the 纪律教育 ones."""
    from helpers.run import provenance
    from helpers.settings import paths

    code = provenance.table_code()
    assert code["casework"] == {"read/casework.py", "figures/casework.py", "words/casework.py"}
    assert code["discipline"] == {"read/counted.py", "figures/counted.py", "words/counted.py"}
    assert code["coverage"] == {"figures/coverage.py", "words/coverage.py"}  # no check of its own
    files = {kind: set(provenance.code_hashes(kind)) for kind in ("ideology", "casework", "integrity")}
    assert "words/casework.py" in files["casework"] and "words/casework.py" in files["ideology"]
    assert "words/casework.py" not in files["integrity"] and "figures/activity.py" not in files["integrity"]
    assert "words/counted.py" in files["integrity"] and "words/counted.py" not in files["casework"]
    assert "words/fill.py" in files["integrity"]  # what every report runs stays in every kind's code
    before = {kind: provenance.code_hash(kind) for kind in files}
    module = paths.PACKAGE_DIR / "words" / "casework.py"  # as if edited: its hash, cached by mtime, changed
    monkeypatch.setitem(provenance._CODE_HASHES, (module, module.stat().st_mtime), "0" * 16)
    after = {kind: provenance.code_hash(kind) for kind in files}
    assert after["integrity"] == before["integrity"]
    assert after["casework"] != before["casework"] and after["ideology"] != before["ideology"]


def test_a_kinds_tables_follow_its_figure_patterns():
    """``activity*`` or ``*`` in a kind's figures names tables too: their modules stay in its code hash."""
    from dataclasses import replace

    from helpers.figures.kinds import get
    from helpers.figures.trust import kind_tables
    from helpers.read import schema

    kind = get("ideology")
    assert kind_tables(replace(kind, figures=("*",))) == list(schema.LEDGER_TABLES)
    assert kind_tables(replace(kind, figures=("activity*",))) == ["activities"]
    assert kind_tables(get("integrity")) == ["discipline"]
