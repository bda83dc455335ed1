"""The floor for bench/rating.py: a bare Flask app doing the rater's SQL, and nothing else.

It serves the same two requests as feedback360's rating path, against its own copy of the same
schema and data, through the database driver directly (psycopg 3 or sqlite3; no ORM, no
extensions):

* ``GET /r/<token>``: the token's shape checked, its SHA-256 looked up with the same one
  joined SELECT (invitation, nomination, subject, cycle, rater, leader), in autocommit; the
  frozen rubric read once per process and cycle; the page a rater first sees, of the same
  markup and size as the project's: the first step of the stepped form (the first rubric
  section with its importance question, the list of steps, Continue and Save), the section's
  fields rendered once per cycle and language, the page around them per request with Jinja;
* ``POST /r/<token>``: the same SELECT, every item checked against the scale, then the same
  write: the invitation flipped from pending to submitted (draft and sealed link wiped) and a
  held row of the same fixed size inserted, in one statement on PostgreSQL (a data-modifying
  CTE, autocommit) and in one transaction on SQLite; 302 to the thank-you page.

What it leaves out is what the project adds on top of the same database work: the check that
a post came from the service's own page, the failed-link throttle, the admission limit,
security headers, sealing (its held row is random bytes of the sealed size), drafts,
Welsh/English labels from a catalogue, error pages. The page is the project's markup (the NHS
design system's radios, header and footer) with the English words, so both send the same
bytes for the same rubric.

Run by bench/rating.py under gunicorn with the same settings as the project:
``BARE_DATABASE_URL=... gunicorn -w 2 bench.bare_rating_app:app``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import sqlite3
import threading
import uuid
from typing import Any

from flask import Flask, abort, redirect, request
from jinja2 import Environment
from markupsafe import Markup

# The project's sealed size for a rubric: 1 KiB + 2 KiB per question, rounded up to 4 KiB,
# plus AES-GCM's nonce and tag.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_LOOKUP = """
SELECT i.id, i.status, i.draft, n."group", n.subject_id, c.id, c.state, c.closes_on, c.name,
       c.min_group_size, c.language, c.rubric_version, c.launched_at, rater.language,
       leader.display_name
FROM invitations i
JOIN nominations n ON n.id = i.nomination_id
JOIN subjects s ON s.id = n.subject_id
JOIN cycles c ON c.id = s.cycle_id
JOIN people rater ON rater.id = n.person_id
JOIN people leader ON leader.id = s.person_id
WHERE i.token_hash = {p}
"""
_CLAIM_AND_HOLD_PG = """
WITH claimed AS (
  UPDATE invitations SET status = 'submitted', draft = NULL, sealed_token = NULL
  WHERE id = %s AND status = 'pending' RETURNING id)
INSERT INTO held_responses (id, cycle_id, subject_id, rater_group, sealed)
SELECT %s, %s, %s, %s, %s FROM claimed
"""
_CLAIM_SQLITE = ("UPDATE invitations SET status = 'submitted', draft = NULL, sealed_token = NULL "
                 "WHERE id = ? AND status = 'pending'")
_HOLD_SQLITE = ("INSERT INTO held_responses (id, cycle_id, subject_id, rater_group, sealed) "
                "VALUES (?, ?, ?, ?, ?)")

_env = Environment(autoescape=True)
_FIELDS = _env.from_string("""\
{%- macro t(text) %}{{ text[lang] if lang in text else text.en }}{% endmacro -%}
{%- for section in rubric.sections[:1] %}
<section class="app-rubric-section" aria-labelledby="section-{{ section.id }}">
<h2 id="section-{{ section.id }}">{{ t(section.title) }}</h2>
{%- if section.description %}<p class="nhsuk-hint">{{ t(section.description) }}</p>{% endif %}
{%- for item in section['items'] %}
{%- set name = 'item-' ~ item.id -%}
<div class="nhsuk-form-group">
<fieldset class="nhsuk-fieldset"><legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{{ t(item.text) }}</legend><div class="nhsuk-radios nhsuk-radios--small app-scale">
{%- for label in rubric.scale.labels %}
{%- set id = name if loop.first else name ~ '-' ~ label.value -%}
<div class="nhsuk-radios__item"><input class="nhsuk-radios__input" id="{{ id }}" name="{{ name }}" type="radio" value="{{ label.value }}"><label class="nhsuk-label nhsuk-radios__label" for="{{ id }}">{{ t(label) }}</label></div>
{%- endfor -%}
<div class="nhsuk-radios__item"><input class="nhsuk-radios__input" id="{{ name }}-na" name="{{ name }}" type="radio" value="na"><label class="nhsuk-label nhsuk-radios__label" for="{{ name }}-na">{{ t(rubric.scale.not_observed) }}</label></div>
</div></fieldset></div>
{%- endfor -%}
{%- if rubric.importance %}
{%- set name = 'importance-' ~ section.id -%}
<div class="nhsuk-form-group app-importance">
<fieldset class="nhsuk-fieldset" aria-describedby="{{ name }}-hint"><legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{{ t(rubric.importance.text) }} <span class="app-optional">(optional)</span></legend>
<div class="nhsuk-hint" id="{{ name }}-hint">For “{{ t(section.title) }}” as a whole. You can leave this unanswered.</div>
<div class="nhsuk-radios nhsuk-radios--small app-scale">
{%- for label in rubric.importance.labels %}
{%- set id = name if loop.first else name ~ '-' ~ loop.index -%}
<div class="nhsuk-radios__item"><input class="nhsuk-radios__input" id="{{ id }}" name="{{ name }}" type="radio" value="{{ loop.index }}"><label class="nhsuk-label nhsuk-radios__label" for="{{ id }}">{{ t(label) }}</label></div>
{%- endfor -%}
<div class="nhsuk-radios__item"><input class="nhsuk-radios__input" id="{{ name }}-none" name="{{ name }}" type="radio" value=""><label class="nhsuk-label nhsuk-radios__label" for="{{ name }}-none">No answer</label></div>
</div></fieldset></div>
{%- endif %}
</section>
{%- endfor %}""")  # noqa: E501
_PAGE = _env.from_string("""\
<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
  <meta charset="utf-8">
  <title>{{ steps[0] }} – Feedback for {{ leader }} – {{ organisation }}</title>
  <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
  <meta name="theme-color" content="#005eb8">
  <link rel="stylesheet" href="/assets/nhsuk-frontend.min.css">
  <link rel="stylesheet" href="/static/app.css">
  <script type="module" src="/static/init.js"></script><script type="module" src="/static/rate.js"></script>
</head>
<body>
  <a class="nhsuk-skip-link" data-module="nhsuk-skip-link" href="#maincontent">
  Skip to main content
</a>  <header class="nhsuk-header" role="banner" data-module="nhsuk-header">
    <div class="nhsuk-header__container nhsuk-width-container">
      <div class="nhsuk-header__service">
        <a class="nhsuk-header__service-name app-header__text-only" href="/">
          <span class="app-header__organisation">{{ organisation }}</span>
          <span class="app-header__service">Leadership 360 feedback</span>
        </a>
      </div>
      <nav class="nhsuk-header__account" aria-label="Account and language">
        <ul class="nhsuk-header__account-list">          <li class="nhsuk-header__account-item"><a class="nhsuk-header__account-link" href="/language/cy?next=/r/{{ token }}?step%3D1"><span lang="cy">Cymraeg</span></a>          </li>        </ul>
      </nav>
    </div>
  </header>  <div class="nhsuk-width-container">    <main class="nhsuk-main-wrapper" id="maincontent" tabindex="-1">

<h1><span class="nhsuk-caption-l">{{ cycle_name }}<span class="nhsuk-u-visually-hidden"> – </span></span>Feedback for {{ leader }}</h1>
<p class="nhsuk-lede-text">Rate how often {{ leader }} shows each behaviour, one part of the framework a step. There are {{ steps|length }} short steps, the last a check of your answers before you send them.</p>
  <div class="nhsuk-inset-text">
  <span class="nhsuk-u-visually-hidden">Information: </span>
  <p>You are answering as one of {{ leader }}'s peers. Your answers are anonymous: they are stored without your name and shown only combined with other peers' answers, and only when at least {{ k }} peers have answered.</p>
</div>
<p>Your answers are saved each time you go to another step, so you can stop and come back to where you were with the link in your email. <strong>Saved answers that are not sent by {{ closes_on }} are deleted when the feedback closes.</strong></p>

<nav class="app-steps" aria-label="Progress">
  <p class="app-steps__current"><strong>Step 1 of {{ steps|length }}</strong><span class="app-steps__title">: {{ steps[0] }}</span></p>
  <details class="nhsuk-details">
    <summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">All steps</span></summary>
    <div class="nhsuk-details__text">
      <ol class="nhsuk-list nhsuk-list--number app-steps__list">
      {%- for title in steps %}
        <li><a href="/r/{{ token }}?step={{ loop.index }}"{% if loop.first %} aria-current="step"{% endif %}>{% if loop.first %}<strong>{{ title }}</strong>{% else %}{{ title }}{% endif %}</a></li>
      {%- endfor %}
      </ol>
    </div>
  </details>
</nav>

<form method="post" action="/r/{{ token }}" novalidate class="app-rating-form" data-step="1">
  <input type="hidden" name="step" value="1">
  {{ fields }}
  <div class="nhsuk-button-group">
    <button class="nhsuk-button" name="action" data-module="nhsuk-button" type="submit" value="continue">
  Continue
</button>

    <button class="nhsuk-button nhsuk-button--secondary" name="action" data-module="nhsuk-button" type="submit" value="save">
  Save and come back later
</button>

  </div>
</form>
<p class="nhsuk-body-s">The feedback closes on {{ closes_on }}.</p>
<p class="nhsuk-body-s"><a href="/r/{{ token }}/decline">I cannot give feedback on this person</a></p>
    </main>
  </div>  <footer class="nhsuk-footer" role="contentinfo">
  <div class="nhsuk-width-container">
    <div class="nhsuk-footer__meta">
      <p class="nhsuk-body-s">© {{ organisation }}</p>
    </div>
  </div>
</footer>
</body>
</html>
""")  # noqa: E501


class _Database:
    """One connection per thread, opened on first use (a gunicorn worker is forked first)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith("postgresql")
        self.local = threading.local()

    def connection(self) -> Any:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            if self.postgres:
                import psycopg

                conn = psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"),
                                       autocommit=True)
            else:
                conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30,
                                       isolation_level=None, check_same_thread=False)
                # the project's pragmas: the same work for SQLite
                for pragma in ("foreign_keys=ON", "journal_mode=WAL", "busy_timeout=30000",
                               "secure_delete=ON"):
                    conn.execute(f"PRAGMA {pragma}")
            self.local.conn = conn
        return conn

    def lookup(self, token_hash: str) -> Any:
        sql = _LOOKUP.format(p="%s" if self.postgres else "?")
        return self.connection().execute(sql, (token_hash,)).fetchone()

    def rubric(self, cycle_id: int) -> dict[str, Any]:
        import json

        row = self.connection().execute(
            f"SELECT rubric_snapshot FROM cycles WHERE id = {'%s' if self.postgres else '?'}",
            (cycle_id,)).fetchone()
        return row[0] if isinstance(row[0], dict) else json.loads(row[0])

    def claim_and_hold(self, invitation_id: int, cycle_id: int, subject_id: int, group: str,
                       sealed: bytes) -> bool:
        conn = self.connection()
        if self.postgres:
            return conn.execute(_CLAIM_AND_HOLD_PG, (invitation_id, uuid.uuid4(), cycle_id,
                                                     subject_id, group, sealed)).rowcount == 1
        conn.execute("BEGIN")
        try:
            if conn.execute(_CLAIM_SQLITE, (invitation_id,)).rowcount != 1:
                conn.execute("ROLLBACK")
                return False
            conn.execute(_HOLD_SQLITE, (uuid.uuid4().hex, cycle_id, subject_id, group, sealed))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return True


class _Rubric:
    """A frozen rubric with what both requests need from it, worked out once."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.languages = data.get("languages", ["en"])
        points = {str(label["value"]) for label in data["scale"]["labels"]} | {"na"}
        self.items = [(f"item-{item['id']}", points)
                      for section in data["sections"] for item in section["items"]]
        self.sealed_size = (-(-(1024 + 2048 * len(data.get("questions", []))) // 4096) * 4096
                            + 12 + 16)
        self.fields: dict[str, Markup] = {}
        self.steps: dict[str, list[str]] = {}

    def steps_for(self, lang: str) -> list[str]:
        """The titles of the form's steps: a section each, the open questions, the review."""
        if lang not in self.steps:
            titles = [s["title"].get(lang) or s["title"]["en"] for s in self.data["sections"]]
            if self.data.get("questions"):
                titles.append("In your own words")
            self.steps[lang] = [*titles, "Check and send"]
        return self.steps[lang]

    def fields_for(self, lang: str) -> Markup:
        if lang not in self.fields:
            # autoescaped by the environment: Markup only stops a second escaping
            self.fields[lang] = Markup(_FIELDS.render(rubric=self.data, lang=lang))  # noqa: S704
        return self.fields[lang]


def create_app(url: str) -> Flask:
    app = Flask(__name__)
    database = _Database(url)
    rubrics: dict[tuple[int, int], _Rubric] = {}

    def find(token: str) -> tuple[Any, _Rubric]:
        if not _TOKEN.match(token):
            abort(404)
        row = database.lookup(hashlib.sha256(token.encode("ascii")).hexdigest())
        if row is None:
            abort(404)
        status, state, closes_on = row[1], row[6], row[7]
        if isinstance(closes_on, str):
            closes_on = dt.date.fromisoformat(closes_on)
        if status != "pending" or state != "open" or dt.date.today() > closes_on:
            abort(410)
        key = (row[5], row[11])
        if key not in rubrics:
            rubrics[key] = _Rubric(database.rubric(row[5]))
        return row, rubrics[key]

    @app.get("/r/<token>")
    def show(token: str) -> str:
        row, rubric = find(token)
        wanted = row[13] or row[10]
        lang = wanted if wanted in rubric.languages else "en"
        closes_on = row[7] if not isinstance(row[7], str) else dt.date.fromisoformat(row[7])
        return _PAGE.render(lang=lang, leader=row[14], organisation="Bench NHS Trust",
                            cycle_name=row[8], k=row[9], closes_on=closes_on.strftime("%-d %B %Y"),
                            token=token, steps=rubric.steps_for(lang),
                            fields=rubric.fields_for(lang))

    @app.post("/r/<token>")
    def answer(token: str) -> Any:
        row, rubric = find(token)
        form = request.form
        if form.get("action") != "submit":
            abort(400)
        for name, points in rubric.items:
            if form.get(name, "") not in points:
                abort(422)
        if not database.claim_and_hold(row[0], row[5], row[4], row[3],
                                       os.urandom(rubric.sealed_size)):
            abort(410)
        return redirect("/done/submitted")

    @app.get("/done/submitted")
    def done() -> str:
        return "<!doctype html><title>Thank you</title><h1>Thank you</h1>"

    return app


app = create_app(os.environ.get("BARE_DATABASE_URL", ""))
