"""Hover end to end: the rule's explanation on a diagnostic, jedi's signature on a symbol,
and a hover that still works with an interpreter that has no torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

from spawnguard.rules import rule_by_code
from spawnguard.server.hover import SEPARATOR, SYMBOL_DOC_LIMIT
from spawnguard.server.settings import DEFAULT_DOCS_URL

from .helpers import RecordingClient, open_and_wait, start
from .test_diagnostics import WORKER_SCRIPT

TORCH_SCRIPT = (
    "from torch.utils.data import DataLoader\n"
    "\n"
    "loader = DataLoader(list(range(8)), num_workers=2)\n"
    "for batch in loader:\n"
    "    print(batch)\n"
)


async def hover(client: RecordingClient, uri: str, line: int, character: int) -> str | None:
    result = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, character))
    )
    if result is None:
        return None
    assert isinstance(result.contents, types.MarkupContent)
    assert result.contents.kind == types.MarkupKind.Markdown
    return result.contents.value


async def test_hover_on_a_diagnostic_is_short(client, tmp_path):
    """What happens in the worker, the fix and the rule page's link: one line each, no
    repeat of the diagnostic's message (the editor shows it) and not the whole page."""
    published = await open_and_wait(client, tmp_path / "job.py", WORKER_SCRIPT)
    [diagnostic] = [d for d in published.diagnostics if d.code == "SPG101"]
    text = await hover(client, published.uri, 3, 4)  # inside `p.start()`
    assert text is not None
    rule = rule_by_code("SPG101")
    assert rule is not None
    section = text.split(SEPARATOR)[0]  # (jedi's `start()` follows)
    assert section.split("  \n") == [
        f"**SPG101** `{rule.name}`",
        f"In the worker: {rule.worker_effect}",
        f"Fix: {rule.fix_summary}",
        f"[SPG101 rule page]({DEFAULT_DOCS_URL}/SPG101.md)",
    ]
    assert "bootstrapping phase" in rule.worker_effect  # the error the user would see
    assert diagnostic.message not in text
    assert rule.explanation.split("\n\n")[1] not in text  # the page's body stays behind the link


async def test_hover_links_to_the_shipped_page_without_a_docs_url(bare_client, tmp_path):
    await start(bare_client, "visual-studio-code", tmp_path, initialization_options={"docsUrl": ""})
    published = await open_and_wait(bare_client, tmp_path / "job.py", WORKER_SCRIPT)
    text = await hover(bare_client, published.uri, 3, 4)
    assert text is not None
    link = text.split("[SPG101 rule page](", 1)[1].split(")", 1)[0]
    assert link.startswith("file:")
    assert Path(to_fs_path(link)).read_text(encoding="utf-8").startswith("# SPG101 ")


async def test_hover_on_a_symbol_shows_its_signature(client, tmp_path):
    published = await open_and_wait(client, tmp_path / "job.py", WORKER_SCRIPT)
    text = await hover(client, published.uri, 2, 8)  # on `Process` of `mp.Process(`
    assert text is not None
    assert "```python\nProcess(" in text
    assert "target" in text
    # Short: one signature, then at most the docstring's first sentence.
    symbol = text.split(SEPARATOR)[-1]  # (after SPG501's section: line 2 is module-level work)
    signature, _, doc = symbol.removeprefix("```python\n").partition("\n```")
    assert signature.startswith("Process(") and "\n" not in signature, symbol
    doc = doc.strip()
    assert "\n" not in doc and len(doc) <= SYMBOL_DOC_LIMIT
    assert "**SPG101**" not in text  # not on the start's diagnostic


async def test_hover_without_torch_in_the_interpreter(bare_client, tmp_path):
    """The configured interpreter has no torch: jedi cannot resolve DataLoader, the rule's
    explanation on the diagnostic still shows."""
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    interpreter = venv / "bin" / "python"
    no_torch = subprocess.run([str(interpreter), "-c", "import torch"], capture_output=True)
    assert no_torch.returncode != 0
    project = tmp_path / "project"
    await start(
        bare_client,
        "visual-studio-code",
        project,
        initialization_options={"interpreter": [str(interpreter)]},
    )
    published = await open_and_wait(bare_client, project / "train.py", TORCH_SCRIPT)
    [start_diagnostic] = [d for d in published.diagnostics if d.code == "SPG101"]
    line = start_diagnostic.range.start.line
    character = start_diagnostic.range.start.character
    text = await hover(bare_client, published.uri, line, character)
    assert text is not None and "**SPG101**" in text
    # On `DataLoader(` jedi has nothing to say without torch; the hover does not fail.
    text = await hover(bare_client, published.uri, 2, 12)
    assert text is None or "DataLoader(dataset" not in text
    assert not bare_client.messages


async def test_hover_on_a_dataloader_call_shows_what_workers_get(client, tmp_path):
    published = await open_and_wait(client, tmp_path / "train.py", TORCH_SCRIPT)
    text = await hover(client, published.uri, 2, 12)  # on `DataLoader(`
    assert text is not None
    assert "Starts **2 worker processes**" in text
    assert "**while the script is imported**" in text
    assert "`dataset`: `list(range(8))`" in text
    keyword = await hover(client, published.uri, 2, TORCH_SCRIPT.splitlines()[2].index(
        "num_workers") + 3)
    assert keyword is not None and "re-imports the script" in keyword
