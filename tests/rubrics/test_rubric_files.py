from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from service.cli import main
from service.rubrics.loader import RubricError, find_rubric, load_rubric_file
from tests.conftest import ROOT

DEFAULT = ROOT / "rubrics" / "compassionate-inclusive-leadership.yaml"
SHORT = ROOT / "rubrics" / "compassionate-inclusive-leadership-short.yaml"


def write(tmp_path: Path, data: object, name: str = "rubric.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def minimal() -> dict:
    return {
        "id": "mini", "version": 1, "title": {"en": "Mini"},
        "scale": {"labels": [{"value": 1, "en": "Never"}, {"value": 2, "en": "Always"}],
                  "not_observed": {"en": "Not observed"}},
        "sections": [{"id": "one", "title": {"en": "One"},
                      "items": [{"id": "one-a", "text": {"en": "Listens."}}]}],
    }


def every_item(rubric: dict) -> list[tuple[dict, dict]]:
    return [(section, item) for section in rubric["sections"] for item in section["items"]]


@pytest.mark.parametrize("path", [DEFAULT, SHORT], ids=["full", "short"])
def test_every_item_is_in_both_languages_with_a_level_and_a_cited_source(path):
    rubric = load_rubric_file(path)
    assert rubric["languages"] == ["en", "cy"]
    sources = {source["id"]: source for source in rubric["sources"]}
    for section, item in every_item(rubric):
        assert item["text"]["en"] and item["text"]["cy"], item["id"]
        assert item["level"] in ("self", "team", "organisation", "system"), item["id"]
        assert section["sources"], f"{section['id']} cites no source"
        assert all(sources[cited]["citation"] for cited in section["sources"])
        self_text = item["self_text"]  # every item of both forms has a first-person wording
        assert self_text["en"].startswith("I ") and self_text["cy"].startswith("Rwy'n "), item
    for question in rubric["questions"]:
        assert question["text"]["cy"] and question["self_text"]["cy"]
        assert " I " in question["self_text"]["en"], question
    assert rubric["scale"]["labels"][0]["en"] == "Never"
    assert rubric["scale"]["labels"][-1]["en"] == "Always"
    assert rubric["notes"], "say in the notes what was merged or dropped, and why"


def test_default_rubric_covers_the_framework_and_stays_short_enough():
    rubric = load_rubric_file(DEFAULT)
    items = every_item(rubric)
    assert len(items) <= 40, "rater fatigue: merge or drop items (and say why in notes)"
    section_ids = [s["id"] for s in rubric["sections"]]
    assert section_ids == ["attending", "understanding", "empathising", "helping", "inclusive",
                           "culture", "speaking_up", "wellbeing", "partnership"]
    levels = Counter(item["level"] for _, item in items)
    assert min(levels[level] for level in ("self", "team", "organisation", "system")) >= 5
    cited = {source for section in rubric["sections"] for source in section["sources"]}
    # West's four behaviours, inclusive leadership, the culture, Wales, self-compassion.
    assert {"kings-fund-compassionate-leadership", "nhsi-developing-people-2016",
            "caring-to-change-2017", "heiw-kings-fund-wales", "kings-fund-mindfulness"} <= cited
    by_source = {source: [s["id"] for s in rubric["sections"] if source in s["sources"]]
                 for source in cited}
    assert by_source["nhsi-developing-people-2016"] == ["inclusive"]
    assert "culture" in by_source["caring-to-change-2017"]
    assert "wellbeing" in by_source["kings-fund-mindfulness"]
    assert {"attending", "understanding", "empathising", "helping"} <= set(
        by_source["kings-fund-compassionate-leadership"])
    # The behaviours issue 12 found missing each have an item of their own.
    texts = " | ".join(item["text"]["en"].lower() for _, item in items)
    for behaviour in ("imbalances of power", "clear, shared goals", "holds people to account",
                      "conflict and difficult conversations", "celebrates the team's successes",
                      "chance to speak and be listened to", "partnership with patients",
                      "feedback from patients", "calm and present"):
        assert behaviour in texts, behaviour


def test_short_form_takes_every_section_in_the_full_forms_words():
    full, short = load_rubric_file(DEFAULT), load_rubric_file(SHORT)
    assert short["id"] != full["id"]
    items = every_item(short)
    assert len(items) <= 16
    assert [s["id"] for s in short["sections"]] == [s["id"] for s in full["sections"]]
    full_items = {item["id"]: (section["id"], item) for section, item in every_item(full)}
    for section, item in items:
        assert full_items[item["id"]] == (section["id"], item), item["id"]
    assert {item["level"] for _, item in items} == {"self", "team", "organisation", "system"}


def test_check_prints_the_summary():
    result = CliRunner().invoke(main, ["rubric", "check", str(DEFAULT)])
    assert result.exit_code == 0, result.output
    assert "compassionate-inclusive-leadership v3" in result.output
    assert "9 sections, 40 items, 3 open questions" in result.output
    assert "self wording: 40 of 40 items, 3 of 3 questions" in result.output
    assert "every section cites at least one" in result.output
    short = CliRunner().invoke(main, ["rubric", "check", str(SHORT)])
    assert short.exit_code == 0, short.output
    assert "9 sections, 16 items, 2 open questions" in short.output


def test_self_wording_and_sources_are_checked(tmp_path):
    data = minimal()
    data["languages"] = ["en", "cy"]
    data["title"]["cy"] = "Bach"
    for label in data["scale"]["labels"]:
        label["cy"] = "x"
    data["scale"]["not_observed"]["cy"] = "Heb sylwi"
    data["sections"][0]["title"]["cy"] = "Un"
    item = data["sections"][0]["items"][0]
    item["text"]["cy"] = "Mae'n gwrando."
    item["self_text"] = {"en": "I listen."}                       # no Welsh
    data["sections"][0]["sources"] = ["west", "nowhere"]
    data["sources"] = [{"id": "west", "citation": "West (2021)."},
                       {"id": "west", "citation": "Again."}]
    with pytest.raises(RubricError) as caught:
        load_rubric_file(write(tmp_path, data))
    text = str(caught.value)
    assert "languages: sections[0].items[0].self_text: missing 'cy' text" in text
    assert ("sections[0].sources: unknown source ids nowhere: use ids listed under sources "
            "(west)") in text
    assert "sources[1].id: duplicate source id 'west'" in text


def test_version_1_files_with_plain_citations_and_no_self_wording_still_load(tmp_path):
    data = minimal()
    data["sources"] = ["West, M. A. (2021). Compassionate Leadership."]
    rubric = load_rubric_file(write(tmp_path, data))
    assert rubric["sources"] == [{"citation": "West, M. A. (2021). Compassionate Leadership."}]
    assert "self_text" not in rubric["sections"][0]["items"][0]
    assert rubric["sections"][0]["sources"] == []


def test_malformed_rubric_names_file_and_field_paths(tmp_path):
    data = minimal()
    data["sections"][0]["items"][0]["text"] = {"cy": "Gwrando."}          # no English
    data["sections"][0]["items"].append({"id": "one-a", "text": {"en": "Again."}})
    data["scale"]["labels"][1]["value"] = 5
    data["colour"] = "blue"
    path = write(tmp_path, data)
    with pytest.raises(RubricError) as caught:
        load_rubric_file(path)
    text = str(caught.value)
    assert str(path) in text
    assert "sections[0].items[0].text.en: required, but missing" in text
    assert "colour: not a field we know: remove it or check its spelling" in text
    assert "scale.labels: label values must be 1, 2, 3" in text

    result = CliRunner().invoke(main, ["rubric", "check", str(path)])
    assert result.exit_code == 1
    assert f"{path}: sections[0].items[0].text.en" in result.output
    assert "problem(s) found" in result.output


def test_duplicate_ids_and_missing_welsh_are_reported(tmp_path):
    data = minimal()
    data["languages"] = ["en", "cy"]
    data["sections"][0]["items"].append({"id": "one-a", "text": {"en": "x", "cy": "y"}})
    with pytest.raises(RubricError) as caught:
        load_rubric_file(write(tmp_path, data))
    text = str(caught.value)
    assert "sections[0].items[1].id: duplicate item id 'one-a'" in text
    assert "languages: title: missing 'cy' text" in text


def test_broken_yaml_gives_line_and_column(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\nsections: [\n  - oops: {\n", encoding="utf-8")
    with pytest.raises(RubricError, match=r"broken.yaml: line \d+, column \d+: not valid YAML"):
        load_rubric_file(path)


def test_unknown_rubric_id_lists_what_exists(tmp_path):
    write(tmp_path, minimal(), "mini.yaml")
    with pytest.raises(RubricError, match=r"no rubric with id 'nope' \(found: mini\)"):
        find_rubric(tmp_path, "nope")


IMPORTANCE = {
    "text": {"en": "How important is this for their role?", "cy": "Pa mor bwysig?"},
    "self_text": {"en": "How important is this for my role?", "cy": "Pa mor bwysig i mi?"},
    "labels": [{"value": 1, "en": "Not important", "cy": "Ddim yn bwysig"},
               {"value": 2, "en": "Essential", "cy": "Hanfodol"}],
}


def test_importance_is_optional_and_on_in_the_full_form_only():
    full, short = load_rubric_file(DEFAULT), load_rubric_file(SHORT)
    assert [label["en"] for label in full["importance"]["labels"]] == [
        "Not important", "Slightly important", "Important", "Very important", "Essential"]
    assert all(label["cy"] for label in full["importance"]["labels"])
    assert full["importance"]["self_text"]["cy"]
    assert "importance" not in short  # the pulse check stays short
    result = CliRunner().invoke(main, ["rubric", "check", str(DEFAULT)])
    assert "importance: asked for each section (Not important / Slightly important" in (
        result.output)
    assert "importance: not asked" in CliRunner().invoke(
        main, ["rubric", "check", str(SHORT)]).output


def test_importance_block_is_validated(tmp_path):
    data = {**minimal(), "importance": IMPORTANCE}
    loaded = load_rubric_file(write(tmp_path, data))
    assert loaded["importance"]["labels"][1]["en"] == "Essential"
    for bad, said in (
            ({**IMPORTANCE, "labels": [{"value": 2, "en": "x"}, {"value": 1, "en": "y"}]},
             "importance.labels: label values must be 1, 2, 3 … in order"),
            ({**IMPORTANCE, "colour": "red"}, "importance.colour: not a field we know")):
        with pytest.raises(RubricError) as caught:
            load_rubric_file(write(tmp_path, {**minimal(), "importance": bad}))
        assert said in "\n".join(map(str, caught.value.problems))
    no_welsh = {**IMPORTANCE, "self_text": {"en": "How important for me?"}}
    with pytest.raises(RubricError) as caught:
        load_rubric_file(write(tmp_path, {**minimal(), "languages": ["en", "cy"],
                                          "importance": no_welsh}))
    assert "importance.self_text: missing 'cy' text" in "\n".join(map(str, caught.value.problems))
    result = CliRunner().invoke(main, ["rubric", "check", str(write(
        tmp_path, {**minimal(), "importance": {"text": {"en": "?"}}}))])
    assert result.exit_code == 1 and "importance.labels" in result.output
