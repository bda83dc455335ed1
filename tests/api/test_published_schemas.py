"""docs/schemas/integration.json publishes the JSON schemas an appraisal system reads (reports,
summaries, action plans, the audit log, errors), as the served OpenAPI document gives them, so
they can be read without a running service. This test keeps the file equal to the document;
after changing a schema, write it again with
`.venv/bin/python -m tests.api.test_published_schemas`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask

PUBLISHED = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "integration.json"
ROOTS = ("SummaryOut", "SummaryPage", "ReportStatusOut", "ReportStatusPage", "ActionPlanOut",
         "AuditPage", "ProgressOut", "EvidencePackOut", "Error")


def published(app: Flask) -> dict[str, Any]:
    """The root schemas and every schema they refer to, under components.schemas (so the
    file's $refs resolve inside it)."""
    schemas = app.test_client().get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    chosen: dict[str, Any] = {}
    waiting = list(ROOTS)
    while waiting:
        name = waiting.pop()
        if name in chosen:
            continue
        chosen[name] = schemas[name]
        text = json.dumps(schemas[name])
        waiting += [part.split('"')[0] for part in text.split('"#/components/schemas/')[1:]]
    return {"$comment": "feedback360 API v1: the schemas of docs/integration.md, from "
                        "GET /api/v1/openapi.json (tests/api/test_published_schemas.py)",
            "components": {"schemas": dict(sorted(chosen.items()))}}


def test_the_published_schemas_are_the_served_ones(app: Flask) -> None:
    assert PUBLISHED.is_file(), "write it: .venv/bin/python -m tests.api.test_published_schemas"
    assert json.loads(PUBLISHED.read_text()) == published(app), (
        "docs/schemas/integration.json is out of date: .venv/bin/python -m "
        "tests.api.test_published_schemas")


if __name__ == "__main__":
    from service.app import create_app

    made = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                       "SECRET_KEY": "x" * 40})
    PUBLISHED.write_text(json.dumps(published(made), indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {PUBLISHED.name}")
