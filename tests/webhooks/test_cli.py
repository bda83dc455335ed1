"""`feedback360 webhook …`: the same operations, one readable line on a refusal."""

from __future__ import annotations

from sqlalchemy import select

from service.db import db
from service.webhooks.events import emit
from service.webhooks.models import WebhookEndpoint

PUBLIC_URL = "https://93.184.216.34/hooks"


def test_add_list_disable_enable_deliveries_resend(app, runner):
    added = runner.invoke(args=["webhook", "add", "--url", PUBLIC_URL, "--description",
                                "ESR appraisal", "--event", "cycle.launched"])
    assert added.exit_code == 0, added.output
    lines = added.stdout.splitlines()
    assert lines[0].startswith("endpoint ") and lines[1].startswith("whsec_")
    listed = runner.invoke(args=["webhook", "list"])
    assert "ESR appraisal" in listed.output and lines[1] not in listed.output
    endpoint_id = db.session.scalar(select(WebhookEndpoint.id))
    assert runner.invoke(args=["webhook", "disable", str(endpoint_id)]).exit_code == 0
    assert runner.invoke(args=["webhook", "enable", str(endpoint_id)]).exit_code == 0
    emit("cycle.launched", cycle_id=1)
    db.session.commit()
    rows = runner.invoke(args=["webhook", "deliveries", "--status", "pending"]).output
    assert "\tpending\t0\tcycle.launched\t" in rows
    delivery_id = rows.split("\t")[0]
    refused = runner.invoke(args=["webhook", "resend", delivery_id])
    assert refused.exit_code == 1 and "already waiting" in refused.output


def test_refusals_are_one_line(app, runner):
    for args, words in (
            (["--url", "http://93.184.216.34/", "--description", "x", "--event",
              "cycle.closed"], "must start https://"),
            (["--url", "https://127.0.0.1/", "--description", "x", "--event", "cycle.closed"],
             "not on the internet (loopback)")):
        result = runner.invoke(args=["webhook", "add", *args])
        assert result.exit_code == 1
        assert words in result.output and len(result.output.strip().splitlines()) == 1
    missing = runner.invoke(args=["webhook", "disable", "42"])
    assert missing.exit_code == 1 and "no webhook endpoint with id 42" in missing.output
    assert "action_plan.updated" in runner.invoke(args=["webhook", "add", "--help"]).output
