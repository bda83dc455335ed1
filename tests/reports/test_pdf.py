"""The PDF report, read back as text: every part in order, figures that match the aggregation,
a hidden group nowhere, Welsh for a Welsh speaker, the action plan's fields, safe fetching."""

from __future__ import annotations

import copy
import datetime as dt
import io
import random
import re
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from service.reports.context import (
    Branding,
    CycleFacts,
    Leader,
    Previous,
    ReportInputs,
    build_context,
)
from service.reports.pdf import (
    ReportRenderError,
    ReportResourceRefused,
    render_report,
    render_report_html,
    report_url_fetcher,
)
from service.responses.results import RaterAnswers, compute_results
from service.rubrics import importance
from service.rubrics.loader import find_rubric

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = ROOT / "templates"
REPORT_DIR = TEMPLATES_DIR / "report"
RUBRIC = find_rubric(ROOT / "rubrics", "compassionate-inclusive-leadership")
ITEMS = [item["id"] for section in RUBRIC["sections"] for item in section["items"]]
FIRST, SECOND = RUBRIC["sections"][0], RUBRIC["sections"][1]
PARTS = ("Leadership 360 feedback report", "How to read this report", "Who responded",
         "Overview", "Strengths and areas to develop", "Blind spots and hidden strengths",
         "Behaviour detail", "Comments", "Your own comments", "Change since Spring 2025",
         "Reflection and conversation guide", "Action plan")


def _rater(group: str, base: int, comments: dict[str, str] | None = None,
           overrides: dict[str, int | None] | None = None) -> RaterAnswers:
    answers: dict[str, int | None] = {item: base for item in ITEMS}
    # How important each section is for the role (service/rubrics/importance.py): varied by
    # section, so the report has priorities to name.
    answers.update({importance.key(section["id"]): 1 + (index * 2 + base) % 5
                    for index, section in enumerate(RUBRIC["sections"])})
    answers.update(overrides or {})
    return RaterAnswers(group, answers, comments or {})


def raters() -> list[RaterAnswers]:
    """Self 4 (5 on the first item: a blind spot), manager 3, four direct reports around 4,
    and two peers: below k = 3, so hidden everywhere, comments included."""
    first = FIRST["items"][0]["id"]
    listening = FIRST["items"][1]["id"]
    return [
        _rater("self", 4, {"strengths": "SELF-NOTE: I try to listen."},
               {first: 5, listening: 2}),
        _rater("manager", 3, {"development": "Could delegate more & say <no>."}),
        _rater("direct_report", 4, {"strengths": "Always makes time to listen."},
               {first: 2, listening: 5}),
        _rater("direct_report", 5, {"strengths": "Thanks people by name."}, {first: 2}),
        _rater("direct_report", 4, {}, {first: 3, listening: None}),
        _rater("direct_report", 3, {"example": "Held a kind debrief after an incident."}),
        _rater("peer", 1, {"strengths": "PEER-SECRET comment"}),
        _rater("peer", 1, {"development": "PEER-SECRET two"}),
    ]


def inputs(**changes: object) -> ReportInputs:
    previous_raters = [_rater("manager", 2), *[_rater("direct_report", 3) for _ in range(3)]]
    values: dict[str, object] = {
        "leader": Leader("Dr Alex Smith", "Ward Manager", "Nursing", "en"),
        "cycle": CycleFacts("Spring 2026 leadership 360", dt.date(2026, 3, 1),
                            dt.date(2026, 3, 31)),
        "rubric": RUBRIC,
        "raters": raters(),
        "invited": {"self": 1, "manager": 1, "peer": 4, "direct_report": 6},
        "branding": Branding("Afon Valley NHS Trust"),
        "cohort": {section["id"]: {"mean": 3.5, "leaders": 6} for section in RUBRIC["sections"]},
        "previous": Previous("Spring 2025", dt.date(2025, 3, 31), RUBRIC,
                             compute_results(RUBRIC, previous_raters)),
        "generated_on": dt.date(2026, 4, 2),
    }
    values.update(changes)
    return ReportInputs(**values)  # type: ignore[arg-type]


def _text(page) -> str:
    return " ".join(page.extract_text().split())


def _pages(pdf: bytes) -> list[str]:
    return [_text(page) for page in PdfReader(io.BytesIO(pdf)).pages]


def _first_page_with(pages: list[str], heading: str) -> int:
    for number, text in enumerate(pages):
        if heading in text:
            return number
    raise AssertionError(f"no page contains {heading!r}")


@pytest.fixture(scope="module")
def context() -> dict:
    return build_context(inputs(), random.Random(1))


@pytest.fixture(scope="module")
def pdf(context) -> bytes:
    return render_report(context, TEMPLATES_DIR).pdf


@pytest.fixture(scope="module")
def pages(pdf) -> list[str]:
    return _pages(pdf)


def test_every_part_in_order_with_a_footer_on_each_page(pages):
    starts = [_first_page_with(pages, heading) for heading in PARTS]
    assert starts == sorted(starts), dict(zip(PARTS, starts, strict=True))
    cover = pages[0]
    for fact in ("Dr Alex Smith", "Afon Valley NHS Trust", "Ward Manager, Nursing",
                 "1 March 2026 to 31 March 2026", "Report version 1",
                 "Confidential: this report belongs to Dr Alex Smith."):
        assert fact in cover
    assert "Facilitator" not in cover  # nobody facilitates this one
    assert all("Dr Alex Smith · Confidential" in page for page in pages)
    assert f"Page 2 of {len(pages)}" in pages[1]


def test_the_cover_tells_when_it_closed_which_version_and_who_facilitates():
    closed_early = CycleFacts("Spring 2026 leadership 360", dt.date(2026, 3, 1),
                              dt.date(2026, 3, 31), closed_on=dt.date(2026, 3, 27))
    context = build_context(inputs(cycle=closed_early, facilitator="Fay Okafor", version=2),
                            random.Random(1))
    cover = _pages(render_report(context, TEMPLATES_DIR).pdf)[0]
    assert "Dates 1 March 2026 to 27 March 2026" in cover  # when it closed, not when planned
    assert "31 March 2026" not in cover
    assert "Facilitator Fay Okafor" in cover
    assert "Report version 2 (updated after late responses)" in cover


def test_how_to_read_says_these_are_perceptions_and_states_the_thresholds(pages):
    page = pages[_first_page_with(pages, "How to read this report")]
    assert "perceptions to explore, not a verdict" in page
    assert "at least 3 people in that group responded" in page
    assert "Not observed" in page and "Never" in page and "Always" in page


def test_who_responded_names_the_hidden_group(pages):
    page = pages[_first_page_with(pages, "Who responded")]
    assert "Peers 4 2 Not shown to protect anonymity" in page
    assert "Manager 1 1 Not anonymous" in page
    assert "Direct reports 6 4" in page


def test_one_page_summary_holds_counts_highlights_gaps_and_levels(pages, context):
    number = _first_page_with(pages, "Summary")
    page = pages[number]
    assert number == 1 and "Page 2 of" in page  # straight after the cover, on one page
    assert "7 of 11 colleagues invited gave feedback." in page
    assert "Peers 2 / 4 Not shown" in page and "Manager 1 / 1 Not anonymous" in page
    for row in (*context["summary"]["strengths"], *context["summary"]["areas"],
                *context["summary"]["blind"], *context["summary"]["hidden"]):
        assert row["text"].split()[0] in page
    # two each, as the rubric asks importance and the page also names the priorities
    assert len(context["summary"]["strengths"]) == 2
    assert context["summary"]["strengths"] == context["highlights"]["strengths"][:2]
    assert "Possible blind spots" in page and "Hidden strengths" in page
    assert "By level" in page and "Behaviours seen more often" not in page
    assert "Organisation" in page and "System" in page
    assert "Priorities" in page and "Attending (importance 3.8, score 3.6)" in page


def test_importance_beside_performance_and_the_priorities_in_both_languages(app, context):
    """The overview's table pairs importance with the score where both are shown, marks the
    priorities, and says the rule with its two figures; Welsh too. A rubric without importance
    shows none of it."""
    assert [p["id"] for p in context["importance"]["priorities"]] == ["attending"]
    assert (context["importance"]["cut"], context["importance"]["average"]) == (2.8, 3.8)
    for language, words in (("en", ("Importance and performance", "Priority",
                                     "importance 2.8 or more")),
                            ("cy", ("Pwysigrwydd a pherfformiad", "Blaenoriaeth",
                                    "pwysigrwydd 2.8 neu fwy"))):
        with app.test_request_context():
            built = build_context(inputs(leader=Leader("Dr Alex Smith", language=language)),
                                  random.Random(1))
            text = " ".join(_pages(render_report(built, TEMPLATES_DIR).pdf))
        for word in words:
            assert word in text, (language, word)
    plain = {key: value for key, value in RUBRIC.items() if key != "importance"}
    built = build_context(inputs(rubric=plain, previous=None), random.Random(1))
    assert built["importance"]["asked"] is False and built["importance"]["priorities"] == []
    assert len(built["summary"]["strengths"]) == 3
    html = render_report_html(built, TEMPLATES_DIR)
    assert "Importance and performance" not in html and "Priorities" not in html


def _importance_tables(html: str) -> list[tuple[list[str], list[list[str]]]]:
    """Each importance table of the report's HTML: its column headers, and its rows' cells
    (the section title first)."""
    tables = []
    for table in re.findall(r'<table class="data scores-table importance-table.*?</table>', html,
                            re.S):
        headers = [re.sub(r"<.*?>", "", h).strip()
                   for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table, re.S)]
        rows = [[re.sub(r"<.*?>", "", c).strip()
                 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
                for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)]
        tables.append((headers, rows))
    return tables


def test_importance_has_a_column_per_shown_group_hidden_cells_as_hidden_scores(app):
    """One column per group the behaviour pages show, in their order and with their headings;
    each cell as results.py decided it, a hidden one "–" (as a hidden score); the peers, too
    few to show, nowhere."""
    first, second = FIRST["id"], SECOND["id"]
    chosen = raters()
    # the manager leaves the first section's importance unanswered; only two of the four
    # direct reports answer the second's (below k = 3): both cells hidden (all others' for
    # the second then pools them with the hidden peers, four together: rule 3 of results.py)
    chosen[1] = _rater("manager", 3, overrides={importance.key(first): None})
    for index in (2, 3):
        chosen[index] = replace(chosen[index], answers={**chosen[index].answers,
                                                        importance.key(second): None})
    with app.test_request_context():
        context = build_context(inputs(raters=chosen), random.Random(1))
    html = render_report_html(context, TEMPLATES_DIR)
    tables = _importance_tables(html)
    assert len(tables) == 1
    headers, rows = tables[0]
    labels = [column["label"] for column in context["columns"]]
    assert labels == ["Self", "Manager", "Direct reports", "All others"]
    assert headers == ["Section", *labels, "Priority"]
    results = compute_results(RUBRIC, chosen)
    for section, row in zip(RUBRIC["sections"], rows, strict=True):
        cells = results.importance[section["id"]]
        expected = ["–" if cells[c["key"]] is None else f"{cells[c['key']].mean:.1f}"
                    for c in context["columns"]]
        assert row[1:-1] == expected, section["id"]
    assert rows[0][2] == "–" and rows[1][3] == "–"
    assert rows[0][1] != "–" and rows[1][2] != "–"
    assert "Peers" not in headers


def test_levels_average_the_shown_item_means_from_self_outwards():
    rubric = {"sections": [{"id": "s", "items": [
        {"id": "a", "level": "team"}, {"id": "b", "level": "team"},
        {"id": "c", "level": "system"}, {"id": "d"}]}]}
    raters = [RaterAnswers("self", {"a": 5, "b": 5, "c": 1, "d": 3}, {})] + [
        RaterAnswers("direct_report", {"a": 4, "b": 2, "c": value, "d": 5}, {})
        for value in (3, 3, None)]
    raters += [RaterAnswers("peer", {"a": 1, "b": 1, "c": 1, "d": 1}, {})]  # hidden: 1 peer
    from service.reports import analysis
    results = compute_results(rubric, raters)
    levels = analysis.level_scores(rubric, results)
    shown = {i: results.items[i]["all_others"] for i in "abc"}
    assert [(lv.level, lv.items, lv.self) for lv in levels] == [
        ("team", 2, 5.0), ("system", 1, 1.0)]  # "d" has no level; self has none empty
    assert levels[0].others == pytest.approx((shown["a"].mean + shown["b"].mean) / 2)
    assert levels[1].others == (shown["c"].mean if shown["c"] else None)


def test_overview_figures_match_the_aggregation(pages, context):
    page = pages[_first_page_with(pages, "Overview")]
    assert "Section Self Manager Direct reports All others Cohort average" in page
    results = compute_results(RUBRIC, raters())
    for section in (FIRST, SECOND):
        cells = results.sections[section["id"]]
        row = " ".join(f"{cells[column].mean:.1f}"
                       for column in ("self", "manager", "direct_report", "all_others"))
        assert f"{section['title']['en']} {row} 3.5" in page
    assert "average of the “all others” scores of the 6 leaders" in page


def test_a_hidden_group_is_nowhere_but_in_the_counts(pages, context):
    text = "\n".join(pages)
    assert "PEER-SECRET" not in text
    assert all(column["key"] != "peer" for column in context["columns"])
    reading = {_first_page_with(pages, "How to read this report"),
               _first_page_with(pages, "Who responded"),
               _first_page_with(pages, "Change since Spring 2025"),  # counts then and now
               _first_page_with(pages, "Summary")}  # counts by group
    for number, page in enumerate(pages):
        if number not in reading:
            assert "Peers" not in page, number
    # Two peers rated 1 throughout: the lowest all-others mean would fall if they were pooled.
    assert min(s["scores"]["all_others"]["mean"] for s in context["sections"]) > 3.0


def test_strengths_areas_and_gaps_follow_the_rule_on_the_page(pages, context):
    page = pages[_first_page_with(pages, "Strengths and areas to develop")]
    listening = FIRST["items"][1]["text"]["en"]
    first = FIRST["items"][0]["text"]["en"]
    assert context["highlights"]["strengths"][0]["text"] == listening  # 5, 5, 3, 3: highest
    assert listening in page
    gaps = pages[_first_page_with(pages, "Blind spots and hidden strengths")]
    assert "rated at least 1.0 above all others" in gaps
    # Self 5 against direct reports 2, 2, 3, 3 and the manager's 3: a blind spot of +2.4.
    assert f"{first} 5.0 2.6 +2.4" in gaps
    assert context["gaps"]["hidden"][0]["text"] == listening  # self 2 against 4.0


def test_behaviour_detail_has_n_not_observed_and_a_spread_per_item(pages, context):
    html = render_report_html(context, TEMPLATES_DIR)
    assert html.count('<svg class="spread"') == len(ITEMS)
    detail = "\n".join(pages[_first_page_with(pages, "Behaviour detail"):
                             _first_page_with(pages, "Comments")])
    assert "n = 4" in detail and "1 not observed" in detail
    assert "Level: Organisation" in detail
    assert ("Spread of ratings: Self from 5 to 5, average 5.0; Manager from 3 to 3, average "
            "3.0; Direct reports from 2 to 3, average 2.5") in html


def test_overview_chart_has_a_text_alternative(context):
    html = render_report_html(context, TEMPLATES_DIR)
    assert "<title>Dot chart of the average score of each section on a scale of 1 to 5" in html
    assert ("Attending: Self 3.8, Manager 3.0, Direct reports 3.7, All others 3.6, Cohort "
            "average 3.5;") in html


def test_comments_grouped_shuffled_escaped_and_the_leaders_own_apart(pages, context):
    text = "\n".join(pages)
    assert "Could delegate more & say <no>." in text
    assert "&lt;no&gt;" in render_report_html(context, TEMPLATES_DIR)
    own = text.index("Your own comments")
    assert text.index("Thanks people by name.") < own < text.index("SELF-NOTE: I try to listen.")
    orders = {tuple(block["comments"]) for seed in range(20)
              for block in build_context(inputs(), random.Random(seed))["comments"][:1]}
    assert len(orders) > 1  # the order changes from one rendering to the next


def test_change_since_the_previous_cycle(pages, context):
    page = pages[_first_page_with(pages, "Change since Spring 2025")]
    change = context["change"]
    row = change["sections"][0]
    assert (row["before"], row["after"]) == (2.8, 3.6)
    assert f"{FIRST['title']['en']} 2.8 3.6 +0.8" in page
    assert [(g["key"], g["before"], g["after"], g["weak"]) for g in change["groups"]] == [
        ("manager", 1, 1, False), ("peer", 0, 2, True), ("direct_report", 3, 4, False)]
    assert "Peers 0 2 Weak" in page and "Direct reports 3 4 Fair" in page
    assert "changed by more than a third" in page


def test_guide_prompts_use_this_leaders_results(pages, context):
    page = pages[_first_page_with(pages, "Reflection and conversation guide")]
    listening = FIRST["items"][1]["text"]["en"]
    assert f"Colleagues most often see you do this: “{listening[:-1]}” (4.0)." in page
    assert "Some groups are not shown to protect anonymity." in page
    assert "In your appraisal" in page and "With your mentor or coach" in page


def test_action_plan_has_fields_to_fill_in(pdf, pages):
    assert "Review date" in pages[_first_page_with(pages, "Action plan")]
    fields = PdfReader(io.BytesIO(pdf)).get_fields()
    assert {"focus-1", "actions-1", "support-1", "review-1", "agreed"} <= set(fields)
    assert fields["actions-2"]["/TU"] == "What I will do (Goal 2)"
    # "priority" is the importance rule's word (the overview); the plan's rows are goals
    assert "Priority 1" not in pages[_first_page_with(pages, "Action plan")]


def test_a_summary_too_long_for_its_page_is_drawn_again_compact(app):
    """Siân's demo summary in Welsh ran onto a second page: the longest Welsh behaviours as
    every strength, area, blind spot and hidden strength, and three long priorities. The
    summary is then laid out again, smaller, and stays on page 2 with the guide on page 3."""
    from tests.reports.test_pdf_layout import overlapping, words_by_page  # it imports us

    with app.test_request_context():
        welsh = build_context(inputs(leader=Leader("Siân Prosser", language="cy")),
                              random.Random(1))
    summary = welsh["summary"]
    longest = sorted((row for rows in (welsh["highlights"]["strengths"],
                                       welsh["highlights"]["areas"]) for row in rows),
                     key=lambda row: -len(row["text"]))
    gaps = sorted([*welsh["gaps"]["blind"], *welsh["gaps"]["hidden"]],
                  key=lambda row: -len(row["text"]))
    for name, rows in (("strengths", longest), ("areas", longest), ("blind", gaps),
                       ("hidden", gaps)):
        summary[name] = [dict(row, text=longest[0]["text"]) for row in rows[:2]]
    priorities = welsh["importance"]["priorities"]
    welsh["importance"]["priorities"] = [dict(priorities[0], title=section["title"])
                                         for section in welsh["sections"][-3:]]
    assert "compact" not in render_report_html(welsh, TEMPLATES_DIR).split('id="summary"')[0]
    pdf = render_report(welsh, TEMPLATES_DIR).pdf
    reader = PdfReader(io.BytesIO(pdf))
    second, third = _text(reader.pages[1]), _text(reader.pages[2])
    assert "Crynodeb" in second and "Blaenoriaethau" in second
    assert third.lstrip().startswith(welsh["labels"]["reading_heading"][:10]), third[:80]
    assert list(overlapping(words_by_page(pdf)[1])) == []  # smaller, never over each other


def test_tagged_with_title_and_language(pdf, context):
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == context["title"]
    root = reader.trailer["/Root"]
    assert root.get("/Lang") == "en"
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"] in (True, "true")


def test_a_welsh_speaker_gets_it_in_welsh(app, tmp_path):
    """From the cy catalogue, under the leader's language (an app, so the catalogues load)."""
    welsh = build_context(inputs(leader=Leader("Siân Prosser", language="cy")),
                          random.Random(1))
    rendered = render_report(welsh, TEMPLATES_DIR)
    (tmp_path / "welsh.pdf").write_bytes(rendered.pdf)  # to look at (pytest --basetemp)
    reader = PdfReader(io.BytesIO(rendered.pdf))
    text = "\n".join(_text(page) for page in reader.pages)
    assert reader.trailer["/Root"].get("/Lang") == "cy"
    for words in ("Adroddiad adborth 360 ar arweinyddiaeth", "Pwy a ymatebodd", "Grŵp",
                  "Cynllun gweithredu", "Rhoi sylw", "Canllaw myfyrio a sgwrsio"):
        assert words in text
    assert "Leadership 360 feedback report" not in text and "Who responded" not in text
    summary = _text(reader.pages[1])  # the summary, in Welsh, still on one page
    assert "Crynodeb" in summary and "Fesul lefel" in summary and "Mannau dall posibl" in summary
    # Dates in CLDR's Welsh: the cycle's (March 2026), the report's (April) and the previous
    # cycle's close (March 2025).
    for date in ("1 Mawrth 2026", "31 Mawrth 2026", "2 Ebrill 2026", "31 Mawrth 2025"):
        assert date in text
    assert "March" not in text and "April" not in text


def test_an_english_speaker_gets_english_dates_and_labels_inside_an_app(app):
    english = build_context(inputs(), random.Random(1))
    html = render_report_html(english, TEMPLATES_DIR)
    assert "1 March 2026" in html and "2 April 2026" in html and "Who responded" in html
    assert "Mawrth" not in html


def test_no_cohort_below_five_leaders_and_no_change_without_a_previous_cycle():
    context = build_context(inputs(cohort=None, previous=None), random.Random(1))
    html = render_report_html(context, TEMPLATES_DIR)
    assert "Cohort average" not in html
    assert "A cohort average is shown only when at least 5 leaders" in html
    assert "Change since" not in html


def test_partial_labels_fall_back_to_english(context):
    partial = dict(context, labels={"who_heading": "Ymatebwyr"})
    html = render_report_html(partial, TEMPLATES_DIR)
    assert "Ymatebwyr" in html and "Behaviour detail" in html


def test_fetcher_serves_only_the_report_folder_and_the_logo(tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG")
    fetcher = report_url_fetcher(REPORT_DIR, logo)
    response = fetcher.fetch((REPORT_DIR / "report.css").as_uri())
    try:
        assert response.content_type == "text/css"
        assert b"@page" in response.read()
    finally:
        response.close()
    assert fetcher.fetch(logo.as_uri()).read() == b"\x89PNG"
    refused = [
        "https://example.org/x.png",
        "http://localhost/report.css",
        "file:///etc/passwd",
        (tmp_path / "other.png").as_uri(),
        REPORT_DIR.as_uri() + "/../../pyproject.toml",
        "file://otherhost" + str(REPORT_DIR / "report.css"),
        "ftp://example.org/report.css",
    ]
    for url in refused:
        with pytest.raises(ReportResourceRefused):
            fetcher.fetch(url)


def test_the_logo_and_colour_are_the_organisations(tmp_path):
    logo = tmp_path / "trust.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
                    '<rect width="120" height="40" fill="#330072"/></svg>')
    branded = build_context(inputs(branding=Branding("Afon Valley NHS Trust", logo, "#330072")),
                            random.Random(1))
    html = render_report_html(branded, TEMPLATES_DIR)
    assert f'<img src="{logo.as_uri()}"' in html and "--accent: #330072" in html
    assert render_report(branded, TEMPLATES_DIR, logo).pages > 8


def test_render_stops_on_a_refused_resource(tmp_path, context):
    report = tmp_path / "report"
    report.mkdir()
    (report / "report.css").write_text("body { color: black; }")
    (report / "report.html").write_text(
        '<html lang="en"><head><title>x</title>'
        '<link rel="stylesheet" href="report.css"></head>'
        '<body><img src="https://example.org/tracker.png" alt="x"></body></html>'
    )
    with pytest.raises(ReportRenderError):
        render_report(context, tmp_path)


def test_the_self_legend_quotes_the_first_person_wording_and_the_sources_are_listed(pages):
    page = pages[_first_page_with(pages, "How to read this report")]
    assert ("your own ratings of yourself, on a form that put each statement in the first "
            "person (for example, “I give people my full attention when they speak”)") in page
    assert "Where the framework comes from" in page
    assert "Inclusive leadership: NHS Improvement (2016), Developing people – improving care" \
        in page
    assert "Attending, Understanding, Empathising, Helping: The King's Fund, What is " \
        "compassionate leadership?" in page
    assert "HEIW and The King's Fund" in page and "through mindfulness" in page
    # The leader's own comments sit under the question as their form asked it.
    own = pages[_first_page_with(pages, "Your own comments")]
    assert "What do I do particularly well as a compassionate and inclusive leader?" in own


def test_a_rubric_frozen_before_self_wording_and_cited_sources_reads_as_before():
    """Version 1 rubrics, frozen in old cycles: no self_text, sources as plain strings."""
    old = copy.deepcopy(RUBRIC)
    old["sources"] = [source["citation"] for source in old["sources"]]
    for section in old["sections"]:
        del section["sources"]
        for item in section["items"]:
            del item["self_text"]
    for question in old["questions"]:
        del question["self_text"]
    context = build_context(inputs(rubric=old, previous=None), random.Random(1))
    assert context["sources"] == []
    assert context["group_descriptions"][0]["text"] == "your own ratings of yourself"
    html = render_report_html(context, TEMPLATES_DIR)
    assert "Where the framework comes from" not in html
    assert "What does this person do particularly well" in html  # the self comments' heading
