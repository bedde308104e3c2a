"""`.ipynb` files for the CLI: the code cells are analysed as one module (as Jupyter runs them)
and every position is reported within its cell (`cell` is the 1-based index among code
cells). `--fix` edits the cells' sources and writes the notebook back in its own JSON layout;
a fix that creates a module writes it next to the notebook (never over an existing file).

A file that is not JSON, or whose cells the analysis cannot read (a cell that is not an
object, a `cell_type` or a code cell's `source` that is not text), is one SPG000 for the
whole file. Absent fields keep their lenient meaning (no `cell_type`: not a code cell; no
`source`: an empty cell); fields the analysis never reads (`metadata`, `outputs`,
`nbformat`, ...) are not checked and are written back as they were.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from spawnguard import engine
from spawnguard.analysis.findings import Finding, Fix, Related, TextEdit
from spawnguard.analysis.notebook import NotebookSource, analyze_cells
from spawnguard.analysis.project import Project
from spawnguard.analysis.settings import AnalysisSettings
from spawnguard.files import problem_finding
from spawnguard.fixes.apply import apply_edits

# JSON can hold a lone surrogate (`"\ud800"`) but UTF-8 cannot: such a character is written
# back as a `\u` escape, or the fixed notebook could not be saved.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class NotebookError(ValueError):
    pass


@dataclass
class Notebook:
    data: dict[str, Any]
    indent: int | None
    trailing_newline: bool

    @classmethod
    def parse(cls, text: str) -> Notebook:
        try:
            data = json.loads(text)
        except RecursionError:
            raise NotebookError("cannot read notebook: JSON nested too deeply") from None
        except json.JSONDecodeError as error:
            raise NotebookError(f"cannot read notebook: not JSON ({error.msg}, line "
                                f"{error.lineno})") from None
        except ValueError as error:
            # Valid JSON Python will not hold: an integer longer than
            # `sys.get_int_max_str_digits()`. Python's advice after the `;` is not the user's.
            reason = str(error).split(";")[0]
            raise NotebookError(f"cannot read notebook: {reason}") from None
        if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
            raise NotebookError("cannot read notebook: no `cells` list")
        check_cells(data["cells"])
        lines = text.splitlines()
        indent = None
        if len(lines) > 1:
            indent = len(lines[1]) - len(lines[1].lstrip(" ")) or None
        return cls(data, indent, text.endswith("\n"))

    @property
    def code_cells(self) -> list[dict[str, Any]]:
        return [c for c in self.data["cells"]
                if isinstance(c, dict) and c.get("cell_type") == "code"]

    def sources(self) -> list[str]:
        result = []
        for cell in self.code_cells:
            source = cell.get("source", "")  # checked by `parse`: text or a list of text
            result.append("".join(source) if isinstance(source, list) else source)
        return result

    def with_sources(self, sources: list[str]) -> str:
        for cell, source in zip(self.code_cells, sources, strict=True):
            if isinstance(cell.get("source"), list):
                cell["source"] = source.splitlines(keepends=True)
            else:
                cell["source"] = source
        text = json.dumps(self.data, indent=self.indent, ensure_ascii=False)
        text = _LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
        return text + "\n" if self.trailing_newline else text


def check_cells(cells: list[Any]) -> None:
    """Raise NotebookError for the first cell whose fields the analysis cannot read.

    Without this a wrong type is either a crash (`"".join` of a list of numbers) or silently
    analysed as its `str()` (`None`, `5`, `{...}` as code).
    """
    code_cells = 0
    for entry, cell in enumerate(cells, start=1):
        where = f"entry {entry} of `cells`"
        if not isinstance(cell, dict):
            raise NotebookError(f"not a valid notebook: {where} is not an object "
                                f"(it is {json_kind(cell)})")
        if "cell_type" in cell and not isinstance(cell["cell_type"], str):
            raise NotebookError(f"not a valid notebook: the `cell_type` of {where} is not "
                                f"text (it is {json_kind(cell['cell_type'])})")
        if cell.get("cell_type") != "code":
            continue
        code_cells += 1
        problem = source_problem(cell.get("source", ""))
        if problem is not None:
            raise NotebookError(f"not a valid notebook: the `source` of code cell {code_cells} "
                                f"({where}) is not text ({problem})")


def source_problem(source: Any) -> str | None:
    """Why a cell's `source` is not nbformat's multiline string (text or a list of text)."""
    if isinstance(source, str):
        return None
    if not isinstance(source, list):
        return f"it is {json_kind(source)}"
    for index, line in enumerate(source, start=1):
        if not isinstance(line, str):
            return f"item {index} of its list is {json_kind(line)}"
    return None


def json_kind(value: Any) -> str:
    """The JSON type of a decoded value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"


def _notebook_settings(settings: AnalysisSettings) -> AnalysisSettings:
    return replace(settings, notebook=True)


def _analysis(cells: list[str], path: str, settings: AnalysisSettings,
              project: Project | None) -> tuple[NotebookSource, list[Finding]]:
    notebook_settings = _notebook_settings(settings)
    result = analyze_cells(
        cells, lambda text: engine.analyze(text, path=path, settings=notebook_settings,
                                           project=project))
    return result.source, [in_cells(result.source, f) for f in result.findings]


def in_cells(source: NotebookSource, finding: Finding) -> Finding:
    """A combined-source finding with its ranges and edits moved into their cells."""
    if not source.cells:
        return finding
    index, range_ = source.to_cell_range(finding.range)
    related = []
    for item in finding.related:
        if item.path is None:
            related_index, related_range = source.to_cell_range(item.range)
            related.append(Related(related_range, item.message, None, related_index + 1))
        else:
            related.append(item)
    fixes = []
    for fix in finding.fixes:
        edits = []
        for edit in fix.edits:
            placed = source.edit_in_one_cell(edit.range)
            if placed is None:
                break
            edits.append(TextEdit(placed[1], edit.new_text, placed[0] + 1))
        else:
            fixes.append(replace(fix, edits=tuple(edits)))
    return replace(finding, range=range_, cell=index + 1, related=tuple(related),
                   fixes=tuple(fixes))


def apply_cell_fix(cells: list[str], fix: Fix) -> list[str]:
    by_cell: dict[int, list[TextEdit]] = {}
    for edit in fix.edits:
        assert edit.cell is not None
        by_cell.setdefault(edit.cell - 1, []).append(
            TextEdit(edit.range, edit.new_text))
    return [apply_edits(text, by_cell[i]) if i in by_cell else text
            for i, text in enumerate(cells)]


@dataclass(frozen=True)
class NotebookFile:
    name: str = "notebook"
    suffixes: tuple[str, ...] = (".ipynb",)

    def analyze(self, text: str, *, path: str, settings: AnalysisSettings,
                project: Project | None = None) -> list[Finding]:
        try:
            notebook = Notebook.parse(text)
        except NotebookError as error:
            return problem_finding(str(error), settings)
        return _analysis(notebook.sources(), path, settings, project)[1]

    def fix(self, text: str, *, path: str, settings: AnalysisSettings,
            project: Project | None = None) -> engine.FixResult:
        try:
            notebook = Notebook.parse(text)
        except NotebookError as error:
            return engine.FixResult(text, 0, problem_finding(str(error), settings))
        cells = notebook.sources()
        applied = 0
        new_files: list[tuple[str, str]] = []
        findings = _analysis(cells, path, settings, project)[1]
        for _ in range(engine.MAX_FIX_ROUNDS):
            fix = next((f.preferred_fix for f in findings if f.preferred_fix), None)
            if fix is None:
                break
            changed = apply_cell_fix(cells, fix)
            if changed == cells and not fix.new_files:
                break
            cells = changed
            applied += 1
            new_files += [(f.name, f.text) for f in fix.new_files]
            findings = _analysis(cells, path, settings, project)[1]
        new_text = notebook.with_sources(cells) if applied else text
        return engine.FixResult(new_text, applied, findings, tuple(new_files))


