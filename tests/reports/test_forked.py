"""A report rendered in a forked child: the same PDF as in the process itself, nothing the
child does reaches the parent, and a child that fails or dies is a clear error, not a hang."""

from __future__ import annotations

import io
import os
import random
import signal

import pytest
from pypdf import PdfReader

from service.reports import pdf as report_pdf
from service.reports.context import build_context
from service.reports.forked import run_forked
from service.reports.pdf import ReportRenderError, render_html_to_pdf, render_report_html
from tests.reports.test_pdf import TEMPLATES_DIR, inputs


@pytest.fixture(scope="module")
def html() -> str:
    return render_report_html(build_context(inputs(), random.Random(1)), TEMPLATES_DIR)


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_a_forked_render_is_the_report_rendered_in_process(html):
    here = render_html_to_pdf(html, TEMPLATES_DIR)
    seen_in_child: list[int] = []

    def render() -> tuple[bytes, int]:
        seen_in_child.append(os.getpid())
        return report_pdf._render_here(html, TEMPLATES_DIR, None)

    pdf, pages = run_forked(render, ReportRenderError)
    assert pages == here.pages > 8
    assert _text(pdf) == _text(here.pdf)
    assert seen_in_child == []  # it ran in another process: the parent's list is untouched


def test_a_failure_in_the_child_names_its_kind_only():
    def render() -> tuple[bytes, int]:
        raise KeyError("Ann Rater's answer")  # a message that must not leave the child

    with pytest.raises(ReportRenderError) as failure:
        run_forked(render, ReportRenderError)
    assert str(failure.value) == "KeyError"


def test_our_own_render_error_keeps_its_advice():
    def render() -> tuple[bytes, int]:
        raise ReportRenderError("REPORT_LOGO cannot be read: check the path")

    with pytest.raises(ReportRenderError, match="REPORT_LOGO cannot be read: check the path"):
        run_forked(render, ReportRenderError)


def test_a_child_that_dies_is_reported_with_its_exit_code():
    def render() -> tuple[bytes, int]:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")

    with pytest.raises(ReportRenderError, match=r"ended without a result \(exit code -9\)"):
        run_forked(render, ReportRenderError)


def test_an_isolated_renderer_forks_only_when_single_threaded(html, monkeypatch):
    """With isolation on, render_html_to_pdf goes through run_forked in a single-threaded
    process, and a child's failure becomes the usual ReportRenderError."""
    calls: list[str] = []

    def fake_forked(render, error):
        calls.append("forked")
        raise error("KeyError")

    monkeypatch.setattr(report_pdf, "_isolate", True)
    monkeypatch.setattr(report_pdf, "run_forked", fake_forked)
    monkeypatch.setattr(report_pdf.threading, "active_count", lambda: 1)
    with pytest.raises(ReportRenderError, match="KeyError"):
        render_html_to_pdf(html, TEMPLATES_DIR)
    monkeypatch.setattr(report_pdf.threading, "active_count", lambda: 2)
    assert render_html_to_pdf(html, TEMPLATES_DIR).pages > 8
    assert calls == ["forked"]


def test_the_renderer_logs_the_childs_peak_memory(caplog):
    caplog.set_level("INFO", logger="service.reports.forked")
    run_forked(lambda: (b"%PDF-1.7 tiny", 1), ReportRenderError)
    assert any("peak resident memory" in record.getMessage() and " MB" in record.getMessage()
               for record in caplog.records)

