"""Marshmallow schemas that validate a rubric file; unknown keys are errors, never dropped."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, pre_load, validates_schema

from service.validation import (
    Float,
    Integer,
    Length,
    List,
    Nested,
    OneOf,
    Range,
    Regexp,
    Schema,
    String,
    Url,
)

LANGUAGES = ("en", "cy")
LEVELS = ("self", "team", "organisation", "system")
SLUG = Regexp(r"^[a-z0-9][a-z0-9_-]*$", error=_l("use lowercase letters, digits, - or _"))


class StrictSchema(Schema):
    """Unknown keys refused; messages from the catalogues (a refused rubric reaches the
    cycle pages as well as `feedback360 rubric check`)."""


class LocalisedText(StrictSchema):
    en = String(required=True, validate=Length(min=1))
    cy = String(validate=Length(min=1))


class ScaleLabel(LocalisedText):
    value = Integer(required=True, validate=Range(min=1))


def _values_run_from_one(data: dict[str, Any]) -> None:
    values = [label["value"] for label in data.get("labels", [])]
    if values != list(range(1, len(values) + 1)):
        raise ValidationError(_l("label values must be 1, 2, 3 … in order"), "labels")


class Scale(StrictSchema):
    labels = List(Nested(ScaleLabel), required=True,
                         validate=Length(min=2, max=11))
    not_observed = Nested(LocalisedText, required=True)

    @validates_schema
    def values_run_from_one(self, data: dict[str, Any], **_: Any) -> None:
        _values_run_from_one(data)


class Importance(StrictSchema):
    """Optional: one question per section, how important it is for this leader's role (as the
    NHS Healthcare Leadership Model 360 asks). Raters may leave it unanswered; the report
    shows it beside the section's score and names priorities (docs/decisions.md)."""

    text = Nested(LocalisedText, required=True)
    #: The leader's own form ("How important is this for my role?").
    self_text = Nested(LocalisedText)
    labels = List(Nested(ScaleLabel), required=True, validate=Length(min=2, max=11))

    @validates_schema
    def values_run_from_one(self, data: dict[str, Any], **_: Any) -> None:
        _values_run_from_one(data)


class Item(StrictSchema):
    id = String(required=True, validate=SLUG)
    text = Nested(LocalisedText, required=True)
    #: The first-person wording of the leader's own form ("I give people …"); without it the
    #: self form shows `text`.
    self_text = Nested(LocalisedText)
    level = String(validate=OneOf(LEVELS))


class Section(StrictSchema):
    id = String(required=True, validate=SLUG)
    title = Nested(LocalisedText, required=True)
    description = Nested(LocalisedText)
    #: Ids of the rubric's `sources` this section draws on.
    sources = List(String(validate=SLUG), load_default=list)
    items = List(Nested(Item), required=True, validate=Length(min=1))


class Question(StrictSchema):
    id = String(required=True, validate=SLUG)
    text = Nested(LocalisedText, required=True)
    self_text = Nested(LocalisedText)


class Source(StrictSchema):
    """A reference the rubric draws on; sections cite it by `id`."""

    id = String(validate=SLUG)
    citation = String(required=True, validate=Length(min=1))
    #: How the report names it in its short list (else the whole citation).
    short = String(validate=Length(min=1))
    url = Url(schemes={"https", "http"})

    @pre_load
    def plain_citation(self, data: Any, **_: Any) -> Any:
        """A bare string, as version 1 rubric files wrote sources, is a citation without id."""
        return {"citation": data} if isinstance(data, str) else data


class ReportSettings(StrictSchema):
    blind_spot_gap = Float(load_default=1.0, validate=Range(min=0))
    hidden_strength_gap = Float(load_default=1.0, validate=Range(min=0))
    top_items = Integer(load_default=5, validate=Range(min=1, max=20))


class RubricSchema(StrictSchema):
    id = String(required=True, validate=SLUG)
    version = Integer(required=True, validate=Range(min=1))
    title = Nested(LocalisedText, required=True)
    description = Nested(LocalisedText)
    languages = List(String(validate=OneOf(LANGUAGES)),
                            load_default=lambda: ["en"])
    scale = Nested(Scale, required=True)
    sections = List(Nested(Section), required=True, validate=Length(min=1))
    questions = List(Nested(Question), load_default=list)
    #: Asked once per section when present; absent: importance is not asked.
    importance = Nested(Importance)
    report = Nested(ReportSettings, load_default=lambda: ReportSettings().load({}))
    sources = List(Nested(Source), load_default=list)
    #: For the rubric's authors and reviewers: what changed and why (raters never see it).
    notes = String()

    @validates_schema
    def ids_are_unique(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, Any] = {}
        seen_items: set[str] = set()
        seen_sections: set[str] = set()
        for s_index, section in enumerate(data.get("sections", [])):
            if section["id"] in seen_sections:
                errors.setdefault("sections", {})[s_index] = {
                    "id": [_l("duplicate section id '%(id)s'", id=section["id"])]}
            seen_sections.add(section["id"])
            for i_index, item in enumerate(section["items"]):
                if item["id"] in seen_items:
                    errors.setdefault("sections", {}).setdefault(s_index, {}).setdefault(
                        "items", {})[i_index] = {
                            "id": [_l("duplicate item id '%(id)s'", id=item["id"])]}
                seen_items.add(item["id"])
        question_ids = [q["id"] for q in data.get("questions", [])]
        for q_index, qid in enumerate(question_ids):
            if qid in question_ids[:q_index]:
                errors.setdefault("questions", {})[q_index] = {
                    "id": [_l("duplicate question id '%(id)s'", id=qid)]}
        if errors:
            raise ValidationError(errors)

    @validates_schema
    def cited_sources_exist(self, data: dict[str, Any], **_: Any) -> None:
        """A section's source must be one the file lists, or the report would cite nothing."""
        errors: dict[str, Any] = {}
        known: set[str] = set()
        for index, source in enumerate(data.get("sources", [])):
            if "id" not in source:
                continue
            if source["id"] in known:
                errors.setdefault("sources", {})[index] = {
                    "id": [_l("duplicate source id '%(id)s'", id=source["id"])]}
            known.add(source["id"])
        for s_index, section in enumerate(data.get("sections", [])):
            unknown = [cited for cited in section.get("sources", []) if cited not in known]
            if unknown:
                errors.setdefault("sections", {})[s_index] = {"sources": [_l(
                    "unknown source ids %(ids)s: use ids listed under sources (%(listed)s)",
                    ids=", ".join(unknown), listed=", ".join(sorted(known)) or "-")]}
        if errors:
            raise ValidationError(errors)

    @validates_schema
    def every_text_in_every_language(self, data: dict[str, Any], **_: Any) -> None:
        """A rubric that offers Welsh must offer it everywhere, or a rater meets English midway."""
        errors: list[Any] = []
        for lang in data.get("languages", []):
            for path, text in _texts(data):
                if lang not in text:
                    errors.append(_l("%(path)s: missing '%(language)s' text", path=path,
                                      language=lang))
        if errors:
            raise ValidationError(errors, "languages")


def _texts(data: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    found = [("title", data["title"])] if "title" in data else []
    if "scale" in data:
        found += [(f"scale.labels[{i}]", lab) for i, lab in enumerate(data["scale"]["labels"])]
        found.append(("scale.not_observed", data["scale"]["not_observed"]))
    for s_index, section in enumerate(data.get("sections", [])):
        found.append((f"sections[{s_index}].title", section["title"]))
        if "description" in section:
            found.append((f"sections[{s_index}].description", section["description"]))
        for i_index, item in enumerate(section["items"]):
            found.append((f"sections[{s_index}].items[{i_index}].text", item["text"]))
            if "self_text" in item:
                found.append((f"sections[{s_index}].items[{i_index}].self_text",
                              item["self_text"]))
    if "importance" in data:
        importance = data["importance"]
        found.append(("importance.text", importance["text"]))
        if "self_text" in importance:
            found.append(("importance.self_text", importance["self_text"]))
        found += [(f"importance.labels[{i}]", label)
                  for i, label in enumerate(importance["labels"])]
    for q_index, question in enumerate(data.get("questions", [])):
        found.append((f"questions[{q_index}].text", question["text"]))
        if "self_text" in question:
            found.append((f"questions[{q_index}].self_text", question["self_text"]))
    return found
