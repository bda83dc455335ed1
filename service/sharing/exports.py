"""Exports for systems that take files (`feedback360 export …`): a cycle's progress, and the
released summaries the integration may have, as CSV or JSON. The columns are documented in
docs/integration.md; every CSV cell goes through service/csv_cells.py.

The JSON is what the API answers (`GET /cycles/{id}/progress`, the items of
`GET /cycles/{id}/summaries`), so a file and a call hold the same thing. Summaries are read a
page at a time (`shared_summaries_page`), so a cycle of thousands of leaders is never held
whole in memory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from service.cycles.models import Cycle
from service.cycles.progress import cycle_progress
from service.sharing.summaries import shared_summaries_page

PROGRESS_COLUMNS = ("cycle_id", "cycle", "state", "subject_id", "leader", "group", "invited",
                    "responded", "declined", "pending", "threshold", "outlook")
SUMMARY_COLUMNS = ("cycle_id", "person_id", "directory_id", "leader", "version", "released_on",
                   "kind", "id", "text", "group", "score", "self", "n", "question")
PAGE = 100


def progress_rows(progress: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One row per leader and rater group: counts only, never who answered."""
    for leader in progress["leaders"]:
        for group in leader["groups"]:
            yield {"cycle_id": progress["cycle"], "cycle": progress["name"],
                   "state": progress["state"], "subject_id": leader["subject_id"],
                   "leader": leader["leader"], **{key: group[key] for key in (
                       "group", "invited", "responded", "declined", "pending", "threshold",
                       "outlook")}}


def progress_export(cycle: Cycle) -> dict[str, Any]:
    """The progress as the API gives it: counts, never whose email failed."""
    progress = cycle_progress(cycle)
    return {**{key: progress[key] for key in (
        "cycle", "name", "state", "closes_on", "days_left", "invited", "responded", "declined",
        "response_rate")},
        "leaders": [{key: leader[key] for key in (
            "subject_id", "leader", "invited", "responded", "declined", "groups")}
            for leader in progress["leaders"]]}


def summaries_of(cycle: Cycle, language: str | None = None) -> Iterator[dict[str, Any]]:
    """Every summary the integration may have in the cycle, a page of queries at a time."""
    page = 0
    while True:
        items, total = shared_summaries_page(cycle, page * PAGE, PAGE, language)
        yield from items
        page += 1
        if page * PAGE >= total or not items:
            return


def summary_rows(summary: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A summary as long rows: each shown section score by group, then each shown section
    importance by group (when the rubric asks it), then strengths, areas to develop and blind
    spots (all others' score and self's), then comments if shared. Importance is the
    summary's own (its shown cells only), as the API gives it."""
    leader = summary["leader"]
    base = {"cycle_id": summary["cycle"]["id"], "person_id": leader["person_id"],
            "directory_id": leader["directory_id"], "leader": leader["display_name"],
            "version": summary["version"], "released_on": summary["released_on"]}
    for section in summary["sections"]:
        for group, cell in section["scores"].items():
            yield {**base, "kind": "section_score", "id": section["id"],
                   "text": section["title"], "group": group, "score": cell["mean"],
                   "n": cell["n"]}
    for section in summary["sections"]:
        for group, cell in section["importance"].items():
            yield {**base, "kind": "importance", "id": section["id"],
                   "text": section["title"], "group": group, "score": cell["mean"],
                   "n": cell["n"]}
    for kind, key in (("strength", "strengths"), ("area_to_develop", "areas_to_develop"),
                      ("blind_spot", "blind_spots")):
        for row in summary[key]:
            yield {**base, "kind": kind, "id": row["item_id"], "text": row["text"],
                   "group": "all_others", "score": row["others"], "self": row["self"]}
    for block in summary["comments"] or []:
        for comment in block["comments"]:
            yield {**base, "kind": "comment", "text": comment, "question": block["question"]}
