"""The README lists every command and every option of `feedback360`: the docs stay true."""

from __future__ import annotations

import re
from pathlib import Path

import click
from flask.cli import ScriptInfo

from service.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _commands(app) -> dict[str, list[str]]:
    """'cycle edit' -> its long options, walking `feedback360 --help` recursively."""
    found: dict[str, list[str]] = {}

    def walk(command: click.Command, path: list[str], ctx: click.Context) -> None:
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                walk(sub, [*path, name], click.Context(sub, info_name=name, parent=ctx))
            return
        found[" ".join(path)] = [name for p in command.params if isinstance(p, click.Option)
                                 for name in p.opts + p.secondary_opts
                                 if name.startswith("--") and name != "--help"]

    walk(main, [], click.Context(main, info_name="feedback360",
                                 obj=ScriptInfo(create_app=lambda: app)))
    return found


def test_every_command_and_option_is_in_the_readme(app):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {m.group(1): line for line in readme.splitlines()
            if (m := re.match(r"\| `([a-z][a-z -]*?)(?: [A-Z_…]+)*` \|", line))}
    commands = _commands(app)
    assert {"cycle edit", "cycle progress", "db upgrade", "worker"} <= set(commands)
    missing = [name for name in commands if name not in rows]
    assert not missing, f"commands missing from README.md: {missing}"
    undocumented = [(name, option) for name, options in commands.items()
                    for option in options
                    if not re.search(rf"[`/]{re.escape(option)}[` /]", rows[name])]
    assert not undocumented, f"options missing from README.md: {undocumented}"
