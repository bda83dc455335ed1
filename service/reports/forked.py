"""Render one report in a forked child of a warm worker process.

WeasyPrint 70 with Pango 1.50 keeps about half a megabyte of native memory per document that
no collection gives back (measured: resident memory grew linearly over 300 renders of the
same report, with nothing growing on the Python heap). A worker that renders thousands of
reports would grow without bound. A child forked for each report starts from the worker's
warm state (fonts loaded, template compiled, copy-on-write, so nothing is copied up front),
renders, hands back the PDF through a pipe and exits: its memory goes back to the system
every time, and a crash inside Pango or HarfBuzz costs one report, not the worker.

Only a single-threaded process may fork safely (another thread could hold a lock the child
would inherit held), so the caller checks that first; tests and thread workers render in
their own process.
"""

from __future__ import annotations

import gc
import logging
import os
import struct
from collections.abc import Callable

log = logging.getLogger(__name__)

_OK, _FAILED = b"P", b"E"
_HEADER = struct.Struct("!cI")  # status, page count


def run_forked(render: Callable[[], tuple[bytes, int]],
               error: type[Exception]) -> tuple[bytes, int]:
    """Run ``render`` (returning the PDF and its page count) in a forked child. A failure
    comes back as ``error``: with its own message when the child raised ``error`` (our render
    errors say what to fix), otherwise with the exception's class name only, since a message
    could quote the report."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: render, write the result, and leave without any clean-up
        os.close(read_end)
        _child(render, error, write_end)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as source:
        data = source.read()
    _, status, usage = os.wait4(pid, 0)
    log.info("report renderer process: peak resident memory %.0f MB", usage.ru_maxrss / 1024)
    return _outcome(data, os.waitstatus_to_exitcode(status), error)


def _child(render: Callable[[], tuple[bytes, int]], error: type[Exception],
           write_end: int) -> None:
    code = 0
    try:
        # One render and out: collecting garbage would only slow it; the exit frees it all.
        gc.disable()
        try:
            pdf, pages = render()
            message = _HEADER.pack(_OK, pages) + pdf
        except Exception as exc:
            reason = str(exc) if isinstance(exc, error) else exc.__class__.__name__
            message = _HEADER.pack(_FAILED, 0) + reason.encode()
        with os.fdopen(write_end, "wb") as out:
            out.write(message)
    except BaseException:  # whatever happens, the child must not return
        code = 1
    finally:
        os._exit(code)


def _outcome(data: bytes, exit_code: int, error: type[Exception]) -> tuple[bytes, int]:
    if len(data) < _HEADER.size:
        raise error(f"the report's renderer process ended without a result "
                    f"(exit code {exit_code})")
    status, pages = _HEADER.unpack_from(data)
    if status == _FAILED:
        raise error(data[_HEADER.size:].decode())
    return data[_HEADER.size:], pages
