"""Marks by folder, so that a run can leave out whole kinds of tests by marker.

`bash scripts/test.sh --quick` runs `-m "not editor and not robustness and not runtime"`:
- `tests/editors/` and `tests/extension/` are `editor` tests: Neovim, code-server + Chromium,
  node and the built .vsix (from `scripts/setup-editor-tests.sh`);
- `tests/robustness/` is `robustness`: fuzzing and hostile inputs, minutes of CPU;
- `runtime` (scripts run under spawn/fork) is marked on each test that runs one, wherever it is.
A new test file in one of these folders gets its folder's marker without doing anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
FOLDER_MARKERS = {
    "editors": "editor",
    "extension": "editor",
    "robustness": "robustness",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        try:
            folder = item.path.resolve().relative_to(TESTS).parts[0]
        except ValueError:  # a test outside tests/ (given on the command line)
            continue
        marker = FOLDER_MARKERS.get(folder)
        if marker is not None:
            item.add_marker(marker)
