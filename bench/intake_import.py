"""Benchmark: preview plus import of a 100,000-row XLSX against openpyxl alone reading the same file.

    .venv/bin/python bench/intake_import.py [--rows 100000] [--database-url URL]

Writes a realistic opinion table (a title row, the header, 条款 / 意见内容 / 理由 / 提出人 / 联系电话),
then, each in its own process so each peak memory (max RSS) is its own:

- baseline: ``openpyxl.load_workbook(read_only=True)`` iterating every row's values;
- the platform: ``preview_batch`` (what the operator sees before confirming) and ``import_batch`` with the
  preview's report (kept beside the upload for the confirmation, which may reach another worker), writing
  the batch and its opinions; and, for comparison, an import that reads the file again.

Prints seconds, the ratio to the baseline and peak memory. Target (issue 5): preview + import ≤ 3×.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET = 3.0


def write_workbook(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("意见汇总")
    sheet.append(["东关街道基层立法联系点意见汇总表"])
    sheet.append(["序号", "条款", "意见内容", "理由", "提出人", "联系电话"])
    for i in range(1, rows + 1):
        article = f"第{'一二三四五六七八九十'[i % 10]}条" if i % 7 else "总体意见"
        sheet.append(
            [
                i,
                article,
                f"建议进一步明确开放时间和服务标准，便于基层执行和群众监督。（第{i}号意见）",
                "现行规定过于原则" if i % 3 == 0 else None,
                f"居民{i % 500}",
                f"138{i % 100_000_000:08d}",
            ]
        )
    workbook.save(path)


def baseline(path: str) -> dict:
    from openpyxl import load_workbook

    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    n = sum(1 for _ in workbook.active.iter_rows(values_only=True))
    workbook.close()
    return {"seconds": time.perf_counter() - started, "rows": n}


def platform(path: str, database_url: str | None, instance: str) -> dict:
    from flask_migrate import upgrade

    from consult import create_app
    from consult.context import CLI
    from consult.demo.seed import seed_demo
    from consult.intake.importing import BatchRequest, import_batch, preview_batch

    url = database_url or f"sqlite:///{instance}/bench.sqlite"
    app = create_app(
        # Indexing is the search worker's job after the import, not part of what is measured here.
        {"INSTANCE_PATH": instance, "SQLALCHEMY_DATABASE_URI": url, "SEARCH_DRAIN_INLINE": False}
    )
    with app.app_context():
        upgrade()
        seed_demo()
        data = Path(path).read_bytes()
        req = BatchRequest(
            draft="chengshi-shufang-tiaoli",
            filename="东关街道意见汇总.xlsx",
            data=data,
            contact_point="dongguan-jiedao",
            method="座谈会",
        )
        started = time.perf_counter()
        preview = preview_batch(None, req)
        previewed = time.perf_counter()
        outcome = import_batch(None, CLI, req, preview.known())  # the web confirmation does the same
        done = time.perf_counter()
    return {
        "preview": previewed - started,
        "import": done - previewed,
        "seconds": done - started,
        "valid": preview.rows_valid,
        "imported": outcome.rows_imported,
        "errors": len(preview.report.errors),
    }


def child(kind: str, args: list[str]) -> dict:
    """Run one measurement in a fresh process; its own peak RSS comes back with the figures."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, rest = args.child[0], args.child[1:]
        result = baseline(rest[0]) if kind == "baseline" else platform(rest[0], rest[1] or None, rest[2])
        result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "opinions.xlsx"
        started = time.perf_counter()
        write_workbook(path, args.rows)
        size = path.stat().st_size / 1024 / 1024
        print(f"{args.rows} rows written in {time.perf_counter() - started:.1f} s ({size:.1f} MiB XLSX)")
        base = child("baseline", [str(path)])
        os.makedirs(Path(tmp) / "instance")
        ours = child("platform", [str(path), args.database_url or "", str(Path(tmp) / "instance")])
    ratio = ours["seconds"] / base["seconds"]
    print(f"database: {args.database_url or 'SQLite'}")
    print(f"openpyxl read-only alone: {base['seconds']:.1f} s, peak {base['peak_mib']:.0f} MiB")
    print(
        f"preview {ours['preview']:.1f} s + import {ours['import']:.1f} s = {ours['seconds']:.1f} s, "
        f"peak {ours['peak_mib']:.0f} MiB; {ours['imported']} imported, {ours['errors']} row errors"
    )
    ok = ratio <= TARGET and ours["imported"] == args.rows
    print(f"ratio {ratio:.2f}x (target <= {TARGET}x): {'met' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
