"""A hypothesis strategy that writes realistic multiprocessing scripts from building blocks.

A script is assembled from: an import style (every way of naming the worker APIs), module
constants, worker functions (some decorated, some with non-ASCII names), jobs — a Process
start, a Pool or executor map, an executor submit, a DataLoader loop or `mp.spawn` — each
placed at module level, in a `main()` called from module level or from the guard, in a helper
called by `main()`, or in the guard, and each sending a module function, a lambda, a nested
function or a function defined inside the guard. Comments, multi-line strings that look like
code, a docstring, `set_start_method` and a broken guard are sprinkled in.

`runnable=True` keeps to scripts that work under fork and print the same lines whenever they
run: no torch, no pickling that fails under fork, no `set_start_method`. Their output under
fork is what the fixed script must print under spawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st


@dataclass(frozen=True)
class ImportStyle:
    lines: tuple[str, ...]
    process: str | None = None
    pool: str | None = None
    executor: str | None = None
    set_start_method: str | None = None


IMPORT_STYLES = (
    ImportStyle(("import multiprocessing",), "multiprocessing.Process", "multiprocessing.Pool",
                None, "multiprocessing.set_start_method"),
    ImportStyle(("import multiprocessing as mp",), "mp.Process", "mp.Pool", None,
                "mp.set_start_method"),
    ImportStyle(("from multiprocessing import Pool, Process, set_start_method",), "Process",
                "Pool", None, "set_start_method"),
    ImportStyle(("from multiprocessing import Pool as WorkerPool",
                 "from multiprocessing import Process as Worker"), "Worker", "WorkerPool"),
    ImportStyle(("import multiprocessing.pool", "import multiprocessing as mp"), "mp.Process",
                "multiprocessing.pool.Pool"),
    ImportStyle(("import concurrent.futures",), None, None,
                "concurrent.futures.ProcessPoolExecutor"),
    ImportStyle(("from concurrent.futures import ProcessPoolExecutor",), None, None,
                "ProcessPoolExecutor"),
    ImportStyle(("from concurrent.futures import ProcessPoolExecutor as Executor",
                 "import multiprocessing as mp"), "mp.Process", "mp.Pool", "Executor"),
    ImportStyle(("import concurrent.futures as cf", "import multiprocessing as mp"),
                "mp.Process", None, "cf.ProcessPoolExecutor", "mp.set_start_method"),
)
TORCH_IMPORTS = ("import torch.multiprocessing as torch_mp",
                 "from torch.utils.data import DataLoader, Dataset")

KINDS = ("process", "pool", "executor", "submit", "dataloader", "torch_spawn")
PLACES = ("module", "main_at_module", "main_in_guard", "helper", "guard")
SENT = ("module", "lambda", "nested", "closure", "guard_defined")


@dataclass(frozen=True)
class Job:
    kind: str
    place: str
    sent: str


@dataclass
class Script:
    """The pieces of one script while it is assembled, and its text."""

    header: list[str] = field(default_factory=list)
    module: list[str] = field(default_factory=list)  # module-level definitions
    main_body: list[str] = field(default_factory=list)
    helper_body: list[str] = field(default_factory=list)
    top_level: list[str] = field(default_factory=list)  # module-level statements
    guard_body: list[str] = field(default_factory=list)
    guard_header: str = 'if __name__ == "__main__":'
    jobs: list[Job] = field(default_factory=list)
    text: str = ""

    def describe(self) -> str:
        return ", ".join(f"{j.kind} in {j.place} sending {j.sent}" for j in self.jobs)


def _indent(lines: list[str], prefix: str = "    ") -> list[str]:
    return [prefix + line if line else line for line in lines]


def _callable_for(job: Job, returns: bool, counter: int, script: Script) -> tuple[str, list[str]]:
    """The expression sent to workers, and the definition lines it needs in the job's scope."""
    verb = 'return x * SCALE' if returns else 'print("{name}", x)'
    if job.sent == "lambda":
        body = "x * SCALE" if returns else f'print("lambda {counter}", x)'
        return f"lambda x: {body}", []
    if job.sent in ("nested", "guard_defined"):
        name = f"{'nested' if job.sent == 'nested' else 'guarded'}_{counter}"
        return name, [f"def {name}(x):", "    " + verb.format(name=name)]
    if job.sent == "closure":
        # A nested function that reads a local variable: lifted with it as a parameter.
        name, local = f"closure_{counter}", f"offset_{counter}"
        result = f"x + {local}"
        body = f"return {result}" if returns else f'print("{name}", {result})'
        return name, [f"{local} = {counter}0", f"def {name}(x):", f"    {body}"]
    return ("work" if returns else "show"), []


def _job_lines(job: Job, style: ImportStyle, counter: int, script: Script) -> list[str]:
    returns = job.kind not in ("process", "torch_spawn")
    target, definitions = _callable_for(job, returns, counter, script)
    if job.kind == "process":
        start = [f"p{counter} = {style.process}(target={target}, args=({counter},))",
                 f"p{counter}.start()", f"p{counter}.join()"]
    elif job.kind == "pool":
        start = [f"with {style.pool}(2) as pool:",
                 f'    print("pool {counter}", pool.map({target}, [1, 2, 3]))']
    elif job.kind == "executor":
        start = [f"with {style.executor}(max_workers=2) as executor:",
                 f'    print("executor {counter}", list(executor.map({target}, [1, 2])))']
    elif job.kind == "submit":
        start = [f"with {style.executor}(max_workers=2) as executor:",
                 f'    print("submit {counter}", executor.submit({target}, 4).result())']
    elif job.kind == "dataloader":
        start = [f"for batch in DataLoader(Numbers(), batch_size=2, num_workers=2, "
                 f"collate_fn={target}):", f'    print("batch {counter}", batch)']
    else:
        start = [f"torch_mp.spawn({target}, args=(), nprocs=2)"]
    return [*definitions, *start]


def _kinds_for(style: ImportStyle, torch: bool) -> list[str]:
    kinds = []
    if style.process:
        kinds.append("process")
    if style.pool:
        kinds.append("pool")
    if style.executor:
        kinds += ["executor", "submit"]
    if torch:
        kinds += ["dataloader", "torch_spawn"]
    return kinds


def _sent_allowed(kind: str, place: str, sent: str, runnable: bool) -> bool:
    if sent in ("nested", "closure") and place not in ("main_at_module", "main_in_guard",
                                                        "helper"):
        return False
    if sent == "guard_defined" and place != "guard":
        return False
    # Under fork only Process targets skip pickling; a pool pickles its function by
    # reference, which a guard-defined function survives under fork (and not under spawn).
    return not (runnable and kind != "process" and sent in ("lambda", "nested", "closure"))


@st.composite
def jobs_for(draw: st.DrawFn, style: ImportStyle, torch: bool, runnable: bool) -> list[Job]:
    kinds = _kinds_for(style, torch)
    jobs = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(kinds))
        place = draw(st.sampled_from(PLACES))
        sent = draw(st.sampled_from([s for s in SENT if _sent_allowed(kind, place, s,
                                                                       runnable)]))
        jobs.append(Job(kind, place, sent))
    return jobs


MULTILINE_STRINGS = (
    'TEMPLATE = """\nif __name__ == "__main__":\n    Pool(2).map(print, [1])\ndef f(\n"""',
    "HELP = '''Usage:\n  run   — start the workers\n'''",
    'QUERY = (\n    "SELECT *"\n    " FROM t"\n)',
)
COMMENTS = ("# workers below", "# TODO: tune", "# é ü ß — non-ASCII comment",
            "# if __name__ == '__main__': (only a comment)")
BROKEN_GUARDS = ('if __name__ == "main":', 'if __name__ == "__main__" or True:',
                 "if True:")


@st.composite
def scripts(draw: st.DrawFn, runnable: bool = False) -> Script:
    style = draw(st.sampled_from(IMPORT_STYLES))
    torch = not runnable and draw(st.booleans())
    script = Script()
    jobs = draw(jobs_for(style, torch, runnable))
    script.jobs = jobs

    if draw(st.booleans()):
        script.header += ['"""Generated script: workers — façade."""', ""]
    if draw(st.booleans()):
        script.header.append("from __future__ import annotations")
    script.header += [*style.lines, "import functools"]
    if torch:
        script.header += TORCH_IMPORTS
    script.module += ["", "", "SCALE = 3"]
    # A module-level name the worker code reads, assigned among the statements the guard fix
    # moves: the fix must leave it at module level.
    late_offset = draw(st.booleans())
    if not late_offset:
        script.module.append("OFFSET = 0")
    if draw(st.booleans()):
        script.module += [draw(st.sampled_from(MULTILINE_STRINGS))]
    decorated = draw(st.booleans())
    if decorated:
        script.module += ["", "", "def identity(function):", "    return function"]
    non_ascii = draw(st.booleans())
    show_name = "montrer_à" if non_ascii else "show_value"
    script.module += ["", ""]
    if decorated:
        script.module.append("@identity")
    script.module += [f"def {show_name}(x):", f'    print("{show_name}", x)',
                      "", "", f"show = {show_name}", "", ""]
    if decorated:
        script.module.append("@functools.lru_cache(maxsize=None)")
    script.module += ["def work(x):", "    return x * SCALE + OFFSET"]
    if torch:
        script.module += ["", "", "class Numbers(Dataset):", "    def __len__(self):",
                          "        return 4", "", "    def __getitem__(self, index):",
                          "        return index"]

    for counter, job in enumerate(jobs, start=1):
        lines = _job_lines(job, style, counter, script)
        if draw(st.booleans()):
            lines = [draw(st.sampled_from(COMMENTS)), *lines]
        if job.place == "module":
            script.top_level += lines
        elif job.place in ("main_at_module", "main_in_guard"):
            script.main_body += lines
        elif job.place == "helper":
            script.helper_body += lines
        else:
            script.guard_body += lines

    if late_offset:
        script.top_level.insert(0, 'OFFSET = len("spawn") * 20')
    if script.helper_body:
        script.module += ["", "", "def helper():", *_indent(script.helper_body)]
        script.main_body.append("helper()")
    main_called_at_module = any(j.place == "main_at_module" for j in jobs)
    if script.main_body:
        script.module += ["", "", "def main():", *_indent(script.main_body)]
        (script.top_level if main_called_at_module else script.guard_body).append("main()")
    if not runnable and style.set_start_method and draw(st.booleans()):
        script.top_level.insert(0, f'{style.set_start_method}("spawn")')
    if not runnable and draw(st.integers(0, 4)) == 0:
        script.guard_header = draw(st.sampled_from(BROKEN_GUARDS))

    lines = [*script.header, *script.module]
    if script.top_level:
        lines += ["", "", *script.top_level]
    if script.guard_body:
        lines += ["", "", script.guard_header, *_indent(script.guard_body)]
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(COMMENTS)))
    script.text = "\n".join(lines) + "\n"
    return script
