"""The PDF report: content, hidden groups, metadata, the URL fetcher, Welsh labels."""

from __future__ import annotations

import copy
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from service.reports.pdf import (
    DEFAULT_LABELS,
    WELSH_LABELS,
    ReportRenderError,
    ReportResourceRefused,
    render_report_html,
    render_report_pdf,
    report_url_fetcher,
)

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
REPORT_DIR = TEMPLATES_DIR / "report"

COLUMNS = ["self", "manager", "direct_report", "all_others"]


def _score(mean, n, sd=0.5, not_observed=0):
    return {"mean": mean, "n": n, "sd": sd, "min": 1, "max": 5, "not_observed": not_observed}


def make_context() -> dict:
    """A realistic report context: three sections, a peer group hidden for anonymity."""
    sections = [
        {
            "id": "attending",
            "title": "Attending",
            "description": "Being present with people and listening with fascination.",
            "scores": {
                "self": {"mean": 4.0, "n": 1},
                "manager": {"mean": 3.5, "n": 1},
                "direct_report": {"mean": 3.92, "n": 5},
                "all_others": {"mean": 3.84, "n": 6},
            },
            "items": [
                {
                    "id": "attending-listens",
                    "text": "Gives people their full attention when they speak.",
                    "level": "team",
                    "scores": {
                        "self": _score(4.0, 1, 0.0),
                        "manager": _score(3.0, 1, 0.0),
                        "direct_report": _score(4.2, 5),
                        "all_others": _score(4.0, 6),
                    },
                },
                {
                    "id": "attending-curious",
                    "text": "Asks questions to understand before offering answers.",
                    "level": "team",
                    "scores": {
                        "self": _score(4.0, 1, 0.0),
                        "manager": _score(4.0, 1, 0.0),
                        "direct_report": _score(3.6, 5, not_observed=1),
                        "all_others": _score(3.7, 6, not_observed=1),
                    },
                },
            ],
        },
        {
            "id": "inclusion",
            "title": "Inclusive leadership",
            "description": "Valuing diversity and challenging power imbalances.",
            "scores": {
                "self": {"mean": 3.0, "n": 1},
                "manager": {"mean": 4.0, "n": 1},
                # Too few direct reports answered this section's items: not shown.
                "direct_report": None,
                "all_others": {"mean": 4.27, "n": 6},
            },
            "items": [
                {
                    "id": "inclusion-voices",
                    "text": "Makes sure quieter voices are heard in meetings.",
                    "level": "team",
                    "scores": {
                        "self": _score(3.0, 1, 0.0),
                        "manager": _score(4.0, 1, 0.0),
                        "direct_report": None,
                        "all_others": _score(4.3, 6),
                    },
                },
                {
                    "id": "inclusion-bias",
                    "text": "Reflects openly on their own assumptions and biases.",
                    "level": "self",
                    "scores": {
                        "self": _score(3.0, 1, 0.0),
                        "manager": _score(4.0, 1, 0.0),
                        "direct_report": None,
                        "all_others": _score(4.2, 6, not_observed=2),
                    },
                },
            ],
        },
        {
            "id": "speaking-up",
            "title": "Psychological safety",
            "description": "Encouraging people to raise concerns and learning without blame.",
            "scores": {
                "self": {"mean": 2.5, "n": 1},
                "manager": {"mean": 3.0, "n": 1},
                "direct_report": {"mean": 4.66, "n": 5},
                "all_others": {"mean": 4.4, "n": 6},
            },
            "items": [
                {
                    "id": "speaking-up-acts",
                    "text": "Acts on concerns that people raise.",
                    "level": "organisation",
                    "scores": {
                        "self": _score(2.5, 1, 0.0),
                        "manager": _score(3.0, 1, 0.0),
                        "direct_report": _score(4.66, 5),
                        "all_others": _score(4.4, 6),
                    },
                },
            ],
        },
    ]
    return {
        "lang": "en",
        "organisation": "Afon Valley NHS Trust",
        "title": "Leadership 360 report — Dr Alex Smith",
        "cycle": {
            "name": "Spring 2026 leadership 360",
            "opens": "1 March 2026",
            "closes": "31 March 2026",
        },
        "subject": {"name": "Dr Alex Smith", "title": "Ward Manager", "department": "Nursing"},
        "generated_on": "2 April 2026",
        "rubric": {"title": "Compassionate and inclusive leadership", "version": 1},
        "scale": {
            "labels": ["Never", "Rarely", "Sometimes", "Often", "Always"],
            "max": 5,
            "not_observed": "Not observed",
        },
        "thresholds": {"min_group_size": 3, "manager_min": 1},
        "groups": [
            {
                "key": "self",
                "label": "Self",
                "invited": 1,
                "responded": 1,
                "shown": True,
                "note": "",
            },
            {
                "key": "manager",
                "label": "Manager",
                "invited": 1,
                "responded": 1,
                "shown": True,
                "note": "Not anonymous",
            },
            {
                "key": "peer",
                "label": "Peers",
                "invited": 4,
                "responded": 2,
                "shown": False,
                "note": "Not shown to protect anonymity",
            },
            {
                "key": "direct_report",
                "label": "Direct reports",
                "invited": 6,
                "responded": 5,
                "shown": True,
                "note": "",
            },
            {
                "key": "other",
                "label": "Others",
                "invited": 0,
                "responded": 0,
                "shown": False,
                "note": "",
            },
        ],
        "columns": [
            {"key": "self", "label": "Self"},
            {"key": "manager", "label": "Manager"},
            {"key": "direct_report", "label": "Direct reports"},
            {"key": "all_others", "label": "All others"},
        ],
        "sections": sections,
        "comments": [
            {
                "question": "What does this person do well?",
                "comments": [
                    "Always makes time to listen, even on the busiest shifts.",
                    "Notices when someone is struggling & checks in <quietly>.",
                ],
            },
            {
                "question": "What could this person do differently?",
                "comments": ["Could share the reasons behind rota changes earlier."],
            },
        ],
        "self_comments": [
            {
                "question": "What would you like to develop?",
                "comments": ["Making space for the team to raise concerns in huddles."],
            },
        ],
        "labels": DEFAULT_LABELS,
    }


def _text(page) -> str:
    """A page's text with line breaks and runs of spaces folded to single spaces."""
    return " ".join(page.extract_text().split())


def _pages(pdf: bytes) -> list[str]:
    return [_text(page) for page in PdfReader(io.BytesIO(pdf)).pages]


def _page_with(pages: list[str], heading: str) -> str:
    matches = [text for text in pages if heading in text]
    assert matches, f"no page contains {heading!r}"
    return matches[0]


@pytest.fixture(scope="module")
def context() -> dict:
    return make_context()


@pytest.fixture(scope="module")
def pdf(context) -> bytes:
    return render_report_pdf(context, TEMPLATES_DIR)


def test_pdf_has_every_part(pdf, context):
    assert pdf.startswith(b"%PDF-")
    pages = _pages(pdf)
    text = "\n".join(pages)
    for heading in (
        "Leadership 360 feedback report",
        "Who responded",
        "Scores by section",
        "Behaviour detail",
        "Comments",
        "Your own comments",
    ):
        assert heading in text, heading

    cover = pages[0]
    assert "Dr Alex Smith" in cover
    assert "Afon Valley NHS Trust" in cover
    assert "Ward Manager, Nursing" in cover
    assert "1 March 2026 to 31 March 2026" in cover
    assert "Confidential: this report belongs to Dr Alex Smith." in cover
    # Every page carries the leader's name and "Confidential" in its footer.
    assert all("Dr Alex Smith · Confidential" in page for page in pages)
    assert f"Page 2 of {len(pages)}" in pages[1]


def test_who_responded_lists_every_group_with_its_note(pdf):
    page = _page_with(_pages(pdf), "Who responded")
    assert "Peers 4 2 Not shown to protect anonymity" in page
    assert "Manager 1 1 Not anonymous" in page
    assert "Direct reports 6 5" in page
    assert "at least 3 people in that group responded" in page


def test_section_means_are_shown_to_one_decimal(pdf):
    page = _page_with(_pages(pdf), "Scores by section")
    # Table rows: section, then Self / Manager / Direct reports / All others.
    assert "Attending 4.0 3.5 3.9 3.8" in page
    assert "Inclusive leadership 3.0 4.0 – 4.3" in page
    assert "Psychological safety 2.5 3.0 4.7 4.4" in page
    assert "3.92" not in page and "4.27" not in page


def test_hidden_group_is_never_a_column(pdf):
    pages = _pages(pdf)
    scores = _page_with(pages, "Scores by section")
    detail = _page_with(pages, "Behaviour detail")
    header = "Section Self Manager Direct reports All others"
    assert header in scores
    for page in (scores, detail):
        assert "Peers" not in page
    # "Peers" appears once in the whole report: its row in the who-responded table.
    assert "\n".join(pages).count("Peers") == 1


def test_item_detail_shows_n_and_not_observed(pdf):
    detail = "\n".join(p for p in _pages(pdf) if "Behaviour detail" in p or "n = " in p)
    assert "Gives people their full attention when they speak." in detail
    assert "n = 5" in detail
    assert "1 not observed" in detail
    assert "2 not observed" in detail
    assert "Level: Organisation" in detail


def test_charts_are_drawn_with_accessible_titles(context):
    html = render_report_html(context, TEMPLATES_DIR)
    assert html.count("<svg") == len(context["sections"])
    assert (
        "<title>Bar chart of average scores for Attending, on a scale of 1 to 5: "
        "Self 4.0, Manager 3.5, Direct reports 3.9, All others 3.8.</title>"
    ) in html
    # The hidden direct-report score is not drawn for "Inclusive leadership".
    assert "Manager 4.0, All others 4.3.</title>" in html


def test_comments_are_grouped_and_escaped(pdf, context):
    pages = _pages(pdf)
    text = "\n".join(pages)
    for block in context["comments"] + context["self_comments"]:
        assert block["question"] in text
    assert "Always makes time to listen, even on the busiest shifts." in text
    assert "Notices when someone is struggling & checks in <quietly>." in text
    assert "Making space for the team to raise concerns in huddles." in text
    # Others' comments come before the leader's own.
    assert text.index("Could share the reasons") < text.index("Your own comments")
    assert text.index("Your own comments") < text.index("Making space for the team")
    html = render_report_html(context, TEMPLATES_DIR)
    assert "&lt;quietly&gt;" in html and "<quietly>" not in html


def test_metadata_title_and_language(pdf, context):
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == context["title"]
    assert reader.trailer["/Root"].get("/Lang") == "en"
    # Tagged PDF (PDF/UA-1): a structure tree and the "marked" flag.
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"] in (True, "true")


def test_fetcher_serves_only_the_report_folder():
    fetcher = report_url_fetcher(REPORT_DIR)
    response = fetcher.fetch((REPORT_DIR / "report.css").as_uri())
    try:
        assert response.content_type == "text/css"
        assert b"@page" in response.read()
    finally:
        response.close()
    refused = [
        "https://example.org/x.png",
        "http://localhost/report.css",
        "file:///etc/passwd",
        (REPORT_DIR / ".." / "report" / ".." / ".." / "pyproject.toml").as_uri(),
        REPORT_DIR.as_uri() + "/../../pyproject.toml",
        "file://otherhost" + str(REPORT_DIR / "report.css"),
        "ftp://example.org/report.css",
    ]
    for url in refused:
        with pytest.raises(ReportResourceRefused):
            fetcher.fetch(url)
    data = fetcher.fetch("data:text/plain,hello")
    assert data.read() == b"hello"
    data.close()


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
        render_report_pdf(context, tmp_path)


def test_welsh_labels(context):
    welsh = copy.deepcopy(context)
    welsh["lang"] = "cy"
    welsh["labels"] = WELSH_LABELS
    welsh["title"] = "Adroddiad arweinyddiaeth 360 — Dr Alex Smith"
    pdf = render_report_pdf(welsh, TEMPLATES_DIR)
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(_text(page) for page in reader.pages)
    assert reader.trailer["/Root"].get("/Lang") == "cy"
    assert reader.metadata.title == welsh["title"]
    assert "Adroddiad adborth 360 ar arweinyddiaeth" in text
    assert "Grŵp" in text  # ŵ survives fonts, subsetting and text extraction
    assert "Pwy a ymatebodd" in text
    assert "Sylwadau" in text
    assert "Leadership 360 feedback report" not in text


def test_welsh_labels_cover_every_english_key():
    assert set(WELSH_LABELS) == set(DEFAULT_LABELS)
    assert set(WELSH_LABELS["levels"]) == set(DEFAULT_LABELS["levels"])


def test_partial_labels_fall_back_to_english(context):
    partial = dict(context, labels={"who_heading": "Ymatebwyr"})
    html = render_report_html(partial, TEMPLATES_DIR)
    assert "Ymatebwyr" in html
    assert "Scores by section" in html
