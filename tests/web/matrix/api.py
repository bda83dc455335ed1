"""The REST API (/api/v1): a staff session or a personal link opens nothing there, only a key
(tests/api/ asks every endpoint with keys and scopes). Its documentation is public."""

from __future__ import annotations

from collections.abc import Callable

from tests.web.matrix import Route, World, everyone


def _cycle(tail: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/cycles/{w.cycle_id}{tail}"


ROUTES = [
    Route("api-docs.openapi_json", "GET", lambda w: "/api/v1/openapi.json", everyone(200)),
    Route("api_docs.page", "GET", lambda w: "/api/v1/docs", everyone(200)),
    Route("api_docs.asset", "GET", lambda w: "/api/v1/docs/assets/swagger-ui.css",
          everyone(200)),
    Route("api_people.list_", "GET", lambda w: "/api/v1/people", everyone(401)),
    Route("api_people.read", "GET", lambda w: "/api/v1/people/1", everyone(401)),
    Route("api_rubrics.list_", "GET", lambda w: "/api/v1/rubrics", everyone(401)),
    Route("api_rubrics.read", "GET",
          lambda w: "/api/v1/rubrics/compassionate-inclusive-leadership", everyone(401)),
    Route("api_rubrics.validate", "POST", lambda w: "/api/v1/rubrics/validate", everyone(401)),
    Route("api_cycles.list_", "GET", lambda w: "/api/v1/cycles", everyone(401)),
    Route("api_cycles.create", "POST", lambda w: "/api/v1/cycles", everyone(401)),
    Route("api_cycles.read", "GET", _cycle(), everyone(401)),
    Route("api_cycles.edit", "PATCH", _cycle(), everyone(401)),
    Route("api_cycles.add", "POST", _cycle("/leaders"), everyone(401)),
    Route("api_cycles.nominate_rater", "POST", _cycle("/nominations"), everyone(401)),
    Route("api_cycles.launch", "POST", _cycle("/launch"), everyone(401)),
    Route("api_cycles.extend", "POST", _cycle("/extend"), everyone(401)),
    Route("api_cycles.close", "POST", _cycle("/close"), everyone(401)),
    Route("api_cycles.release", "POST", _cycle("/release"), everyone(401)),
    Route("api_cycles.progress", "GET", _cycle("/progress"), everyone(401)),
    Route("api_reports.statuses", "GET", _cycle("/reports"), everyone(401)),
    Route("api_reports.status", "GET", _cycle("/reports/1"), everyone(401)),
    Route("api_reports.summary_page", "GET", _cycle("/summaries"), everyone(401)),
    Route("api_reports.summary", "GET", _cycle("/reports/1/summary"), everyone(401)),
    Route("api_reports.pdf", "GET", _cycle("/reports/1/pdf"), everyone(401)),
    Route("api_reports.action_plan", "GET", _cycle("/reports/1/action-plan"), everyone(401)),
    Route("api_reports.evidence_pack", "GET", _cycle("/reports/1/evidence-pack"),
          everyone(401)),
    Route("api_reports.evidence_pack_pdf", "GET", _cycle("/reports/1/evidence-pack/pdf"),
          everyone(401)),
    Route("api_audit.list_", "GET", lambda w: "/api/v1/audit", everyone(401)),
]
