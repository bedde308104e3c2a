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

if TYPE_CHECKING:
    from spawnguard.analysis.findings import Finding
    from spawnguard.analysis.model import ModuleModel


@dataclass(frozen=True, eq=False)  # one object per rule: compared by identity
class Rule:
    code: str
    name: str
    default_severity: Severity
    summary: str
    check: Callable[[ModuleModel], Iterable[Finding]]
    # The hover's two short lines: what happens in a spawned worker, and the fix (the long
    # text stays in the docstring, behind the hover's link to the rule page).
    worker_effect: str = ""
    fix_summary: str = ""
    # Notebook-only rules (SPG401) and script-only rules (SPG101) say so here.
    applies_to_notebooks: bool = True
    applies_to_scripts: bool = True
    # A cheap, lossless test on the text: False means the rule cannot fire on this file by
    # itself (files no rule can fire on are neither parsed nor modelled). None: always run.
    prefilter: Callable[[str], bool] | None = None
    # The rule can also fire because of what the file imports from other project modules.
    cross_file: bool = False

    def may_fire_on(self, text: str) -> bool:
        return self.prefilter is None or self.prefilter(text)

    @property
    def explanation(self) -> str:
        """The rule module's docstring: Markdown, starting with its summary paragraph."""
        module = sys.modules[self.check.__module__]
        return inspect.cleandoc(module.__doc__ or self.summary)
