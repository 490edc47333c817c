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
    from helpers.run.provenance import code_hashes, outdated, shared_inputs

    job = Job(2024, "yeji-mzj", None, tmp_path, tmp_path, ("html",))
    job.folder.mkdir(parents=True)
    inputs = shared_inputs()
    old = dict(code_hashes(), **{"words/sentences.py": "0" * 16})
    (job.folder / "manifest.json").write_text(json.dumps({"inputs": {**inputs, "code": "old"}, "code_files": old}))
    (job.folder / "report.html").write_text("")
    assert outdated(job, inputs) == ["程序代码（words/sentences.py）"]
