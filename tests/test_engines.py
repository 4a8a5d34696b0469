"""The warm workers: a worker whose memory grows is replaced by a fresh one."""

from __future__ import annotations

import os

import pytest

from buildcase import engines


def worker_pid(_: object) -> int:
    return os.getpid()


def test_a_pool_whose_worker_grew_is_renewed(monkeypatch: pytest.MonkeyPatch) -> None:
    pool = engines.PoolEngines(2)
    try:
        before = {pool.submit(worker_pid, None).result(timeout=30) for _ in range(8)}
        assert not pool.grown()  # as first measured
        monkeypatch.setattr(engines, "MEMORY_FLOOR_MB", 0)
        pool.first_rss = dict.fromkeys(pool.first_rss, 1)  # as if they had started at 1 MB
        assert pool.grown()
        pool = pool.renewed()
        after = {pool.submit(worker_pid, None).result(timeout=30) for _ in range(8)}
        assert before.isdisjoint(after)  # new processes
    finally:
        pool.close()


def test_one_proposal_makes_its_site_here_and_its_handouts_beside(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    split = engines.engines_for(1, jobs=2)
    try:
        assert isinstance(split, engines.SplitEngines)
        assert (
            split.submit(worker_pid, None).result() == os.getpid()
        )  # anything but a handout: here
        assert (
            split.submit(engines.make_handout, None).exception(timeout=30) is not None
        )  # in a worker
    finally:
        split.close()
    assert isinstance(engines.engines_for(5, jobs=1), engines.InlineEngines)
