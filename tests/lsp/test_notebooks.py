"""Notebook document sync end to end: diagnostics on the right cell and line, IPython syntax
skipped, cell edits and structure changes followed, code actions per cell."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from .helpers import RecordingClient, apply_lsp_edits, start, wait_for_publication

IMPORTS = "%matplotlib inline\nimport torch\nfrom torch.utils.data import DataLoader, Dataset"
DATASET = (
    "class Squares(Dataset):\n"
    "    def __len__(self):\n"
    "        return 4\n"
    "\n"
    "    def __getitem__(self, i):\n"
    "        return i * i"
)
TRAIN = (
    "!nvidia-smi\n"
    "loader = DataLoader(Squares(), num_workers=2)\n"
    "for batch in loader:\n"
    "    print(batch)"
)
MARKDOWN = "# Training\nSome *notes*."


def cell_uri(notebook: Path, index: int) -> str:
    return f"vscode-notebook-cell:{notebook}#cell{index}"


def change_notebook(client: RecordingClient, path: Path, version: int,
                    cells: types.NotebookDocumentCellChanges) -> None:
    client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
        notebook_document=types.VersionedNotebookDocumentIdentifier(
            version=version, uri=path.as_uri()),
        change=types.NotebookDocumentChangeEvent(cells=cells),
    ))


async def open_notebook(
    client: RecordingClient, path: Path, cells: list[tuple[types.NotebookCellKind, str]]
) -> list[str]:
    uris = [cell_uri(path, i) for i in range(len(cells))]
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=path.as_uri(),
                notebook_type="jupyter-notebook",
                version=1,
                cells=[
                    types.NotebookCell(kind, uri)
                    for (kind, _), uri in zip(cells, uris, strict=True)
                ],
            ),
            cell_text_documents=[
                types.TextDocumentItem(
                    uri, "python" if kind == types.NotebookCellKind.Code else "markdown", 1, text
                )
                for (kind, text), uri in zip(cells, uris, strict=True)
            ],
        )
    )
    return uris


CODE, MARKUP = types.NotebookCellKind.Code, types.NotebookCellKind.Markup


async def test_notebook_diagnostics_land_on_their_cell(bare_client, tmp_path):
    result = await start(bare_client, "visual-studio-code", tmp_path, notebooks=True)
    sync = result.capabilities.notebook_document_sync
    assert sync is not None
    path = tmp_path / "train.ipynb"
    cells = [(CODE, IMPORTS), (MARKUP, MARKDOWN), (CODE, DATASET), (CODE, TRAIN)]
    uris = await open_notebook(bare_client, path, cells)
    train = await wait_for_publication(bare_client, uris[3])
    [diagnostic] = train.diagnostics
    assert diagnostic.code == "SPG401"
    # `Squares()` on the second line of the last cell (the `!nvidia-smi` line is skipped).
    line = TRAIN.splitlines()[1]
    column = line.index("Squares()")
    assert diagnostic.range == types.Range(
        types.Position(1, column), types.Position(1, column + len("Squares()"))
    )
    # Its related location is the class, in its own cell.
    [related] = diagnostic.related_information
    assert related.location.uri == uris[2]
    assert related.location.range.start == types.Position(0, 0)
    # Every other cell gets an empty list; SPG101 does not apply in notebooks.
    for uri in (uris[0], uris[2]):
        published = await wait_for_publication(bare_client, uri)
        assert list(published.diagnostics) == []


async def test_cell_edits_and_structure_changes(bare_client, tmp_path):
    await start(bare_client, "neovim", tmp_path, notebooks=True)
    path = tmp_path / "edit.ipynb"
    uris = await open_notebook(bare_client, path, [(CODE, IMPORTS), (CODE, DATASET), (CODE, TRAIN)])
    await wait_for_publication(bare_client, uris[2], lambda p: len(p.diagnostics) == 1)

    # Edit the last cell: num_workers=0 starts no workers, the finding goes away.
    start_index = len(bare_client.publications)
    new_train = TRAIN.replace("num_workers=2", "num_workers=0")
    change_notebook(bare_client, path, 2, types.NotebookDocumentCellChanges(
        text_content=[
            types.NotebookDocumentCellContentChanges(
                document=types.VersionedTextDocumentIdentifier(uri=uris[2], version=2),
                changes=[types.TextDocumentContentChangeWholeDocument(new_train)],
            )
        ]
    ))
    cleared = await wait_for_publication(bare_client, uris[2], after=start_index)
    assert list(cleared.diagnostics) == []
    assert cleared.version == 2

    # Insert a new cell at the top that starts workers with the dataset again.
    start_index = len(bare_client.publications)
    new_uri = cell_uri(path, 9)
    extra = "more = DataLoader(Squares(), num_workers=4)\nnext(iter(more))"
    change_notebook(bare_client, path, 3, types.NotebookDocumentCellChanges(
        structure=types.NotebookDocumentCellChangeStructure(
            array=types.NotebookCellArrayChange(
                start=3, delete_count=0, cells=[types.NotebookCell(CODE, new_uri)]
            ),
            did_open=[types.TextDocumentItem(new_uri, "python", 1, extra)],
        )
    ))
    added = await wait_for_publication(bare_client, new_uri, after=start_index)
    assert [d.code for d in added.diagnostics] == ["SPG401"]
    assert added.diagnostics[0].range.start.line == 0

    # Remove it again: its diagnostics are cleared.
    start_index = len(bare_client.publications)
    change_notebook(bare_client, path, 4, types.NotebookDocumentCellChanges(
        structure=types.NotebookDocumentCellChangeStructure(
            array=types.NotebookCellArrayChange(start=3, delete_count=1),
            did_close=[types.TextDocumentIdentifier(new_uri)],
        )
    ))
    removed = await wait_for_publication(bare_client, new_uri, after=start_index)
    assert list(removed.diagnostics) == []

    # Closing the notebook clears every cell.
    start_index = len(bare_client.publications)
    bare_client.notebook_document_did_close(
        types.DidCloseNotebookDocumentParams(
            notebook_document=types.NotebookDocumentIdentifier(path.as_uri()),
            cell_text_documents=[types.TextDocumentIdentifier(uri) for uri in uris],
        )
    )
    for uri in uris:
        closed = await wait_for_publication(bare_client, uri, after=start_index)
        assert list(closed.diagnostics) == []


async def test_syntax_error_in_one_cell_keeps_the_others(bare_client, tmp_path):
    await start(bare_client, "visual-studio-code", tmp_path, notebooks=True)
    path = tmp_path / "typing.ipynb"
    half_typed = "def helper(:\n    pass"
    uris = await open_notebook(
        bare_client, path, [(CODE, IMPORTS), (CODE, DATASET), (CODE, half_typed), (CODE, TRAIN)]
    )
    broken = await wait_for_publication(bare_client, uris[2])
    assert [d.code for d in broken.diagnostics] == ["SPG000"]
    assert broken.diagnostics[0].range.start.line == 0
    train = await wait_for_publication(bare_client, uris[3])
    assert [d.code for d in train.diagnostics] == ["SPG401"]


async def test_code_action_in_a_cell_sets_num_workers(bare_client, tmp_path):
    await start(bare_client, "visual-studio-code", tmp_path, notebooks=True)
    path = tmp_path / "fix.ipynb"
    uris = await open_notebook(bare_client, path, [(CODE, IMPORTS), (CODE, DATASET), (CODE, TRAIN)])
    train = await wait_for_publication(bare_client, uris[2], lambda p: len(p.diagnostics) == 1)
    [diagnostic] = train.diagnostics
    actions = await bare_client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uris[2]),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    titles = [a.title for a in actions or []]
    assert any("num_workers=0" in t for t in titles), titles
    action = next(a for a in actions if "num_workers=0" in a.title)
    [change] = action.edit.document_changes
    assert change.text_document.uri == uris[2]
    fixed = apply_lsp_edits(TRAIN, list(change.edits), "utf-16")
    assert "num_workers=0" in fixed and fixed.startswith("!nvidia-smi\n")
    # The module-creating fix creates its file next to the notebook and edits the cells.
    move = next((a for a in actions if a.title.startswith("Move Squares")), None)
    if move is not None:
        created = [c for c in move.edit.document_changes if isinstance(c, types.CreateFile)]
        assert [Path(c.uri).name for c in created] == ["fix_workers.py"]
        assert created[0].uri == (tmp_path / "fix_workers.py").as_uri()
