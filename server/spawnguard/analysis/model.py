"""ModuleModel (placeholder while the model is being written)."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from spawnguard.analysis.settings import AnalysisSettings
from spawnguard.analysis.source import SourceText


@dataclass
class ModuleModel:
    source: SourceText
    tree: ast.Module
    settings: AnalysisSettings
    path: str | None

    @classmethod
    def build(cls, source: SourceText, tree: ast.Module, *, settings: AnalysisSettings,
              path: str | None) -> ModuleModel:
        return cls(source, tree, settings, path)
