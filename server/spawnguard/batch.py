"""Analysing many files: the cheap text prefilter first, then the rest in parallel.

Most files of a big tree cannot hold a spawn problem (they name no worker API, test no
`__name__`, import no project module that matters); `engine.rules_for` says so from the text
alone, and those files are never parsed.

With a project, a big tree is done in three steps: the worker processes read and scan every
file (imports, prefilters); the parent settles the project index once from those scans (which
modules hand out worker starts — a few modules parsed); the files that can hold a problem are
then analysed across the cores, each worker with a copy of the settled index. No worker
rebuilds the index, and no file is scanned twice.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import TypeVar

from spawnguard import engine
from spawnguard.analysis.apis import may_start_workers
from spawnguard.analysis.collector import collector_paused
from spawnguard.analysis.findings import Finding
from spawnguard.analysis.project import Built, Project, Scan
from spawnguard.analysis.settings import AnalysisSettings
from spawnguard.files import UnreadableSource, problem_finding, read_file
from spawnguard.workspace import WorkspaceFiles

T = TypeVar("T")

# Below this many files a process pool costs more than it saves.
PARALLEL_MIN_FILES = 24


@dataclass(frozen=True)
class Job:
    index: int
    path: str  # as shown to the user
    text: str | None  # None: read `file` where the job runs
    settings: AnalysisSettings
    file: str | None = None


def make_project(roots: Sequence[str], texts: dict[str, str]) -> Project:
    return Project(roots, WorkspaceFiles(roots, texts))


def analyse_jobs(jobs: Sequence[Job], project: Project | None,
                 workers: int | None = None) -> dict[int, list[Finding]]:
    """Findings by job index (the engine skips, unparsed, the jobs whose text cannot hold a
    spawn problem). Many jobs are spread over the cores, prefilter included."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(jobs) < PARALLEL_MIN_FILES:
        return {job.index: _analyse(job, project) for job in jobs}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        if project is None or project.too_big:
            return _in_chunks(pool, _analyse_chunk, project, jobs, workers)
        return _with_index(pool, jobs, project, workers)


def _with_index(pool: ProcessPoolExecutor, jobs: Sequence[Job], project: Project,
                workers: int) -> dict[int, list[Finding]]:
    # 1. Each file is read and scanned where a worker is: its imports, whether it may start
    #    workers, whether its own text may get a finding.
    scans = _in_chunks(pool, _scan_chunk, project, jobs, workers)
    for job in jobs:
        if scans[job.index].scan is not None:
            project.adopt_scan(_real_path(job), scans[job.index].scan)
    imported = list(dict.fromkeys(
        path for scanned in scans.values() if scanned.scan is not None
        for path in scanned.scan.imports))
    # 2. The files whose own text may get a finding are analysed, and the imported modules
    #    that may start workers summarised, before the index is settled: each worker takes
    #    every module not to matter and says which it took so.
    own = [job for job in jobs if scans[job.index].own_rules]
    seeds = [path for path in imported if project.may_start_at(path)]
    tasks = [(project, own[start::workers * 4], seeds[start::workers * 4])
             for start in range(workers * 4)]
    first: dict[int, _FirstPass] = {}
    # All results first: the pool pickles the tasks (the project among them) in a thread of
    # its own, and adopting a result changes the project.
    passes = list(pool.map(_first_pass_chunk, [t for t in tasks if t[1] or t[2]]))
    for built, found in passes:
        project.adopt_built(built)
        first.update(found)
    # 3. The index is settled once, here (a summary is built here only for a module that
    #    imports one found to matter) ...
    project.index(imported)
    project.drop_stale_builds()
    # 4. ... and only the files whose analysis took a module wrongly, or that name no worker
    #    API but import a module that hands out workers, are analysed (again).
    results: dict[int, list[Finding]] = {}
    remaining = []
    for job in jobs:
        scanned = scans[job.index]
        passed = first.get(job.index)
        if scanned.findings is not None:
            results[job.index] = scanned.findings
        elif passed is not None and not project.wrongly_assumed(passed.reads):
            results[job.index] = passed.findings
        elif passed is None and not (scanned.scan is not None
                                     and project.imports_matter(scanned.scan)):
            results[job.index] = []
        else:
            remaining.append(job)
    if len(remaining) < PARALLEL_MIN_FILES:
        results.update({job.index: _analyse(job, project) for job in remaining})
    else:
        results.update(_in_chunks(pool, _analyse_chunk, project, remaining, workers))
    return results


def _real_path(job: Job) -> str:
    return os.path.abspath(job.file or job.path)


Task = tuple[Project | None, list[Job]]


def _in_chunks(pool: ProcessPoolExecutor, task: Callable[[Task], dict[int, T]],
               project: Project | None, jobs: Sequence[Job], workers: int) -> dict[int, T]:
    # Interleaved chunks: neighbouring files (one package) cost alike.
    chunks = [list(jobs[start::workers * 4]) for start in range(workers * 4)]
    results: dict[int, T] = {}
    for chunk_result in pool.map(task, [(project, chunk) for chunk in chunks if chunk]):
        results.update(chunk_result)
    return results


def _text_of(job: Job) -> str | list[Finding]:
    """The job's text, or the finding that says why it cannot be read."""
    if job.text is not None:
        return job.text
    try:
        return read_file(job.file or job.path).text
    except UnreadableSource as error:
        return problem_finding(str(error), job.settings, error.line)


def _analyse(job: Job, project: Project | None) -> list[Finding]:
    text = _text_of(job)
    if not isinstance(text, str):
        return text
    findings = engine.analyze(text, path=job.path, settings=job.settings, project=project)
    return [_relative_related(f) for f in findings]


@dataclass(frozen=True)
class _Scanned:
    scan: Scan | None  # None: not a project module, or unreadable
    own_rules: bool  # its own text may get a finding
    findings: list[Finding] | None = None  # decided already (an unreadable file)


@dataclass(frozen=True)
class _FirstPass:
    findings: list[Finding]
    reads: frozenset[str]  # the modules its analysis took not to matter


def _relative_related(finding: Finding) -> Finding:
    """Paths of related locations in other files, shown relative to the working folder."""
    if not any(r.path for r in finding.related):
        return finding
    related = tuple(
        replace(r, path=_display(r.path)) if r.path else r for r in finding.related)
    return replace(finding, related=related)


def _display(path: str) -> str:
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


# --- worker processes ------------------------------------------------------------------------


def _scan_chunk(task: Task) -> dict[int, _Scanned]:
    """Runs in a worker process: reads and scans its files for the parent's index."""
    project, jobs = task
    assert project is not None
    results: dict[int, _Scanned] = {}
    for job in jobs:
        text = _text_of(job)
        if not isinstance(text, str):
            results[job.index] = _Scanned(None, False, text)
            continue
        path = _real_path(job)
        scan = project.scan_text(path, text) if project.contains(path) else None
        known = {may_start_workers: scan.may_start} if scan is not None else None
        own = engine.rules_for(text, job.settings, None, path, known) is not None
        results[job.index] = _Scanned(scan, own)
    return results


def _first_pass_chunk(
    task: tuple[Project, list[Job], list[str]],
) -> tuple[dict[str, Built], dict[int, _FirstPass]]:
    """Runs in a worker process, before the index is settled: summarises the modules it is
    given and analyses its files, each with the modules it took not to matter."""
    project, jobs, seeds = task
    project.speculate()
    known = set(project.built_since(()))
    results: dict[int, _FirstPass] = {}
    with collector_paused():
        for path in seeds:
            project.summary(path)
        for job in jobs:
            findings = _analyse(job, project)
            results[job.index] = _FirstPass(findings, project.take_reads())
    return project.built_since(known), results


def _analyse_chunk(task: Task) -> dict[int, list[Finding]]:
    """Runs in a worker process, with a copy of the parent's project: its file index, the
    settled index and the summaries built so far come along, so a worker neither walks the
    folders again nor summarises a module the parent already did."""
    project, jobs = task
    # Paused for the whole chunk, not file by file: between files, resuming it would walk
    # the chunk's findings and the project's caches again and again, for little to free.
    with collector_paused():
        return {job.index: _analyse(job, project) for job in jobs}
