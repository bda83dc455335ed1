"""Render a leader's 360 feedback report as a tagged PDF (PDF/UA-1) with WeasyPrint.

The template (``templates/report/report.html`` + ``report.css``) receives only a plain
context dict built elsewhere from the database (see ``render_report_pdf``): no ORM objects,
so rendering can run in a worker without a session and the template can be tested alone.

WeasyPrint is imported inside the functions: the web process imports this module (for the
labels, for instance) and must not pay for WeasyPrint, Pango and fontconfig at start-up.

Resources are loaded through :class:`ReportURLFetcher`, which serves files from the
``report/`` template folder only. Nothing else is fetched: no network, no other files.

Caching: the Jinja environment (compiled template) is cached per templates folder and the
FontConfiguration (fontconfig + Pango font map) per thread. The stylesheet is deliberately
*not* cached as a parsed ``CSS`` object: it is loaded through ``<link href="report.css">``
so the rendered HTML is self-contained (the bench compares us with WeasyPrint on that same
HTML), and parsing it costs about 8 ms of a ~0.7 s render. Most of the render time is
layout and font subsetting (fontTools, as HarfBuzz-subset is not installed).
"""

from __future__ import annotations

import functools
import mimetypes
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

TEMPLATE_NAME = "report/report.html"
REPORT_DIR = "report"

# Every fixed string of the report. Placeholders in braces are filled with str.format in
# the template. A context may pass a partial "labels" dict: missing keys fall back to these.
DEFAULT_LABELS: dict[str, Any] = {
    "report_heading": "Leadership 360 feedback report",
    "confidential": "Confidential",
    "page_of": "Page {page} of {pages}",
    # Cover
    "leader": "Leader",
    "role": "Role",
    "department": "Department",
    "cycle": "Feedback cycle",
    "dates": "Dates",
    "dates_range": "{opens} to {closes}",
    "framework": "Framework",
    "framework_version": "version {version}",
    "generated_on": "Report produced",
    "confidential_line": (
        "Confidential: this report belongs to {name}. It is shared only with the people "
        "{name} chooses, such as a facilitator, mentor or appraiser."
    ),
    "cover_purpose": (
        "This report brings together how you see your own leadership and how colleagues "
        "experience it. It is a starting point for a facilitated conversation, not a "
        "performance rating."
    ),
    # Who responded
    "who_heading": "Who responded",
    "who_intro": (
        "These are the groups of colleagues who were invited to give feedback, and how "
        "many of them responded."
    ),
    "who_caption": "Invitations and responses by group",
    "col_group": "Group",
    "col_invited": "Invited",
    "col_responded": "Responded",
    "col_note": "Note",
    "reading_heading": "How to read this report",
    "threshold_k": (
        "To protect anonymity, scores and comments from a group are shown only when at "
        "least {k} people in that group responded."
    ),
    "threshold_manager": (
        "The minimum for the manager group is {manager_min}, so manager ratings are not anonymous."
    ),
    "threshold_self": "Your own ratings (self) are always shown.",
    "all_others_note": (
        "“{label}” combines everyone who rated you except yourself. A group too small to "
        "be shown on its own is included only where this cannot reveal its answers."
    ),
    "not_observed_note": (
        "Anyone could choose “{not_observed}” for a behaviour they had not seen. These "
        "answers are not counted in the averages; the behaviour tables show how many "
        "there were."
    ),
    "scale_heading": "Rating scale",
    "scale_intro": "Each behaviour was rated by how often it is seen:",
    "scale_caption": "Rating scale",
    "col_value": "Score",
    "col_meaning": "Meaning",
    # Section scores
    "scores_heading": "Scores by section",
    "scores_intro": (
        "The average rating for each section, by group, from 1 to {max}. A higher score "
        "means the behaviours were seen more often. “{not_shown}” means not shown."
    ),
    "scores_caption": "Average score by section and group",
    "col_section": "Section",
    "not_shown": "–",
    "charts_heading": "Section scores as charts",
    "chart_alt": "Bar chart of average scores for {section}, on a scale of 1 to {max}: {values}.",
    "chart_no_scores": "No scores can be shown for this section.",
    # Item detail
    "items_heading": "Behaviour detail",
    "items_intro": (
        "The average rating for each behaviour, by group. Under each average: n is the "
        "number of ratings counted, followed by how many people chose “{not_observed}”."
    ),
    "items_caption": "Average score for each behaviour in {section}",
    "col_behaviour": "Behaviour",
    "n_count": "n = {n}",
    "not_observed_count": "{count} not observed",
    "level": "Level",
    "levels": {
        "self": "Self",
        "team": "Team",
        "organisation": "Organisation",
        "system": "System",
    },
    # Comments
    "comments_heading": "Comments",
    "comments_intro": "Comments are shown as written, in random order, without names or groups.",
    "self_comments_heading": "Your own comments",
    "self_comments_intro": "What you wrote in your self-assessment.",
    "no_comments": "No comments were given.",
}

# Welsh (Cymraeg). Context strings (names, groups, scale, rubric) come from the caller.
WELSH_LABELS: dict[str, Any] = {
    "report_heading": "Adroddiad adborth 360 ar arweinyddiaeth",
    "confidential": "Cyfrinachol",
    "page_of": "Tudalen {page} o {pages}",
    "leader": "Arweinydd",
    "role": "Rôl",
    "department": "Adran",
    "cycle": "Cylch adborth",
    "dates": "Dyddiadau",
    "dates_range": "{opens} i {closes}",
    "framework": "Fframwaith",
    "framework_version": "fersiwn {version}",
    "generated_on": "Dyddiad llunio’r adroddiad",
    "confidential_line": (
        "Cyfrinachol: mae’r adroddiad hwn yn perthyn i {name}. Dim ond gyda’r bobl y mae "
        "{name} yn eu dewis y caiff ei rannu, megis hwylusydd, mentor neu arfarnwr."
    ),
    "cover_purpose": (
        "Mae’r adroddiad hwn yn dod â’ch barn chi am eich arweinyddiaeth ynghyd â phrofiad "
        "eich cydweithwyr ohoni. Man cychwyn ar gyfer sgwrs wedi’i hwyluso ydyw, nid "
        "sgôr perfformiad."
    ),
    "who_heading": "Pwy a ymatebodd",
    "who_intro": (
        "Dyma’r grwpiau o gydweithwyr a wahoddwyd i roi adborth, a faint ohonynt a ymatebodd."
    ),
    "who_caption": "Gwahoddiadau ac ymatebion fesul grŵp",
    "col_group": "Grŵp",
    "col_invited": "Gwahoddwyd",
    "col_responded": "Ymatebodd",
    "col_note": "Nodyn",
    "reading_heading": "Sut i ddarllen yr adroddiad hwn",
    "threshold_k": (
        "Er mwyn diogelu anhysbysrwydd, dim ond pan fydd o leiaf {k} o bobl yn y grŵp "
        "wedi ymateb y dangosir sgoriau a sylwadau’r grŵp hwnnw."
    ),
    "threshold_manager": (
        "Yr isafswm ar gyfer y grŵp rheolwyr yw {manager_min}, felly nid yw sgoriau’r "
        "rheolwr yn ddienw."
    ),
    "threshold_self": "Dangosir eich sgoriau chi eich hun (hunanasesiad) bob amser.",
    "all_others_note": (
        "Mae “{label}” yn cyfuno pawb a roddodd sgôr i chi ac eithrio chi eich hun. Dim "
        "ond pan na all hynny ddatgelu ei atebion y caiff grŵp sy’n rhy fach i’w "
        "ddangos ar ei ben ei hun ei gynnwys."
    ),
    "not_observed_note": (
        "Gallai unrhyw un ddewis “{not_observed}” ar gyfer ymddygiad nad oedd wedi’i "
        "weld. Nid yw’r atebion hyn yn cael eu cyfrif yn y cyfartaleddau; mae’r tablau "
        "ymddygiad yn dangos faint oedd."
    ),
    "scale_heading": "Graddfa sgorio",
    "scale_intro": "Sgoriwyd pob ymddygiad yn ôl pa mor aml y caiff ei weld:",
    "scale_caption": "Graddfa sgorio",
    "col_value": "Sgôr",
    "col_meaning": "Ystyr",
    "scores_heading": "Sgoriau fesul adran",
    "scores_intro": (
        "Y sgôr gyfartalog ar gyfer pob adran, fesul grŵp, o 1 i {max}. Mae sgôr uwch yn "
        "golygu bod yr ymddygiadau i’w gweld yn amlach. Mae “{not_shown}” yn golygu nad "
        "yw’n cael ei ddangos."
    ),
    "scores_caption": "Sgôr gyfartalog fesul adran a grŵp",
    "col_section": "Adran",
    "not_shown": "–",
    "charts_heading": "Sgoriau’r adrannau fel siartiau",
    "chart_alt": (
        "Siart bar o’r sgoriau cyfartalog ar gyfer {section}, ar raddfa o 1 i {max}: {values}."
    ),
    "chart_no_scores": "Nid oes modd dangos sgoriau ar gyfer yr adran hon.",
    "items_heading": "Manylion yr ymddygiadau",
    "items_intro": (
        "Y sgôr gyfartalog ar gyfer pob ymddygiad, fesul grŵp. O dan bob cyfartaledd: n "
        "yw nifer y sgoriau a gyfrifwyd, ac yna faint o bobl a ddewisodd "
        "“{not_observed}”."
    ),
    "items_caption": "Sgôr gyfartalog ar gyfer pob ymddygiad yn {section}",
    "col_behaviour": "Ymddygiad",
    "n_count": "n = {n}",
    "not_observed_count": "{count} heb ei weld",
    "level": "Lefel",
    "levels": {
        "self": "Hunan",
        "team": "Tîm",
        "organisation": "Sefydliad",
        "system": "System",
    },
    "comments_heading": "Sylwadau",
    "comments_intro": (
        "Dangosir y sylwadau fel y’u hysgrifennwyd, mewn trefn ar hap, heb enwau na grwpiau."
    ),
    "self_comments_heading": "Eich sylwadau eich hun",
    "self_comments_intro": "Yr hyn a ysgrifennoch yn eich hunanasesiad.",
    "no_comments": "Ni roddwyd unrhyw sylwadau.",
}


class ReportRenderError(Exception):
    """The report could not be rendered (for instance a resource could not be loaded)."""


class ReportResourceRefused(ValueError):
    """A URL the report is not allowed to load (network, or a file outside report/)."""


def _format_mean(value: Any) -> str:
    """A mean as shown in the report: one decimal place."""
    return f"{float(value):.1f}"


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
    return env


def render_report_html(context: Mapping, templates_dir: Path) -> str:
    """Render the report's HTML (the exact input WeasyPrint gets, useful for checks)."""
    env = _jinja_env(str(Path(templates_dir).resolve()))
    values = dict(context)
    values["labels"] = {**DEFAULT_LABELS, **(context.get("labels") or {})}
    return env.get_template(TEMPLATE_NAME).render(values)


def report_url_fetcher(report_dir: Path):
    """Return a WeasyPrint URL fetcher serving only files inside ``report_dir``.

    It is a :class:`weasyprint.urls.URLFetcher` (WeasyPrint 66+ expects one, not a bare
    function). ``file:`` URLs are served only when the resolved path (symlinks followed)
    is inside ``report_dir``; ``data:`` URLs are decoded by WeasyPrint itself; everything
    else (http, https, ftp, other files) raises :class:`ReportResourceRefused`. With
    ``fail_on_errors`` set, a refused or missing resource stops the rendering instead of
    giving an unstyled or half-drawn report.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = Path(report_dir).resolve()

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
            if not path.is_relative_to(root) or not path.is_file():
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


def _font_config():
    font_config = getattr(_local, "font_config", None)
    if font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        font_config = _local.font_config = FontConfiguration()
    return font_config


def render_report_pdf(context: Mapping, templates_dir: Path) -> bytes:
    """Render the report for one leader and return the PDF bytes (PDF/UA-1, tagged).

    ``context`` is the plain dict described in the module docs of the report builder;
    ``templates_dir`` is the folder holding ``report/report.html`` and ``report/report.css``.
    The document title comes from ``context["title"]`` and its language from
    ``context["lang"]``, so the PDF carries both in its metadata.
    """
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    templates_dir = Path(templates_dir).resolve()
    report_dir = templates_dir / REPORT_DIR
    html = render_report_html(context, templates_dir)
    try:
        document = HTML(
            string=html,
            base_url=report_dir.as_uri() + "/",
            url_fetcher=report_url_fetcher(report_dir),
        )
        return document.write_pdf(pdf_variant="pdf/ua-1", font_config=_font_config())
    except FatalURLFetchingError as exc:  # a BaseException in WeasyPrint: make it ordinary
        raise ReportRenderError(str(exc)) from exc.__cause__
