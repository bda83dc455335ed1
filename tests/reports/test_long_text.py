"""Long names and long words: a cycle's reports still save, and nothing runs off the page."""

from __future__ import annotations

import random
import re
import string
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from service.nominations.models import RaterGroup
from service.reports.context import Leader, build_context
from service.reports.operations import report_filename
from service.reports.pdf import render_report
from tests.factories import launched_cycle
from tests.reports.test_pdf import TEMPLATES_DIR, _rater, inputs, raters
from tests.reports.test_release import answer, cli, run_queue

SAFE_NAME = re.compile(r"cycle[0-9]+-[0-9]+-[a-z0-9]+(-[a-z0-9]+)*-v[0-9]+\.pdf")


def _on_the_page(pdf: bytes) -> str:
    """The text within the pages, without white space. pdftotext (poppler) leaves out what lies
    past a page's edge; pypdf reads that too, so it cannot tell a word that ran off the page."""
    result = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return "".join(result.stdout.decode().split())


def test_a_4000_character_word_in_a_comment_is_all_on_the_page() -> None:
    word = "".join(string.ascii_letters[i % 52] for i in range(4000))
    name = "Dr " + "Annwen" * 50  # 303 characters, one word
    comments = raters()
    comments[2] = _rater("direct_report", 4, {"strengths": word})
    context = build_context(inputs(raters=comments, leader=Leader(
        name, "Ward Manager", "Nursing", "en")), random.Random(1))
    text = _on_the_page(render_report(context, TEMPLATES_DIR).pdf)
    assert word in text
    assert name.replace(" ", "") in text


def _page_text(pdf: bytes, page: int) -> str:
    result = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-", "-"],
                            input=pdf, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


def test_a_300_character_name_and_a_long_role_keep_the_cover_to_one_page() -> None:
    name = "Alexandra " + "Pembroke-Llewellyn-" * 15 + "Jones"
    context = build_context(inputs(leader=Leader(
        name, "Ward Manager " * 8, "Nursing and midwifery directorate " * 4, "en")),
        random.Random(1))
    pdf = render_report(context, TEMPLATES_DIR).pdf
    cover, second = _page_text(pdf, 1), _page_text(pdf, 2)
    # The whole cover, down to its confidentiality line, is on page 1 and nothing of it on 2.
    assert "Confidential: this report belongs to Alexandra" in cover
    assert "facilitator, mentor or appraiser." in cover
    assert "starting point for a facilitated conversation" in cover
    assert "Confidential: this report belongs" not in second
    # The full name is on the cover (pdftotext drops the hyphen where a line breaks); the
    # running footer carries it cut short, on one line.
    def letters(text: str) -> str:
        return re.sub(r"[\s-]", "", text)

    assert letters(name) in letters(cover)
    footer = second[second.index("Alexandra"):]
    assert footer.startswith("Alexandra Pembroke-Llewellyn-Pembroke-Llewellyn-P… · Confidential")


NAMES = st.text(max_size=400) | st.text(string.ascii_letters + " -'", min_size=200, max_size=400)


@given(NAMES, NAMES, st.integers(1, 10**9), st.integers(1, 10**9))
def test_report_file_names_are_unique_safe_and_short(first: str, second: str, cycle_id: int,
                                                     subject_id: int) -> None:
    cycle = SimpleNamespace(id=cycle_id)
    names = [report_filename(cycle, SimpleNamespace(id=sid, person=SimpleNamespace(
        display_name=name)), 12) for sid, name in ((subject_id, first), (subject_id + 1, second))]
    for file_name in names:
        assert SAFE_NAME.fullmatch(file_name), file_name
        assert len(file_name.encode()) <= 255
    assert names[0] != names[1]


def test_save_writes_every_report_when_one_leader_has_a_300_character_name(
        app: Any, runner: Any, tmp_path: Path) -> None:
    cycle, _, people = launched_cycle()
    people["leader"].display_name = "Alexandra " + "Pembroke-Llewellyn-" * 15 + "Jones"
    assert len(people["leader"].display_name) >= 300
    for group, count in ((RaterGroup.SELF, 1), (RaterGroup.MANAGER, 1),
                         (RaterGroup.DIRECT_REPORT, 3)):
        answer(cycle, group, count)
    assert cli(runner, "cycle", "close", str(cycle.id)).exit_code == 0
    assert run_queue(app)["render_report"] == 1
    saved = cli(runner, "report", "save", str(cycle.id), "--out", str(tmp_path))
    assert saved.exit_code == 0, saved.output
    [path] = tmp_path.glob("*.pdf")
    assert path.name.startswith(f"cycle{cycle.id}-{cycle.subjects[0].id}-alexandra-pembroke")
    assert SAFE_NAME.fullmatch(path.name) and len(path.name) <= 255
