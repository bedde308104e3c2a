"""Hover: what spawnguard knows about the code under the cursor, in short Markdown.

Three parts, each optional:
1. on a diagnostic's range: one line of what happens in a spawned worker, the fix in one line
   (`Rule.worker_effect`, `Rule.fix_summary`) and a link to the rule's page. Not the
   diagnostic's message: the editor shows it right above (VS Code's problem hover); the long
   explanation is behind the link;
2. facts from the analysis model (a `DataLoader(` call, `num_workers=`, the main guard),
   from one function of the model (`model_facts`);
3. jedi's view of the symbol: its signature and the first sentence of its docstring,
   inferred statically with the interpreter the client configured. Without jedi, without
   that interpreter, or without the symbol's package installed (torch), this part is left
   out and the rest still shows. jedi is imported on the first hover, never on the
   diagnostics path.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from spawnguard.analysis.findings import Finding, Position
from spawnguard.analysis.parse import parse_source
from spawnguard.analysis.settings import AnalysisSettings
from spawnguard.analysis.source import SourceText
from spawnguard.rules import rule_by_code
from spawnguard.server.diagnostics import rule_page_url

logger = logging.getLogger(__name__)
SEPARATOR = "\n\n---\n\n"
# jedi's docstring summary is cut at the first sentence, and at this many characters.
SYMBOL_DOC_LIMIT = 160


def contains(finding: Finding, position: Position) -> bool:
    return finding.range.start <= position <= finding.range.end


def diagnostic_section(finding: Finding, docs_url: str) -> str:
    """`**CODE** name`, what happens in the worker, the fix, the link (each a short line)."""
    rule = rule_by_code(finding.code)
    heading = f"**{finding.code}** `{rule.name}`" if rule else f"**{finding.code}**"
    lines = [heading]
    if rule is not None and rule.worker_effect:
        lines.append(f"In the worker: {rule.worker_effect}")
    if rule is not None and rule.fix_summary:
        lines.append(f"Fix: {rule.fix_summary}")
    if (href := rule_page_url(finding.code, docs_url)) is not None:
        lines.append(f"[{finding.code} rule page]({href})")
    return "  \n".join(lines)  # Markdown hard breaks: one short line each


def model_facts(
    text: str, path: str | None, settings: AnalysisSettings, position: Position
) -> str | None:
    """Markdown facts the analysis model has about the code at `position`, if any.

    The one place the hover asks the model: for a `DataLoader(` call whether and how many
    workers it starts and what gets pickled (dataset class, collate_fn, worker_init_fn, and
    whether each is safe), for `num_workers=` the same in short, for the main guard line
    what it protects. The model provides them through `ModuleModel.hover_facts(position)`
    (Markdown or None); a model without it contributes nothing.
    """
    from spawnguard.analysis.model import ModuleModel

    hover_facts = getattr(ModuleModel, "hover_facts", None)
    if hover_facts is None:
        return None
    source = SourceText(text)
    # The statements that parse are modelled (a half-typed line elsewhere does not matter).
    model = ModuleModel.build(source, parse_source(source).tree, settings=settings, path=path)
    facts = hover_facts(model, position)
    return facts if isinstance(facts, str) and facts.strip() else None


# --- jedi ----------------------------------------------------------------------------------------

# jedi is not thread-safe; hovers run in worker threads.
_JEDI_LOCK = threading.Lock()
_ENVIRONMENTS: dict[str | None, Any] = {}


def _environment(interpreter: str | None) -> Any:
    import jedi

    if interpreter not in _ENVIRONMENTS:
        try:
            # The user named this interpreter in their settings, so it need not be one jedi
            # finds on its own (safe=False); jedi only asks it for its sys.path.
            _ENVIRONMENTS[interpreter] = (
                jedi.create_environment(interpreter, safe=False)
                if interpreter
                else jedi.get_default_environment()
            )
        except Exception as error:  # InvalidPythonEnvironment, OSError
            logger.warning("jedi cannot use interpreter %r: %s", interpreter, error)
            _ENVIRONMENTS[interpreter] = None
    return _ENVIRONMENTS[interpreter]


def jedi_section(
    text: str,
    path: Path | None,
    position: Position,
    interpreter: str | None = None,
    project_root: Path | None = None,
) -> str | None:
    """The resolved symbol's signature and docstring summary, by jedi's static inference."""
    try:
        import jedi
    except ImportError:
        return None
    with _JEDI_LOCK:
        try:
            root = project_root or (path.parent if path else Path.cwd())
            project = jedi.Project(root, load_unsafe_extensions=False)
            script = jedi.Script(
                text, path=path, environment=_environment(interpreter), project=project
            )
            names = script.help(position.line, position.character)
            if not names:
                return None
            return describe_name(names[0])
        except Exception as error:  # jedi has many failure modes on half-typed code
            logger.info("jedi hover failed: %s", error)
            return None


def describe_name(name: Any) -> str | None:
    """One signature (and how many more there are) and the docstring's first sentence."""
    if name.type == "keyword":
        return None
    signatures: Sequence[Any] = ()
    try:
        signatures = name.get_signatures()
    except Exception:
        signatures = ()
    doc = first_sentence(first_paragraph(name.docstring(raw=True)))
    if signatures:
        more = f"  # +{len(signatures) - 1} more" if len(signatures) > 1 else ""
        shown = signatures[0].to_string() + more
    elif name.type == "statement" and not doc:
        return None  # a plain variable: "statement train.loader" would tell nothing
    else:
        shown = f"{name.type} {name.full_name or name.name}"
    parts = [f"```python\n{shown}\n```"]
    if doc:
        parts.append(doc)
    return "\n\n".join(parts)


def first_paragraph(docstring: str) -> str:
    paragraph: list[str] = []
    for line in docstring.strip().splitlines():
        if not line.strip():
            if paragraph:
                break
            continue
        paragraph.append(line.strip())
    return " ".join(paragraph)


def first_sentence(text: str, limit: int = SYMBOL_DOC_LIMIT) -> str:
    """Up to the first ". " (a full stop followed by a space), cut at `limit` characters."""
    end = text.find(". ")
    sentence = text if end < 0 else text[: end + 1]
    if len(sentence) <= limit:
        return sentence
    return sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


def hover_markdown(
    findings: Sequence[Finding],
    position: Position,
    facts: str | None,
    symbol: str | None,
    docs_url: str,
) -> str | None:
    sections = [diagnostic_section(f, docs_url) for f in findings if contains(f, position)]
    sections += [part for part in (facts, symbol) if part]
    return SEPARATOR.join(sections) if sections else None
