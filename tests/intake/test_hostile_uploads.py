"""Uploads that cannot run away (issue 14): hostile files are refused within seconds, and nothing is kept.

Each file here once ran for minutes or grew a worker past a gigabyte. The bounds on time below are
guards against a hang, far above what a refusal takes (about a second); the CPU budget test allows
for a busy machine.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import stat
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult.auth.operations import issue_token
from consult.context import CLI
from consult.db import end_read
from consult.extensions import db
from consult.intake import raw_table, reading, uploads
from consult.intake.raw_table import FileError
from consult.intake.reading import read_table
from consult.models import Comment, IntakeBatch
from tests.conftest import csrf_token_from
from tests.intake import corpus

GUARD_SECONDS = 10
TOO_COMPLEX = "文件过于复杂"
BLANK_ROWS = "包括空行"
SHARED_STRINGS = "共享字符串"
UNREADABLE = "无法读取这个Excel文件"
MEETING = {
    "meeting_date": "2026-11-20",
    "meeting_place": "街道办事处三楼会议室",
    "method": "forum",
    "participants": "12",
    "collector": "联系点信息员",
}


def refused(name: str, data: bytes, match: str, bound: float = GUARD_SECONDS) -> FileError:
    """read_table refuses ``data`` with a message containing ``match``, within ``bound`` seconds."""
    start = time.monotonic()
    with pytest.raises(FileError, match=match) as caught:
        read_table(name, data)
    elapsed = time.monotonic() - start
    assert elapsed < bound, f"refused after {elapsed:.1f} s"
    return caught.value


# The files of the report -------------------------------------------------------------------------


def test_a_shared_strings_part_over_its_cap_is_refused_from_the_zip_directory(monkeypatch):
    data = corpus.huge_shared_strings_xlsx()
    assert len(data) < 1024 * 1024  # under a megabyte on the wire

    def must_not_parse(*args):
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(reading, "_in_child", must_not_parse)
    error = refused("a.xlsx", data, SHARED_STRINGS)
    assert "64 MB" in error.message and "另存为" in error.message


def test_a_shared_strings_part_under_the_byte_cap_but_with_too_many_strings_is_refused():
    data = corpus.with_shared_strings(corpus.shared_strings_body(raw_table.MAX_SHARED_STRINGS + 1))
    refused("a.xlsx", data, SHARED_STRINGS)


@pytest.mark.parametrize("item", [b"<si><t>ab</t></si>", b'<x:si xml:space="preserve"><x:t>a</x:t></x:si>'])
def test_shared_strings_are_counted_exactly_across_chunks(monkeypatch, item):
    count = 150_000  # several 1 MB chunks, whose boundaries fall inside elements
    body = corpus.shared_strings_body(count, item)
    if b"x:" in item:
        body = body.replace(b"<sst ", b"<x:sst xmlns:x=" + corpus._MAIN.split(b"=", 1)[1] + b" ")
        body = body.replace(b"</sst>", b"</x:sst>")
    data = corpus.with_shared_strings(body)
    monkeypatch.setattr(raw_table, "MAX_SHARED_STRINGS", count)
    assert [row for _number, row in read_table("a.xlsx", data).rows] == corpus.table()
    monkeypatch.setattr(raw_table, "MAX_SHARED_STRINGS", count - 1)
    refused("a.xlsx", data, SHARED_STRINGS)


def test_a_shared_strings_part_under_another_name_is_capped_too(monkeypatch):
    data = corpus.with_shared_strings(corpus.shared_strings_body(2000), name="xl/strings/other.xml")
    monkeypatch.setattr(raw_table, "MAX_SHARED_STRINGS_BYTES", 1000)
    refused("a.xlsx", data, SHARED_STRINGS)


def test_four_million_blank_rows_are_refused_quickly():
    data = corpus.blank_rows_xlsx()
    assert len(data) < 1024 * 1024
    error = refused("a.xlsx", data, BLANK_ROWS)
    assert error.row == raw_table.rows_read_limit() + 1
    assert str(raw_table.rows_read_limit()) in error.message


def test_a_cell_on_the_last_row_of_the_sheet_counts_every_row_above_it():
    refused("a.xlsx", corpus.far_row_xlsx(), BLANK_ROWS)


def test_millions_of_blank_csv_lines_are_refused_quickly():
    data = corpus.blank_lines_csv()
    assert len(data) <= raw_table.MAX_UPLOAD_BYTES
    error = refused("a.csv", data, BLANK_ROWS)
    assert error.row == raw_table.rows_read_limit() + 1


def test_blank_rows_within_the_slack_are_still_read(monkeypatch):
    monkeypatch.setattr(raw_table, "MAX_ROWS", 10)
    monkeypatch.setattr(raw_table, "BLANK_ROW_SLACK", 50)  # 80 rows may be read, blank or not
    rows = [*corpus.table(), *[[""]] * 40, ["第九条", "最后一条意见。", "", ""]]
    table = read_table("a.csv", corpus.csv_bytes(rows))
    assert table.rows[-1] == (len(rows), ["第九条", "最后一条意见。", "", ""])
    rows[-1:-1] = [[""]] * 40
    refused("a.csv", corpus.csv_bytes(rows), BLANK_ROWS)


@pytest.mark.parametrize("crc_of_prefix", [False, True])
def test_a_zip_whose_declared_size_lies_inflates_no_more_than_it_declares(crc_of_prefix):
    """zipfile stops at the declared size and checks the CRC: 100 MB behind a 4 KB declaration."""
    refused("a.xlsx", corpus.lying_size_xlsx(crc_of_prefix), UNREADABLE)


def test_a_member_over_its_cap_is_refused_by_name(monkeypatch):
    monkeypatch.setattr(raw_table, "MAX_XLSX_MEMBER_BYTES", 5000)
    refused("a.xlsx", corpus.xlsx_bytes(corpus.table()), "部件“xl/theme/theme1.xml”解压后超过")


def test_members_compressed_other_than_deflate_are_refused():
    refused("a.xlsx", corpus.bzip2_xlsx(), UNREADABLE)


def test_a_row_reaching_the_last_column_through_empty_cells_reads_like_a_short_one():
    wide = b'<row r="5"><c r="A5" t="inlineStr"><is><t>x</t></is></c><c r="XFD5" s="1"/></row>'
    table = read_table("a.xlsx", corpus.sheet_with(wide))
    assert table.rows[-1] == (5, ["x"])


# The budget of the child process -----------------------------------------------------------------


def test_the_wall_clock_budget_gives_the_file_error(monkeypatch):
    monkeypatch.setattr(reading, "PARSE_WALL_SECONDS", 0.001)
    refused("a.csv", corpus.big_csv(20_000), TOO_COMPLEX)


def test_the_cpu_budget_gives_the_file_error(monkeypatch, caplog):
    data = corpus.sheet_with(corpus.inline_rows_xml(60_000))  # several seconds of CPU to read
    monkeypatch.setattr(reading, "PARSE_CPU_SECONDS", 1)
    with caplog.at_level(logging.WARNING, logger=reading.__name__):
        refused("a.xlsx", data, TOO_COMPLEX, bound=30)
    assert f"exit status {-signal.SIGXCPU}" in caplog.text


def test_the_memory_budget_gives_the_file_error(monkeypatch, caplog):
    monkeypatch.setattr(reading, "PARSE_MEMORY_BYTES", 32 * 1024 * 1024)  # less than the interpreter
    with caplog.at_level(logging.WARNING, logger=reading.__name__):
        refused("a.csv", corpus.big_csv(20_000), TOO_COMPLEX)
    assert "reading 'a.csv' stopped" in caplog.text


def test_a_result_over_its_budget_gives_the_file_error(monkeypatch):
    monkeypatch.setattr(reading, "MAX_RESULT_BYTES", 1000)
    refused("a.csv", corpus.big_csv(100), TOO_COMPLEX)


WIDE_ROWS = (
    b'<row r="5"><c r="A5" t="inlineStr"><is><t>x</t></is></c><c r="C5" s="1"/><c r="XFD5" s="1"/></row>'
    b'<row r="6"><c r="AZ6" s="1"/><c r="BA6" s="1"/></row>'
    b'<row r="7"><c r="AX7" t="inlineStr"><is><t>y</t></is></c><c r="AY7" s="1"/><c r="ZZ7" s="1"/></row>'
    b'<row r="8"><c r="B8" t="inlineStr"><is><t> </t></is></c>'
    b'<c r="BZ8" t="inlineStr"><is><t></t></is></c></row>'
)


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("a.xlsx", corpus.merged_article_xlsx),
        ("a.xlsx", lambda: corpus.wide_xlsx(filled=False)),
        ("a.xlsx", lambda: corpus.sheet_with(WIDE_ROWS)),  # and no <dimension>
        ("a.csv", lambda: corpus.csv_bytes(corpus.table())),
    ],
)
def test_the_child_reads_exactly_what_this_process_reads(name, build):
    data = build()
    assert read_table(name, data) == reading.parse(name, data)


# Nothing is written ------------------------------------------------------------------------------

HOSTILE = {
    "huge shared strings": ("意见.xlsx", corpus.huge_shared_strings_xlsx, SHARED_STRINGS),
    "blank rows": ("意见.xlsx", corpus.blank_rows_xlsx, BLANK_ROWS),
    "lying size": ("意见.xlsx", lambda: corpus.lying_size_xlsx(True), UNREADABLE),
    "blank lines": ("意见.csv", corpus.blank_lines_csv, BLANK_ROWS),
}


def _counts() -> tuple[int, int]:
    end_read()
    result = (
        db.session.scalar(select(func.count(Comment.id))),
        db.session.scalar(select(func.count(IntakeBatch.id))),
    )
    end_read()
    return result


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_upload_is_a_400_on_both_doors_and_nothing_is_kept(app, factory, login_as, kind):
    filename, build, message = HOSTILE[kind]
    data = build()
    draft = factory.draft("open")
    point = factory.contact_point("dongguan")
    operator = login_as("contact_point", point=point.slug)
    form = {
        "csrf_token": csrf_token_from(operator.get("/intake/upload").data),
        "draft": draft.slug,
        **MEETING,
    }
    start = time.monotonic()
    resp = operator.post(
        "/intake/upload",
        data={**form, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    assert time.monotonic() - start < GUARD_SECONDS
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    factory.user("contact_point", username="api-operator", point=point.slug)
    end_read()
    token = issue_token(None, CLI, "api-operator")
    resp = app.test_client().post(
        "/api/v1/intake/batches",
        data={"draft": draft.slug, **MEETING, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status_code == 400
    assert message in resp.get_json()["error"]["fields"]["file"]
    assert _counts() == (0, 0)
    folder = Path(app.instance_path) / uploads.FOLDER
    assert not folder.exists() or not any(folder.iterdir())


# Kept uploads are private ------------------------------------------------------------------------


def test_kept_uploads_and_their_record_are_readable_by_the_app_only(app):
    previous = os.umask(0o000)  # the widest umask: the modes must not depend on it
    try:
        meta = uploads.StoredUpload(1, "意见.csv", "d", "p", None, None, None, None, None)
        with app.test_request_context():
            token = uploads.store(meta, b"a,b\n")
    finally:
        os.umask(previous)
    folder = Path(app.instance_path) / uploads.FOLDER
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for suffix in (".bin", ".json"):
        assert stat.S_IMODE((folder / f"{token}{suffix}").stat().st_mode) == 0o600


def test_an_existing_uploads_folder_is_made_private(app):
    folder = Path(app.instance_path) / uploads.FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    with app.test_request_context():
        uploads.store(uploads.StoredUpload(1, "a.csv", None, None, None, None, None, None, None), b"x")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_reads_from_several_threads_at_once_each_get_their_own_table():
    """gunicorn's gthread workers read uploads on several threads: each gets its own child and answer."""
    files = [corpus.csv_bytes(corpus.table(rows=[[f"第{n}条", f"意见{n}", "", ""]])) for n in range(1, 7)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        tables = list(pool.map(lambda data: read_table("a.csv", data), files))
    assert [table.rows[1][1][:2] for table in tables] == [[f"第{n}条", f"意见{n}"] for n in range(1, 7)]
