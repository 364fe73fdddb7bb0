"""The command line of CONTRACT.md: drafts parse, users, tokens, contact points, seed-demo."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from consult.auth.operations import token_digest
from consult.extensions import db
from consult.models import ApiToken, ContactPoint, Draft, User
from tests.factories import SAMPLE_TEXT

DEMO = Path(__file__).resolve().parent.parent / "consult" / "demo" / "data"


def test_drafts_parse_prints_chapters_and_articles(runner, tmp_path):
    path = tmp_path / "draft.txt"
    path.write_text(SAMPLE_TEXT, encoding="utf-8")
    result = runner.invoke(args=["drafts", "parse", str(path)])
    assert result.exit_code == 0, result.output
    assert "第一章　总则" in result.output
    assert "第四条" in result.output
    assert "共 2 章，4 条。" in result.output


def test_drafts_parse_json_saves_nothing(runner, tmp_path):
    path = tmp_path / "draft.txt"
    path.write_text(SAMPLE_TEXT, encoding="gb18030")  # what Notepad on Chinese Windows saves
    result = runner.invoke(args=["drafts", "parse", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["title"] == "本市示例管理条例（草案）"
    assert [a["label"] for a in data["articles"]] == ["第一条", "第二条", "第三条", "第四条"]
    assert data["articles"][2]["text"].endswith("主管部门应当每年公布工作情况。")
    assert db.session.scalar(select(func.count(Draft.id))) == 0


def test_drafts_parse_reports_errors_with_lines_and_exits_non_zero(runner, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("本市示例条例\n\n第一条　甲。\n\n第三条　丙。\n", encoding="utf-8")
    result = runner.invoke(args=["drafts", "parse", str(path)])
    assert result.exit_code == 1
    assert "第5行" in result.output
    assert "第二条" in result.output


def test_drafts_parse_handles_every_demo_text(runner):
    for path in sorted(DEMO.glob("*.txt")):
        result = runner.invoke(args=["drafts", "parse", str(path), "--json"])
        assert result.exit_code == 0, (path.name, result.output[-500:])
        data = json.loads(result.output)
        assert 12 <= len(data["articles"]) <= 40, path.name
        assert data["chapters"], path.name


def test_users_create_reads_the_password_from_stdin(runner, app):
    assert (
        runner.invoke(
            args=[
                "contact-points",
                "create",
                "east-gate",
                "--name",
                "东门街道基层立法联系点",
                "--district",
                "主城区",
            ]
        ).exit_code
        == 0
    )
    result = runner.invoke(
        args=[
            "users",
            "create",
            "op1",
            "--role",
            "contact_point",
            "--contact-point",
            "east-gate",
            "--password-stdin",
        ],
        input="A-long-password-1\n",
    )
    assert result.exit_code == 0, result.output
    db.session.remove()
    user = db.session.scalar(select(User).where(User.username == "op1"))
    assert user.role == "contact_point"
    assert user.contact_point.slug == "east-gate"
    assert user.password_hash.startswith("$argon2id$")


def test_users_create_refuses_bad_input_with_a_message(runner):
    result = runner.invoke(
        args=["users", "create", "x y", "--role", "staff", "--password-stdin"], input="short\n"
    )
    assert result.exit_code == 2
    assert "用户名" in result.output
    result = runner.invoke(
        args=["users", "create", "op2", "--role", "contact_point", "--password-stdin"],
        input="A-long-password-1\n",
    )
    assert result.exit_code == 2
    assert "联系点" in result.output


def test_users_token_prints_the_token_alone_on_the_last_line_and_stores_a_hash(runner, factory):
    user, _ = factory.user("staff", username="tokenuser")
    result = runner.invoke(args=["users", "token", "tokenuser"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert " " not in token and len(token) > 30
    db.session.remove()
    stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert stored.token_hash == token_digest(token) != token


def test_contact_points_create_twice_is_a_clear_conflict(runner):
    assert runner.invoke(args=["contact-points", "create", "west-gate", "--name", "西门"]).exit_code == 0
    result = runner.invoke(args=["contact-points", "create", "west-gate", "--name", "西门"])
    assert result.exit_code == 2
    assert "已存在" in result.output
    assert db.session.scalar(select(func.count(ContactPoint.id))) == 1


def test_seed_demo_refuses_to_run_in_production_and_writes_nothing(app, runner):
    app.config["PRODUCTION"] = True
    for args in (["seed-demo"], ["seed-demo", "--if-empty"], ["seed-demo", "--comments", "5"]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert "生产环境" in result.output and "演示数据" in result.output, args
    with app.app_context():
        assert db.session.scalar(select(func.count(Draft.id))) == 0
        assert db.session.scalar(select(func.count(User.id))) == 0
