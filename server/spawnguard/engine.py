"""The one flow: source text → parse → ModuleModel → rules → findings (with fixes).

Everything the CLI, the language server and the tests report goes through `analyze`; every
fix they apply goes through `fix_text` / `apply_edits`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from spawnguard.analysis.chunks import ChunkCache
from spawnguard.analysis.collector import collector_paused
from spawnguard.analysis.findings import Finding, Fix, LazyFixes, Position, Range
from spawnguard.analysis.model import ModuleModel
from spawnguard.analysis.parse import parse_source
from spawnguard.analysis.project import Project
from spawnguard.analysis.settings import DEFAULT_SETTINGS, AnalysisSettings
from spawnguard.analysis.source import SourceText
from spawnguard.analysis.suppression import Suppressions
from spawnguard.fixes.apply import apply_edits
from spawnguard.fixes.suppress import suppression_fixes
from spawnguard.rules import ALL_RULES, SYNTAX_ERROR_RULE
from spawnguard.rules.base import Rule

MAX_FIX_ROUNDS = 20


def rules_for(text: str, settings: AnalysisSettings, project: Project | None = None,
              path: str | None = None,
              verdicts: dict[object, bool] | None = None) -> list[Rule] | None:
    """The enabled rules that can fire on this text, or None when no rule at all can (enabled
    or not). Most files of a big tree are such files: they are neither parsed nor modelled,
    so a syntax error there is not reported either. `verdicts` holds prefilter answers
    already known for this text (by prefilter function)."""
    applicable = [
        rule for rule in ALL_RULES
        if (rule.applies_to_notebooks if settings.notebook else rule.applies_to_scripts)
    ]
    verdicts = dict(verdicts or {})  # rules share prefilters: run each once

    def may_fire(rule: Rule) -> bool:
        if rule.prefilter not in verdicts:
            verdicts[rule.prefilter] = rule.may_fire_on(text)
        return verdicts[rule.prefilter]

    chosen = [rule for rule in applicable if may_fire(rule)]
    cross_file = [rule for rule in applicable if rule.cross_file and rule not in chosen]
    if cross_file and project is not None and project.may_matter_to(text, path):
        chosen += cross_file
    if not chosen:
        return None
    return [rule for rule in chosen if settings.is_enabled(rule.code)]


def analyze(
    text: str, *, path: str | None = None, settings: AnalysisSettings = DEFAULT_SETTINGS,
    project: Project | None = None, parse_cache: ChunkCache | None = None,
) -> list[Finding]:
    """All enabled findings for one file's text, sorted by position.

    With a `project`, imports of the project's other modules are followed (SPG103, loaders
    and functions made elsewhere); `path` must then be the file's real path. A `parse_cache`
    kept from the previous version of the same document makes re-analysis after an edit
    re-parse only the top-level chunks the edit touched. Statements that do not parse are
    reported as SPG000 and left out; the rest is analysed.
    """
    with collector_paused():
        return _analyze(text, path, settings, project, parse_cache)


def _analyze(text: str, path: str | None, settings: AnalysisSettings, project: Project | None,
             parse_cache: ChunkCache | None) -> list[Finding]:
    if text.startswith(BOM):
        # An editor buffer may keep the byte-order mark as a character: analyse without it,
        # report in the buffer's coordinates (one character to the right on line 1).
        return [_after_bom(f) for f in analyze(text[1:], path=path, settings=settings,
                                               project=project, parse_cache=parse_cache)]
    rules = rules_for(text, settings, project, path)
    if rules is None:
        return []
    source = SourceText(text)
    suppressions = Suppressions.scan(source)
    if suppressions.whole_file:
        return []
    parsed = parse_source(source, parse_cache)
    found: list[Finding] = []
    if rules:
        model = ModuleModel.build(source, parsed.tree, settings=settings, path=path,
                                  project=project,
                                  scope_cache=parse_cache.scopes if parse_cache else None)
        found = [f for rule in rules for f in rule.check(model)]
    if parsed.adopt:  # a first version, parsed whole and analysable: chunks for the next
        assert parse_cache is not None
        parse_cache.adopt(source, parsed.tree)
    if parsed.errors:
        # Fixes move and rewrite statements; around text that does not parse they could
        # garble it. Only suppressions are offered until the file parses again.
        found = [replace(f, fixes=()) for f in found]
    findings = list(parsed.errors) if settings.is_enabled(SYNTAX_ERROR_RULE.code) else []
    findings.extend(found)
    return finalize(findings, source, suppressions, settings)


BOM = "\ufeff"


def _shift_first_line(range_: Range) -> Range:
    start, end = range_.start, range_.end
    return Range(
        Position(start.line, start.character + 1) if start.line == 1 else start,
        Position(end.line, end.character + 1) if end.line == 1 else end,
    )


def _after_bom(finding: Finding) -> Finding:
    def shifted(fix: Fix) -> Fix:
        return replace(fix, edits=tuple(replace(e, range=_shift_first_line(e.range))
                                        for e in fix.edits))

    return replace(
        finding, range=_shift_first_line(finding.range),
        related=tuple(r if r.path else replace(r, range=_shift_first_line(r.range))
                      for r in finding.related),
        fixes=LazyFixes(lambda: [shifted(fix) for fix in finding.fixes]))


def finalize(
    findings: Sequence[Finding],
    source: SourceText,
    suppressions: Suppressions,
    settings: AnalysisSettings,
) -> list[Finding]:
    """Drop suppressed findings, apply severity overrides, add suppression fixes, sort."""
    result = []
    for finding in findings:
        if suppressions.suppresses(finding.code, finding.range.start.line):
            continue
        severity = settings.severity_of(finding.code, finding.severity)
        fixes = finding.fixes + LazyFixes(
            lambda finding=finding: suppression_fixes(source, finding.code,
                                                      finding.range.start.line))
        # (Built directly: dataclasses.replace costs more than the rest of this loop.)
        result.append(Finding(code=finding.code, severity=severity, message=finding.message,
                              range=finding.range, related=finding.related, fixes=fixes,
                              tags=finding.tags, cell=finding.cell))
    result.sort(key=Finding.sort_key)
    return result


@dataclass(frozen=True)
class FixResult:
    text: str
    applied: int
    remaining: list[Finding]
    # (file name beside the fixed file, text) for fixes that create a module (notebooks)
    new_files: tuple[tuple[str, str], ...] = ()


def fix_text(
    text: str, *, path: str | None = None, settings: AnalysisSettings = DEFAULT_SETTINGS,
    project: Project | None = None,
) -> FixResult:
    """Apply each finding's preferred fix (never a suppression) until none is left.

    One fix at a time, re-analysing in between: fixes of different findings may touch the
    same statements (two starts wrapped in one guard), and a re-analysis sees the result.
    """
    applied = 0
    findings = analyze(text, path=path, settings=settings, project=project)
    for _ in range(MAX_FIX_ROUNDS):
        fix = next((f.preferred_fix for f in findings if f.preferred_fix), None)
        if fix is None:
            break
        new_text = apply_edits(text, fix.edits)
        if new_text == text:
            break
        text = new_text
        applied += 1
        findings = analyze(text, path=path, settings=settings, project=project)
    return FixResult(text=text, applied=applied, remaining=findings)
