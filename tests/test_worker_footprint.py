"""A web worker holds what serving pages needs, not every library the platform can use (issue 15, point 6).

The app as gunicorn loads it (create_app, then the warm-up before the fork) once held about 240 MB: the
grouping's datasketch (which imports scipy), openpyxl with numpy and lxml, pypinyin's and rjieba's
dictionaries, python-docx and pygal. Each is loaded by the code that uses it when it is first used: a
worker that never makes a slug, reads an upload, draws a chart, writes a document or groups comments
(GROUPS_DRAIN_INLINE=false, as deployed) never holds them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Loaded on first use only; each is tens of megabytes in every worker otherwise.
HEAVY = ("datasketch", "scipy", "numpy", "openpyxl", "pypinyin", "rjieba", "docx", "pygal", "lxml")

PROBE = """
import json, sys
from consult import create_app
from consult.warmup import warm
app = create_app({"TESTING": True})
warm(app)
print(json.dumps(sorted(m for m in %r if m in sys.modules)))
"""


def test_the_app_as_a_worker_loads_it_holds_none_of_the_heavy_libraries(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSULT_")}
    env["CONSULT_INSTANCE_PATH"] = str(tmp_path)
    probe = subprocess.run(
        [sys.executable, "-c", PROBE % (HEAVY,)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(probe.stdout.strip().splitlines()[-1]) == []


def test_the_parsing_children_still_start_with_the_xlsx_reader():
    from consult.intake.reading import PRELOAD

    assert "consult.intake.xlsx_reading" in PRELOAD
