"""Everything a report shows, as plain data: the template never sees a database object, and
only cells that passed the anonymity rules (service/responses/results.py) get this far.

``build_context`` is a pure function of ``ReportInputs``, which service/reports/operations.py
gathers from the database; the bench and the tests can build inputs without one.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.dates import format_date as babel_format_date
from flask_babel import force_locale

from service.reports import analysis
from service.reports.labels import report_labels
from service.responses.results import (
    ALL_OTHERS,
    CUSTOM_PREFIX,
    GROUPS,
    RaterAnswers,
    Stats,
    SubjectResults,
    Thresholds,
    compute_results,
)
from service.rubrics.wording import wording

CHANGE_THRESHOLD = 0.5  # an item's change worth naming, on a 1-5 scale
CHANGE_ITEMS = 3
SUMMARY_ITEMS = 3  # strengths and areas on the one-page summary
#: ... and when it also names priorities (importance asked): fewer, so it stays one page.
SUMMARY_ITEMS_WITH_PRIORITIES = 2
SUMMARY_GAPS_WITH_PRIORITIES = 1
SUMMARY_GAPS = 2  # blind spots and hidden strengths on it


@dataclass(frozen=True)
class Leader:
    name: str
    title: str | None = None
    department: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class CycleFacts:
    name: str
    opens_on: dt.date
    closes_on: dt.date
    thresholds: Thresholds = field(default_factory=Thresholds)
    closed_on: dt.date | None = None  # when it actually closed (early, or after an extension)
    #: The cycle's own groups' names: ``custom_<key>`` -> {"en": …, "cy": …}.
    group_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Previous:
    """The leader's previous cycle with the same rubric, as its released report showed it."""

    cycle_name: str
    closed_on: dt.date
    rubric: Mapping[str, Any]
    results: SubjectResults
    group_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Branding:
    organisation: str
    logo: Path | None = None
    colour: str = "#005eb8"


@dataclass(frozen=True)
class ReportInputs:
    leader: Leader
    cycle: CycleFacts
    rubric: Mapping[str, Any]
    raters: Sequence[RaterAnswers]
    invited: Mapping[str, int]
    branding: Branding
    language: str = "en"  # the cycle's default, when the leader has none
    version: int = 1
    held_back: int = 0
    cohort: Mapping[str, Mapping[str, float]] | None = None
    previous: Previous | None = None
    generated_on: dt.date = field(default_factory=dt.date.today)
    facilitator: str | None = None  # the name of who goes through the report with the leader


def format_date(day: dt.date, lang: str) -> str:
    """'6 December 2026', '6 Rhagfyr 2026': CLDR's month names, in the order people write."""
    return babel_format_date(day, "d MMMM y", locale=lang)


def _t(text: Mapping[str, str], lang: str) -> str:
    return text.get(lang) or text["en"]


def _stats(stats: Stats | None) -> dict[str, Any] | None:
    if stats is None:
        return None
    return {"mean": round(stats.mean, 1), "n": stats.n, "sd": round(stats.sd, 2),
            "min": stats.min, "max": stats.max, "not_observed": stats.not_observed}


def _unobserved(results: SubjectResults, raters: Sequence[RaterAnswers],
                rubric: Mapping[str, Any]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Per item and per section, the shown groups whose every rater chose "not observed".

    Such a cell is empty because there is nothing to average, not because it is hidden, and the
    report says so. Only groups shown in their own column qualify: a hidden group, or a shown
    group of which too few rated (a cell hidden by rule 2 of service/responses/results.py),
    keeps its "not shown", so nothing here tells a reader more than the group's column would.
    """
    shown = [group for group in results.columns if group != ALL_OTHERS]
    rated: dict[str, set[str]] = {group: set() for group in shown}
    for rater in raters:
        if rater.group in rated:
            rated[rater.group].update(item for item, value in rater.answers.items()
                                      if value is not None)
    items = {item_id: [g for g in shown if cells.get(g) is None and item_id not in rated[g]]
             for item_id, cells in results.items.items()}
    sections = {}
    for section in rubric["sections"]:
        ids = {item["id"] for item in section["items"]}
        cells = results.sections[section["id"]]
        sections[section["id"]] = [g for g in shown
                                   if cells.get(g) is None and not ids & rated[g]]
    return items, sections


def _item_stats(cells: Mapping[str, Stats | None], unobserved: Sequence[str],
                responded: Mapping[str, int]) -> dict[str, dict[str, Any] | None]:
    """An item's cells for the page; "all others" counts as not observed the raters of a group
    shown as "not observed" too (results.py counts only groups with a shown cell)."""
    stats = {column: _stats(s) for column, s in cells.items()}
    everyone = stats.get(ALL_OTHERS)
    if everyone is not None and unobserved:
        everyone["not_observed"] += sum(responded[g] for g in unobserved if g != "self")
    return stats


def _one(value: float) -> str:
    return f"{value:.1f}"


def report_language(rubric: Mapping[str, Any], leader: Leader, default: str) -> str:
    wanted = leader.language or default
    return wanted if wanted in rubric["languages"] else "en"


def build_context(inputs: ReportInputs, rng: random.Random | None = None) -> dict[str, Any]:
    """The report's content in the leader's language (Welsh or English)."""
    rubric, cycle = inputs.rubric, inputs.cycle
    lang = report_language(rubric, inputs.leader, inputs.language)
    with force_locale(lang):  # in English outside an app (the bench, pure tests)
        labels = report_labels()
    # The cycle's own groups by their names in the report's language (an earlier cycle's, for
    # a group that only the comparison with it shows).
    earlier = inputs.previous.group_names if inputs.previous else {}
    group_labels = labels["groups"] = {
        **{key: key.removeprefix(CUSTOM_PREFIX).replace("_", " ")
           for key in cycle.thresholds.groups},
        **labels["groups"], **{key: _t(names, lang) for key, names in earlier.items()},
        **{key: _t(names, lang) for key, names in cycle.group_names.items()}}
    results = compute_results(rubric, inputs.raters, cycle.thresholds)
    item_text = {i["id"]: _t(i["text"], lang) for s in rubric["sections"] for i in s["items"]}
    # Inside a sentence or quotation marks, without the statement's own full stop.
    quoted = {item_id: text.rstrip(". ") for item_id, text in item_text.items()}
    section_title = {s["id"]: _t(s["title"], lang) for s in rubric["sections"]}
    settings = rubric.get("report") or {}
    scores = analysis.item_scores(rubric, results)
    strengths, areas = analysis.strengths_and_areas(scores, int(settings.get("top_items", 5)))
    blind_gap = float(settings.get("blind_spot_gap", 1.0))
    hidden_gap = float(settings.get("hidden_strength_gap", 1.0))
    blind, hidden = analysis.self_other_gaps(scores, blind_gap, hidden_gap)
    priorities = analysis.priorities(rubric, results)
    priority_ids = [p.section_id for p in priorities.sections]
    summary_items = SUMMARY_ITEMS_WITH_PRIORITIES if rubric.get("importance") else SUMMARY_ITEMS
    summary_gaps = SUMMARY_GAPS_WITH_PRIORITIES if rubric.get("importance") else SUMMARY_GAPS
    change = _change(inputs.previous, rubric, results, item_text, section_title, lang)
    groups = _groups(results, inputs.invited, labels)
    responded = {summary.group: summary.responded for summary in results.groups}
    unobserved_items, unobserved_sections = _unobserved(results, inputs.raters, rubric)
    cohort = dict(inputs.cohort or {})

    def score_rows(chosen: Sequence[analysis.ItemScore]) -> list[dict[str, Any]]:
        return [{"id": s.item_id, "text": item_text[s.item_id],
                 "section": section_title[s.section_id],
                 "others": round(s.others, 1),
                 "self": None if s.self is None else round(s.self, 1),
                 "gap": None if s.self is None else round(s.self - s.others, 1)}
                for s in chosen]

    rng = rng or random.SystemRandom()
    return {
        "lang": lang,
        "organisation": inputs.branding.organisation,
        "logo": inputs.branding.logo.resolve().as_uri() if inputs.branding.logo else None,
        "colour": inputs.branding.colour,
        "title": f"{labels['report_heading']} — {inputs.leader.name}",
        "cycle": {"name": cycle.name, "opens": format_date(cycle.opens_on, lang),
                  "closes": format_date(cycle.closed_on or cycle.closes_on, lang)},
        "facilitator": inputs.facilitator,
        "subject": {"name": inputs.leader.name, "title": inputs.leader.title,
                    "department": inputs.leader.department},
        "generated_on": format_date(inputs.generated_on, lang),
        "version": inputs.version,
        "held_back": inputs.held_back,
        "rubric": {"title": _t(rubric["title"], lang), "version": rubric["version"]},
        "scale": {"labels": [_t(label, lang) for label in rubric["scale"]["labels"]],
                  "max": len(rubric["scale"]["labels"]),
                  "not_observed": _t(rubric["scale"]["not_observed"], lang)},
        "thresholds": _threshold_lines(cycle.thresholds, inputs.invited, labels),
        "custom_marks": {key: CUSTOM_MARKS[index % len(CUSTOM_MARKS)]
                         for index, key in enumerate(
                             k for k in cycle.thresholds.groups if k not in GROUPS)},
        "groups": groups,
        "group_descriptions": [
            {"label": group_labels[key], "text": _group_description(key, rubric, labels, lang)}
            for key in cycle.thresholds.columns
            if key == ALL_OTHERS or inputs.invited.get(key)],
        "sources": cited_sources(rubric, lang),
        "columns": [{"key": key, "label": group_labels[key]} for key in results.columns],
        "sections": [
            {"id": section["id"], "title": section_title[section["id"]],
             "description": _t(section["description"], lang) if section.get("description")
             else "",
             "scores": {col: _stats(s) for col, s in results.sections[section["id"]].items()},
             "unobserved": unobserved_sections[section["id"]],
             "importance": {col: _stats(s) for col, s in
                            results.importance.get(section["id"], {}).items()},
             "priority": section["id"] in priority_ids,
             "cohort": round(cohort[section["id"]]["mean"], 1) if section["id"] in cohort
             else None,
             "items": [{"id": item["id"], "text": item_text[item["id"]],
                        "level": item.get("level", ""),
                        "scores": _item_stats(results.items[item["id"]],
                                              unobserved_items[item["id"]], responded),
                        "unobserved": unobserved_items[item["id"]]}
                       for item in section["items"]]}
            for section in rubric["sections"]
        ],
        "cohort": {"shown": bool(cohort), "label": group_labels["cohort"],
                   "leaders": max((int(c["leaders"]) for c in cohort.values()), default=0),
                   "min": analysis.COHORT_MIN_LEADERS},
        "highlights": {"strengths": score_rows(strengths), "areas": score_rows(areas)},
        "gaps": {"available": any(s.self is not None for s in scores),
                 "blind": score_rows(blind), "hidden": score_rows(hidden),
                 "blind_gap": _one(blind_gap), "hidden_gap": _one(hidden_gap)},
        "comments": _comment_blocks(rubric, results.comments, lang, rng),
        "self_comments": _comment_blocks(rubric, results.self_comments, lang, None,
                                         for_self=True),
        "change": change,
        "guide": _guide(labels, results, strengths, areas, blind, hidden, change, groups,
                        quoted, section_title),
        "plan": {"suggested": [quoted[s.item_id] for s in areas[:3]], "rows": 3},
        "levels": [{"key": level.level, "label": labels["levels"][level.level],
                    "behaviours": level.items,
                    "others": None if level.others is None else round(level.others, 1),
                    "self": None if level.self is None else round(level.self, 1)}
                   for level in analysis.level_scores(rubric, results)],
        "importance": _importance(rubric, results, priorities, section_title, lang),
        "summary": {"strengths": score_rows(strengths[:summary_items]),
                    "areas": score_rows(areas[:summary_items]),
                    "blind": score_rows(blind[:summary_gaps]),
                    "hidden": score_rows(hidden[:summary_gaps]),
                    "responded": sum(g["responded"] for g in groups if g["key"] != "self"),
                    "invited": sum(g["invited"] for g in groups if g["key"] != "self")},
        "labels": labels,
    }


def _importance(rubric: Mapping[str, Any], results: SubjectResults,
                priorities: analysis.Priorities, section_title: Mapping[str, str],
                lang: str) -> dict[str, Any]:
    """Whether importance was asked and any of it is shown, its scale, and the priorities
    with the two figures the rule compared them with (docs/decisions.md). The figures of
    each group are the sections' ``importance`` cells, as results.py decided them: the
    report's table gives each shown column its own, a hidden cell "not shown"."""
    asked = bool(rubric.get("importance"))
    shown = any(cell is not None for cells in results.importance.values()
                for cell in cells.values())
    return {"asked": asked, "shown": shown,
            "labels": [_t(label, lang) for label in rubric["importance"]["labels"]]
            if asked else [],
            "max": len(rubric["importance"]["labels"]) if asked else 0,
            "average": priorities.average, "cut": priorities.importance_cut,
            "priorities": [{"id": p.section_id, "title": section_title[p.section_id],
                            "importance": p.importance, "score": p.score}
                           for p in priorities.sections]}


#: Marks for a cycle's own groups, after the built-in ones of templates/report/report.html:
#: colours of their own hue, each at least 4.5:1 on white, in shapes the built-in groups use
#: in other colours (teal, pink, brown, blue).
CUSTOM_MARKS = (
    {"colour": "#00665e", "shape": "square"},
    {"colour": "#ae2573", "shape": "diamond"},
    {"colour": "#7a4a00", "shape": "triangle"},
    {"colour": "#005eb8", "shape": "down"},
)


def _group_description(key: str, rubric: Mapping[str, Any], labels: Mapping[str, Any],
                       lang: str) -> str:
    if key == "self":
        return _self_legend(rubric, labels, lang)
    return labels["group_descriptions"].get(key, labels["custom_group_description"])


def _threshold_lines(thresholds: Thresholds, invited: Mapping[str, int],
                     labels: Mapping[str, Any]) -> dict[str, Any]:
    """The minimum each anonymous group needed, for "How to read this report": one sentence
    when they all share the organisation's k, else each group invited with its own."""
    anonymous = [key for key in thresholds.groups
                 if key not in ("self", "manager")
                 and (key in GROUPS or invited.get(key))]
    own = {key: thresholds.for_group(key) for key in anonymous}
    common = set(own.values()) <= {thresholds.min_group_size}
    return {"min_group_size": thresholds.min_group_size,
            "manager_min": thresholds.manager_min, "common": common,
            "groups": [] if common else [
                labels["threshold_group"].format(group=labels["groups"][key], k=k)
                for key, k in own.items()]}


def _groups(results: SubjectResults, invited: Mapping[str, int],
            labels: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for summary in results.groups:
        note = ""
        if summary.responded and not summary.shown:
            note = labels["hidden"]
        elif summary.shown and summary.group == "manager":
            note = labels["not_anonymous"]
        rows.append({"key": summary.group, "label": labels["groups"][summary.group],
                     "invited": invited.get(summary.group, 0), "responded": summary.responded,
                     "shown": summary.shown, "note": note})
    return rows


def _comment_blocks(rubric: Mapping[str, Any], by_question: Mapping[str, list[str]], lang: str,
                    rng: random.Random | None, for_self: bool = False) -> list[dict[str, Any]]:
    """Comments by question; shuffled (``rng``) so their order says nothing about who wrote
    them, or kept as written for the leader's own (headed as their form asked it)."""
    blocks = []
    for question in rubric.get("questions", []):
        comments = list(by_question.get(question["id"], []))
        if rng is not None:
            rng.shuffle(comments)
        if comments:
            blocks.append({"question": _t(wording(question, for_self), lang),
                           "comments": comments})
    return blocks


def _self_legend(rubric: Mapping[str, Any], labels: Mapping[str, Any], lang: str) -> str:
    """What the self column means; with the leader's first-person wording, an example of it
    (rubrics frozen before self wording existed asked the same statements as everyone)."""
    plain = labels["group_descriptions"]["self"]
    example = next((item["self_text"] for section in rubric["sections"]
                    for item in section["items"] if item.get("self_text")), None)
    if example is None:
        return plain
    return labels["self_wording"].format(text=plain, example=_t(example, lang).rstrip(". "))


def cited_sources(rubric: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """A short list of where the framework comes from: the sections that cite the same
    sources together, with those sources' short names. A rubric whose sections cite none
    (version 1 files, frozen in old cycles) lists its citations as they are."""
    sources = [{"citation": source} if isinstance(source, str) else source
               for source in rubric.get("sources", [])]
    by_id = {source["id"]: source for source in sources if "id" in source}
    lines: dict[tuple[str, ...], list[str]] = {}
    for section in rubric["sections"]:
        cited = tuple(source_id for source_id in section.get("sources", [])
                      if source_id in by_id)
        if cited:
            lines.setdefault(cited, []).append(_t(section["title"], lang))
    return [{"sections": sections,
             "sources": [by_id[i].get("short") or by_id[i]["citation"] for i in cited]}
            for cited, sections in lines.items()]


def _change(previous: Previous | None, rubric: Mapping[str, Any], results: SubjectResults,
            item_text: Mapping[str, str], section_title: Mapping[str, str],
            lang: str) -> dict[str, Any] | None:
    if previous is None:
        return None
    sections = analysis.sections_compared(previous.rubric, previous.results, rubric, results)
    items = analysis.items_compared(previous.results, results)
    if not sections and not items:
        return None
    rose, fell = analysis.largest_changes(items, CHANGE_ITEMS, CHANGE_THRESHOLD)

    def rows(changes: Sequence[analysis.Change], names: Mapping[str, str]) -> list[dict]:
        return [{"text": names[c.id], "before": round(c.before, 1), "after": round(c.after, 1),
                 "delta": round(c.after, 1) - round(c.before, 1)} for c in changes]

    sizes = analysis.group_sizes_compared(previous.results, results)
    return {"cycle": previous.cycle_name, "closed": format_date(previous.closed_on, lang),
            "groups": [{"key": size.group, "before": size.before, "after": size.after,
                        "weak": size.weak} for size in sizes],
            "weak": any(size.weak for size in sizes),
            "sections": rows(sections, section_title), "rose": rows(rose, item_text),
            "fell": rows(fell, item_text), "threshold": _one(CHANGE_THRESHOLD)}


def _guide(labels: Mapping[str, Any], results: SubjectResults,
           strengths: Sequence[analysis.ItemScore],
           areas: Sequence[analysis.ItemScore], blind: Sequence[analysis.ItemScore],
           hidden: Sequence[analysis.ItemScore], change: Mapping[str, Any] | None,
           groups: Sequence[Mapping[str, Any]], item_text: Mapping[str, str],
           section_title: Mapping[str, str]) -> dict[str, list[str]]:
    """Questions for the three conversations, each tied to this leader's own results."""
    def text(key: str, **values: Any) -> str:
        return labels[key].format(**values)

    session = [text("q_first_reaction")]
    if strengths:
        session.append(text("q_strength", item=item_text[strengths[0].item_id],
                            mean=_one(strengths[0].others)))
    if areas:
        session.append(text("q_area", item=item_text[areas[0].item_id],
                            mean=_one(areas[0].others)))
    for key, chosen in (("q_blind", blind), ("q_hidden", hidden)):
        if chosen:
            first = chosen[0]
            session.append(text(key, item=item_text[first.item_id], self=_one(first.self or 0),
                                others=_one(first.others)))
    if any(group["note"] == labels["hidden"] for group in groups):
        session.append(text("q_hidden_groups"))

    appraisal = [text("q_objectives")]
    if areas:
        appraisal.append(text("q_support", item=item_text[areas[-1 if len(areas) > 1 else 0]
                                                           .item_id]))
    if change and change["rose"]:
        appraisal.append(text("q_change", cycle=change["cycle"],
                              item=change["rose"][0]["text"].rstrip(". ")))
    if change and change["fell"]:
        appraisal.append(text("q_change_fell", cycle=change["cycle"],
                              item=change["fell"][0]["text"].rstrip(". ")))

    mentor = []
    if areas:
        mentor.append(text("q_learn_from", item=item_text[areas[0].item_id]))
    lowest = sorted(analysis.section_means(results).items(), key=lambda kv: kv[1])
    if lowest:
        section_id, mean = lowest[0]
        mentor.append(text("q_section", section=section_title[section_id], mean=_one(mean)))
    mentor += [text("q_wellbeing"), text("q_next_step")]
    return {"session": session, "appraisal": appraisal, "mentor": mentor}
