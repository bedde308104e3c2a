"""What the core needs to know about the user's configuration (no I/O here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from spawnguard.analysis.findings import Severity

START_METHODS = ("spawn", "forkserver", "fork")


@dataclass(frozen=True)
class AnalysisSettings:
    # Codes or code prefixes ("SPG1", "SPG101"); a code is enabled when it matches `select`
    # more specifically than it matches `ignore` (ruff's rule).
    select: tuple[str, ...] = ("SPG",)
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=lambda: MappingProxyType({}))
    assume_start_method: str = "spawn"
    # True for `.ipynb` files and notebook cells: SPG401 applies there and SPG101 does not.
    notebook: bool = False

    def __post_init__(self) -> None:
        if self.assume_start_method not in START_METHODS:
            raise ValueError(
                f"assume-start-method must be one of {', '.join(START_METHODS)}, "
                f"not {self.assume_start_method!r}"
            )

        # Answers of `is_enabled`, asked for every rule of every file analysed.
        object.__setattr__(self, "_enabled", {})

    def is_enabled(self, code: str) -> bool:
        enabled: dict[str, bool] = self._enabled  # type: ignore[attr-defined]
        answer = enabled.get(code)
        if answer is None:
            best_select = max((len(p) for p in self.select if code.startswith(p)), default=-1)
            best_ignore = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
            answer = enabled[code] = best_select >= 0 and best_select > best_ignore
        return answer

    def severity_of(self, code: str, default: Severity) -> Severity:
        return self.severity.get(code, default)

    @property
    def assumes_fork(self) -> bool:
        return self.assume_start_method == "fork"

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # The read-only severity mapping does not pickle; worker processes get a copy.
        return (_rebuild, (self.select, self.ignore, dict(self.severity),
                           self.assume_start_method, self.notebook))


def _rebuild(select: tuple[str, ...], ignore: tuple[str, ...], severity: dict[str, Severity],
             assume_start_method: str, notebook: bool) -> AnalysisSettings:
    return AnalysisSettings(select, ignore, MappingProxyType(severity), assume_start_method,
                            notebook)


DEFAULT_SETTINGS = AnalysisSettings()
