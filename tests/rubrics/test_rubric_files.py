from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from service.cli import main
from service.rubrics.loader import RubricError, find_rubric, load_rubric_file
from tests.conftest import ROOT

DEFAULT = ROOT / "rubrics" / "compassionate-inclusive-leadership.yaml"


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


def test_default_rubric_covers_the_framework_in_both_languages():
    rubric = load_rubric_file(DEFAULT)
    section_ids = [s["id"] for s in rubric["sections"]]
    for needed in ("attending", "understanding", "empathising", "helping", "inclusive",
                   "culture", "speaking_up", "wellbeing"):
        assert needed in section_ids
    assert rubric["languages"] == ["en", "cy"]
    assert all("cy" in item["text"] for s in rubric["sections"] for item in s["items"])
    assert rubric["scale"]["labels"][0]["en"] == "Never"
    assert rubric["scale"]["labels"][-1]["en"] == "Always"
    assert rubric["sources"], "source references belong in the rubric file"
    assert {item.get("level") for s in rubric["sections"] for item in s["items"]} <= {
        "self", "team", "organisation", "system", None}


def test_check_prints_the_summary():
    result = CliRunner().invoke(main, ["rubric", "check", str(DEFAULT)])
    assert result.exit_code == 0, result.output
    assert "compassionate-inclusive-leadership v1" in result.output
    assert "8 sections" in result.output


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
