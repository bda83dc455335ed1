"""Read rubric YAML files into validated plain dicts, or say exactly what is wrong and where."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from service.rubrics.schemas import LEVELS, RubricSchema


class RubricError(Exception):
    """A rubric file that cannot be used; `problems` lists every one as 'file: field: message'
    (lazy strings or text in the language of the moment: a cycle page shows them)."""

    def __init__(self, path: Path | str, problems: list[Any]):
        self.path = str(path)
        self.problems = problems
        super().__init__("\n".join(f"{self.path}: {problem}" for problem in problems))


def flatten_errors(messages: Any, prefix: str = "") -> list[str]:
    """Turn marshmallow's nested error dict into 'sections[2].items[0].text.en: message' lines."""
    if isinstance(messages, dict):
        lines: list[str] = []
        for key, value in messages.items():
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            elif key == "_schema":
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            lines.extend(flatten_errors(value, path))
        return lines
    if isinstance(messages, list):
        return [line for message in messages for line in flatten_errors(message, prefix)]
    text = str(messages)
    return [f"{prefix}: {text}" if prefix else text]


def load_rubric_file(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RubricError(path, [_l("file not found")]) from None
    except UnicodeDecodeError:
        raise RubricError(path, [_l("not UTF-8 text")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)  # PyYAML's own words, English
        said = (_l("line %(line)s, column %(column)s: not valid YAML (%(problem)s)",
                   line=mark.line + 1, column=mark.column + 1, problem=problem) if mark else
                _l("not valid YAML (%(problem)s)", problem=problem))
        raise RubricError(path, [said]) from None
    if not isinstance(raw, dict):
        raise RubricError(path, [_l("the file must be a YAML mapping with id, version, "
                                    "title …")])
    try:
        return RubricSchema().load(raw)
    except ValidationError as exc:
        raise RubricError(path, flatten_errors(exc.messages)) from None


def find_rubric(rubrics_dir: Path | str, rubric_id: str) -> dict[str, Any]:
    """The rubric with this id among the YAML files of the rubrics directory."""
    directory = Path(rubrics_dir)
    candidate = directory / f"{rubric_id}.yaml"
    if candidate.exists():
        rubric = load_rubric_file(candidate)
        if rubric["id"] == rubric_id:
            return rubric
    for path in sorted(directory.glob("*.y*ml")):
        rubric = load_rubric_file(path)
        if rubric["id"] == rubric_id:
            return rubric
    known = ", ".join(sorted(p.stem for p in directory.glob("*.y*ml")))
    raise RubricError(directory, [
        _l("no rubric with id '%(id)s' (found: %(known)s)", id=rubric_id, known=known)
        if known else _l("no rubric with id '%(id)s' (found: none)", id=rubric_id)])


def summary(rubric: dict[str, Any]) -> str:
    items = [item for section in rubric["sections"] for item in section["items"]]
    questions = rubric["questions"]
    levels = Counter(item.get("level") or "none" for item in items)
    uncited = [section["id"] for section in rubric["sections"] if not section.get("sources")]
    lines = [
        f"{rubric['id']} v{rubric['version']}: {rubric['title']['en']}",
        f"languages: {', '.join(rubric['languages'])}; scale: "
        + " / ".join(label["en"] for label in rubric["scale"]["labels"])
        + f" (+ {rubric['scale']['not_observed']['en']})",
        f"{len(rubric['sections'])} sections, {len(items)} items, "
        f"{len(questions)} open questions",
        "levels: " + ", ".join(f"{level} {levels[level]}"
                               for level in (*LEVELS, "none") if levels[level]),
        f"self wording: {sum('self_text' in item for item in items)} of {len(items)} items, "
        f"{sum('self_text' in question for question in questions)} of {len(questions)} "
        "questions",
        ("importance: asked for each section ("
         + " / ".join(label["en"] for label in rubric["importance"]["labels"]) + ")"
         if rubric.get("importance") else "importance: not asked"),
        f"sources: {len(rubric['sources'])}; "
        + (f"sections citing none: {', '.join(uncited)}" if uncited
           else "every section cites at least one"),
    ]
    for section in rubric["sections"]:
        cited = ", ".join(section.get("sources", [])) or "no source"
        count = len(section["items"])
        lines.append(f"  {section['id']}: {section['title']['en']} "
                     f"({count} item{'s' if count != 1 else ''}; {cited})")
    return "\n".join(lines)
