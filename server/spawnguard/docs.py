"""Rule docs pages, rendered from the rules themselves.

Each page is the rule's code and name, its default severity, then its module docstring
(`Rule.explanation`), so the docs, `spawnguard rule SPGxxx`, SARIF help and the server's hover
say the same thing. The pages shipped in `spawnguard/docs/rules/` are generated:

    python -m spawnguard.docs --write     # regenerate after changing a rule's docstring
    python -m spawnguard.docs             # exit 1 and name the pages that are out of date
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from spawnguard.rules import RULES_BY_CODE
from spawnguard.rules.base import Rule

RULE_DOCS_DIR = Path(__file__).resolve().parent / "docs" / "rules"
INDEX_PAGE = "README.md"
REGENERATE_COMMAND = "python -m spawnguard.docs --write"


def render_rule_page(rule: Rule) -> str:
    return (
        f"# {rule.code} {rule.name}\n\n"
        f"Default severity: **{rule.default_severity.label}**\n\n"
        f"{rule.explanation.strip()}\n"
    )


def render_index() -> str:
    lines = [
        "# spawnguard rules",
        "",
        f"Generated from the rule modules by `{REGENERATE_COMMAND}`; do not edit by hand.",
        "",
        "| Code | Name | Default severity | Summary |",
        "| --- | --- | --- | --- |",
    ]
    for rule in sorted_rules():
        summary = " ".join(rule.summary.split()).replace("|", "\\|")
        lines.append(
            f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.default_severity.label} "
            f"| {summary} |"
        )
    return "\n".join(lines) + "\n"


def sorted_rules() -> list[Rule]:
    return [RULES_BY_CODE[code] for code in sorted(RULES_BY_CODE)]


def expected_pages() -> dict[str, str]:
    """File name → content of every generated page."""
    pages = {f"{rule.code}.md": render_rule_page(rule) for rule in sorted_rules()}
    pages[INDEX_PAGE] = render_index()
    return pages


def outdated_pages(directory: Path = RULE_DOCS_DIR) -> list[str]:
    """Pages that are missing, differ from what the rules say, or belong to no rule."""
    expected = expected_pages()
    problems = []
    for name, content in expected.items():
        page = directory / name
        if not page.is_file():
            problems.append(f"{name} (missing)")
        elif page.read_text(encoding="utf-8") != content:
            problems.append(f"{name} (out of date)")
    if directory.is_dir():
        for page in sorted(directory.glob("*.md")):
            if page.name not in expected:
                problems.append(f"{page.name} (no such rule)")
    return problems


def write_pages(directory: Path = RULE_DOCS_DIR) -> list[str]:
    """Write every page, delete pages of rules that no longer exist; names what changed."""
    directory.mkdir(parents=True, exist_ok=True)
    expected = expected_pages()
    changed = []
    for name, content in expected.items():
        page = directory / name
        if not page.is_file() or page.read_text(encoding="utf-8") != content:
            # newline="\n": the same bytes on every platform, so the up-to-date test holds.
            with page.open("w", encoding="utf-8", newline="\n") as stream:
                stream.write(content)
            changed.append(name)
    for page in directory.glob("*.md"):
        if page.name not in expected:
            page.unlink()
            changed.append(page.name)
    return sorted(changed)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m spawnguard.docs", description="Check or regenerate the rule docs pages."
    )
    parser.add_argument("--write", action="store_true", help="regenerate the pages")
    parser.add_argument(
        "--dir", type=Path, default=RULE_DOCS_DIR, help="folder of the pages (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    if args.write:
        changed = write_pages(args.dir)
        print(f"updated: {', '.join(changed)}" if changed else "rule docs already up to date")
        return 0
    problems = outdated_pages(args.dir)
    if problems:
        print(f"rule docs need regenerating: {', '.join(problems)}", file=sys.stderr)
        print(f"run: {REGENERATE_COMMAND}", file=sys.stderr)
        return 1
    print("rule docs are up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
