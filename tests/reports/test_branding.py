"""The organisation's logo and colour: checked when the service starts, not when a report fails."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from service.config import load_config


def test_a_colour_too_light_for_white_text_is_refused_with_the_reason(tmp_path):
    with pytest.raises(ValueError, match=r"REPORT_COLOUR: #FFB81C is too light: white text on "
                                         r"it has a contrast of 1\.7:1, and reports need 4\.5:1"):
        load_config({"INSTANCE_PATH": str(tmp_path)}, {"REPORT_COLOUR": "#FFB81C"})
    with pytest.raises(ValueError, match="expected a colour like #005eb8"):
        load_config({"INSTANCE_PATH": str(tmp_path)}, {"REPORT_COLOUR": "blue"})
    assert load_config({"INSTANCE_PATH": str(tmp_path)},
                       {"REPORT_COLOUR": "#330072"})["REPORT_COLOUR"] == "#330072"


def test_a_logo_must_be_an_image_file_that_exists(tmp_path):
    with pytest.raises(ValueError, match="REPORT_LOGO: no such file"):
        load_config({"INSTANCE_PATH": str(tmp_path)}, {"REPORT_LOGO": str(tmp_path / "x.png")})
    (tmp_path / "logo.gif").write_bytes(b"GIF89a")
    with pytest.raises(ValueError, match=r"expected a \.png, \.jpg or \.svg file, not logo\.gif"):
        load_config({"INSTANCE_PATH": str(tmp_path)}, {"REPORT_LOGO": str(tmp_path / "logo.gif")})


def test_the_command_line_says_it_in_one_line(tmp_path):
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "REPORT_COLOUR": "#eeeeee"}
    result = subprocess.run([sys.executable, "-m", "service.cli", "cycle", "list"], env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: REPORT_COLOUR: #eeeeee is too light: white text on it has a contrast of 1.2:1, "
        "and reports need 4.5:1; choose a darker shade"]
