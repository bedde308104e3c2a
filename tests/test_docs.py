"""Rule docs pages: rendered from the rule modules, shipped in the package, kept up to date."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from spawnguard import docs
from spawnguard.rules import RULES_BY_CODE


def test_shipped_pages_are_up_to_date() -> None:
    problems = docs.outdated_pages()
    assert problems == [], (
        f"the rule docs in {docs.RULE_DOCS_DIR} do not match the rule modules "
        f"({', '.join(problems)}); regenerate them with `{docs.REGENERATE_COMMAND}`"
    )


@pytest.mark.parametrize("code", sorted(RULES_BY_CODE))
def test_page_is_code_name_severity_then_the_explanation(code: str) -> None:
    rule = RULES_BY_CODE[code]
    page = docs.render_rule_page(rule)
    first_line, blank, severity_line, blank2, *rest = page.splitlines()
    assert first_line == f"# {rule.code} {rule.name}"
    assert (blank, blank2) == ("", "")
    assert severity_line == f"Default severity: **{rule.default_severity.label}**"
    assert "\n".join(rest) == rule.explanation.strip()
    assert page.endswith("\n") and not page.endswith("\n\n")


def test_pages_are_installed_with_the_package() -> None:
    pages = resources.files("spawnguard") / "docs" / "rules"
    for code in RULES_BY_CODE:
        page = pages / f"{code}.md"
        assert page.is_file(), code
        assert page.read_text(encoding="utf-8").startswith(f"# {code} ")


def test_index_links_every_rule() -> None:
    index = docs.render_index()
    for code, rule in RULES_BY_CODE.items():
        assert f"[{code}]({code}.md) | {rule.name} | {rule.default_severity.label} |" in index
    assert docs.REGENERATE_COMMAND in index


def run_docs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "spawnguard.docs", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_write_then_check_in_another_folder(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    written = run_docs("--write", "--dir", str(folder))
    assert written.returncode == 0, written.stderr
    assert sorted(p.name for p in folder.iterdir()) == sorted(docs.expected_pages())
    for name, content in docs.expected_pages().items():
        assert (folder / name).read_bytes() == content.encode("utf-8")

    up_to_date = run_docs("--dir", str(folder))
    assert up_to_date.returncode == 0, up_to_date.stderr

    (folder / "SPG101.md").write_text("# edited by hand\n", encoding="utf-8")
    (folder / "SPG999.md").write_text("# a rule that is gone\n", encoding="utf-8")
    (folder / "SPG201.md").unlink()
    stale = run_docs("--dir", str(folder))
    assert stale.returncode == 1
    assert "SPG101.md (out of date)" in stale.stderr
    assert "SPG999.md (no such rule)" in stale.stderr
    assert "SPG201.md (missing)" in stale.stderr
    assert docs.REGENERATE_COMMAND in stale.stderr

    rewritten = run_docs("--write", "--dir", str(folder))
    assert rewritten.returncode == 0
    assert "SPG101.md" in rewritten.stdout and "SPG999.md" in rewritten.stdout
    assert not (folder / "SPG999.md").exists()
    assert docs.outdated_pages(folder) == []
