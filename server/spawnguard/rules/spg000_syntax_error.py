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

One broken statement does not hide the rest. The file is then parsed in top-level chunks: a
chunk starts at each line that begins in column 0 with code (not a blank line, a comment, a
closing bracket, `else`/`elif`/`except`/`finally`/`case`, a line inside a triple-quoted
string or after a backslash). A chunk that does not parse is retried together with the next
few (a decorator and its `def`); one that still does not parse is left out, up to the next
chunk — so an unclosed bracket ends the broken span at the next line that starts a statement
in column 0. SPG000 marks the error and names the lines left out; everything else is
analysed as if those lines were blank. Fixes other than suppressions are held back until the
file parses again.

Code nested deeply is analysed at any depth the parser builds. A statement the parser itself
refuses — more than 100 levels of indentation, more than 200 of brackets, or a tree too deep
for the parser's stack ("nested too deeply for the parser") — is SPG000 like a syntax error.

## Fix
Fix the syntax error (or the encoding).
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
    worker_effect=(
        "Nothing runs: Python stops at this line with `SyntaxError` before any worker starts, and"
        " spawnguard cannot check the code it leaves out."
    ),
    fix_summary="Fix the syntax error (or the encoding); the rest of the file is still checked.",
    check=check,
)
