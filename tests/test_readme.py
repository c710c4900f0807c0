"""The README's examples do what it says they do."""

from __future__ import annotations

import contextlib
import io
import json
import re

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_python_example_returns_a_real_record():
    [code] = re.findall(r"```python\n(.*?)```", README, re.S)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    first, rest = out.getvalue().split("\n", 1)
    assert first == "True ['Klinikum Hardenbrück', 'Universitätsklinikum Mühlberg']"
    record = json.loads(rest)
    assert record["cooperations"] and record["cooperations"][0]["date"]["value"] == "2025-06-03"


def test_exit_codes_in_the_readme_are_the_cli_s():
    from extractor.cli import ExitCode

    for code in ExitCode:
        assert re.search(rf"^\| {int(code)} \|", README, re.M), code
