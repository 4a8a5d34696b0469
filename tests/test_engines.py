"""The warm workers: work runs where it should, and a worker whose memory grows is replaced."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jinja2
import pytest

from buildcase import engines


def worker_pid(_: object) -> int:
    return os.getpid()


def grow_by_megabytes(megabytes: int) -> int:
    """Keep `megabytes` alive in the worker, as a leak would."""
    _kept.append(bytearray(megabytes * 2**20))
    return os.getpid()


_kept: list[bytearray] = []


@pytest.mark.slow
def test_a_pool_whose_worker_grew_is_renewed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines, "MEMORY_FLOOR_MB", 0)
    pool = engines.PoolEngines(1)
    try:
        first = pool.submit(worker_pid, None).result(timeout=30)
        assert first != os.getpid()  # the work ran in a worker
        assert not pool.grown()
        grown = pool.submit(grow_by_megabytes, 2 * pool.first_rss[first] + 50).result(timeout=30)
        assert grown == first and pool.grown()  # measured by the worker itself
        pool = pool.renewed()
        assert pool.submit(worker_pid, None).result(timeout=30) != first  # a new process
        assert not pool.grown()
    finally:
        pool.close()


def stop_signal(_: object) -> tuple[int, int]:
    """The worker's pid, and the signal the system sends it when the thread that forked
    it ends (PR_GET_PDEATHSIG; 0 for none)."""
    import ctypes

    found = ctypes.c_int(0)
    ctypes.CDLL(None).prctl(2, ctypes.byref(found))
    return os.getpid(), found.value


def end_at_once(_: object) -> None:
    os._exit(0)  # a worker that crashed in the middle of a task


@pytest.mark.slow
def test_a_replacement_worker_is_not_stopped_with_the_pools_own_thread() -> None:
    """A worker forked by the build ends with the build. One that replaces a worker that
    ended is forked by a thread of the pool, which ends as the pool closes: tied to it, it
    was stopped then, perhaps while it waited for work holding the task queue's lock, and
    the pool waited for that lock for ever. It is tied to nothing (it still ends with the
    build: its task queue closes)."""
    import signal

    pool = engines.PoolEngines(1, sites=False)
    try:
        first, tied = pool.submit(stop_signal, None).result(timeout=60)
        assert tied == signal.SIGTERM  # the build's own worker: ends with the build
        pool.submit(end_at_once, None)  # never answered: the worker is gone
        replacement, tied = pool.submit(stop_signal, None).result(timeout=60)
        assert replacement != first and tied == 0
    finally:
        pool.terminate()  # the crashed task is still owed: close would wait for it


@pytest.mark.slow
def test_a_pool_whose_idle_worker_was_killed_still_closes_and_lets_go() -> None:
    """A worker killed while it waits for work holds the task queue's lock for ever. The
    pool closes all the same, and what it leaves to be collected does not wait for that
    lock (it hung the test run that collected it)."""
    import signal
    import threading
    import time

    pool = engines.PoolEngines(1, sites=False)
    worker = pool.submit(worker_pid, None).result(timeout=60)
    old = pool.pool
    lock = old._inqueue._rlock._semlock  # type: ignore[attr-defined]
    deadline = time.monotonic() + 30
    while lock._get_value() != 0 and time.monotonic() < deadline:  # idle: holding it
        time.sleep(0.01)  # polling the condition, bounded by the deadline
    assert lock._get_value() == 0
    os.kill(worker, signal.SIGSTOP)  # it cannot read what closing sends it

    def kill_once_closing() -> None:
        while old._state == "RUN" and time.monotonic() < deadline:  # type: ignore[attr-defined]
            time.sleep(0.01)
        os.kill(worker, signal.SIGKILL)

    killer = threading.Thread(target=kill_once_closing, daemon=True)
    killer.start()
    closing = threading.Thread(target=pool.close, daemon=True)
    closing.start()
    closing.join(60)
    assert not closing.is_alive(), "the pool did not close"
    collected = threading.Thread(target=old._terminate, daemon=True)  # type: ignore[attr-defined]
    collected.start()  # what collecting the closed pool runs
    collected.join(10)
    assert not collected.is_alive(), "the closed pool's clean-up waits for ever for its lock"


@pytest.mark.slow
def test_one_proposal_makes_its_site_here_and_its_handouts_in_a_worker() -> None:
    split = engines.engines_for(1, jobs=2)
    try:
        assert isinstance(split, engines.SplitEngines)
        site = engines.SiteTask  # any task that is not a handout stays in this process
        assert split.submit(worker_pid, site).result(timeout=30) == os.getpid()
        handout = engines.HandoutTask("<p>x</p>", Path("."), [])
        assert split.submit(worker_pid, handout).result(timeout=30) != os.getpid()
    finally:
        split.close()


def pid_at_a_meeting(task: engines.HandoutTask) -> int:
    """The worker's pid, once two tasks have arrived in the folder `task.base_dir`: a
    second task can only arrive while the first waits if it runs in another worker."""
    import time

    (task.base_dir / str(os.getpid())).touch()
    deadline = time.monotonic() + 30
    while len(list(task.base_dir.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)  # polling the condition, bounded by the deadline
    return os.getpid()


@pytest.mark.slow
def test_one_proposals_handouts_are_made_side_by_side_on_every_core(tmp_path: Path) -> None:
    """The handouts are most of a proposal's work: with two cores, two workers make them
    while this process makes the site."""
    split = engines.engines_for(1, jobs=2)
    try:
        handout = engines.HandoutTask("<p>x</p>", tmp_path, [])
        futures = [split.submit(pid_at_a_meeting, handout) for _ in range(2)]
        pids = {future.result(timeout=60) for future in futures}
        assert len(pids) == 2 and os.getpid() not in pids
    finally:
        split.close()


def test_one_core_or_one_job_works_in_this_process() -> None:
    inline = engines.engines_for(5, jobs=1)
    assert isinstance(inline, engines.InlineEngines)
    assert inline.submit(worker_pid, None).result() == os.getpid()


@pytest.mark.slow
def test_the_theme_templates_compile_once_per_process(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MkDocs runs our `hooks:` file (its public extension point) for each site, which
    keeps Material's compiled templates for the next build: without it a warm build
    compiles them all again. Fails loudly if MkDocs stops calling `on_env`."""
    from buildcase.cache.templates import compiled_templates
    from buildcase.commands.build import build

    from .conftest import MINIMAL, write_proposal

    cache = compiled_templates()
    cache.files.clear()
    folder = write_proposal(workspace, MINIMAL)
    assert not build([folder], workspace, workspace / "site", jobs=1).failed
    assert any("/material/" in file for file in cache.files.values())  # the hook ran

    compiled = []
    real = jinja2.Environment.compile

    def counting(self: jinja2.Environment, *args: Any, **kwargs: Any) -> Any:
        if self.bytecode_cache is cache:  # (Material also reads its language partials in
            compiled.append(args[1:])  # environments of its own, which MkDocs never hooks)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    assert not build([folder], workspace, workspace / "out2", jobs=1).failed
    assert compiled == []  # nothing compiled anew
