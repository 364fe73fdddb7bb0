"""The account operations the admin pages call: each success, each refusal, and the audit row each leaves."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult.auth import operations as ops
from consult.auth.passwords import verify_password
from consult.context import CLI
from consult.db import end_read
from consult.errors import Conflict, Forbidden, NotFound, ValidationError
from consult.extensions import db
from consult.models import ApiToken, AuditLog, ContactPoint, User


def fresh(model, ident):
    """Read a row as it is now in the database (nothing cached from before the operation)."""
    end_read()
    db.session.expire_all()
    row = db.session.get(model, ident)
    db.session.expunge(row)  # keep its loaded values readable after the read ends
    end_read()
    return row


def audit_rows(action: str) -> list[AuditLog]:
    end_read()
    rows = list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))
    for row in rows:
        db.session.expunge(row)
    end_read()
    return rows


def audit_count() -> int:
    end_read()
    n = db.session.scalar(select(func.count(AuditLog.id)))
    end_read()
    return n


@pytest.fixture
def admin(factory):
    """The acting admin, loaded and detached as a door hands it to an operation."""
    user, _password = factory.user("admin", username="root-admin")
    actor = db.session.get(User, user.id)
    db.session.expunge(actor)
    end_read()
    return actor


def made(pair_or_row):
    """The id of a row a factory made (reading it ends the read, so an operation can write next)."""
    row = pair_or_row[0] if isinstance(pair_or_row, tuple) else pair_or_row
    ident = row.id
    end_read()
    return ident


def account(**kw) -> ops.NewAccount:
    base = {"username": "li-ming", "role": "staff", "password": "a-long-password", "password_repeat": None}
    return ops.NewAccount(**(base | kw))


# --- generate_password and add_user ----------------------------------------------------------------


def test_a_generated_password_is_long_random_and_unambiguous(app):
    first, second = ops.generate_password(), ops.generate_password()
    assert first != second
    assert len(first) == 19 and first.count("-") == 3
    assert not set(first.replace("-", "")) & set("0O1lI")


def test_add_user_with_a_password_entered_twice(app, admin):
    user, generated = ops.add_user(
        admin, CLI, account(display_name="李明", password="secret-pass-1", password_repeat="secret-pass-1")
    )
    assert generated is None
    stored = fresh(User, user.id)
    assert stored.display_name == "李明" and stored.role == "staff" and stored.active
    assert verify_password(stored.password_hash, "secret-pass-1")
    row = audit_rows("user.create")[-1]
    assert row.actor_id == admin.id and row.target_id == str(user.id)


def test_add_user_with_a_generated_password_returns_it_once(app, admin):
    user, generated = ops.add_user(admin, CLI, account(password="", generate_password=True))
    assert generated and len(generated) >= ops.PASSWORD_MIN
    assert verify_password(fresh(User, user.id).password_hash, generated)


def test_add_user_binds_an_operator_to_a_contact_point_and_ignores_it_for_other_roles(app, admin, factory):
    pid = made(factory.contact_point("east-gate"))
    operator, _ = ops.add_user(
        admin, CLI, account(username="op", role="contact_point", contact_point_slug="east-gate")
    )
    assert fresh(User, operator.id).contact_point_id == pid
    staff, _ = ops.add_user(admin, CLI, account(username="st", role="staff", contact_point_slug="east-gate"))
    assert fresh(User, staff.id).contact_point_id is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"username": "李 明"}, "username"),
        ({"role": "superuser"}, "role"),
        ({"password": "short", "password_repeat": "short"}, "password"),
        ({"password": "a-long-password", "password_repeat": "another-password"}, "password_repeat"),
        ({"role": "contact_point", "contact_point_slug": None}, "contact_point"),
        ({"display_name": "长" * 81}, "display_name"),
    ],
)
def test_add_user_refuses_bad_input_and_writes_nothing(app, admin, fields, field):
    before = audit_count()
    with pytest.raises(ValidationError) as caught:
        ops.add_user(admin, CLI, account(**fields))
    assert field in caught.value.fields
    assert audit_count() == before
    end_read()
    assert db.session.scalar(select(func.count(User.id))) == 1  # only the admin


def test_add_user_reports_every_field_at_once(app, admin):
    with pytest.raises(ValidationError) as caught:
        ops.add_user(admin, CLI, account(username="x", role="", password="short"))
    assert {"username", "role", "password"} <= set(caught.value.fields)


def test_add_user_refuses_a_taken_username_and_an_unknown_contact_point(app, admin):
    with pytest.raises(Conflict):
        ops.add_user(admin, CLI, account(username="root-admin"))
    with pytest.raises(ValidationError) as caught:
        ops.add_user(admin, CLI, account(role="contact_point", contact_point_slug="nowhere"))
    assert "contact_point" in caught.value.fields


# --- update_user ------------------------------------------------------------------------------------


def test_update_user_changes_name_role_and_point_and_audits_the_changes(app, admin, factory):
    pid = made(factory.contact_point("west-gate"))
    uid = made(factory.user("staff", username="wang"))
    ops.update_user(admin, CLI, uid, "王芳", "contact_point", "west-gate")
    stored = fresh(User, uid)
    assert (stored.display_name, stored.role, stored.contact_point_id) == ("王芳", "contact_point", pid)
    details = audit_rows("user.update")[-1].details
    assert details["role"] == ["staff", "contact_point"] and details["contact_point"] == [None, "west-gate"]
    ops.update_user(admin, CLI, uid, "", "staff", "west-gate")  # the point is dropped for staff
    stored = fresh(User, uid)
    assert (stored.display_name, stored.role, stored.contact_point_id) == ("wang", "staff", None)


def test_update_user_without_a_change_writes_no_audit_row(app, admin, factory):
    uid = made(factory.user("staff", username="same"))
    ops.update_user(admin, CLI, uid, "same", "staff")
    assert audit_rows("user.update") == []


def test_an_admin_cannot_change_their_own_role_but_may_rename_themselves(app, admin):
    with pytest.raises(Forbidden) as caught:
        ops.update_user(admin, CLI, admin.id, "", "staff")
    assert "role" in caught.value.fields
    assert fresh(User, admin.id).role == "admin"
    ops.update_user(admin, CLI, admin.id, "管理员甲", "admin")
    assert fresh(User, admin.id).display_name == "管理员甲"


def test_update_user_refusals(app, admin, factory):
    uid = made(factory.user("staff"))
    with pytest.raises(NotFound):
        ops.update_user(admin, CLI, 999999, "x", "staff")
    with pytest.raises(ValidationError) as caught:
        ops.update_user(admin, CLI, uid, "x", "")
    assert "role" in caught.value.fields
    with pytest.raises(ValidationError) as caught:
        ops.update_user(admin, CLI, uid, "x", "contact_point", "")
    assert "contact_point" in caught.value.fields
    with pytest.raises(ValidationError) as caught:
        ops.update_user(admin, CLI, uid, "x", "contact_point", "nowhere")
    assert "contact_point" in caught.value.fields
    with pytest.raises(ValidationError) as caught:
        ops.update_user(admin, CLI, uid, "长" * 81, "staff")
    assert "display_name" in caught.value.fields
    assert fresh(User, uid).role == "staff"


# --- set_user_active, end_sessions, reset_password ---------------------------------------------------


def test_deactivating_ends_sessions_and_reactivating_restores_the_account(app, admin, factory):
    uid = made(factory.user("staff"))
    nonce = fresh(User, uid).session_nonce
    ops.set_user_active(admin, CLI, uid, False)
    stored = fresh(User, uid)
    assert not stored.active and stored.session_nonce != nonce
    ops.set_user_active(admin, CLI, uid, True)
    assert fresh(User, uid).active
    assert [r.action for r in audit_rows("user.deactivate") + audit_rows("user.reactivate")] == [
        "user.deactivate",
        "user.reactivate",
    ]


def test_set_user_active_refusals(app, admin, factory):
    uid = made(factory.user("staff"))
    with pytest.raises(Forbidden):
        ops.set_user_active(admin, CLI, admin.id, False)
    assert fresh(User, admin.id).active
    with pytest.raises(Conflict):
        ops.set_user_active(admin, CLI, uid, True)  # already active
    ops.set_user_active(admin, CLI, uid, False)
    with pytest.raises(Conflict):
        ops.set_user_active(admin, CLI, uid, False)  # already inactive
    with pytest.raises(NotFound):
        ops.set_user_active(admin, CLI, 999999, False)
    assert len(audit_rows("user.deactivate")) == 1


def test_end_sessions_rotates_the_nonce(app, admin, factory):
    uid = made(factory.user("contact_point"))
    nonce = fresh(User, uid).session_nonce
    ops.end_sessions(admin, CLI, uid)
    assert fresh(User, uid).session_nonce != nonce
    assert audit_rows("user.sign_out_everywhere")[-1].target_id == str(uid)
    with pytest.raises(NotFound):
        ops.end_sessions(admin, CLI, 999999)


def test_reset_password_entered_or_generated_ends_the_sessions(app, admin, factory):
    uid, old = made(factory.user("staff")), "correct-horse-battery"
    nonce = fresh(User, uid).session_nonce
    _user, generated = ops.reset_password(admin, CLI, uid, "brand-new-pass", "brand-new-pass")
    stored = fresh(User, uid)
    assert generated is None and stored.session_nonce != nonce
    assert verify_password(stored.password_hash, "brand-new-pass") and not verify_password(
        stored.password_hash, old
    )
    _user, generated = ops.reset_password(admin, CLI, uid, generate=True)
    assert verify_password(fresh(User, uid).password_hash, generated)
    assert [r.details["generated"] for r in audit_rows("user.password_reset")] == [False, True]


def test_reset_password_refusals(app, admin, factory):
    uid, old = made(factory.user("staff")), "correct-horse-battery"
    with pytest.raises(ValidationError) as caught:
        ops.reset_password(admin, CLI, uid, "short", "short")
    assert "password" in caught.value.fields
    with pytest.raises(ValidationError) as caught:
        ops.reset_password(admin, CLI, uid, "long-enough-1", "long-enough-2")
    assert "password_repeat" in caught.value.fields
    with pytest.raises(NotFound):
        ops.reset_password(admin, CLI, 999999, "long-enough-1", "long-enough-1")
    assert verify_password(fresh(User, uid).password_hash, old)
    assert audit_rows("user.password_reset") == []


# --- tokens -----------------------------------------------------------------------------------------


def test_create_token_stores_only_the_digest_and_revoke_token_ends_it(app, admin, factory):
    uid = made(factory.user("staff", username="tok-user"))
    record, token = ops.create_token(admin, CLI, uid, "  导入脚本  ")
    rid = made(record)
    stored = fresh(ApiToken, rid)
    assert stored.name == "导入脚本" and stored.token_hash == ops.token_digest(token) != token
    assert audit_rows("token.create")[-1].details == {"user": "tok-user", "name": "导入脚本"}
    ops.revoke_token(admin, CLI, rid)
    assert fresh(ApiToken, rid).revoked_at is not None
    row = audit_rows("token.revoke")[-1]
    assert row.target_type == "api_token" and row.target_id == str(rid) and row.actor_id == admin.id


def test_create_token_refusals(app, admin, factory):
    uid = made(factory.user("staff"))
    for name in ("", "   ", "x" * 81):
        with pytest.raises(ValidationError) as caught:
            ops.create_token(admin, CLI, uid, name)
        assert "name" in caught.value.fields
    with pytest.raises(NotFound):
        ops.create_token(admin, CLI, 999999, "n")
    ops.set_user_active(admin, CLI, uid, False)
    with pytest.raises(Conflict):
        ops.create_token(admin, CLI, uid, "n")
    end_read()
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_revoke_token_refusals(app, admin, factory):
    uid = made(factory.user("staff"))
    record, _token = ops.create_token(admin, CLI, uid, "n")
    rid = made(record)
    with pytest.raises(NotFound):
        ops.revoke_token(admin, CLI, 999999)
    ops.revoke_token(admin, CLI, rid)
    with pytest.raises(Conflict):
        ops.revoke_token(admin, CLI, rid)
    assert len(audit_rows("token.revoke")) == 1


def test_issue_token_keeps_working_for_the_command_line(app, factory):
    uid = made(factory.user("staff", username="cli-user"))
    token = ops.issue_token(None, CLI, "cli-user", "cli")
    assert token.startswith("cst_")
    end_read()
    assert (
        db.session.scalar(select(ApiToken.user_id).where(ApiToken.token_hash == ops.token_digest(token)))
        == uid
    )


# --- contact points ---------------------------------------------------------------------------------


def test_update_contact_point_changes_name_and_district_and_audits(app, admin, factory):
    pid = made(factory.contact_point("north-gate", "北门街道基层立法联系点"))
    ops.update_contact_point(admin, CLI, pid, " 北门街道联系点 ", " 东城区 ")
    stored = fresh(ContactPoint, pid)
    assert (stored.slug, stored.name, stored.district) == ("north-gate", "北门街道联系点", "东城区")
    details = audit_rows("contact_point.update")[-1].details
    assert details["name"] == ["北门街道基层立法联系点", "北门街道联系点"] and details["district"] == [
        None,
        "东城区",
    ]
    ops.update_contact_point(admin, CLI, pid, "北门街道联系点", "")
    assert fresh(ContactPoint, pid).district is None
    count = len(audit_rows("contact_point.update"))
    ops.update_contact_point(admin, CLI, pid, "北门街道联系点", None)  # nothing changed
    assert len(audit_rows("contact_point.update")) == count


def test_update_contact_point_refusals(app, admin, factory):
    pid = made(factory.contact_point("south-gate", "南门联系点"))
    for name, district, field in [
        ("", None, "name"),
        ("长" * 121, None, "name"),
        ("南门", "区" * 81, "district"),
    ]:
        with pytest.raises(ValidationError) as caught:
            ops.update_contact_point(admin, CLI, pid, name, district)
        assert field in caught.value.fields
    with pytest.raises(NotFound):
        ops.update_contact_point(admin, CLI, 999999, "x")
    assert fresh(ContactPoint, pid).name == "南门联系点"


def test_create_contact_point_refuses_a_too_long_district(app, admin):
    with pytest.raises(ValidationError) as caught:
        ops.create_contact_point(admin, CLI, "long-district", "某联系点", "区" * 81)
    assert "district" in caught.value.fields
