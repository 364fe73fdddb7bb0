"""The loop of the background worker commands (consult/cli/rounds.py): what --once means, when a worker
sleeps, and that a failed round is logged and retried instead of ending the worker."""

from __future__ import annotations

import logging

import pytest

from consult.cli import rounds
from consult.cli.rounds import run_rounds


class Stop(BaseException):
    """Ends a worker that would run for ever (not an Exception: the loop must not swallow it)."""


@pytest.fixture
def sleeps(monkeypatch):
    """The intervals slept, in order; the third sleep ends the worker."""
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 3:
            raise Stop

    monkeypatch.setattr(rounds.time, "sleep", sleep)
    return slept


def steps(*results):
    """A step that returns (or raises) each of ``results`` in turn, then 0 for ever; and its calls."""
    calls = []

    def step() -> int:
        calls.append(len(calls))
        if len(calls) <= len(results):
            result = results[len(calls) - 1]
            if isinstance(result, Exception):
                raise result
            return result
        return 0

    return step, calls


def test_once_ends_after_the_first_round_even_when_it_did_something(app, sleeps, capsys):
    step, calls = steps(3)
    with app.app_context():
        run_rounds(step, once=True, interval=2, failure="f", done=lambda n: f"did {n}")
    assert len(calls) == 1 and sleeps == []
    assert capsys.readouterr().out == "did 3\n"


def test_once_until_idle_goes_on_while_there_is_work_then_ends(app, sleeps, capsys):
    step, calls = steps(5, 2, 0, 7)
    with app.app_context():
        run_rounds(step, once=True, interval=2, failure="f", done=lambda n: f"did {n}", until_idle=True)
    assert len(calls) == 3 and sleeps == []  # no waiting between rounds that found work
    assert capsys.readouterr().out == "did 5\ndid 2\n"


def test_a_worker_sleeps_only_after_a_round_with_nothing_to_do(app, sleeps):
    step, calls = steps(1, 0, 4, 0, 0)
    with app.app_context(), pytest.raises(Stop):
        run_rounds(step, once=False, interval=1.5, failure="f")
    assert len(calls) == 5 and sleeps == [1.5, 1.5, 1.5]


def test_a_failed_round_is_logged_with_its_traceback_counts_as_idle_and_the_worker_goes_on(
    app, sleeps, caplog
):
    step, calls = steps(RuntimeError("database restarting"), 2)
    with app.app_context(), caplog.at_level(logging.ERROR), pytest.raises(Stop):
        run_rounds(step, once=False, interval=1, failure="grouping drain failed; retrying")
    assert len(calls) == 4  # the failure, a round with work, then idle rounds until the third sleep
    failed = [r for r in caplog.records if r.getMessage() == "grouping drain failed; retrying"]
    assert len(failed) == 1 and failed[0].exc_info[1].args == ("database restarting",)
    # --once after a failure: the worker ends (a cron run does not spin on a broken database).
    step, calls = steps(RuntimeError("disk full"))
    with app.app_context():
        run_rounds(step, once=True, interval=1, failure="f", until_idle=True)
    assert len(calls) == 1
