"""No email template exists per language any more: one template per kind, through gettext
(tests/web/test_catalogues.py checks every sentence is in both catalogues)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_one_template_per_email_kind() -> None:
    names = [path.name for path in (ROOT / "templates" / "email").iterdir()]
    assert not [name for name in names if ".en." in name or ".cy." in name]
    for kind in ("invitation", "reminder", "cycle_closed", "report_ready", "report_shared"):
        assert f"{kind}.txt" in names and f"{kind}.html" in names
