"""The file cannot be analysed: it does not parse, cannot be read, or is not UTF-8.

## What happens
spawnguard parses files with the grammar of the Python that runs it (run it with the project's
interpreter to analyse newer syntax). A file that does not parse, cannot be read, or is not
valid UTF-8 gets one SPG000 finding at the place of the error; the other files of the run are
still checked, and the run goes on.

Only files that could hold a spawn problem are parsed: files that name a worker API
(`DataLoader`, `Process`, `Pool`, `ProcessPoolExecutor`, `spawn`, …), test `__name__` in a way
that may be a broken guard, or import a project module that starts or creates workers. A
syntax error in any other file is left to your usual linter — that is what keeps
`spawnguard check` fast on big trees.

## Fix
Fix the syntax error (or the encoding). While a file is being edited the language server keeps
showing the last complete analysis of the rest of the file.
"""

from __future__ import annotations

from collections.abc import Iterator

from spawnguard.analysis.findings import Finding, Severity
from spawnguard.analysis.model import ModuleModel
from spawnguard.rules.base import Rule


def check(model: ModuleModel) -> Iterator[Finding]:
    # The engine reports SPG000 from the parser; a model exists only for parsed files.
    return iter(())


RULE = Rule(
    code="SPG000",
    name="syntax-error",
    default_severity=Severity.ERROR,
    summary="The file cannot be analysed: it does not parse, cannot be read, or is not UTF-8.",
    check=check,
)
