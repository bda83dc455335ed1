"""Render a leader's 360 feedback report as a tagged PDF (PDF/UA-1) with WeasyPrint.

The template (``templates/report/report.html`` + ``report.css``) receives only a plain
context dict built elsewhere from the database (see ``render_report_pdf``): no ORM objects,
so rendering can run in a worker without a session and the template can be tested alone.

WeasyPrint is imported inside the functions: the web process imports this module (for the
labels, for instance) and must not pay for WeasyPrint, Pango and fontconfig at start-up.

Resources are loaded through :class:`ReportURLFetcher`, which serves files from the
``report/`` template folder and the organisation's logo (``REPORT_LOGO``) only. Nothing else is
fetched: no network, no other files.

Caching: the Jinja environment (compiled template) is cached per templates folder; the
FontConfiguration (fontconfig + Pango font map) and WeasyPrint's image cache are kept per
thread, so a worker shares them across every report it renders. The stylesheet is deliberately
*not* cached as a parsed ``CSS`` object: it is loaded through ``<link href="report.css">``
so the rendered HTML is self-contained (bench/report.py compares us with WeasyPrint on that
same HTML), and parsing it costs a few milliseconds of a render.
"""

from __future__ import annotations

import functools
import gc
import mimetypes
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask_babel import force_locale

from service.reports import layout
from service.reports.forked import run_forked
from service.reports.labels import report_labels

TEMPLATE_NAME = "report/report.html"
REPORT_DIR = "report"


class ReportRenderError(Exception):
    """The report could not be rendered (for instance a resource could not be loaded)."""


class ReportResourceRefused(ValueError):
    """A URL the report is not allowed to load (network, or a file outside report/)."""


def _format_mean(value: Any) -> str:
    """A mean as shown in the report: one decimal place."""
    return f"{float(value):.1f}"


def _format_change(value: Any) -> str:
    """A change as shown in the report: signed, one decimal place, a true minus sign."""
    number = round(float(value), 1)
    if number == 0:
        return "0.0"
    return f"+{number:.1f}" if number > 0 else f"−{abs(number):.1f}"


@functools.lru_cache(maxsize=8)
def _jinja_env(templates_dir: str):
    """One Jinja environment per templates folder, so compiled templates are reused."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["mean"] = _format_mean
    env.filters["change"] = _format_change
    env.globals["items_tables_mm"] = layout.items_tables_mm
    env.globals["group_tables_mm"] = layout.group_tables_mm
    return env


def render_report_html(context: Mapping, templates_dir: Path) -> str:
    """Render the report's HTML (the exact input WeasyPrint gets, useful for checks)."""
    env = _jinja_env(str(Path(templates_dir).resolve()))
    values = {"compact_summary": False, **context}
    with force_locale(context.get("lang") or "en"):  # what a partial "labels" leaves out
        values["labels"] = {**report_labels(), **(context.get("labels") or {})}
    return env.get_template(TEMPLATE_NAME).render(values)


def report_url_fetcher(report_dir: Path, logo: Path | None = None):
    """Return a WeasyPrint URL fetcher serving only files inside ``report_dir`` (and ``logo``).

    It is a :class:`weasyprint.urls.URLFetcher` (WeasyPrint 66+ expects one, not a bare
    function). ``file:`` URLs are served only when the resolved path (symlinks followed)
    is inside ``report_dir``; ``data:`` URLs are decoded by WeasyPrint itself; everything
    else (http, https, ftp, other files) raises :class:`ReportResourceRefused`. With
    ``fail_on_errors`` set, a refused or missing resource stops the rendering instead of
    giving an unstyled or half-drawn report.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = Path(report_dir).resolve()
    allowed_file = Path(logo).resolve() if logo else None

    class ReportURLFetcher(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=("file", "data"), fail_on_errors=True)

        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file":
                raise ReportResourceRefused(f"report may not load {url!r}")
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                raise ReportResourceRefused(f"report may not load {url!r}")
            path = Path(url2pathname(parts.path)).resolve()
            if not (path.is_relative_to(root) or path == allowed_file) or not path.is_file():
                raise ReportResourceRefused(f"report may not load {url!r}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
            )

    return ReportURLFetcher()


# FontConfiguration loads fontconfig and builds a Pango font map (tens of milliseconds);
# sharing it is what makes repeated reports cheap. Pango font maps are not thread-safe, so
# each thread of a worker keeps its own; a process-based worker therefore has exactly one.
_local = threading.local()

# Tagged PDF/UA-1 (structure, title, language) with fillable fields for the action plan.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_forms": True}


def _font_config():
    font_config = getattr(_local, "font_config", None)
    if font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        font_config = _local.font_config = FontConfiguration()
    return font_config


def _image_cache() -> dict:
    cache = getattr(_local, "image_cache", None)
    if cache is None:
        cache = _local.image_cache = {}
    return cache


# Set by prepare_renderer(isolate=True) in a worker process: each report is then rendered in
# a forked child (service/reports/forked.py says why).
_isolate = False

_WARM_UP = ('<html lang="en"><title>warm-up</title><body style="font-family: \'DejaVu Sans\'">'
            '<p>Warm <b>up</b> <i>fonts</i></p></body></html>')


def prepare_renderer(isolate: bool = False) -> None:
    """Get a worker ready to render many reports: WeasyPrint imported, fonts loaded (by a
    one-line render), and what is loaded taken out of the cyclic garbage collector's sweeps.

    A render allocates hundreds of thousands of short-lived objects, and each full collection
    would otherwise walk every long-lived object of the worker as well (modules, the app,
    the font map): measured, that was a third of a report's time. ``gc.freeze()`` moves what
    exists now into a generation the collector never scans (it also keeps forked children
    from copying those pages). With ``isolate``, every later report renders in a forked child
    when the process is single-threaded.
    """
    global _isolate
    from weasyprint import HTML

    HTML(string=_WARM_UP).render(font_config=_font_config())
    gc.collect()
    gc.freeze()
    _isolate = isolate


@dataclass(frozen=True)
class RenderedReport:
    pdf: bytes
    pages: int


#: Whether a laid-out document is as it should be (e.g. one page); see ``render_html_to_pdf``.
Fits = Callable[[Any], bool]


def render_html_to_pdf(html: str, templates_dir: Path, logo: Path | None = None,
                       refits: Sequence[Callable[[], str]] = (), fits: Fits | None = None,
                       ) -> RenderedReport:
    """WeasyPrint on final HTML, with the report's fetcher, caches and PDF options. While the
    layout does not ``fits``, the next of ``refits`` gives the HTML laid out instead (only the
    last layout is written as a PDF)."""
    if _isolate and threading.active_count() == 1:
        return RenderedReport(*run_forked(
            lambda: _render_here(html, templates_dir, logo, refits, fits), ReportRenderError))
    return RenderedReport(*_render_here(html, templates_dir, logo, refits, fits))


def _summary_overflows(document: Any) -> bool:
    """Whether the summary (id "summary") and the reading guide after it (id "reading", which
    starts a page) are more than one page apart."""
    found = {name: number for number, page in enumerate(document.pages)
             for name in ("summary", "reading") if name in page.anchors}
    return len(found) == 2 and found["reading"] - found["summary"] > 1


def _render_here(html: str, templates_dir: Path, logo: Path | None,
                 refits: Sequence[Callable[[], str]] = (), fits: Fits | None = None,
                 ) -> tuple[bytes, int]:
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    report_dir = Path(templates_dir).resolve() / REPORT_DIR
    options = {**PDF_OPTIONS, "cache": _image_cache()}

    def layout(source: str) -> Any:
        return HTML(string=source, base_url=report_dir.as_uri() + "/",
                    url_fetcher=report_url_fetcher(report_dir, logo),
                    ).render(font_config=_font_config(), **options)

    try:
        document = layout(html)
        for refit in refits:  # rare: each is one layout more
            if fits is None or fits(document):
                break
            document = layout(refit())
        return document.write_pdf(**options), len(document.pages)
    except FatalURLFetchingError as exc:  # a BaseException in WeasyPrint: make it ordinary
        raise ReportRenderError(str(exc)) from exc.__cause__
    finally:
        # A layout is full of reference cycles: free them now, not at some later sweep, so
        # the next report starts from a clean heap (a forked child, collector off, just exits).
        document = None
        if gc.isenabled():
            gc.collect()


def render_report(context: Mapping, templates_dir: Path, logo: Path | None = None
                  ) -> RenderedReport:
    """Render the report for one leader (PDF/UA-1, tagged, with its page count).

    ``context`` is the plain dict from service/reports/context.py; ``templates_dir`` holds
    ``report/report.html`` and ``report/report.css``. The document title comes from
    ``context["title"]`` and its language from ``context["lang"]``, so the PDF carries both.
    """
    html = render_report_html(context, templates_dir)
    return render_html_to_pdf(
        html, templates_dir, logo, fits=lambda document: not _summary_overflows(document),
        refits=[lambda: render_report_html({**context, "compact_summary": True},
                                           templates_dir)])


def render_report_pdf(context: Mapping, templates_dir: Path, logo: Path | None = None) -> bytes:
    return render_report(context, templates_dir, logo).pdf
