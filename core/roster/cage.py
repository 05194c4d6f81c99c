"""Untrusted roster files are read in a cage: a child process with hard resource limits.

A roster file comes from a third party. Reading and checking it (``read_roster`` then
``assess_roster``) runs in a child process started by multiprocessing's ``forkserver`` (a clean
single-threaded server that has already imported pandas and pyarrow, so a child starts in
milliseconds and never inherits the parent's threads). Before it touches the file the child sets

* ``RLIMIT_AS``    :data:`~core.schema.roster.CAGE_MEMORY_BYTES` of address space,
* ``RLIMIT_CPU``   :data:`~core.schema.roster.CAGE_CPU_SECONDS` of CPU time,
* ``RLIMIT_FSIZE`` :data:`~core.schema.roster.CAGE_OUTPUT_BYTES` for the result it writes,
* ``RLIMIT_CORE``  0: a crash never dumps personal data to disk.

and switches to :func:`batch_memory` (its allocator suits one batch job, not a server).

The parent waits at most :data:`~core.schema.roster.CAGE_WALL_SECONDS` and then kills it. The
result comes back as Arrow IPC files in a temporary folder of mode 0700 (the uploaded bytes are
put there too, mode 0600), memory-mapped by the parent and unlinked before :func:`run_caged`
returns; the pipe carries only small metadata. Whatever the child does (a reader that aborts
asking for 512 GiB, a ``MemoryError``, an endless loop, a segfault) the parent gets a bilingual
:class:`~core.roster.io.RosterReadError` (``cage_memory``, ``cage_timeout``, ``cage_crashed``,
``cage_output``) and carries on. The pre-checks of ``core.roster.io`` (declared XLSX area,
rows, columns, cells, unpacked bytes) refuse the known hostile shapes before anything is
allocated; the cage is the net under everything else.

The cage runs whatever job it is given and knows nothing of the rules: the jobs live with their
use cases, the admin import's ``check_job`` in ``core.admin.importing`` and the command line's
(``python -m core roster`` and ``lapse-counts``) in ``core.admin.jobs``. Never imports
streamlit.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import multiprocessing.spawn
import os
import resource
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from core.roster.io import RosterReadError, read_roster
from core.roster.result import read_error
from core.schema import roster as schema

__all__ = ["Limits", "run_caged", "start_background", "start_server"]
_PROCESS_NAME = "ecert-roster-cage"
_BACKGROUND_NAME = "ecert-background"
_context_lock = threading.Lock()
_context: Any = None
_preload: set[str] = {__name__}  # the modules the forkserver imports before forking a child
_slots = threading.BoundedSemaphore(schema.CAGE_SLOTS)  # cages running at once (issue 27)
_preparation_data = multiprocessing.spawn.get_preparation_data


def _cage_preparation_data(name: str) -> dict:
    """multiprocessing makes every child re-run the parent's ``__main__`` script; under
    Streamlit that is the app's router (a fake ``__main__``). A cage child (and a
    :func:`start_background` one) needs only ``core`` (its job is sent by module and name),
    so it skips that, and only it."""
    data = _preparation_data(name)
    if name in (_PROCESS_NAME, _BACKGROUND_NAME):
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
    return data


multiprocessing.spawn.get_preparation_data = _cage_preparation_data


@dataclass(frozen=True)
class Limits:
    """The child's limits (defaults: core/schema/roster.py)."""

    memory_bytes: int = schema.CAGE_MEMORY_BYTES
    cpu_seconds: int = schema.CAGE_CPU_SECONDS
    wall_seconds: float = schema.CAGE_WALL_SECONDS
    output_bytes: int = schema.CAGE_OUTPUT_BYTES


def _ctx(jobs: tuple[Callable[..., object], ...] = ()):
    """The forkserver context. The modules of ``jobs`` (the functions its children will run)
    are preloaded by the server when it has not started yet; a job whose module the server
    did not preload is imported by its child (slower, same result)."""
    global _context
    with _context_lock:
        _preload.update(job.__module__ for job in jobs if job.__module__ != "__main__")
        if _context is None:
            _context = mp.get_context("forkserver")
        _context.set_forkserver_preload(sorted(_preload))
        return _context


# ------------------------------------------------------------------------------ the child
def _limit(child_limits: Limits) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (child_limits.memory_bytes,) * 2)
    cpu = int(child_limits.cpu_seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))  # SIGXCPU, then SIGKILL
    resource.setrlimit(resource.RLIMIT_FSIZE, (child_limits.output_bytes,) * 2)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # too big a result: an OSError, not a kill


# glibc's mallopt parameters (<malloc.h>)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD = 32 * 1024**2   # glibc's largest: arrays of a 1M-row roster stay on the heap
_TRIM_THRESHOLD = 256 * 1024**2  # freed heap kept for the next array, not given back at once


def batch_memory() -> None:
    """Set up this process's memory for one batch job over a roster (the cage's child).

    Reading a roster and then assessing it allocates and frees arrays of the roster's length
    many times. Arrow's default pool (mimalloc) takes fresh pages from the kernel on first use:
    0.4-0.7 s of system time in the first due list of a 1M-row roster, paid again in every new
    child. glibc's malloc with a fixed mmap threshold and a high trim threshold re-uses the pages
    the reading already touched. In a child, 1M-row CSV: read 2.2-2.3 -> 1.7-1.9 s, first due
    list 1.0-1.3 -> 0.7-0.9 s (docs/BENCHMARKS.md, "The cage's allocator"). Arrow then
    allocates through the same malloc. Without glibc (another libc) only the Arrow pool
    changes. scripts/bench_due.py times ``due`` inside a cage child, so its figure is the
    command's."""
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library's, as linked into Python
    except (OSError, AttributeError):
        mallopt = None
    if mallopt is not None:
        mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)


def _write_frame(frame: pd.DataFrame | pd.Series, path: Path) -> str:
    kind = "frame"
    if isinstance(frame, pd.Series):
        kind = "series"
        frame = frame.rename("value").to_frame()
        table = pa.Table.from_pandas(frame, preserve_index=True)
    else:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return kind


def _child(conn, job: Callable[..., dict], source: str, file_name: str | None, kwargs: dict,
           out_dir: str, child_limits: Limits) -> None:
    try:
        _limit(child_limits)
        batch_memory()
        result = job(read_roster(source, file_name), **kwargs)
        manifest: dict[str, Any] = {}
        for name, value in result.items():
            if isinstance(value, (pd.DataFrame, pd.Series)):
                path = Path(out_dir) / f"{name}.arrow"
                manifest[name] = ("arrow", _write_frame(value, path), str(path))
            else:
                manifest[name] = ("value", value)
        conn.send(("ok", manifest))
    except RosterReadError as exc:
        conn.send(("read_error", exc.code, exc.message_zh, exc.message_en))
    except MemoryError:
        conn.send(("memory",))
    except OSError as exc:
        import errno

        conn.send(("output",) if exc.errno == errno.EFBIG else ("crash", type(exc).__name__))
    except BaseException as exc:  # noqa: BLE001 - only the type leaves: a message may hold data
        conn.send(("crash", type(exc).__name__))
    finally:
        conn.close()


# ------------------------------------------------------------------------------ the parent
def _cage_error(code: str) -> RosterReadError:
    """The cage's own failure, from messages.toml ``[roster.<code>]``."""
    return read_error(code, mb=Limits().memory_bytes // 1024**3)


def _read_back(kind: str, path: str) -> pd.DataFrame | pd.Series:
    """The frame the child wrote. Memory-mapped: text columns stay in the mapped file
    (zero-copy), which outlives its name; the folder is removed right after."""
    with pa.memory_map(path, "r") as source:
        table = pa.ipc.open_file(source).read_all()
    frame = table.to_pandas()
    if kind == "series":
        return frame["value"].rename(None)
    return frame


def run_caged(job: Callable[..., dict], source: bytes | str | os.PathLike,
              file_name: str | None = None, *, limits: Limits | None = None,
              **kwargs: Any) -> dict[str, Any]:
    """``job(read_roster(source, file_name), **kwargs)`` in the cage; its dict of frames,
    series and plain values. ``job`` must be a module-level function (it is sent by name).
    Raises :class:`RosterReadError` for an unreadable file and for any failure of the child."""
    limits = limits or Limits()
    work = tempfile.mkdtemp(prefix="ecert-cage-")  # mode 0700
    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            if len(source) > schema.MAX_FILE_BYTES:
                raise read_error("file_too_large.limit", mb=schema.MAX_FILE_BYTES // 1048576)
            path = os.path.join(work, "input")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(source)
            name = file_name
        else:
            path = os.fspath(source)
            name = file_name or os.path.basename(path)
        # at most CAGE_SLOTS children at once: each may take CAGE_MEMORY_BYTES; the others
        # wait their turn (within the wall time), then are told the server is busy
        if not _slots.acquire(timeout=limits.wall_seconds):
            raise _cage_error("cage_busy")
        try:
            return _run_child(job, path, name, kwargs, work, limits)
        finally:
            _slots.release()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run_child(job, path: str, name: str | None, kwargs: dict, work: str,
               limits: Limits) -> dict[str, Any]:
    """The cage child of run_caged, one cage slot held."""
    ctx = _ctx((job,))
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send, job, path, name, kwargs, work, limits),
                        daemon=True, name=_PROCESS_NAME)
    child.start()
    send.close()
    try:
        if receive.poll(limits.wall_seconds):
            try:
                message = receive.recv()
            except (EOFError, OSError):
                message = None
        else:
            child.kill()
            raise _cage_error("cage_timeout")
    finally:
        child.join(5)
        if child.is_alive():
            child.kill()
            child.join(5)
        receive.close()
    if message is None:  # died without a word: a signal (limits, abort, crash)
        if child.exitcode == -signal.SIGXCPU or child.exitcode == -signal.SIGKILL:
            raise _cage_error("cage_timeout")
        raise _cage_error("cage_crashed")
    status = message[0]
    if status == "read_error":
        raise RosterReadError(*message[1:])
    if status == "memory":
        raise _cage_error("cage_memory")
    if status == "output":
        raise _cage_error("cage_output")
    if status != "ok":
        raise _cage_error("cage_crashed")
    files = [entry[2] for entry in message[1].values() if entry[0] == "arrow"]
    if sum(os.path.getsize(f) for f in files) > limits.output_bytes:
        raise _cage_error("cage_output")  # all files together, before any is read back
    out: dict[str, Any] = {}
    for key, entry in message[1].items():
        out[key] = _read_back(entry[1], entry[2]) if entry[0] == "arrow" else entry[1]
    return out


def start_server(*jobs: Callable[..., object]) -> None:
    """Start the forkserver now, not at the first upload, with the modules of ``jobs`` (the
    functions its children will run) preloaded: about a second the admin page spends while
    the admin logs in (ui.admin_data.prefetch)."""
    _ctx(jobs)
    from multiprocessing import forkserver

    forkserver.ensure_running()


def start_background(target: Callable[..., object], *args: Any) -> multiprocessing.Process:
    """Start ``target(*args)`` (a module-level function) in a forkserver child, without the
    cage's limits: trusted background work of the server that should not hold its GIL (the
    row table of an import, core.admin.importing.write_rows_later). A daemon: it ends with
    the server, and a thread reaps it when it is done."""
    child = _ctx((target,)).Process(target=target, args=args, daemon=True, name=_BACKGROUND_NAME)
    child.start()
    threading.Thread(target=child.join, name="ecert-background-reaper", daemon=True).start()
    return child
