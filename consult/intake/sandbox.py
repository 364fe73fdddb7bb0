"""Running one function on untrusted input in a child process with a CPU-time, memory and wall-clock budget.

``reading.read_table`` parses every upload here. The parse needs a process of its own because nothing
else bounds it: openpyxl, lxml and the csv module spend their time in C, where a thread cannot be
interrupted, and a signal-based timeout works only in the main thread, while gunicorn's gthread workers
serve requests on other threads. A process can be given limits (RLIMIT_CPU, RLIMIT_AS) and be killed, and
what it allocated goes back to the system when it ends instead of staying in a long-lived worker's heap.

**Where the child comes from.** Not ``fork()`` of the worker: a worker runs several threads, and ``fork``
copies only the calling one, so a lock another thread held at that instant (logging's, the database
pool's, one inside a C library's allocator) stays locked forever in the child; CPython 3.12 warns about
exactly this, and ``subprocess``'s ``preexec_fn`` has the same problem. The children are forked by
multiprocessing's *forkserver*: a fresh interpreter started once per worker by exec (no threads, nothing
inherited but the code), which imports the parser (``preload``) and then forks one child per call. That
is as safe as ``subprocess`` running ``sys.executable -m …`` for every upload, which was tried first and
costs 0.3 s of CPU (over a second of wall clock on a busy machine) to start Python and import Flask and
openpyxl each time, against a few milliseconds for a fork of the ready server (the tests of the intake
went from 20 s to 15 minutes with it). The forkserver starts at a worker's first upload (about a second
of importing), listens on a socket in a private temporary directory (mode 0600) and ends with the
worker. Like any multiprocessing start method but fork, it imports the program's main script once, so
that script must keep its work under ``if __name__ == "__main__":``, as the gunicorn, flask and pytest
scripts do.

**The child** sets its own limits first (CPU seconds: SIGXCPU at the limit, SIGKILL a second later;
address space; no file may be written; no core dump), runs the function and sends back the bytes it
returns. The arguments go down pickled (from the worker, trusted); the answer comes back as bytes the
caller decodes (``reading`` uses JSON, never pickle, so even a parser subverted by a crafted file cannot
run code in the worker), and is refused past ``result_bytes`` while it is read. A child that runs out of
memory exits with ``OUT_OF_MEMORY``; the parent kills it at the wall-clock budget. Each of these raises
``OutOfBudget`` in the caller.
"""

from __future__ import annotations

import multiprocessing
import resource
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

OUT_OF_MEMORY = 3  # the child's exit status after a MemoryError


@dataclass(frozen=True)
class Budget:
    """What one call may use: CPU seconds, bytes of address space, seconds of wall clock, answer bytes."""

    cpu_seconds: int
    memory_bytes: int
    wall_seconds: float
    result_bytes: int


class OutOfBudget(Exception):
    """The child ran out of its budget (or was killed by a signal); ``reason`` says which, for the log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def run(target: Callable[..., bytes], args: tuple, budget: Budget, preload: Sequence[str] = ()) -> bytes:
    """``target(*args)`` in a child forked from the forkserver, within ``budget``; the bytes it returns.

    ``target`` must be a module-level function (it is named to the child, not copied). ``preload`` names
    the modules the forkserver imports when it starts, so that each child begins with them loaded.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", *preload])  # used when the server starts
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(target, args, writer, budget), daemon=True)
    try:
        process.start()
    finally:
        writer.close()  # the child holds its own copy; EOF here when it ends
    try:
        body = _answer(reader, process, budget)
    finally:
        reader.close()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
    if body is not None:
        return body
    code = process.exitcode
    if code is not None and (code == OUT_OF_MEMORY or code < 0):
        raise OutOfBudget(f"exit status {code}")
    raise RuntimeError(f"the child process failed (exit status {code}); its traceback is in the error log")


def _answer(reader, process, budget: Budget) -> bytes | None:
    """The child's answer, None when it ended without one; OutOfBudget past the wall clock or the size."""
    if not reader.poll(budget.wall_seconds):
        process.kill()
        raise OutOfBudget(f"longer than {budget.wall_seconds} s")
    try:
        return reader.recv_bytes(budget.result_bytes)
    except EOFError:
        return None
    except OSError as exc:  # "bad message length": an answer over result_bytes
        process.kill()
        raise OutOfBudget(f"an answer over {budget.result_bytes} bytes") from exc


def _limit(kind: int, value: int) -> None:
    """Lower a resource limit to ``value`` (never above the hard limit this process already has)."""
    _soft, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, value))


def set_limits(budget: Budget) -> None:
    """This process's limits: CPU time (SIGXCPU, then SIGKILL a second later), address space, no files."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    cpu_hard = budget.cpu_seconds + 1
    if hard != resource.RLIM_INFINITY:
        cpu_hard = min(cpu_hard, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (min(budget.cpu_seconds, cpu_hard), cpu_hard))
    _limit(resource.RLIMIT_AS, budget.memory_bytes)
    _limit(resource.RLIMIT_FSIZE, 0)  # Python ignores SIGXFSZ: a write fails instead of killing
    _limit(resource.RLIMIT_CORE, 0)
    sys.dont_write_bytecode = True  # a module imported late writes no .pyc either


def _child(target: Callable[..., bytes], args: tuple, writer, budget: Budget) -> None:
    set_limits(budget)
    try:
        body = target(*args)
        writer.send_bytes(body)
    except MemoryError:
        sys.exit(OUT_OF_MEMORY)
    finally:
        writer.close()
