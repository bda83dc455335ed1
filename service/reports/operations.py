"""Turn a subject's responses into the plain data a report template needs, and render PDFs.

The template never sees a database object: only numbers that passed the anonymity rules."""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from service.cycles.models import Cycle, CycleState, Subject
from service.db import db
from service.errors import DomainError
from service.nominations.models import Nomination, RaterGroup
from service.responses.models import Response
from service.responses.results import RaterAnswers, Thresholds, compute_results

GROUP_LABELS = {
    "en": {"self": "Self", "manager": "Manager", "peer": "Peers",
           "direct_report": "Direct reports", "other": "Others", "all_others": "All others"},
    "cy": {"self": "Hunan", "manager": "Rheolwr", "peer": "Cymheiriaid",
           "direct_report": "Adroddiadau uniongyrchol", "other": "Eraill",
           "all_others": "Pawb arall"},
}
NOTES = {
    "en": {"not_anonymous": "Not anonymous", "hidden": "Not shown to protect anonymity"},
    "cy": {"not_anonymous": "Ddim yn ddienw", "hidden": "Heb ei ddangos i ddiogelu anhysbysrwydd"},
}
MONTHS_CY = ["Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst",
             "Medi", "Hydref", "Tachwedd", "Rhagfyr"]


def format_date(day: dt.date, lang: str) -> str:
    if lang == "cy":
        return f"{day.day} {MONTHS_CY[day.month - 1]} {day.year}"
    return f"{day.day} {day:%B %Y}"


def _t(text: dict[str, str], lang: str) -> str:
    return text.get(lang) or text["en"]


def _stats(stats: Any) -> dict[str, Any] | None:
    if stats is None:
        return None
    return {"mean": round(stats.mean, 1), "n": stats.n, "sd": round(stats.sd, 2),
            "min": stats.min, "max": stats.max, "not_observed": stats.not_observed}


def build_report_context(subject: Subject, rng: random.Random | None = None) -> dict[str, Any]:
    from service.reports.pdf import DEFAULT_LABELS, WELSH_LABELS

    cycle = subject.cycle
    rubric = cycle.rubric_snapshot
    if rubric is None:
        raise DomainError(f"cycle {cycle.id} has not been launched; there is nothing to report")
    wanted = subject.person.language or subject.cycle.language
    lang = wanted if wanted in rubric["languages"] else "en"
    responses = db.session.scalars(select(Response).where(Response.subject_id == subject.id))
    raters = [RaterAnswers(group=r.rater_group.value, answers=r.answers, comments=r.comments)
              for r in responses]
    results = compute_results(rubric, raters,
                              Thresholds(cycle.min_group_size, cycle.manager_min))
    invited = dict(db.session.execute(
        select(Nomination.group, func.count()).where(Nomination.subject_id == subject.id)
        .group_by(Nomination.group)).all())
    labels, notes = GROUP_LABELS[lang], NOTES[lang]
    labels_text = WELSH_LABELS if lang == "cy" else DEFAULT_LABELS
    groups = []
    for summary in results.groups:
        note = ""
        if summary.responded and not summary.shown:
            note = notes["hidden"]
        elif summary.shown and summary.group == "manager":
            note = notes["not_anonymous"]
        groups.append({"key": summary.group, "label": labels[summary.group],
                       "invited": invited.get(RaterGroup(summary.group), 0),
                       "responded": summary.responded, "shown": summary.shown, "note": note})
    rng = rng or random.SystemRandom()
    questions = {q["id"]: _t(q["text"], lang) for q in rubric.get("questions", [])}

    def comment_blocks(by_question: dict[str, list[str]], shuffle: bool) -> list[dict[str, Any]]:
        blocks = []
        for qid, text in questions.items():
            comments = list(by_question.get(qid, []))
            if shuffle:
                rng.shuffle(comments)
            if comments:
                blocks.append({"question": text, "comments": comments})
        return blocks

    return {
        "lang": lang,
        "organisation": current_app.config["ORGANISATION_NAME"],
        "title": f"{labels_text['report_heading']} — {subject.person.display_name}",
        "cycle": {"name": cycle.name, "opens": format_date(cycle.opens_on, lang),
                  "closes": format_date(cycle.closes_on, lang)},
        "subject": {"name": subject.person.display_name, "title": subject.person.title,
                    "department": subject.person.department},
        "generated_on": format_date(dt.date.today(), lang),
        "rubric": {"title": _t(rubric["title"], lang), "version": rubric["version"]},
        "scale": {"labels": [_t(label, lang) for label in rubric["scale"]["labels"]],
                  "max": len(rubric["scale"]["labels"]),
                  "not_observed": _t(rubric["scale"]["not_observed"], lang)},
        "thresholds": {"min_group_size": cycle.min_group_size, "manager_min": cycle.manager_min},
        "groups": groups,
        "columns": [{"key": key, "label": labels[key]} for key in results.columns],
        "sections": [
            {"id": section["id"], "title": _t(section["title"], lang),
             "description": _t(section["description"], lang) if section.get("description")
             else "",
             "scores": {col: _stats(s) for col, s in results.sections[section["id"]].items()},
             "items": [{"id": item["id"], "text": _t(item["text"], lang),
                        "level": item.get("level", ""),
                        "scores": {col: _stats(s)
                                   for col, s in results.items[item["id"]].items()}}
                       for item in section["items"]]}
            for section in rubric["sections"]
        ],
        "comments": comment_blocks(results.comments, shuffle=True),
        "self_comments": comment_blocks(results.self_comments, shuffle=False),
        "labels": labels_text,
    }


def report_filename(cycle: Cycle, subject: Subject) -> str:
    name = unicodedata.normalize("NFKD", subject.person.display_name)
    slug = re.sub(r"[^a-z0-9]+", "-", name.encode("ascii", "ignore").decode().lower()).strip("-")
    return f"cycle{cycle.id}-{subject.id}-{slug or 'leader'}.pdf"


def render_cycle_reports(cycle: Cycle, out_dir: Path) -> list[Path]:
    """One PDF per leader; refused while the cycle is still collecting answers."""
    from service.reports.pdf import render_report_pdf

    if cycle.state not in (CycleState.CLOSED, CycleState.RELEASED):
        raise DomainError(f"cycle {cycle.id} is {cycle.state.value}; close it first "
                          f"(`feedback360 cycle close {cycle.id}`) so reports do not change "
                          "under a reader")
    out_dir.mkdir(parents=True, exist_ok=True)
    templates_dir = Path(current_app.config["TEMPLATES_DIR"])
    written = []
    for subject in cycle.subjects:
        path = out_dir / report_filename(cycle, subject)
        path.write_bytes(render_report_pdf(build_report_context(subject), templates_dir))
        written.append(path)
    return written

