from pypdf import PdfReader
from werkzeug.datastructures import MultiDict

from service.cycles import operations as cycles
from service.db import db
from service.nominations.models import Invitation
from service.reports.operations import build_report_context
from service.responses.operations import parse_rating_form, submit
from tests.factories import launched_cycle

VALUES = {"self": "5", "manager": "2", "direct_report": "4", "peer": "1"}


def _answer_all(cycle):
    rubric = cycle.rubric_snapshot
    peers = 0
    for invitation in db.session.scalars(db.select(Invitation).order_by(Invitation.id)):
        group = invitation.nomination.group.value
        if group == "peer":
            peers += 1
            if peers > 2:
                continue  # two peers answer: below the threshold of three
        form = MultiDict({f"item-{i['id']}": VALUES[group]
                          for s in rubric["sections"] for i in s["items"]})
        form["question-strengths"] = f"{group.upper()}-COMMENT from {invitation.id}"
        submit(invitation, parse_rating_form(rubric, form))
    db.session.commit()


def test_render_writes_one_pdf_per_leader_without_revealing_anyone(app, runner, tmp_path):
    cycle, _, people = launched_cycle()
    _answer_all(cycle)
    refused = runner.invoke(args=["report", "render", "--cycle", str(cycle.id), "--out",
                                  str(tmp_path)])
    assert refused.exit_code == 1
    assert "is open; close it first" in refused.output
    cycles.close(cycle)
    db.session.commit()

    result = runner.invoke(args=["report", "render", "--cycle", str(cycle.id), "--out",
                                 str(tmp_path)])
    assert result.exit_code == 0, result.output
    pdfs = sorted(tmp_path.glob("*.pdf"))
    assert [p.name for p in pdfs] == [f"cycle{cycle.id}-{cycle.subjects[0].id}-alex-leader.pdf"]
    reader = PdfReader(pdfs[0])
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert "Alex Leader" in flat
    for heading in ("Who responded", "Scores by section", "Comments"):
        assert heading in flat
    # Direct reports (4) and the manager (1) are shown; all others pools them: (4*4 + 2) / 5.
    context = build_report_context(cycle.subjects[0])
    first = context["sections"][0]
    assert first["scores"]["direct_report"]["mean"] == 4.0
    assert first["scores"]["all_others"]["mean"] == 3.6
    assert first["scores"].get("peer") is None
    assert "3.6" in flat and "Not shown to protect anonymity" in flat
    # Two peers are below the threshold: their comments appear nowhere.
    assert "PEER-COMMENT" not in flat
    assert "DIRECT_REPORT-COMMENT" in flat and "SELF-COMMENT" in flat
    # No rater's name appears anywhere in the report.
    raters = [people["boss"], *people["reports"], *people["peers"]]
    for rater in raters:
        assert rater.display_name not in flat
        assert rater.email not in flat
    assert reader.metadata.title == "Leadership 360 feedback report — Alex Leader"
