"""A main guard whose condition is wrong.

## What happens
`if __name__ == "__main__":` is right because it is true when the user runs the script
(`__name__` is `"__main__"`) and false in a spawned child, which re-runs the script under the
name `"__mp_main__"`. spawnguard evaluates every `if` condition on `__name__` — at module level,
in a class body or in a function — for both names. It reports one that

- is never true for the script (`__name__ == "main"`, `__name__ == "__main__ "`): the guarded
  code silently never runs;
- is also true in the child (`__name__ in ("__main__", "__mp_main__")`,
  `__name__.endswith("main__")`, `… or debug`): the guarded code runs again in every worker,
  which fails with the bootstrapping `RuntimeError` if it starts workers;
- compares with `is` (`__name__ is "__main__"`): string identity is an implementation detail
  (it changed in Python 3.13) and Python warns `SyntaxWarning: "is" with a literal`.

`"__main__" == __name__`, `__name__ == "__main__" and cond`, and the `else` of
`__name__ != "__main__"` are correct guards. (Guards written as expressions,
`main() if __name__ == "__main__" else None`, and `match __name__:` cases count as guards when
they are correct, but a wrong one is not reported here: the code it holds is treated as running
at import, SPG101.)

## Fix
Rewrite the condition as `__name__ == "__main__"` (quick fix *Rewrite as
`if __name__ == "__main__":`*).
"""

from __future__ import annotations

from collections.abc import Iterator

from spawnguard.analysis.findings import Finding, LazyFixes, Severity
from spawnguard.analysis.guard import GuardKind, may_have_broken_guard
from spawnguard.analysis.model import ModuleModel
from spawnguard.rules.base import Rule
from spawnguard.rules.fixing import rewrite_guard_fixes


def check(model: ModuleModel) -> Iterator[Finding]:
    for name_if in model.index.name_ifs:
        if name_if.verdict.kind is not GuardKind.BROKEN:
            continue
        yield Finding(
            code=RULE.code,
            severity=RULE.default_severity,
            message=(
                f"Broken main guard: this condition {name_if.verdict.reason}. "
                + ("It is in a function: it is evaluated wherever the function is called, in "
                   "the script or in a spawned child. " if name_if.in_function else "")
                + 'Use `if __name__ == "__main__":`.'
            ),
            range=model.range(name_if.node.test),
            fixes=LazyFixes(lambda node=name_if.node: rewrite_guard_fixes(model, node)),
        )


RULE = Rule(
    code="SPG301",
    name="broken-main-guard",
    default_severity=Severity.ERROR,
    summary="A main guard whose condition is wrong.",
    worker_effect="The guarded code either never runs, or runs again in every spawned worker.",
    fix_summary='Write the condition as `__name__ == "__main__"` (quick fix, Ctrl+.).',
    check=check,
    prefilter=may_have_broken_guard,
)
