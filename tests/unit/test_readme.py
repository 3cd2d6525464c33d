"""The README, the CLI and CI must not drift apart (datasette-style documentation tests)."""

import re
from pathlib import Path

import click

from tadoru.cli import main

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
SETUP = README.split("## Set-up", 1)[1].split("\n## ", 1)[0]
BASH_BLOCKS = re.findall(r"```bash\n(.*?)```", SETUP, re.DOTALL)


def test_set_up_holds_exactly_two_commands():
    assert [b.strip() for b in BASH_BLOCKS] == ["pip install . && tadoru serve",
                                                 "pip install -c requirements/test.lock -e '.[test]' && python -m pytest"]


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert BASH_BLOCKS[1].strip() in ci
    assert "apt-get install -y -qq chromium" in ci


def _commands(group: click.Group, prefix: str = "tadoru"):
    for name, cmd in group.commands.items():
        full = f"{prefix} {name}"
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, full)
        else:
            yield full, cmd


def test_every_cli_command_is_documented():
    for full, _cmd in _commands(main):
        assert f"`{full}" in README, f"{full} is not in the README's command table"


def test_every_annotate_option_is_documented_in_the_readme_or_help():
    annotate = main.commands["annotate"]
    for param in annotate.params:
        if isinstance(param, click.Option):
            assert param.help, f"--{param.name} has no help text"


def test_exit_codes_agree():
    assert "`0` success" in README and "`1` problems found" in README and "`2` usage error" in README
    assert "0 success" in main.help and "2 usage error" in main.help
