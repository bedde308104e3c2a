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
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import spawnguard
from spawnguard import batch
from spawnguard.analysis.findings import Finding
from spawnguard.analysis.project import Project
from spawnguard.config import ConfigError, parse_comma_list, parse_selectors
from spawnguard.files import (
    SourceFile,
    UnreadableSource,
    decode_source,
    problem_finding,
    read_file,
)
from spawnguard.output import FORMATS, FileReport, Report
from spawnguard.output.common import is_failure, plural
from spawnguard.rules import RULES_BY_CODE, rule_by_code
from spawnguard.targets import (
    PYTHON,
    STDIN_PATH,
    ConfigResolver,
    Target,
    UsageError,
    collect_targets,
    printable,
)

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


# --- reading and writing files byte-exactly -------------------------------------------------


def read_stdin(stdin: TextIO | None) -> bytes:
    if stdin is None:  # started with standard input closed
        raise UnreadableSource("cannot read standard input: it is closed")
    buffer = getattr(stdin, "buffer", None)
    return buffer.read() if buffer is not None else stdin.read().encode("utf-8")


def write_exact(stream: TextIO, text: str | bytes) -> None:
    """Write without newline translation (fixed sources and diffs keep their \\r\\n); bytes
    (a fixed standard input, in its own encoding) as they are."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text if isinstance(text, str) else text.decode("utf-8", "replace"))
        return
    stream.flush()
    buffer.write(text if isinstance(text, bytes) else text.encode("utf-8"))
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
    notices: list[str] = field(default_factory=list)  # said once on standard error
    # With --fix on standard input: the bytes to write back (the input itself when nothing
    # could be fixed, e.g. input that is not UTF-8).
    fixed_stdin: bytes | None = None


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
    targets: Sequence[Target], *, fix: bool, diff: bool, stdin: TextIO | None,
    given: Sequence[str] = (),
) -> CheckOutcome:
    outcome = CheckOutcome()
    project = batch.make_project(project_roots(targets, given), {})
    if project.too_big:
        outcome.notices.append(project.too_big_notice())
    found: dict[int, list[Finding]] = {}
    if not (fix or diff):
        # Python files are read where they are analysed (in the worker processes for a big
        # tree): the parent only walks the folders.
        jobs = [batch.Job(index, t.display_path, None, t.config.settings, str(t.file))
                for index, t in enumerate(targets)
                if t.kind is PYTHON and t.file is not None and t.problem is None]
        found = batch.analyse_jobs(jobs, project)
    for index, target in enumerate(targets):
        if index in found:
            outcome.file_reports.append(FileReport(target.display_path, tuple(found[index])))
            continue
        settings = target.config.settings
        data = None
        try:
            if target.problem is not None:
                raise UnreadableSource(target.problem)
            if target.file is None:
                data = read_stdin(stdin)
                source = decode_source(data)
            else:
                source = read_file(target.file)
        except UnreadableSource as error:
            if fix and target.file is None and data is not None:
                outcome.fixed_stdin = data  # nothing to fix: the input goes back as it came
            findings = problem_finding(str(error), settings, error.line)
            outcome.file_reports.append(FileReport(target.display_path, tuple(findings)))
            continue
        if fix or diff:
            findings = _fix_target(target, source, outcome, diff=diff, project=project)
        else:
            # Standard input and notebooks: analysed here, from the text read above.
            findings = target.kind.analyze(source.text, path=target.display_path,
                                           settings=settings, project=project)
        outcome.file_reports.append(FileReport(target.display_path, tuple(findings)))
    return outcome


def _fix_target(target: Target, source: SourceFile, outcome: CheckOutcome, *, diff: bool,
                project: Project | None) -> list[Finding]:
    """Fix one file (write it, or add its diff), and return what is left to report. When the
    fixes cannot all be written (a module to create exists, the file is read-only), nothing is
    changed and the file's findings are reported as they are, with the reason."""
    path, settings = target.display_path, target.config.settings
    result = target.kind.fix(source.text, path=path, settings=settings, project=project)
    folder = os.path.dirname(str(target.file) if target.file is not None else path)
    new_files = [(os.path.join(folder, name), text) for name, text in result.new_files]
    problems = [f"cannot create {printable(new_path)}: it exists"
                for new_path, text in new_files
                if os.path.lexists(new_path) and not _holds(new_path, text)]
    if not problems and result.text != source.text:
        problems = _write_fixes(target, source, result.text, new_files, outcome, diff=diff)
    if problems:
        unfixed = target.kind.analyze(source.text, path=path, settings=settings,
                                      project=project)
        if target.file is None:
            outcome.fixed_stdin = source.encode(source.text)
        return unfixed + [f for problem in problems
                          for f in problem_finding(f"{problem}; no fix applied", settings)]
    if target.file is None:
        outcome.fixed_stdin = source.encode(result.text)
    outcome.fixes_applied += result.applied if result.text != source.text else 0
    return list(result.remaining)


def _holds(path: str, text: str) -> bool:
    """Whether the file at `path` already has exactly `text` (a module an earlier --fix made)."""
    try:
        return Path(path).read_bytes() == text.encode("utf-8")
    except OSError:
        return False


def _write_fixes(target: Target, source: SourceFile, fixed: str,
                 new_files: list[tuple[str, str]], outcome: CheckOutcome, *,
                 diff: bool) -> list[str]:
    """Write the new modules, then the fixed file (or add their diffs); the problems that
    stopped it (a new module already written is removed again)."""
    created: list[str] = []
    if diff:
        outcome.diffs += [unified_diff(printable(p), "", text) for p, text in new_files
                          if not os.path.lexists(p)]
        outcome.diffs.append(unified_diff(target.display_path, source.text, fixed))
        return []
    try:
        for new_path, text in new_files:
            if not os.path.lexists(new_path):
                with open(new_path, "xb") as handle:
                    handle.write(text.encode("utf-8"))
                created.append(new_path)
        if target.file is not None:
            target.file.write_bytes(source.encode(fixed))
    except OSError as error:
        for new_path in created:
            os.remove(new_path)
        where = printable(error.filename) if isinstance(error.filename, str) else "the fixes"
        return [f"cannot write {where}: {error.strerror or error}"]
    return []


def run_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO, stdin: TextIO) -> int:
    select = _selectors(args.select, "--select")
    ignore = _selectors(args.ignore, "--ignore")
    configs = ConfigResolver(args.config, select, ignore)
    paths = list(args.paths) or ([STDIN_PATH] if args.stdin_filename else ["."])
    if paths.count(STDIN_PATH) > 1:
        raise UsageError("standard input (-) can be read only once")
    targets = collect_targets(paths, args.stdin_filename, configs,
                              force_exclude=args.force_exclude)
    outcome = check_targets(targets, fix=args.fix, diff=args.diff, stdin=stdin, given=paths)
    for notice in outcome.notices:
        stderr.write(notice + "\n")
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
    if not codes:  # `--select ""` would silently switch every rule off
        raise ConfigError(f"{flag}: no rule code given (for example {flag} SPG101)")
    try:
        return parse_selectors(codes)
    except ValueError as error:
        raise ConfigError(f"{flag}: {error}") from None


# --- rule, serve ----------------------------------------------------------------------------


def run_rule(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.code is None:
        rules = [RULES_BY_CODE[code] for code in sorted(RULES_BY_CODE)]
        # Columns as wide as their longest entry, two spaces apart.
        name_width = max(len(rule.name) for rule in rules)
        severity_width = max(len(rule.default_severity.label) for rule in rules)
        for rule in rules:
            stdout.write(f"{rule.code}  {rule.name:<{name_width}}  "
                         f"{rule.default_severity.label:<{severity_width}}  "
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
        "--force-exclude", action="store_true",
        help="skip files named on the command line when an exclude glob matches them "
        "(the pre-commit hooks use it: pre-commit names every file)")
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
    # Unknown arguments are found only after parsing (`serve` passes them on): each command
    # keeps its own parser to report them with its own usage line.
    for command_parser in commands.choices.values():
        command_parser.set_defaults(command_parser=command_parser)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    # A standard stream the command was started without is None: output is then dropped
    # (the exit code still tells), and reading standard input reports that it is closed.
    stdout = stdout or sys.stdout or open(os.devnull, "w")  # noqa: SIM115
    stderr = stderr or sys.stderr or open(os.devnull, "w")  # noqa: SIM115
    stdin = stdin or sys.stdin
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra and args.command != "serve":
            getattr(args, "command_parser", parser).error(
                f"unrecognized arguments: {' '.join(extra)}"
            )
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
        # `spawnguard check | head`: stop quietly.
        _drop_stdout()
        return EXIT_FINDINGS
    except OSError as error:
        # Output that cannot be written (a full disk), a path the system refuses.
        _drop_stdout()
        where = f"{printable(error.filename)}: " if isinstance(error.filename, str) else ""
        stderr.write(f"spawnguard: error: {where}{error.strerror or error}\n")
        return EXIT_USAGE


def _drop_stdout() -> None:
    """Point stdout at devnull, so that the interpreter's final flush of what could not be
    written does not fail again with a traceback."""
    if sys.stdout is None:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    raise SystemExit(main())

