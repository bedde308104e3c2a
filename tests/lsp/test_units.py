"""Unit tests of the server's pure parts: settings parsing and mixing, position conversion,
incremental edits, the notebook line map, and the single-edit diff of "Fix all"."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types

from spawnguard.analysis.findings import Position, Range, Severity
from spawnguard.analysis.notebook import NotebookSource, analyze_cells, mask_ipython_syntax
from spawnguard.analysis.source import SourceText
from spawnguard.fixes.apply import apply_edits
from spawnguard.server.code_actions import minimal_edit
from spawnguard.server.documents import apply_change
from spawnguard.server.positions import PositionConverter
from spawnguard.server.settings import (
    EditorSettings,
    FilesystemCache,
    parse_editor_settings,
    resolve_settings,
    unwrap_initialization_options,
)

from .helpers import offset_of, units

# --- settings -----------------------------------------------------------------------------------


def test_editor_settings_parse_every_key():
    parsed = parse_editor_settings(
        {
            "enable": False,
            "select": ["spg1", "SPG2"],
            "ignore": "SPG501, SPG6",
            "severity": {"spg101": "Warning"},
            "assumeStartMethod": "fork",
            "exclude": ["build/", "*.gen.py"],
            "lint_on_change": False,
            "interpreter": ["/usr/bin/python3", "-X", "dev"],
            "configuration-preference": "filesystemFirst",
            "trace": {"server": "verbose"},  # the client's own: ignored quietly
        }
    )
    assert parsed.problems == ()
    assert parsed.unknown_keys == ()
    assert parsed.settings == EditorSettings(
        enable=False,
        select=("SPG1", "SPG2"),
        ignore=("SPG501", "SPG6"),
        severity={"SPG101": Severity.WARNING},
        assume_start_method="fork",
        exclude=("build/", "*.gen.py"),
        lint_on_change=False,
        interpreter="/usr/bin/python3",
        configuration_preference="filesystemFirst",
    )


@pytest.mark.parametrize(
    ("raw", "setting"),
    [
        ({"enable": "yes"}, "enable"),
        ({"select": ["XYZ9"]}, "select"),
        ({"ignore": [1, 2]}, "ignore"),
        ({"severity": {"SPG101": "fatal"}}, "severity.SPG101"),
        ({"severity": {"SPG999": "error"}}, "severity.SPG999"),
        ({"severity": "error"}, "severity"),
        ({"assumeStartMethod": "threads"}, "assumeStartMethod"),
        ({"exclude": 3}, "exclude"),
        ({"interpreter": 3}, "interpreter"),
        ({"configurationPreference": "both"}, "configurationPreference"),
    ],
)
def test_a_bad_value_names_its_setting_and_takes_the_default(raw, setting):
    parsed = parse_editor_settings(raw)
    [problem] = parsed.problems
    assert problem.startswith(f"`spawnguard.{setting}`")
    defaults = EditorSettings()
    key = next(iter(raw))
    if key != "severity":
        field = {
            "assumeStartMethod": "assume_start_method",
            "configurationPreference": "configuration_preference",
        }.get(key, key)
        assert getattr(parsed.settings, field) == getattr(defaults, field)


def test_settings_objects_and_wrappers():
    assert parse_editor_settings(None).settings == EditorSettings()
    assert parse_editor_settings([1]).problems  # not an object
    assert parse_editor_settings({"bogus": 1}).unknown_keys == ("bogus",)
    assert unwrap_initialization_options({"settings": {"enable": False}}) == {"enable": False}
    assert unwrap_initialization_options({"spawnguard": {"enable": False}}) == {"enable": False}
    assert unwrap_initialization_options({"enable": False}) == {"enable": False}


PYPROJECT = (
    "[tool.spawnguard]\n"
    'ignore = ["SPG201"]\n'
    'severity = { SPG101 = "warning", SPG501 = "error" }\n'
    'assume-start-method = "forkserver"\n'
    'extend-exclude = ["gen/"]\n'
)


@pytest.mark.parametrize(
    ("preference", "ignore", "severity", "method"),
    [
        ("editorFirst", (), {"SPG101": Severity.HINT, "SPG501": Severity.ERROR}, "forkserver"),
        (
            "filesystemFirst",
            ("SPG201",),
            {"SPG101": Severity.WARNING, "SPG501": Severity.ERROR},
            "forkserver",
        ),
        ("editorOnly", (), {"SPG101": Severity.HINT}, "spawn"),
    ],
)
def test_preferences_mix_key_by_key(tmp_path, preference, ignore, severity, method):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    editor = EditorSettings(
        ignore=(), severity={"SPG101": Severity.HINT}, configuration_preference=preference
    )
    effective = resolve_settings(editor, tmp_path / "pkg" / "a.py", tmp_path, FilesystemCache())
    assert effective.analysis.ignore == ignore
    assert dict(effective.analysis.severity) == severity
    assert effective.analysis.assume_start_method == method
    # extend-exclude comes from the file unless the editor alone decides.
    assert effective.is_excluded(tmp_path / "gen" / "x.py") == (preference != "editorOnly")
    assert not effective.is_excluded(tmp_path / "pkg" / "a.py")


def test_filesystem_cache_sees_an_edited_pyproject(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.spawnguard]\nselect = ["SPG1"]\n', encoding="utf-8")
    cache = FilesystemCache()
    file = tmp_path / "a.py"
    assert cache.get(file).config.settings.select == ("SPG1",)
    pyproject.write_text('[tool.spawnguard]\nselect = ["SPG2"]\n', encoding="utf-8")
    import os

    os.utime(pyproject, (1, 1))  # a different mtime even within one clock tick
    assert cache.get(file).config.settings.select == ("SPG2",)
    pyproject.write_text('[tool.spawnguard]\nselect = "nope"\n', encoding="utf-8")
    os.utime(pyproject, (2, 2))
    broken = cache.get(file)
    assert broken.error is not None and "select" in broken.error


# --- positions -----------------------------------------------------------------------------------

LINES = st.lists(
    st.text(alphabet=st.sampled_from(["a", " ", "\t", "é", "漢", "😀", "𝒳", "\x0c"]), max_size=8),
    min_size=1,
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(
    lines=LINES,
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    encoding=st.sampled_from(["utf-8", "utf-16", "utf-32"]),
    data=st.data(),
)
def test_positions_round_trip(lines, newline, encoding, data):
    text = newline.join(lines)
    source = SourceText(text)
    converter = PositionConverter(encoding)
    line = data.draw(st.integers(1, len(lines)))
    character = data.draw(st.integers(0, len(lines[line - 1])))
    lsp = converter.to_lsp_position(source, Position(line, character))
    assert lsp == types.Position(line - 1, units(lines[line - 1], character, encoding))
    assert converter.from_lsp_position(source, lsp) == Position(line, character)


@settings(max_examples=200, deadline=None)
@given(
    lines=LINES,
    encoding=st.sampled_from(["utf-8", "utf-16", "utf-32"]),
    data=st.data(),
    inserted=st.text(alphabet="x😀\n", max_size=3),
)
def test_incremental_change_lands_where_the_client_means(lines, encoding, data, inserted):
    text = "\r\n".join(lines)
    line = data.draw(st.integers(0, len(lines) - 1))
    character = data.draw(st.integers(0, len(lines[line])))
    position = types.Position(line, units(lines[line], character, encoding))
    change = types.TextDocumentContentChangePartial(
        range=types.Range(position, position), text=inserted
    )
    offset = offset_of(text, position, encoding)
    assert apply_change(text, change, PositionConverter(encoding)) == (
        text[:offset] + inserted + text[offset:]
    )


def test_unknown_encoding_falls_back_to_utf16():
    assert PositionConverter.for_kind("utf-7").encoding == "utf-16"
    assert PositionConverter.for_kind(types.PositionEncodingKind.Utf8).encoding == "utf-8"
    assert PositionConverter.for_kind(None).encoding == "utf-16"


def test_positions_past_the_end_are_clamped():
    source = SourceText("ab\n😀c")
    converter = PositionConverter("utf-16")
    assert converter.to_lsp_position(source, Position(9, 0)) == types.Position(1, 3)
    assert converter.to_lsp_position(source, Position(1, 99)) == types.Position(0, 2)
    assert converter.from_lsp_position(source, types.Position(5, 0)) == Position(2, 2)
    assert converter.from_lsp_position(source, types.Position(1, 1)) == Position(2, 1)


# --- the notebook line map ------------------------------------------------------------------------


def test_magics_shell_and_help_are_blanked_line_for_line():
    cell = [
        "%matplotlib inline",
        "import os",
        "!pip install torch",
        "files = !ls",
        "os.path?",
        "for i in range(2):",
        "    %time print(i)",
        "text = '''",
        "%not a magic?",
        "'''",
        "value = (1",
        "         % 2)",
        "%cd \\",
        "  somewhere",
    ]
    masked, lines = mask_ipython_syntax(cell)
    assert len(masked) == len(cell)
    assert lines == {0, 2, 3, 4, 6, 12, 13}
    assert masked[3] == "files = None"
    assert masked[6] == "    pass"
    assert masked[8] == "%not a magic?"  # inside a string: kept
    assert masked[11] == "         % 2)"  # an operator inside brackets: kept
    ast.parse("\n".join(masked))


@pytest.mark.parametrize(
    ("cell", "kept"),
    [
        ("%%bash\necho hi\nls", False),
        ("%%time\nx = 1\ny = 2", True),
        ("\n%%writefile a.py\nx", False),
    ],
)
def test_cell_magics(cell, kept):
    masked, lines = mask_ipython_syntax(cell.split("\n"))
    ast.parse("\n".join(masked))
    assert ("x = 1" in masked) == kept
    assert lines


def test_cells_map_back_to_their_lines():
    cells = ["import os\n", "%time x = 1\ny = 2", "z = 3\r\nw = 4"]
    source = NotebookSource.build(cells)
    assert source.text == "import os\n\n\ny = 2\nz = 3\nw = 4"
    assert [(c.first_line, c.line_count) for c in source.cells] == [(1, 2), (3, 2), (5, 2)]
    assert source.to_cell_position(Position(4, 2)) == (1, Position(2, 2))
    assert source.from_cell_position(2, Position(2, 1)) == Position(6, 1)
    assert source.to_cell_range(Range.of(4, 0, 6, 1)) == (1, Range.of(2, 0, 2, 5))
    assert source.edit_in_one_cell(Range.of(5, 0, 6, 1)) == (2, Range.of(1, 0, 2, 1))
    assert source.edit_in_one_cell(Range.of(4, 0, 5, 1)) is None  # spans cells
    assert source.edit_in_one_cell(Range.of(3, 0, 3, 0)) is None  # the blanked magic


def test_a_cell_that_does_not_parse_does_not_hide_the_others():
    cells = [
        "from multiprocessing import Pool",
        "def half(:",
        "Pool(2)",
    ]
    seen: list[str] = []

    def analyze(text: str):
        seen.append(text)
        from spawnguard.analysis.settings import AnalysisSettings
        from spawnguard.engine import analyze as engine_analyze

        return engine_analyze(text, settings=AnalysisSettings(notebook=True))

    result = analyze_cells(cells, analyze)
    codes = [(f.code, result.source.to_cell_position(f.range.start)[0]) for f in result.findings]
    assert ("SPG000", 1) in codes
    assert result.source.text.splitlines()[1] == ""  # the broken cell is left out
    assert len(seen) == 3  # joined, without the broken cell, and its own SPG000


# --- fix all as one edit -------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(old=st.text(alphabet="ab\r\n😀", max_size=12), new=st.text(alphabet="ab\r\n😀", max_size=12))
def test_minimal_edit_turns_old_into_new(old, new):
    edit = minimal_edit(old, new)
    if old == new:
        assert edit is None
    else:
        assert edit is not None
        assert apply_edits(old, [edit]) == new


def test_third_party_paths(tmp_path):
    from spawnguard.server.settings import is_third_party

    assert is_third_party(Path("/x/lib/python3.11/site-packages/pkg/a.py"))
    assert not is_third_party(tmp_path / "a.py")
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "pyvenv.cfg").write_text("", encoding="utf-8")
    assert is_third_party(tmp_path / "env" / "lib" / "a.py")


# --- incremental re-analysis ---------------------------------------------------------------------

BASE_SCRIPT = (
    "import multiprocessing as mp\n"
    "\n"
    "\n"
    "def work(x):\n"
    "    return x * 2\n"
    "\n"
    "\n"
    "p = mp.Process(target=lambda: print('hi'))\n"
    "p.start()\n"
    'if __name__ == "__main__":\n'
    "    with mp.Pool(2) as pool:\n"
    "        print(pool.map(work, range(3)))\n"
)
SNIPPETS = [
    "",
    "\n",
    "    ",
    "(",
    ")",
    ":",
    "x = 1\n",
    "p.start()\n",
    "lambda: 0",
    "😀",
    "def f():\n    pass\n",
    'if __name__ == "__main__":\n    ',
    "#",
    "'''",
]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_incremental_analysis_equals_a_fresh_one(data):
    """Random range edits through the server's document sync and its per-document parse
    cache give, after every edit, the findings of a from-scratch analysis of the text."""
    from spawnguard import engine
    from spawnguard.analysis.settings import AnalysisSettings
    from spawnguard.server.documents import Document, DocumentStore
    from spawnguard.server.jobs import ParseCache, analyse_text
    from spawnguard.server.settings import EffectiveSettings

    store = DocumentStore(PositionConverter("utf-16"))
    uri = "untitled:job"
    store.open(types.TextDocumentItem(uri, "python", 1, BASE_SCRIPT))
    effective = EffectiveSettings(True, AnalysisSettings(), True, None)
    cache = ParseCache()
    for version in range(2, data.draw(st.integers(2, 7))):
        document = store.get(uri)
        assert document is not None
        lines = document.text.split("\n")
        line = data.draw(st.integers(0, len(lines) - 1))
        start = data.draw(st.integers(0, len(lines[line])))
        end_line = data.draw(st.integers(line, min(line + 2, len(lines) - 1)))
        end = data.draw(st.integers(0 if end_line > line else start, len(lines[end_line])))
        change = types.TextDocumentContentChangePartial(
            range=types.Range(
                types.Position(line, units(lines[line], start, "utf-16")),
                types.Position(end_line, units(lines[end_line], end, "utf-16")),
            ),
            text=data.draw(st.sampled_from(SNIPPETS)),
        )
        document = store.change(uri, version, [change])
        assert isinstance(document, Document)
        incremental = analyse_text(document, effective, None, cache)
        fresh = engine.analyze(document.text)
        assert [(f.code, f.range, f.message) for f in incremental] == [
            (f.code, f.range, f.message) for f in fresh
        ]


def test_model_facts_come_from_the_model(monkeypatch):
    """The hover asks the model once, at the hovered position, for its Markdown facts."""
    from spawnguard.analysis.model import ModuleModel
    from spawnguard.analysis.settings import AnalysisSettings
    from spawnguard.server.hover import model_facts

    asked: list[tuple[str, Position]] = []

    def hover_facts(model: ModuleModel, position: Position) -> str | None:
        asked.append((model.source.line(position.line), position))
        return "**DataLoader**: starts 2 workers" if position.line == 2 else None

    monkeypatch.setattr(ModuleModel, "hover_facts", hover_facts, raising=False)
    text = "from torch.utils.data import DataLoader\nloader = DataLoader([], num_workers=2)\n"
    settings_ = AnalysisSettings()
    assert model_facts(text, None, settings_, Position(2, 12)) == "**DataLoader**: starts 2 workers"
    assert model_facts(text, None, settings_, Position(1, 0)) is None
    assert asked[0] == ("loader = DataLoader([], num_workers=2)", Position(2, 12))
