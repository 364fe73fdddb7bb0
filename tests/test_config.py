"""Configuration: layers, typed coercion, the generated secret, production refusals."""

from __future__ import annotations

import os
import stat

import pytest

from consult import create_app
from consult.config import ConfigError


@pytest.fixture
def inst(tmp_path):
    return tmp_path / "instance"


def build(inst, monkeypatch=None, env=None, **cfg):
    if env:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
    return create_app({"INSTANCE_PATH": str(inst), **cfg})


def test_defaults_follow_the_contract(inst):
    app = build(inst)
    cfg = app.config
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{inst}/consult.sqlite"
    assert cfg["SEARCH_BACKEND"] == "whoosh"
    assert cfg["SEARCH_INDEX_DIR"].startswith(str(inst))
    assert cfg["RATELIMIT_STORAGE_URI"] == "memory://"
    assert cfg["TIMEZONE"] == "Asia/Shanghai"
    assert cfg["COMMENT_RATE_LIMIT"] == "10 per minute;200 per day"
    assert cfg["PRODUCTION"] is False
    assert (cfg["MAIL_SERVER"], cfg["MAIL_PORT"], cfg["MAIL_USE_TLS"], cfg["MAIL_FROM"]) == (
        "localhost",
        25,
        False,
        "noreply@localhost",
    )
    assert cfg["CONTACT_RETENTION_DAYS"] == 180
    assert cfg["TRUSTED_PROXIES"] == 0
    assert cfg["SESSION_COOKIE_SECURE"] is False
    assert cfg["WTF_CSRF_TIME_LIMIT"] is None


def test_environment_values_are_coerced_to_each_keys_type(inst, monkeypatch):
    app = build(
        inst,
        monkeypatch,
        env={
            "CONSULT_SECRET_KEY": "123456",  # from_prefixed_env alone would make this an int
            "CONSULT_MAIL_PORT": "587",
            "CONSULT_MAIL_USE_TLS": "yes",
            "CONSULT_CONTACT_RETENTION_DAYS": " 90 ",
            "CONSULT_TRUSTED_PROXIES": "1",
            "CONSULT_MAIL_PASSWORD": "1e5",
        },
    )
    cfg = app.config
    assert cfg["SECRET_KEY"] == "123456"
    assert cfg["MAIL_PORT"] == 587
    assert cfg["MAIL_USE_TLS"] is True
    assert cfg["CONTACT_RETENTION_DAYS"] == 90
    assert cfg["TRUSTED_PROXIES"] == 1
    assert cfg["MAIL_PASSWORD"] == "1e5"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("CONSULT_MAIL_PORT", "twenty-five"),
        ("CONSULT_PRODUCTION", "maybe"),
        ("CONSULT_SEARCH_BACKEND", "elastic"),
        ("CONSULT_COMMENT_RATE_LIMIT", "lots"),
        ("CONSULT_RECEIPT_LOOKUP_LIMIT", "many"),
        ("CONSULT_TIMEZONE", "Mars/Olympus"),
        ("CONSULT_CONTACT_RETENTION_DAYS", "-1"),
    ],
)
def test_nonsense_is_refused_at_start(inst, monkeypatch, key, value):
    with pytest.raises(ConfigError) as err:
        build(inst, monkeypatch, env={key: value})
    assert key.removeprefix("CONSULT_") in str(err.value)


def test_instance_config_file_is_a_layer_below_the_environment(inst, monkeypatch):
    inst.mkdir(parents=True)
    (inst / "config.py").write_text('SITE_NAME = "示例站点"\nMAIL_PORT = 2525\n', encoding="utf-8")
    app = build(inst)
    assert app.config["SITE_NAME"] == "示例站点"
    assert app.config["MAIL_PORT"] == 2525
    monkeypatch.setenv("CONSULT_MAIL_PORT", "465")
    assert create_app({"INSTANCE_PATH": str(inst)}).config["MAIL_PORT"] == 465


def test_secret_key_is_generated_once_into_the_instance_folder(inst):
    first = build(inst).config["SECRET_KEY"]
    path = inst / "secret_key"
    assert path.exists()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(first) >= 64
    assert build(inst).config["SECRET_KEY"] == first


def test_production_refuses_without_an_explicit_secret(inst, monkeypatch):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        build(
            inst,
            monkeypatch,
            env={"CONSULT_PRODUCTION": "true", "CONSULT_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"},
        )


def test_production_refuses_per_process_limiter_storage(inst, monkeypatch):
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        build(inst, monkeypatch, env={"CONSULT_PRODUCTION": "true", "CONSULT_SECRET_KEY": "s" * 40})


def test_production_starts_with_secret_and_shared_storage_and_secure_cookies(inst, monkeypatch):
    app = build(
        inst,
        monkeypatch,
        env={
            "CONSULT_PRODUCTION": "true",
            "CONSULT_SECRET_KEY": "s" * 40,
            "CONSULT_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        },
    )
    assert app.config["PRODUCTION"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
