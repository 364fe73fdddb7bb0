"""Deputies' and experts' accounts (users create … --email, the admin form) and contact points' kinds."""

from __future__ import annotations

from sqlalchemy import select

from consult.auth.operations import NewAccount, add_user, create_contact_point, update_user
from consult.context import CLI
from consult.db import end_read
from consult.errors import ValidationError
from consult.extensions import db
from consult.models import ContactPoint, User


def _user(name: str) -> User | None:
    end_read()
    return db.session.scalar(select(User).where(User.username == name))


def test_users_create_a_deputy_and_an_expert_from_the_command_line(runner):
    for name, role, display in (("zhang", "deputy", "张代表"), ("li", "expert", "李专家")):
        result = runner.invoke(
            args=[
                "users",
                "create",
                name,
                "--role",
                role,
                "--display-name",
                display,
                "--email",
                f"{name}@Example.GOV.cn",
                "--password-stdin",
            ],
            input="A-long-password-1\n",
        )
        assert result.exit_code == 0, result.output
        user = _user(name)
        assert (user.role, user.display_name, user.email) == (role, display, f"{name}@example.gov.cn")
        assert user.comment_channel == role


def test_a_deputy_needs_a_name_and_a_valid_address(runner):
    cases = [
        (["--display-name", "张代表"], "email", "电子邮箱"),
        (["--email", "zhang@example.cn"], "display_name", "姓名"),
        (["--display-name", "张代表", "--email", "不是邮箱"], "email", "格式不正确"),
    ]
    for extra, field, words in cases:
        result = runner.invoke(
            args=["users", "create", "zhang", "--role", "deputy", *extra, "--password-stdin"],
            input="A-long-password-1\n",
        )
        assert result.exit_code == 2, (extra, result.output)
        assert f"{field}:" in result.output and words in result.output, (extra, result.output)
        assert _user("zhang") is None
    staff = runner.invoke(
        args=["users", "create", "plain-staff", "--role", "staff", "--password-stdin"],
        input="A-long-password-1\n",
    )
    assert staff.exit_code == 0, staff.output  # staff need neither


def test_the_admin_form_operation_and_a_role_change_keep_the_rule(app):
    end_read()
    try:
        add_user(
            None,
            CLI,
            NewAccount(username="wang", role="expert", display_name="王专家", generate_password=True),
        )
    except ValidationError as err:
        assert "email" in err.fields
    else:
        raise AssertionError("an expert without an address was created")
    expert, _password = add_user(
        None,
        CLI,
        NewAccount(
            username="wang",
            role="expert",
            display_name="王专家",
            email="wang@example.cn",
            generate_password=True,
        ),
    )
    assert (expert.role, expert.email) == ("expert", "wang@example.cn")
    end_read()
    staff, _ = add_user(None, CLI, NewAccount(username="zhao", role="staff", generate_password=True))
    end_read()
    try:
        update_user(None, CLI, staff.id, "赵", "deputy")
    except ValidationError as err:
        assert "email" in err.fields
    else:
        raise AssertionError("a staff account became a deputy without an address")
    end_read()
    update_user(None, CLI, staff.id, "赵代表", "deputy", email="zhao@example.cn")
    changed = _user("zhao")
    assert (changed.role, changed.email, changed.display_name) == ("deputy", "zhao@example.cn", "赵代表")


def test_contact_points_of_another_kind(runner):
    result = runner.invoke(
        args=[
            "contact-points",
            "create",
            "dongguan-home",
            "--name",
            "东关街道代表之家",
            "--kind",
            "deputy_home",
        ]
    )
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["contact-points", "create", "xiguan", "--name", "西关街道"]).exit_code == 0
    wrong = runner.invoke(args=["contact-points", "create", "nanmen", "--name", "南门", "--kind", "station"])
    assert wrong.exit_code == 2
    end_read()
    kinds = dict(db.session.execute(select(ContactPoint.slug, ContactPoint.kind)).all())
    assert kinds == {"dongguan-home": "deputy_home", "xiguan": "legislative"}
    end_read()
    try:
        create_contact_point(None, CLI, "beimen", "北门", kind="home")
    except ValidationError as err:
        assert "kind" in err.fields
    else:
        raise AssertionError("an unknown kind was stored")


def test_the_feedback_report_counts_participating_points_by_kind(app, client, factory):
    from bs4 import BeautifulSoup

    from consult.feedback.publishing import publish_feedback

    draft = factory.draft("closed")
    end_read()
    home = create_contact_point(None, CLI, "dongguan-home", "东关街道代表之家", kind="deputy_home")
    end_read()
    station = create_contact_point(None, CLI, "xiguan-station", "西关代表联络站", kind="deputy_station")
    end_read()
    grassroots = create_contact_point(None, CLI, "nanmen", "南门街道基层立法联系点")
    for point in (home, station, grassroots):
        factory.comment(
            draft,
            "联系点收集的意见。",
            status="published",
            channel="contact_point",
            contact_point_id=point.id,
        )
    other_home = factory.contact_point("beimen")  # no opinion on this draft: not counted
    assert other_home.kind == "legislative"
    end_read()
    publish_feedback(None, CLI, draft.slug)
    page = BeautifulSoup(client.get(f"/drafts/{draft.slug}/feedback").data, "html.parser")
    figures = {
        dt.get_text(strip=True): dt.find_next("dd").get_text(strip=True)
        for dt in page.select("dl.figures dt")
    }
    assert figures["基层立法联系点"] == "1" and figures["代表之家"] == "1" and figures["代表联络站"] == "1"
    assert "东关街道代表之家" in page.select_one(".fb-figures").get_text()
