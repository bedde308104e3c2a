"""The shape every rule module fills in.

A rule is a small function of the `ModuleModel`; its module docstring is the one source of
its explanation (CLI `spawnguard rule`, the docs page, the server's hover).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spawnguard.analysis.findings import Severity

# Every worker API is imported from one of these packages.
WORKER_PACKAGE_WORDS = ("torch", "multiprocessing", "concurrent", "joblib", "lightning")

if TYPE_CHECKING:
    from spawnguard.analysis.findings import Finding
    from spawnguard.analysis.model import ModuleModel


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    default_severity: Severity
    summary: str
    check: Callable[[ModuleModel], Iterable[Finding]]
    # Notebook-only rules (SPG401) and script-only rules (SPG101) say so here.
    applies_to_notebooks: bool = True
    applies_to_scripts: bool = True
    # The rule can only fire on text that contains one of these words (an import of a worker
    # package, `__name__`); files without any are not modelled. Empty: always run.
    triggers: tuple[str, ...] = ()

    def may_fire_on(self, text: str) -> bool:
        return not self.triggers or any(word in text for word in self.triggers)

    @property
    def explanation(self) -> str:
        """The rule module's docstring: Markdown, starting with its summary paragraph."""
        module = sys.modules[self.check.__module__]
        return inspect.cleandoc(module.__doc__ or self.summary)
