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
