"""The HR console's setting-up pages (service/cycles/views.py, cohort_views.py): HR only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.web.matrix import Route, World, hr_only


def _settings(w: World) -> dict[str, Any]:
    opens = dt.date.today() + dt.timedelta(days=3)
    closes = opens + dt.timedelta(days=21)
    return {"name": f"Made by {w.extra['asking']}",
            "rubric_id": "compassionate-inclusive-leadership",
            "opens_on[day]": opens.day, "opens_on[month]": opens.month,
            "opens_on[year]": opens.year, "closes_on[day]": closes.day,
            "closes_on[month]": closes.month, "closes_on[year]": closes.year,
            "auto_close": "yes", "reminder_days": "7, 2", "min_group_size": "3",
            "manager_min": "1", "facilitated_release": "no", "nominated_by": "hr",
            "language": "en"}


ROUTES = [
    Route("console.home", "GET", lambda w: "/hr", hr_only()),
    Route("console.new_cycle", "GET", lambda w: "/hr/cycles/new", hr_only()),
    Route("console.new_cycle", "POST", lambda w: "/hr/cycles/new", hr_only(302),
          data=_settings),
    Route("console.cycle", "GET", lambda w: f"/hr/cycles/{w.cycle_id}", hr_only()),
    Route("console.edit_cycle", "GET", lambda w: f"/hr/cycles/{w.draft_id}/edit", hr_only()),
    Route("console.edit_cycle", "POST", lambda w: f"/hr/cycles/{w.draft_id}/edit",
          hr_only(302), data=_settings),
    Route("console.cancel_cycle", "GET", lambda w: f"/hr/cycles/{w.draft_id}/cancel",
          hr_only()),
    Route("console.cancel_cycle", "POST", lambda w: f"/hr/cycles/{w.draft_id}/cancel",
          hr_only(302)),
    Route("console.leaders", "GET", lambda w: f"/hr/cycles/{w.cycle_id}/leaders", hr_only()),
    Route("console.leaders", "POST", lambda w: f"/hr/cycles/{w.draft_id}/leaders",
          hr_only(302), data=lambda w: {"action": "remove", "subject": w.draft_subject_id}),
    Route("console.raters", "GET",
          lambda w: f"/hr/cycles/{w.cycle_id}/leaders/{w.subject_id}/raters", hr_only()),
    Route("console.raters", "POST",
          lambda w: f"/hr/cycles/{w.draft_id}/leaders/{w.draft_subject_id}/raters",
          hr_only(302), data=lambda w: {"action": "suggest"}),
    Route("console.groups", "GET", lambda w: f"/hr/cycles/{w.cycle_id}/groups", hr_only()),
    # A new group each time (the asking role in its name), so HR's add is not a duplicate.
    Route("console.groups", "POST", lambda w: f"/hr/cycles/{w.draft_id}/groups",
          hr_only(302), data=lambda w: {"action": "add",
                                        "name_en": f"Partners of {w.extra['asking']}",
                                        "name_cy": f"Partneriaid {w.extra['asking']}",
                                        "min_size": "3"}),
    Route("console.launch", "GET", lambda w: f"/hr/cycles/{w.draft_id}/launch", hr_only()),
    # The draft's one leader has nobody nominated: HR is told why it cannot launch (409).
    Route("console.launch", "POST", lambda w: f"/hr/cycles/{w.draft_id}/launch",
          hr_only(409)),
]
