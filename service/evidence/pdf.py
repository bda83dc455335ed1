"""The evidence pack as a one-page A4 PDF (PDF/UA-1, tagged like the report: title, language,
structure), with WeasyPrint and the report's own renderer (fetcher, fonts, options).

Rendered on each download from the record kept at issue, in the record's language; the
template (templates/report/evidence.html) gets plain data and labels only."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from service.evidence.models import EvidencePack
from service.reports.context import format_date
from service.reports.pdf import _jinja_env, render_html_to_pdf

TEMPLATE = "report/evidence.html"


def labels() -> dict[str, str]:
    """The pack's fixed strings, in the active locale."""
    return {
        "title": _("360 feedback: appraisal evidence"),
        "intro": _("This confirms that the leader named below completed a 360-degree feedback "
                   "cycle. It is evidence of colleague feedback for appraisal (such as an NHS "
                   "PADR or values-based appraisal) and for a doctor's revalidation "
                   "appraisal."),
        "about": _("About the feedback"),
        "leader": _("Leader"),
        "organisation": _("Organisation"),
        "cycle": _("Feedback cycle"),
        "collected": _("Feedback collected"),
        "range": _("{opens} to {closes}"),
        "report": _("Report"),
        "report_line": _("Version {version}, released on {date}"),
        "framework": _("Framework"),
        "framework_line": _("{title} (version {version})"),
        "who": _("Who gave feedback"),
        "who_caption": _("Raters invited and responding, by group, as the report shows them"),
        "group": _("Group"),
        "invited": _("Invited"),
        "responded": _("Responded"),
        "note": _("Note"),
        # the report's own notes in its "who responded" table (service/reports/labels.py)
        "hidden": _("Not shown to protect anonymity"),
        "not_anonymous": _("Not anonymous"),
        "raters_anonymous": _("Raters are anonymous. The pack holds no individual ratings and "
                              "no comments."),
        "after": _("After the feedback"),
        "session": _("Facilitated feedback session"),
        "session_held": _("Held on {date}"),
        "session_not": _("Not recorded"),
        "plan": _("Action plan"),
        "plan_agreed": _("Agreed; to be reviewed on {date}"),
        "plan_agreed_no_date": _("Agreed; no review date set"),
        "plan_not": _("Not agreed yet"),
        "scores": _("Scores by section"),
        "scores_caption": _("Average rating by section (out of {max}), for the groups the "
                            "report shows"),
        "section": _("Section"),
        "no_scores": _("The leader chose not to include scores in this pack."),
        "verify": _("Check this pack is genuine"),
        "verify_intro": _("An appraiser can confirm this pack was issued by the service, and "
                          "has not been withdrawn, at this address. The page shows only the "
                          "leader's name, the cycle, the dates and the fingerprint below."),
        "fingerprint": _("Record fingerprint (SHA-256)"),
        "issued": _("Issued on {date}"),
    }


def grouped(digest: str) -> str:
    """A digest in blocks of eight, as the verification page prints it, to read aloud."""
    return " ".join(digest[i:i + 8] for i in range(0, len(digest), 8))


#: Smaller type, in points, for a record that does not fit one page at the normal size.
COMPACT = (7.5, 6.5)


def html(pack: EvidencePack, url: str, font_size: float | None = None) -> str:
    """The pack's HTML (WeasyPrint's input), in its own language."""
    record = pack.record
    lang = record["language"]

    def day(text: str | None) -> str:
        return format_date(dt.date.fromisoformat(text), lang) if text else ""

    with force_locale(lang):
        words = labels()
    logo = current_app.config["REPORT_LOGO"]
    values: dict[str, Any] = {
        "logo": Path(logo).resolve().as_uri() if logo else None,
        "lang": lang, "labels": words, "font_size": font_size, "record": record, "url": url,
        "digest": grouped(pack.digest),
        "title": f"{words['title']} — {record['leader']['display_name']}",
        "dates": {"opened": day(record["cycle"]["opened_on"]),
                  "completed": day(record["cycle"]["completed_on"]),
                  "released": day(record["report"]["released_on"]),
                  "issued": day(record["issued_on"]),
                  "session": day(record["facilitated_session"]["held_on"]),
                  "review": day(record["action_plan"]["review_on"])},
    }
    env = _jinja_env(str(Path(current_app.config["TEMPLATES_DIR"]).resolve()))
    return env.get_template(TEMPLATE).render(values)


def render(pack: EvidencePack, url: str) -> bytes:
    """One page: a rubric with many sections (and scores included) is drawn again smaller
    rather than spill onto a second page."""
    templates = Path(current_app.config["TEMPLATES_DIR"])
    logo = current_app.config["REPORT_LOGO"]
    logo_path = Path(logo) if logo else None
    return render_html_to_pdf(
        html(pack, url), templates, logo_path,
        fits=lambda document: len(document.pages) <= 1,
        refits=[functools.partial(html, pack, url, size) for size in COMPACT]).pdf
