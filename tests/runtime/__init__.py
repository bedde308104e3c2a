"""Runtime proof: run scripts under a forced start method and compare with the analyser."""

from .harness import Outcome, RunOutcome, classify, run_script
from .scripts import ScriptSpec, all_specs, measure, measure_all, parse_header

__all__ = [
    "Outcome",
    "RunOutcome",
    "ScriptSpec",
    "all_specs",
    "classify",
    "measure",
    "measure_all",
    "parse_header",
    "run_script",
]
