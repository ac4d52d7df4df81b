"""Read uploads in worker processes held to limits, so no document can stall the server.

Parsing untrusted files is CPU and memory work whose cost a crafted file decides. A thread cannot
be stopped, and parses in asyncio's default thread pool once starved the blob store and every
other user of that pool; so each upload is read in a process of its own, forked from a
forkserver that has imported the parsers already (a fork takes milliseconds; a fresh interpreter
would spend seconds, counted against the limit, importing them). Before reading, the worker lowers
its priority below the server's and the kernel is told its limits (``ReadingLimits``): processor
time (RLIMIT_CPU stops it), memory (RLIMIT_AS makes allocations past it fail), no core dump; the
server kills it at the wall-clock limit, and every worker still running when ``aclose`` is called.
A stopped worker has produced nothing, so the caller stores nothing.

At most ``ReadingLimits.workers`` uploads are read at once per app process; each is watched by a
thread of this module's own small pool (a blocking wait on the worker's pipe), never asyncio's.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import resource
import signal
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Final, Literal

from kb.chunking import chunk_sections
from kb.errors import DocumentTooComplex, KnowledgeBusy, KnowledgeError, UnreadableDocument
from kb.limits import ReadingLimits
from kb.models import Chunk
from kb.parsing import parse_document

log = logging.getLogger(__name__)

_CONTEXT: Final = multiprocessing.get_context("forkserver")
# multiprocessing also runs the parent's main script again in each worker (as ``__mp_main__``): for
# the ``harde`` command that imports the CLI, about half a second of the worker's processor time;
# none for ``python -m harde``. Python 3.11's forkserver ignores a request to preload it.
_CONTEXT.set_forkserver_preload([__name__])
_NICENESS: Final = 10
"""Below the server's priority: a busy reader yields the processor to calls and requests."""
_NEAR_CEILING: Final = 16 * 1_048_576
"""A worker that failed with its peak memory this close to its limit failed for want of memory."""

_Outcome = tuple[str, object]
"""What a worker sends back: ("chunks", list of chunks), ("refused", the KnowledgeError saying why),
("memory", None) or ("failed", a traceback)."""
_Stop = Literal["wall", "closing"]


class DocumentReaders:
    """Parse and chunk uploads in worker processes, at most ``limits.workers`` at once."""

    def __init__(self, limits: ReadingLimits) -> None:
        self.limits = limits
        self._slots = asyncio.Semaphore(limits.workers)
        self._watchers = ThreadPoolExecutor(limits.workers, thread_name_prefix="kb-reader")
        self._running: set[_Reading] = set()
        self._closed = False

    async def read(self, name: str, document_id: str, data: bytes) -> list[Chunk]:
        """The document's chunks; raises the ``KnowledgeError`` that says why it was refused."""
        try:
            async with asyncio.timeout(self.limits.wall_seconds):
                await self._slots.acquire()
        except TimeoutError:
            raise KnowledgeBusy(
                "every document reader stayed busy for too long; upload the document again in a minute"
            ) from None
        try:
            if self._closed:
                raise _shutting_down()
            reading = _Reading(name, document_id, data, self.limits)
            self._running.add(reading)
            try:
                future = asyncio.get_running_loop().run_in_executor(self._watchers, reading.run)
                try:
                    return await asyncio.shield(future)
                except asyncio.CancelledError:  # the request went away, or the server is stopping
                    reading.stop("closing")
                    raise
            finally:
                self._running.discard(reading)
        finally:
            self._slots.release()

    def close(self) -> None:
        """Kill every worker still reading (their uploads are refused, nothing stored); idempotent."""
        self._closed = True
        for reading in list(self._running):
            reading.stop("closing")
        self._watchers.shutdown(wait=False, cancel_futures=True)


class _Reading:
    """One upload in one worker process, watched from a thread of the readers' pool."""

    def __init__(self, name: str, document_id: str, data: bytes, limits: ReadingLimits) -> None:
        self._name = name
        self._document_id = document_id
        self._data = data
        self._limits = limits
        self._guard = threading.Lock()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._finished = False
        self._stopped: _Stop | None = None

    def stop(self, why: _Stop) -> None:
        """Kill the worker (if it runs) and remember why; from any thread, without waiting."""
        with self._guard:
            self._stopped = self._stopped or why
            if self._process is not None and not self._finished:
                self._process.kill()

    def _stopping(self) -> bool:
        return self._stopped is not None  # a method, as another thread may set it at any time

    def run(self) -> list[Chunk]:
        receive, send = _CONTEXT.Pipe(duplex=False)
        process = _CONTEXT.Process(
            target=_read,
            args=(send, self._name, self._document_id, self._data, self._limits),
            name="kb-reader",
            daemon=True,  # killed by multiprocessing when the server exits, whatever else happens
        )
        if self._stopping():
            raise _shutting_down()
        process.start()  # the first start launches the forkserver: seconds, so not under the guard
        with self._guard:
            self._process = process
            if self._stopping():  # stopped while it started
                process.kill()
        send.close()
        outcome: _Outcome | None = None
        try:
            if receive.poll(self._limits.wall_seconds):
                outcome = receive.recv()
            else:
                self.stop("wall")
        except EOFError:  # the worker died without answering: a limit, or it was killed
            pass
        finally:
            receive.close()
            with self._guard:
                process.kill()  # it has answered or is over a limit: either way, done
                self._finished = True
            process.join()
        return self._result(outcome, process.exitcode)

    def _result(self, outcome: _Outcome | None, exitcode: int | None) -> list[Chunk]:
        name, limits = self._name, self._limits
        advice = "Nothing was stored. Split it into smaller documents, or save it again as PDF or text."
        if self._stopped == "closing":
            raise _shutting_down()
        if self._stopped == "wall":
            raise DocumentTooComplex(
                f"{name} took longer than {limits.wall_seconds:g} s to read, the limit for one document. "
                + advice
            )
        if outcome is None:
            if exitcode in (-signal.SIGXCPU, -signal.SIGKILL):  # RLIMIT_CPU's soft, then hard limit
                raise DocumentTooComplex(
                    f"{name} needs more than {limits.cpu_seconds} s of processing to read, the limit "
                    f"for one document. {advice}"
                )
            outcome = ("failed", f"the reader stopped with exit code {exitcode}")
        kind, payload = outcome
        if kind == "chunks" and isinstance(payload, list):
            return payload
        if kind == "refused" and isinstance(payload, KnowledgeError):
            raise payload
        if kind == "memory":
            raise DocumentTooComplex(
                f"{name} needs more than {limits.memory_bytes // 1_048_576} MB of memory to read, "
                f"the limit for one document. {advice}"
            )
        log.error("reading %s failed: %s", name, payload)
        raise UnreadableDocument(f"{name} could not be read; check that it opens, then save it again.")


def _shutting_down() -> KnowledgeBusy:
    return KnowledgeBusy("the server is shutting down; upload the document again in a minute")


# --- in the worker process -----------------------------------------------------------------------


def _read(answer: Connection, name: str, document_id: str, data: bytes, limits: ReadingLimits) -> None:
    """The worker: take the limits, parse and chunk, send back the chunks or why not."""
    os.nice(_NICENESS)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    ceiling = _address_space() + limits.memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    outcome: _Outcome
    try:
        outcome = ("chunks", chunk_sections(document_id, name, parse_document(name, data)))
    except KnowledgeError as error:
        outcome = ("refused", error)
    except MemoryError:
        outcome = ("memory", None)
    except Exception:  # a file that breaks a parser in a way we did not foresee
        outcome = ("failed", traceback.format_exc())
    if outcome[0] != "chunks" and _peak_address_space() > ceiling - _NEAR_CEILING:
        outcome = ("memory", None)  # C code (lxml, zlib) reports a refused allocation its own way
    try:
        answer.send(outcome)
    except MemoryError:  # the answer itself did not fit
        answer.send(("memory", None))


def _address_space() -> int:
    """The worker's virtual memory now (the interpreter and the parsers it was forked with)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _peak_address_space() -> int:
    with open("/proc/self/status") as status:
        peak = next(line for line in status if line.startswith("VmPeak:"))
    return int(peak.split()[1]) * 1024
