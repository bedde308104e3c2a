"""A main guard whose condition is wrong.

## What happens
`if __name__ == "__main__":` is right because it is true when the user runs the script
(`__name__` is `"__main__"`) and false in a spawned child, which re-runs the script under the
name `"__mp_main__"`. spawnguard evaluates every module-level condition on `__name__` for both
names. It reports one that

- is never true for the script (`__name__ == "main"`, `__name__ == "__main__ "`): the guarded
  code silently never runs;
- is also true in the child (`__name__ in ("__main__", "__mp_main__")`,
  `__name__.endswith("main__")`, `… or debug`): the guarded code runs again in every worker,
  which fails with the bootstrapping `RuntimeError` if it starts workers;
- compares with `is` (`__name__ is "__main__"`): string identity is an implementation detail
  (it changed in Python 3.13) and Python warns `SyntaxWarning: "is" with a literal`.

`"__main__" == __name__`, `__name__ == "__main__" and cond`, and the `else` of
`__name__ != "__main__"` are correct guards.

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
    for module_if in model.index.module_ifs:
        if module_if.verdict.kind is not GuardKind.BROKEN:
            continue
        yield Finding(
            code=RULE.code,
            severity=RULE.default_severity,
            message=(
                f"Broken main guard: this condition {module_if.verdict.reason}. "
                'Use `if __name__ == "__main__":`.'
            ),
            range=model.range(module_if.node.test),
            fixes=LazyFixes(lambda node=module_if.node: rewrite_guard_fixes(model, node)),
        )


RULE = Rule(
    code="SPG301",
    name="broken-main-guard",
    default_severity=Severity.ERROR,
    summary="A main guard whose condition is wrong.",
    check=check,
    prefilter=may_have_broken_guard,
)
