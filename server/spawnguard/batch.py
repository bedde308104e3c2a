"""Analysing many files: the cheap text prefilter first, then the rest in parallel.

Most files of a big tree cannot hold a spawn problem (they name no worker API, test no
`__name__`, import no project module that matters); `engine.rules_for` says so from the text
alone, and those files are never parsed. The remaining files are analysed across the cores.
Worker processes get a copy of the project (its file index and the module summaries built so
far), so they do not walk the folders again.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

from spawnguard import engine
from spawnguard.analysis.collector import collector_paused
from spawnguard.analysis.findings import Finding
from spawnguard.analysis.project import Project
from spawnguard.analysis.settings import AnalysisSettings
from spawnguard.files import UnreadableSource, problem_finding, read_file
from spawnguard.workspace import WorkspaceFiles

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
    # Interleaved chunks: neighbouring files (one package) cost alike.
    chunks = [list(jobs[start::workers * 4]) for start in range(workers * 4)]
    tasks = [(project, chunk) for chunk in chunks if chunk]
    results: dict[int, list[Finding]] = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for chunk_result in pool.map(_analyse_chunk, tasks):
            results.update(chunk_result)
    return results


def _analyse(job: Job, project: Project | None) -> list[Finding]:
    text = job.text
    if text is None:
        try:
            text = read_file(job.file or job.path).text
        except UnreadableSource as error:
            return problem_finding(str(error), job.settings, error.line)
    findings = engine.analyze(text, path=job.path, settings=job.settings, project=project)
    return [_relative_related(f) for f in findings]


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


def _analyse_chunk(task: tuple[Project | None, list[Job]]) -> dict[int, list[Finding]]:
    """Runs in a worker process, with a copy of the parent's project: its file index and the
    summaries built so far come along, so a worker neither walks the folders again nor
    summarises a shared module the parent already did."""
    project, jobs = task
    # Paused for the whole chunk, not file by file: between files, resuming it would walk
    # the chunk's findings and the project's caches again and again, for little to free.
    with collector_paused():
        return {job.index: _analyse(job, project) for job in jobs}
