"""The rule registry: one module per rule, in code order."""

from __future__ import annotations

from spawnguard.rules import (
    spg000_syntax_error,
    spg101_worker_start_at_import,
    spg102_start_method_at_import,
    spg103_worker_start_in_imported_module,
    spg201_unpicklable_worker_object,
    spg202_defined_inside_guard,
    spg203_unpicklable_dataset_state,
    spg301_broken_main_guard,
    spg401_notebook_worker_object,
    spg501_import_time_work,
    spg601_fork_only_context,
)
from spawnguard.rules.base import Rule

SYNTAX_ERROR_RULE: Rule = spg000_syntax_error.RULE

ALL_RULES: tuple[Rule, ...] = (
    spg101_worker_start_at_import.RULE,
    spg102_start_method_at_import.RULE,
    spg103_worker_start_in_imported_module.RULE,
    spg201_unpicklable_worker_object.RULE,
    spg202_defined_inside_guard.RULE,
    spg203_unpicklable_dataset_state.RULE,
    spg301_broken_main_guard.RULE,
    spg401_notebook_worker_object.RULE,
    spg501_import_time_work.RULE,
    spg601_fork_only_context.RULE,
)

RULES_BY_CODE: dict[str, Rule] = {r.code: r for r in (SYNTAX_ERROR_RULE, *ALL_RULES)}


def rule_by_code(code: str) -> Rule | None:
    return RULES_BY_CODE.get(code.strip().upper())
