"""The `spawnguard` command: `check` files, show a `rule`'s docs, `serve` the language server.

`check` owns what the core does not: finding files, reading and writing them byte-exactly,
configuration, output formats and exit codes. Analysis and fixes go through `engine`.

Exit codes of `check`: 0 nothing at warning or above (after `--fix`: nothing left), 1 findings
at warning or above (with `--diff`: a diff was printed), 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TextIO

import spawnguard
from spawnguard import batch, engine
from spawnguard.analysis.findings import Finding
from spawnguard.analysis.project import Project
from spawnguard.analysis.settings import AnalysisSettings
from spawnguard.config import (
    Config,
    ConfigError,
    find_config_file,
    load_config,
    parse_comma_list,
    parse_selectors,
)
from spawnguard.files import (
    SourceFile,
    UnreadableSource,
    decode_source,
    problem_finding,
    read_file,
)
from spawnguard.notebook_file import NotebookFile
from spawnguard.output import FORMATS, FileReport, Report
from spawnguard.output.common import is_failure, plural
from spawnguard.rules import RULES_BY_CODE, rule_by_code

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

STDIN_PATH = "-"


class UsageError(Exception):
    """A mistake on the command line; printed as `spawnguard: error: …`, exit 2."""


# --- kinds of files -------------------------------------------------------------------------


class FileKind(Protocol):
    """How one kind of file is analysed and fixed, in the text read from disk.

    `.py` is the only kind today; notebooks (`.ipynb`) plug in here with their own
    text ⇄ cells mapping.
    """

    name: str
    suffixes: tuple[str, ...]

    def analyze(self, text: str, *, path: str, settings: AnalysisSettings,
                project: Project | None = None) -> list[Finding]: ...

    def fix(self, text: str, *, path: str, settings: AnalysisSettings,
            project: Project | None = None) -> engine.FixResult: ...


@dataclass(frozen=True)
class PythonFile:
    name: str = "python"
    suffixes: tuple[str, ...] = (".py",)

    def analyze(self, text: str, *, path: str, settings: AnalysisSettings,
                project: Project | None = None) -> list[Finding]:
        return engine.analyze(text, path=path, settings=settings, project=project)

    def fix(self, text: str, *, path: str, settings: AnalysisSettings,
            project: Project | None = None) -> engine.FixResult:
        return engine.fix_text(text, path=path, settings=settings, project=project)


PYTHON = PythonFile()
NOTEBOOK = NotebookFile()
FILE_KINDS: list[FileKind] = [PYTHON, NOTEBOOK]


def kind_of(path: str, *, explicit: bool) -> FileKind | None:
    """The kind for a file; a file named on the command line is Python unless known otherwise."""
    lowered = path.lower()
    for kind in FILE_KINDS:
        if lowered.endswith(kind.suffixes):
            return kind
    return PYTHON if explicit else None


# --- finding the files ----------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    display_path: str  # as given, or as found under a folder that was given
    file: Path | None  # None: standard input
    config: Config
    kind: FileKind


@dataclass
class ConfigResolver:
    """One configuration per `pyproject.toml`, found from each checked path."""

    config_file: Path | None
    select: tuple[str, ...] | None
    ignore: tuple[str, ...] | None
    _cache: dict[Path | None, Config] = field(default_factory=dict)

    def for_path(self, start: Path) -> Config:
        found = self.config_file or find_config_file(start)
        if found not in self._cache:
            # No config file: the defaults, with exclude globs relative to the working folder.
            config = load_config(config_file=found) if found else Config(root=Path.cwd().resolve())
            self._cache[found] = config.with_overrides(self.select, self.ignore)
        return self._cache[found]


def collect_targets(
    paths: Sequence[str], stdin_filename: str | None, configs: ConfigResolver
) -> list[Target]:
    missing = [p for p in paths if p != STDIN_PATH and not os.path.exists(p)]
    if missing:
        raise UsageError("; ".join(f"{p}: no such file or directory" for p in missing))
    targets: list[Target] = []
    seen: set[str] = set()
    for given in paths:
        if given == STDIN_PATH:
            display = stdin_filename or STDIN_PATH
            start = Path(stdin_filename).parent if stdin_filename else Path.cwd()
            kind = kind_of(display, explicit=True) or PYTHON
            targets.append(Target(display, None, configs.for_path(start), kind))
            continue
        path = Path(given)
        if path.is_dir():
            config = configs.for_path(path)
            for display, file in walk_directory(given, config):
                if os.path.abspath(file) not in seen:
                    seen.add(os.path.abspath(file))
                    kind = kind_of(file.name, explicit=False) or PYTHON
                    targets.append(Target(display, file, config, kind))
        elif os.path.abspath(path) not in seen:
            # Named explicitly: checked even when an exclude glob matches it (as in ruff).
            seen.add(os.path.abspath(path))
            kind = kind_of(path.name, explicit=True) or PYTHON
            targets.append(Target(os.path.normpath(given), path, configs.for_path(path), kind))
    return targets


def walk_directory(given: str, config: Config) -> Iterator[tuple[str, Path]]:
    """(display path, file) of each checkable file under `given`, honouring excludes."""
    base = Path(given).resolve()
    try:
        base_key = base.relative_to(config.root).as_posix()
        if base_key == ".":
            base_key = ""
    except ValueError:
        base_key = None
    if base_key is None or (base_key and config.is_excluded(base_key, is_dir=True)):
        # Outside the config's folder, or a folder that was asked for although excluded:
        # match globs against paths below the folder itself.
        base_key = ""

    def key_of(relative: str) -> str:
        return f"{base_key}/{relative}" if base_key else relative

    for dirpath, dirnames, filenames in os.walk(given):
        relative_dir = os.path.relpath(dirpath, given)
        relative_dir = "" if relative_dir == "." else Path(relative_dir).as_posix()

        def joined(name: str, relative_dir: str = relative_dir) -> str:
            return f"{relative_dir}/{name}" if relative_dir else name

        dirnames[:] = sorted(
            d for d in dirnames if not config.is_excluded(key_of(joined(d)), is_dir=True)
        )
        for name in sorted(filenames):
            if kind_of(name, explicit=False) is None:
                continue
            if config.is_excluded(key_of(joined(name))):
                continue
            yield os.path.normpath(os.path.join(given, joined(name))), Path(dirpath) / name


# --- reading and writing files byte-exactly -------------------------------------------------


def read_source(target: Target, stdin: TextIO) -> SourceFile:
    if target.file is None:
        buffer = getattr(stdin, "buffer", None)
        data = buffer.read() if buffer is not None else stdin.read().encode("utf-8")
        return decode_source(data)
    return read_file(target.file)


def write_exact(stream: TextIO, text: str) -> None:
    """Write text without newline translation (fixed sources and diffs keep their \\r\\n)."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text)
        return
    stream.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def unified_diff(path: str, before: str, after: str) -> str:
    def lines(text: str) -> list[str]:
        # newline="": split at \r\n, \r and \n only, keeping each line's own ending.
        return io.StringIO(text, newline="").readlines()

    import difflib  # only for --diff

    pieces = []
    for line in difflib.unified_diff(
        lines(before), lines(after), fromfile=f"a/{path}", tofile=f"b/{path}"
    ):
        if line.endswith(("\n", "\r")):
            pieces.append(line)
        else:
            pieces.append(line + "\n\\ No newline at end of file\n")
    return "".join(pieces)


# --- check ----------------------------------------------------------------------------------


@dataclass
class CheckOutcome:
    file_reports: list[FileReport] = field(default_factory=list)
    fixes_applied: int = 0
    diffs: list[str] = field(default_factory=list)
    fixed_stdin: str | None = None


def project_roots(targets: Sequence[Target], given: Sequence[str]) -> list[str]:
    """Where project imports resolve: the folders checked (a file's own folder) and the
    folder of each configuration file found."""
    roots = [p if os.path.isdir(p) else os.path.dirname(os.path.abspath(p))
             for p in given if p != STDIN_PATH]
    roots += [str(t.config.root) for t in targets if t.config.path is not None]
    if any(t.file is None for t in targets):
        roots.append(os.getcwd())
    return list(dict.fromkeys(os.path.abspath(r) for r in roots))


def check_targets(
    targets: Sequence[Target], *, fix: bool, diff: bool, stdin: TextIO,
    given: Sequence[str] = (),
) -> CheckOutcome:
    outcome = CheckOutcome()
    project = batch.make_project(project_roots(targets, given), {})
    found: dict[int, list[Finding]] = {}
    if not (fix or diff):
        # Python files are read where they are analysed (in the worker processes for a big
        # tree): the parent only walks the folders.
        jobs = [batch.Job(index, t.display_path, None, t.config.settings, str(t.file))
                for index, t in enumerate(targets) if t.kind is PYTHON and t.file is not None]
        found = batch.analyse_jobs(jobs, project)
    sources: list[SourceFile | UnreadableSource | None] = []
    for index, target in enumerate(targets):
        if index in found:
            sources.append(None)
            continue
        try:
            sources.append(read_source(target, stdin))
        except UnreadableSource as error:
            sources.append(error)
    for index, (target, source) in enumerate(zip(targets, sources, strict=True)):
        if source is None:
            outcome.file_reports.append(FileReport(target.display_path, tuple(found[index])))
            continue
        settings = target.config.settings
        if isinstance(source, UnreadableSource):
            findings = problem_finding(str(source), settings, source.line)
            outcome.file_reports.append(FileReport(target.display_path, tuple(findings)))
            continue
        path = target.display_path
        if not (fix or diff):
            # Standard input and notebooks: analysed here, from the text read above.
            found[index] = target.kind.analyze(source.text, path=path, settings=settings,
                                               project=project)
            outcome.file_reports.append(FileReport(path, tuple(found.get(index, ()))))
            continue
        result = target.kind.fix(source.text, path=path, settings=settings, project=project)
        findings = list(result.remaining)
        if target.file is None:
            outcome.fixed_stdin = result.text
        for name, text in result.new_files:
            new_path = os.path.join(os.path.dirname(path), name)
            if os.path.exists(new_path):
                findings += problem_finding(f"cannot create {new_path}: it exists", settings)
            elif diff:
                outcome.diffs.append(unified_diff(new_path, "", text))
            else:
                try:
                    Path(new_path).write_bytes(text.encode("utf-8"))
                except OSError as error:
                    findings += problem_finding(
                        f"cannot create {new_path}: {error.strerror or error}", settings)
        if result.text != source.text:
            outcome.fixes_applied += result.applied
            if diff:
                outcome.diffs.append(unified_diff(path, source.text, result.text))
            elif target.file is not None:
                try:
                    target.file.write_bytes(source.encode(result.text))
                except OSError as error:
                    findings += problem_finding(
                        f"cannot write fixes: {error.strerror or error}", settings
                    )
        outcome.file_reports.append(FileReport(path, tuple(findings)))
    return outcome


def run_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO, stdin: TextIO) -> int:
    select = _selectors(args.select, "--select")
    ignore = _selectors(args.ignore, "--ignore")
    configs = ConfigResolver(args.config, select, ignore)
    paths = list(args.paths) or ([STDIN_PATH] if args.stdin_filename else ["."])
    if paths.count(STDIN_PATH) > 1:
        raise UsageError("standard input (-) can be read only once")
    targets = collect_targets(paths, args.stdin_filename, configs)
    outcome = check_targets(targets, fix=args.fix, diff=args.diff, stdin=stdin, given=paths)
    fixing = args.fix or args.diff
    report = Report(
        tuple(outcome.file_reports),
        base_dir=Path.cwd(),
        fixes_applied=outcome.fixes_applied if fixing else None,
    )

    if args.diff:
        _emit("".join(outcome.diffs), args.output_file, stdout)
        stderr.write(
            f"Would apply {plural(outcome.fixes_applied, 'fix', 'fixes')} "
            f"to {plural(len(outcome.diffs), 'file')}.\n"
        )
        exit_code = EXIT_FINDINGS if outcome.diffs else EXIT_OK
    else:
        rendered = FORMATS[args.format](report)
        if outcome.fixed_stdin is not None:
            # The fixed source owns stdout; the report goes to stderr (or --output-file).
            write_exact(stdout, outcome.fixed_stdin)
            _emit(rendered, args.output_file, stderr)
        else:
            _emit(rendered, args.output_file, stdout)
        failing = any(is_failure(f.severity) for _, f in report.entries())
        exit_code = EXIT_FINDINGS if failing else EXIT_OK
    return EXIT_OK if args.exit_zero else exit_code


def _emit(text: str, output_file: Path | None, stream: TextIO) -> None:
    if output_file is None:
        write_exact(stream, text)
        return
    try:
        with open(output_file, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as error:
        raise UsageError(f"--output-file {output_file}: {error.strerror or error}") from None


def _selectors(values: list[str] | None, flag: str) -> tuple[str, ...] | None:
    if values is None:
        return None
    codes = [code for value in values for code in parse_comma_list(value)]
    try:
        return parse_selectors(codes)
    except ValueError as error:
        raise ConfigError(f"{flag}: {error}") from None


# --- rule, serve ----------------------------------------------------------------------------


def run_rule(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.code is None:
        for code in sorted(RULES_BY_CODE):
            rule = RULES_BY_CODE[code]
            stdout.write(f"{rule.code}  {rule.name:<28} {rule.default_severity.label:<12}"
                         f"{' '.join(rule.summary.split())}\n")
        return EXIT_OK
    rule = rule_by_code(args.code) or next(
        (r for r in RULES_BY_CODE.values() if r.name == args.code.strip().lower()), None
    )
    if rule is None:
        stderr.write(
            f"spawnguard: error: unknown rule {args.code!r}; known rules: "
            f"{', '.join(sorted(RULES_BY_CODE))}\n"
        )
        return EXIT_USAGE
    from spawnguard.docs import render_rule_page

    stdout.write(render_rule_page(rule))
    return EXIT_OK


def run_serve(server_args: list[str], stderr: TextIO) -> int:
    """Start the language server (`spawnguard.server.main(argv)`), imported only when asked."""
    try:
        import pygls  # noqa: F401
    except ImportError:
        stderr.write(
            "spawnguard: error: the language server needs pygls; install it with "
            "`pip install 'spawnguard[server]'`\n"
        )
        return EXIT_USAGE
    try:
        from spawnguard.server import main as server_main
    except ImportError as error:
        # A missing lsprotocol/jedi, or a build without the server: say so, no traceback.
        stderr.write(
            f"spawnguard: error: the language server is not available ({error}); install it "
            "with `pip install 'spawnguard[server]'`\n"
        )
        return EXIT_USAGE
    return int(server_main(server_args) or 0)


# --- arguments and entry point --------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spawnguard",
        description="Find PyTorch and multiprocessing code that breaks under the spawn start "
        "method.",
    )
    parser.add_argument(
        "--version", action="version", version=f"spawnguard {spawnguard.__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="check files and folders",
        description="Check Python files (folders are searched for .py files). Exit 0: nothing "
        "at warning or above; 1: findings (with --diff: a diff was printed); 2: usage or "
        "configuration error.",
    )
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or folders; - reads stdin")
    check.add_argument("--format", choices=sorted(FORMATS), default="text")
    check.add_argument(
        "--fix", action="store_true", help="apply each finding's preferred fix, then report"
    )
    check.add_argument(
        "--diff", action="store_true", help="print the diff --fix would make; write nothing"
    )
    check.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when problems are found"
    )
    check.add_argument(
        "--select", action="append", metavar="CODES", help="comma-separated codes or prefixes"
    )
    check.add_argument(
        "--ignore", action="append", metavar="CODES", help="comma-separated codes or prefixes"
    )
    check.add_argument(
        "--config", type=Path, metavar="FILE", help="use this pyproject.toml or spawnguard.toml"
    )
    check.add_argument("--output-file", type=Path, metavar="FILE", help="write the report here")
    check.add_argument(
        "--stdin-filename", metavar="NAME", help="the path to report for source read from stdin"
    )

    rule = commands.add_parser(
        "rule", help="show a rule's documentation", description="Show a rule's documentation "
        "page, or list the rules when no code is given."
    )
    rule.add_argument("code", nargs="?", metavar="CODE", help="e.g. SPG101")

    commands.add_parser(
        "serve",
        help="run the language server (stdio)",
        description="Run the language server; further arguments go to the server.",
    )
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    stdin = stdin or sys.stdin
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra and args.command != "serve":
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exit_:  # argparse: --help, --version, usage errors (2)
        return exit_.code if isinstance(exit_.code, int) else EXIT_OK
    try:
        if args.command == "check":
            return run_check(args, stdout, stderr, stdin)
        if args.command == "rule":
            return run_rule(args, stdout, stderr)
        if args.command == "serve":
            return run_serve(extra, stderr)
        parser.print_help(stderr)
        return EXIT_USAGE
    except (ConfigError, UsageError) as error:
        stderr.write(f"spawnguard: error: {error}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `spawnguard check | head`: stop quietly; point stdout at devnull so the
        # interpreter's final flush does not complain again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FINDINGS


if __name__ == "__main__":
    raise SystemExit(main())

