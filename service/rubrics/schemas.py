"""Marshmallow schemas that validate a rubric file; unknown keys are errors, never dropped."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

LANGUAGES = ("en", "cy")
LEVELS = ("self", "team", "organisation", "system")
SLUG = validate.Regexp(r"^[a-z0-9][a-z0-9_-]*$", error="use lowercase letters, digits, - or _")


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class LocalisedText(StrictSchema):
    en = fields.String(required=True, validate=validate.Length(min=1))
    cy = fields.String(validate=validate.Length(min=1))


class ScaleLabel(LocalisedText):
    value = fields.Integer(required=True, validate=validate.Range(min=1))


class Scale(StrictSchema):
    labels = fields.List(fields.Nested(ScaleLabel), required=True,
                         validate=validate.Length(min=2, max=11))
    not_observed = fields.Nested(LocalisedText, required=True)

    @validates_schema
    def values_run_from_one(self, data: dict[str, Any], **_: Any) -> None:
        values = [label["value"] for label in data.get("labels", [])]
        if values != list(range(1, len(values) + 1)):
            raise ValidationError("label values must be 1, 2, 3 … in order", "labels")


class Item(StrictSchema):
    id = fields.String(required=True, validate=SLUG)
    text = fields.Nested(LocalisedText, required=True)
    #: The first-person wording of the leader's own form ("I give people …"); without it the
    #: self form shows `text`.
    self_text = fields.Nested(LocalisedText)
    level = fields.String(validate=validate.OneOf(LEVELS))


class Section(StrictSchema):
    id = fields.String(required=True, validate=SLUG)
    title = fields.Nested(LocalisedText, required=True)
    description = fields.Nested(LocalisedText)
    #: Ids of the rubric's `sources` this section draws on.
    sources = fields.List(fields.String(validate=SLUG), load_default=list)
    items = fields.List(fields.Nested(Item), required=True, validate=validate.Length(min=1))


class Question(StrictSchema):
    id = fields.String(required=True, validate=SLUG)
    text = fields.Nested(LocalisedText, required=True)
    self_text = fields.Nested(LocalisedText)


class Source(StrictSchema):
    """A reference the rubric draws on; sections cite it by `id`."""

    id = fields.String(validate=SLUG)
    citation = fields.String(required=True, validate=validate.Length(min=1))
    #: How the report names it in its short list (else the whole citation).
    short = fields.String(validate=validate.Length(min=1))
    url = fields.Url(schemes={"https", "http"})

    @pre_load
    def plain_citation(self, data: Any, **_: Any) -> Any:
        """A bare string, as version 1 rubric files wrote sources, is a citation without id."""
        return {"citation": data} if isinstance(data, str) else data


class ReportSettings(StrictSchema):
    blind_spot_gap = fields.Float(load_default=1.0, validate=validate.Range(min=0))
    hidden_strength_gap = fields.Float(load_default=1.0, validate=validate.Range(min=0))
    top_items = fields.Integer(load_default=5, validate=validate.Range(min=1, max=20))


class RubricSchema(StrictSchema):
    id = fields.String(required=True, validate=SLUG)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    title = fields.Nested(LocalisedText, required=True)
    description = fields.Nested(LocalisedText)
    languages = fields.List(fields.String(validate=validate.OneOf(LANGUAGES)),
                            load_default=lambda: ["en"])
    scale = fields.Nested(Scale, required=True)
    sections = fields.List(fields.Nested(Section), required=True,
                           validate=validate.Length(min=1))
    questions = fields.List(fields.Nested(Question), load_default=list)
    report = fields.Nested(ReportSettings, load_default=lambda: ReportSettings().load({}))
    sources = fields.List(fields.Nested(Source), load_default=list)
    #: For the rubric's authors and reviewers: what changed and why (raters never see it).
    notes = fields.String()

    @validates_schema
    def ids_are_unique(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, Any] = {}
        seen_items: set[str] = set()
        seen_sections: set[str] = set()
        for s_index, section in enumerate(data.get("sections", [])):
            if section["id"] in seen_sections:
                errors.setdefault("sections", {})[s_index] = {
                    "id": [f"duplicate section id {section['id']!r}"]}
            seen_sections.add(section["id"])
            for i_index, item in enumerate(section["items"]):
                if item["id"] in seen_items:
                    errors.setdefault("sections", {}).setdefault(s_index, {}).setdefault(
                        "items", {})[i_index] = {"id": [f"duplicate item id {item['id']!r}"]}
                seen_items.add(item["id"])
        question_ids = [q["id"] for q in data.get("questions", [])]
        for q_index, qid in enumerate(question_ids):
            if qid in question_ids[:q_index]:
                errors.setdefault("questions", {})[q_index] = {
                    "id": [f"duplicate question id {qid!r}"]}
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
                    "id": [f"duplicate source id {source['id']!r}"]}
            known.add(source["id"])
        for s_index, section in enumerate(data.get("sections", [])):
            unknown = [cited for cited in section.get("sources", []) if cited not in known]
            if unknown:
                listed = ", ".join(sorted(known)) or "none: add them under sources"
                errors.setdefault("sections", {})[s_index] = {"sources": [
                    f"unknown source id(s) {', '.join(map(repr, unknown))} (listed: {listed})"]}
        if errors:
            raise ValidationError(errors)

    @validates_schema
    def every_text_in_every_language(self, data: dict[str, Any], **_: Any) -> None:
        """A rubric that offers Welsh must offer it everywhere, or a rater meets English midway."""
        errors: list[str] = []
        for lang in data.get("languages", []):
            for path, text in _texts(data):
                if lang not in text:
                    errors.append(f"{path}: missing {lang!r} text")
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
    for q_index, question in enumerate(data.get("questions", [])):
        found.append((f"questions[{q_index}].text", question["text"]))
        if "self_text" in question:
            found.append((f"questions[{q_index}].self_text", question["self_text"]))
    return found
