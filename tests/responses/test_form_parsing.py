"""The rating form parser takes whatever a client sends: it may refuse a value, never crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from service.responses.operations import (
    MAX_COMMENT_CHARS,
    NOT_OBSERVED,
    field_name,
    merged_answers,
    parse_rating_form,
)
from service.rubrics import importance

RUBRIC = {
    "scale": {"labels": [{"value": n} for n in range(1, 6)]},
    "sections": [{"id": "s", "items": [{"id": "a1"}, {"id": "a2"}, {"id": "a3"}]}],
    "questions": [{"id": "strengths"}, {"id": "develop"}],
}
ITEMS = ("a1", "a2", "a3")
FIELDS = [*(f"item-{i}" for i in ITEMS), "question-strengths", "question-develop"]

# Every code point, lone surrogates and NUL included, as a client library could send them.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=60)
DIGITS = st.integers(min_value=0, max_value=9000).map(lambda n: "0" * n) | st.from_regex(
    r"\A[0-9]{1,6000}\Z") | st.integers().map(str)
VALUES = st.one_of(
    ANY_TEXT, DIGITS, st.sampled_from(["1", "5", "6", "0", " 3 ", "03", NOT_OBSERVED, "NA", "³",
                                       "٣", "\x00", "1\x00", "-1", "+2", "1e3", "2.0", ""]),
    st.text(st.characters(exclude_categories=()), min_size=MAX_COMMENT_CHARS - 2,
            max_size=MAX_COMMENT_CHARS + 2),
)
#: 6,000-digit strings and comment-length texts take a while to draw on a busy machine (CI).
SLOW_DATA = settings(deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FORMS = st.lists(st.tuples(st.sampled_from(FIELDS) | ANY_TEXT, VALUES), max_size=12)


def test_an_answer_of_five_thousand_digits_is_refused_not_a_crash() -> None:
    form = parse_rating_form(RUBRIC, MultiDict({"item-a1": "1" + "0" * 5000,
                                                "item-a2": "9" * 5000}))
    assert set(form.errors) == {"a1", "a2"}
    assert form.answers == {}


def test_leading_zeros_still_name_a_scale_point() -> None:
    form = parse_rating_form(RUBRIC, MultiDict({"item-a1": "03", "item-a2": "0" * 5000 + "5",
                                                "item-a3": NOT_OBSERVED}))
    assert form.answers == {"a1": 3, "a2": 5, "a3": None} and form.complete


@SLOW_DATA
@given(FORMS)
def test_any_form_is_parsed_into_answers_missing_or_errors(pairs: list[tuple[str, str]]) -> None:
    form = parse_rating_form(RUBRIC, MultiDict(pairs))
    sent = MultiDict(pairs)
    for item in ITEMS:
        places = [item in form.answers, item in form.missing, item in form.errors]
        assert places.count(True) == 1, (item, form)
        raw = (sent.get(f"item-{item}") or "").strip()
        if item in form.answers:
            value = form.answers[item]
            assert value is None if raw == NOT_OBSERVED else value == int(raw.lstrip("0"))
            assert value is None or 1 <= value <= 5
    for question, text in form.comments.items():
        assert 0 < len(text) <= MAX_COMMENT_CHARS and question not in form.errors
    assert set(form.comments) | set(form.errors) | set(form.answers) | set(form.missing) <= {
        *ITEMS, "strengths", "develop"}


ASKING = {**RUBRIC, "importance": {"labels": [{"value": n} for n in range(1, 6)]}}
WEIGHT = importance.key("s")


def test_importance_is_optional_and_kept_in_the_answers_under_its_own_key() -> None:
    items = {"item-a1": "3", "item-a2": "4", "item-a3": NOT_OBSERVED}
    form = parse_rating_form(ASKING, MultiDict(items))
    assert form.complete and WEIGHT not in form.answers  # left unanswered: nothing missing
    form = parse_rating_form(ASKING, MultiDict({**items, "importance-s": "05"}))
    assert form.complete and form.answers[WEIGHT] == 5
    assert field_name(WEIGHT) == "importance-s" and field_name("a1") == "item-a1"
    # a rubric that does not ask it ignores the field
    assert WEIGHT not in parse_rating_form(RUBRIC, MultiDict({**items, "importance-s": "5"}))\
        .answers


@SLOW_DATA
@given(VALUES)
def test_any_importance_value_is_an_answer_on_the_scale_or_a_named_error(raw: str) -> None:
    form = parse_rating_form(ASKING, MultiDict({"importance-s": raw}))
    assert WEIGHT not in form.missing
    if WEIGHT in form.answers:
        assert 1 <= form.answers[WEIGHT] <= 5 and WEIGHT not in form.errors
    elif raw.strip():
        assert "importance" in form.errors[WEIGHT]


def test_a_step_without_importance_keeps_the_drafts() -> None:
    draft = {"answers": {"a1": 2, WEIGHT: 4}, "comments": {}}
    fields = merged_answers(draft, MultiDict({"item-a2": "5"}))
    assert fields["importance-s"] == "4"
    form = parse_rating_form(ASKING, fields)
    assert form.answers == {"a1": 2, "a2": 5, WEIGHT: 4}
    assert merged_answers(draft, MultiDict({"importance-s": "1"}))["importance-s"] == "1"
