"""The APIs spawnguard knows by qualified name, and how their aliases fold together.

The analyser never imports torch or the user's packages: it recognises these names
statically, whatever import form brought them in.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator

from spawnguard.analysis import framework_apis

DATALOADER = "torch.utils.data.DataLoader"
PROCESS = "multiprocessing.Process"
POOL = "multiprocessing.Pool"
MANAGER = "multiprocessing.Manager"
BASE_MANAGER = "multiprocessing.managers.BaseManager"
SYNC_MANAGER = "multiprocessing.managers.SyncManager"
# Manager classes: an instance starts its server process at `start()` or `with`.
MANAGER_CLASSES = frozenset({BASE_MANAGER, SYNC_MANAGER})
GET_CONTEXT = "multiprocessing.get_context"
SET_START_METHOD = "multiprocessing.set_start_method"
PROCESS_POOL_EXECUTOR = "concurrent.futures.ProcessPoolExecutor"
TORCH_SPAWN = "torch.multiprocessing.spawn"
TORCH_START_PROCESSES = "torch.multiprocessing.start_processes"
JOBLIB_PARALLEL = "joblib.Parallel"
JOBLIB_DELAYED = "joblib.delayed"
FUNCTOOLS_PARTIAL = "functools.partial"
LIGHTNING_TRAINER = framework_apis.LIGHTNING_TRAINER
TQDM = "tqdm.tqdm"
ARGUMENT_PARSER = "argparse.ArgumentParser"
# Datasets that wrap others (sent to workers with them); random_split makes Subsets.
SUBSET = "torch.utils.data.Subset"
RANDOM_SPLIT = "torch.utils.data.random_split"
CONCAT_DATASET = "torch.utils.data.ConcatDataset"
# pathlib classes whose `.open()` returns an open file.
PATH_CLASSES = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"})

# Fully spelled-out homes of the names above, folded to one spelling.
_EXACT_ALIASES = {
    "torch.utils.data.dataloader.DataLoader": DATALOADER,
    "multiprocessing.pool.Pool": POOL,
    "multiprocessing.process.BaseProcess": PROCESS,
    "multiprocessing.context.Process": PROCESS,
    "multiprocessing.context.SpawnProcess": PROCESS,
    "multiprocessing.context.ForkProcess": PROCESS,
    "multiprocessing.context.ForkServerProcess": PROCESS,
    "concurrent.futures.process.ProcessPoolExecutor": PROCESS_POOL_EXECUTOR,
    "torch.multiprocessing.spawn.spawn": TORCH_SPAWN,
    "torch.multiprocessing.spawn.start_processes": TORCH_START_PROCESSES,
    "tqdm.auto.tqdm": TQDM,
    "tqdm.notebook.tqdm": TQDM,
    "tqdm.std.tqdm": TQDM,
    "tqdm.rich.tqdm": TQDM,
    "joblib.parallel.Parallel": JOBLIB_PARALLEL,
    "joblib.parallel.delayed": JOBLIB_DELAYED,
    "torch.utils.data.dataset.Subset": SUBSET,
    "torch.utils.data.dataset.random_split": RANDOM_SPLIT,
    "torch.utils.data.dataset.ConcatDataset": CONCAT_DATASET,
    **framework_apis.FRAMEWORK_ALIASES,
}

# torch.multiprocessing re-exports multiprocessing; only spawn/start_processes are its own.
_TORCH_OWN = {"spawn", "start_processes", "spawn.spawn", "spawn.start_processes"}

# What `from X import *` brings in, for the modules whose names matter here.
STAR_EXPORTS: dict[str, frozenset[str]] = {
    "torch.utils.data": frozenset({"DataLoader", "Dataset", "IterableDataset", "TensorDataset",
                                   "Subset", "random_split", "ConcatDataset"}),
    "multiprocessing": frozenset(
        {"Process", "Pool", "Manager", "get_context", "set_start_method", "get_start_method"}
    ),
    "torch.multiprocessing": frozenset(
        {"Process", "Pool", "Manager", "get_context", "set_start_method", "spawn",
         "start_processes"}
    ),
    "concurrent.futures": frozenset({"ProcessPoolExecutor", "ThreadPoolExecutor"}),
    "joblib": frozenset({"Parallel", "delayed"}),
}

# Calls that iterate their positional arguments (which starts a DataLoader's workers) when
# they are made. (`tqdm(loader)` iterates nothing until it is iterated itself: the model sees
# through it to what it wraps.)
ITERATING_CALLS = frozenset(
    {
        "builtins.iter", "builtins.list", "builtins.tuple", "builtins.enumerate",
        "builtins.zip", "builtins.sorted", "builtins.set", "builtins.sum", "builtins.map",
        "builtins.filter", "builtins.any", "builtins.all", "builtins.min", "builtins.max",
        "builtins.dict", "tqdm.trange", "itertools.islice", "itertools.chain",
        "itertools.cycle",
    }
)
TRAINER_LOOPS = frozenset({"fit", "validate", "test", "predict"})
# Last identifiers that can name an iterating call or a trainer loop.
ITERATING_LAST_NAMES = frozenset(
    {q.rsplit(".", 1)[-1] for q in ITERATING_CALLS} | TRAINER_LOOPS)
POOL_TASK_METHODS = frozenset(
    {"map", "map_async", "imap", "imap_unordered", "starmap", "starmap_async", "apply",
     "apply_async"}
)
EXECUTOR_TASK_METHODS = frozenset({"submit", "map"})
# Context methods that create processes or pools with the context's start method.
CONTEXT_FACTORIES = {"Process": PROCESS, "Pool": POOL, "Manager": MANAGER}

# What a Dataset's __init__ may store that cannot be pickled (qualified call → description).
UNPICKLABLE_FACTORIES = {
    "builtins.open": "an open file",
    "io.open": "an open file",
    "gzip.open": "an open file",
    "bz2.open": "an open file",
    "lzma.open": "an open file",
    "tarfile.open": "an open tar file",
    "zipfile.ZipFile": "an open zip file",
    "threading.Lock": "a threading lock",
    "threading.RLock": "a threading lock",
    "threading.Condition": "a threading condition",
    "threading.Semaphore": "a threading semaphore",
    "threading.Event": "a threading event",
    "sqlite3.connect": "a sqlite3 connection",
    "lmdb.open": "an lmdb environment",
    "lmdb.Environment": "an lmdb environment",
    "h5py.File": "an h5py file handle",
    "socket.socket": "a socket",
}

KNOWN = frozenset({
    DATALOADER, PROCESS, POOL, MANAGER, BASE_MANAGER, SYNC_MANAGER, GET_CONTEXT, SET_START_METHOD,
    PROCESS_POOL_EXECUTOR,
    TORCH_SPAWN, TORCH_START_PROCESSES, JOBLIB_PARALLEL, JOBLIB_DELAYED, FUNCTOOLS_PARTIAL,
    LIGHTNING_TRAINER, TQDM, ARGUMENT_PARSER,
})

# Last identifiers that can name a worker API, a context factory or what the rules ask about.
API_LAST_NAMES = frozenset(
    {q.rsplit(".", 1)[-1] for q in KNOWN} | set(CONTEXT_FACTORIES) | {"get_context"})

# The APIs that start workers or choose how (what `may_start_workers` looks for).
WORKER_APIS = frozenset({
    DATALOADER, PROCESS, POOL, MANAGER, BASE_MANAGER, SYNC_MANAGER, GET_CONTEXT, SET_START_METHOD,
    PROCESS_POOL_EXECUTOR,
    TORCH_SPAWN, TORCH_START_PROCESSES, JOBLIB_PARALLEL,
})
# A file that spells none of these names cannot start workers itself: every API above is
# reached through one of them (`from torch.utils.data import DataLoader as DL` still spells it;
# `multiprocessing.context.SpawnProcess` is one of the spellings).
WORKER_API_WORDS = frozenset(
    {q.rsplit(".", 1)[-1] for q in WORKER_APIS}
    | {alias.rsplit(".", 1)[-1] for alias, api in _EXACT_ALIASES.items() if api in WORKER_APIS}
    | framework_apis.FRAMEWORK_WORDS)
# What the text is scanned for: each word above contains one of these (fewer scans).
_NEEDLES = ("DataLoader", "Process", "Pool", "Manager", "spawn", "start_", "Parallel",
            "get_context", "Trainer", "num_proc", "_launcher")


def one_line_break(text: str) -> str:
    """The text with \\r\\n and \\r line breaks made \\n (Python accepts all three), for the
    text tests that look at lines."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def is_word_char(char: str) -> bool:
    """Whether the character may be part of an identifier (as far as the text tests need)."""
    return char.isalnum() or char == "_"


def _identifier_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the identifier that contains text[start:end]."""
    while start > 0 and is_word_char(text[start - 1]):
        start -= 1
    return start, _WORD_TAIL.match(text, end).end()  # type: ignore[union-attr]


_WORD_TAIL = re.compile(r"\w*")  # what `is_word_char` accepts, as a regex


def _api_words(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each API word spelled as a whole identifier."""
    # `get_context` matters only for a fork request (SPG601): a start through a context
    # spells the API it calls (`ctx.Process(`, `mp.get_context("spawn").Pool(`).
    wanted = WORKER_API_WORDS if "fork" in text else WORKER_API_WORDS - {"get_context"}
    for needle in _NEEDLES:
        position = text.find(needle)
        while position >= 0:
            start, end = _identifier_around(text, position, position + len(needle))
            position = text.find(needle, end)
            if text[start:end] in wanted:
                yield start, end


# Strings and comments, leftmost first as the tokenizer reads them (an unclosed one runs to
# the end of its line, or of the text for a triple-quoted one).
_STRING_OR_COMMENT = re.compile(
    r"#[^\n]*"
    r'|"""(?:[^"\\]|\\.|"(?!""))*(?:"""|\Z)'
    r"|'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)"
    r'|"(?:[^"\\\n]|\\.)*"?'
    r"|'(?:[^'\\\n]|\\.)*'?",
    re.DOTALL)


class _NotCode:
    """Where the text's strings and comments are (found once, when first asked)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._spans: list[tuple[int, int]] | None = None
        self._starts: list[int] = []

    def __contains__(self, position: int) -> bool:
        if self._spans is None:
            self._spans = [m.span() for m in _STRING_OR_COMMENT.finditer(self._text)]
            self._starts = [start for start, _ in self._spans]
        index = bisect.bisect_right(self._starts, position) - 1
        return index >= 0 and position < self._spans[index][1]


# `import a.b, c as d` / `from m import (a, b as c,` up to the name being read.
_IMPORT_LIST = re.compile(
    r"[ \t\f]+(?:\(\s*)?(?:[\w.]+(?:\s+as\s+\w+)?\s*,\s*|\\\n\s*)*(?:\w+\.)*")
_FROM_MODULE = re.compile(r"[ \t\f]+[\w.]*")
_IMPORT_AFTER = re.compile(r"[\w.]*[ \t\f]+import\b")


def _imported_here(text: str, start: int, end: int) -> bool:
    """Whether the name at start:end is imported (`import …`, `from … import …`) or is part
    of the module path of a `from … import`: not a use of the API."""
    keyword = text.rfind("import", 0, start)
    if keyword >= 0 and _IMPORT_LIST.fullmatch(_COMMENT.sub("", text[keyword + 6 : start])):
        return True
    keyword = text.rfind("from", 0, start)
    return (keyword >= 0 and _FROM_MODULE.fullmatch(text, keyword + 4, start) is not None
            and _IMPORT_AFTER.match(text, end) is not None)


_COMMENT = re.compile(r"#[^\n]*")


def _code_after(text: str, position: int) -> int:
    """The position of the next character of code: past spaces, line breaks (inside brackets
    a call may continue on the next line), backslash continuations and comments."""
    while position < len(text):
        char = text[position]
        if char in " \t\f\n":
            position += 1
        elif char == "\\" and text.startswith("\n", position + 1):
            position += 2
        elif char == "#":
            line_end = text.find("\n", position)
            position = len(text) if line_end < 0 else line_end
        else:
            break
    return position


def _is_called(text: str, end: int) -> bool:
    position = _code_after(text, end)
    return position < len(text) and text[position] == "("


def _imported_as(text: str, end: int) -> str | None:
    """`name` in `API as name` (an import alias, perhaps in a bracketed import list)."""
    position = _code_after(text, end)
    if not (text.startswith("as", position) and position + 2 < len(text)
            and not is_word_char(text[position + 2])):
        return None
    start = _code_after(text, position + 2)
    return text[start : _WORD_TAIL.match(text, start).end()] or None  # type: ignore[union-attr]


def may_start_workers(text: str) -> bool:
    """Lossless text test for the worker rules. An API name counts when it is called (`Pool(`,
    also across a line break or a comment inside brackets), and when it is used otherwise in
    code (not in a string or a comment) — bound to a name, returned, iterated over, a base
    class: the model may follow it to a call. It does not count as the name a `def`/`class`
    defines, on a comment or doctest line, or as what an import brings in (the import's `as`
    alias is then looked for the same way)."""
    text = one_line_break(text)
    uncalled = []
    for start, end in _api_words(text):
        if _may_be_use(text, start):
            if _is_called(text, end):
                return True  # counted even in a string: an f-string's braces hold code
            uncalled.append((start, end))
    not_code = _NotCode(text)  # looked for only now: it is the costliest part
    aliases: set[str] = set()
    for start, end in uncalled:
        if _imported_here(text, start, end):
            # (Also when in a string: an alias looked for in vain costs nothing but time.)
            alias = _imported_as(text, end)
            if alias:
                aliases.add(alias)
            continue
        if start not in not_code:
            return True
    aliases -= WORKER_API_WORDS  # their uses were looked at above
    return any(_alias_used(text, start, end, not_code)
               for alias in aliases for start, end in _whole_words(text, alias))


def _alias_used(text: str, start: int, end: int, not_code: _NotCode) -> bool:
    """Whether an import alias of an API is used here: called, or named in code other than
    the `as` that binds it (a base class, `class FastLoader(Loader):`, is followed by the
    model like a call)."""
    if _is_called(text, end):
        return True
    before = text[max(0, start - 40) : start].rstrip()
    binds = before.endswith("as") and (len(before) == 2 or not is_word_char(before[-3]))
    return not binds and _may_be_use(text, start) and start not in not_code


def _may_be_use(text: str, start: int) -> bool:
    """False for the name a `def`/`class` defines and for a name on a comment or doctest line
    (`>>>` cannot start a line of code)."""
    before = text[text.rfind("\n", 0, start) + 1 : start].lstrip()
    return before not in ("def ", "async def ", "class ") and not before.startswith(("#", ">>>"))


def _whole_words(text: str, word: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each occurrence of `word` as a whole word (str.find, not a regex:
    this runs on every file of a tree)."""
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        if (start == 0 or not is_word_char(text[start - 1])) and (
                end == len(text) or not is_word_char(text[end])):
            yield start, end
        start = text.find(word, end)


# Packages whose import makes worker starts possible (the model skips other files).
WORKER_PACKAGES = frozenset(
    {"torch", "multiprocessing", "concurrent", "joblib"} | framework_apis.FRAMEWORK_PACKAGES)
DATALOADER_PACKAGES = frozenset({"torch", "lightning", "pytorch_lightning"})

SPAWNING_METHODS = ("spawn", "forkserver")


@functools.lru_cache(maxsize=4096)
def canonical(qualname: str) -> str:
    """Fold the many spellings of one API into the name used by the rules."""
    if qualname in _EXACT_ALIASES:
        return _EXACT_ALIASES[qualname]
    if qualname.startswith("torch.multiprocessing."):
        rest = qualname.removeprefix("torch.multiprocessing.")
        if rest in _TORCH_OWN:
            return _EXACT_ALIASES.get(qualname, qualname)
        return canonical("multiprocessing." + rest)
    if qualname.startswith("multiprocessing.context."):
        return "multiprocessing." + qualname.removeprefix("multiprocessing.context.")
    return qualname
