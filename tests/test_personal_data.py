"""Personal data in free text: one rule for the moderation queue, the API, the purge and intake.

A corpus of the ways people write phone numbers, ID numbers and e-mail addresses: each is flagged,
masked so that no run of its digits survives, and scrubbed by the purge alike. Before consult's
personal_data module, the queue's pattern missed "138-1234-5678", "138 1234 5678" and "0571-88889999",
so a comment carrying a dashed number could be published unmasked.
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from consult.feedback.purge import REMOVED, scrub_report
from consult.personal_data import find, mask_contact, mask_text, normalise_contact, valid_id_number

PHONES = [
    "13812345678",
    "138-1234-5678",
    "138 1234 5678",
    "+86 138 1234 5678",
    "+86-13812345678",
    "＋86 138-1234-5678",
    "0571-88889999",
    "057188889999",
    "(010)12345678",
    "（010）12345678",
    "010 1234 5678",
    "138－1234－5678",
]
ID_NUMBERS = ["11010519491231002X", "110105194912310029"[:17] + "X", "440524188001010014"]
EMAILS = ["wang.fang@example.com", "Li_Ming+consult@mail.example.org.cn"]
# Text that looks numeric but is no personal data.
CLEAN = [
    "罚款5000元以上50000元以下",
    "2026年12月6日起施行",
    "第138条和第1234条",
    "编号12345678901234567890",
    "110105194912310021",  # 18 digits with a wrong check digit
    "PM2.5浓度超过75微克每立方米",
    "电话号码不要公开",
]


def digits(value: str) -> str:
    return re.sub(r"[^0-9Xx]", "", value.translate(str.maketrans("０１２３４５６７８９", "0123456789")))


def test_id_check_digits():
    assert valid_id_number("11010519491231002X")
    assert valid_id_number("440524188001010014")
    assert not valid_id_number("110105194912310021")
    assert not valid_id_number("1101051949123100")


@pytest.mark.parametrize("phone", PHONES)
def test_every_phone_spelling_is_found_and_masked(phone):
    text = f"我的电话是{phone}，欢迎联系。"
    assert find(text) == ["phone"]
    masked = mask_text(text)
    assert "****" in masked and find(masked) == []
    assert digits(phone)[-11:] not in digits(masked)  # the number cannot be read back
    assert masked.startswith("我的电话是") and masked.endswith("，欢迎联系。")


def test_id_numbers_with_a_valid_check_digit_are_found_and_masked():
    for number in ID_NUMBERS:
        if not valid_id_number(number):
            continue
        text = f"身份证号{number}。"
        assert find(text) == ["id_number"], number
        masked = mask_text(text)
        assert number not in masked and masked == f"身份证号{number[:6]}********{number[-4:]}。"


@pytest.mark.parametrize("email", EMAILS)
def test_email_addresses_are_found_and_masked(email):
    text = f"请发到{email}谢谢"
    assert find(text) == ["email"]
    assert mask_text(text) == f"请发到{email[0]}***@{email.split('@')[1]}谢谢"


@pytest.mark.parametrize("text", CLEAN)
def test_ordinary_numbers_are_left_alone(text):
    assert find(text) == [] and mask_text(text) == text


@pytest.mark.parametrize("phone", PHONES)
def test_the_purge_scrubs_the_same_spellings(phone):
    # A contact typed into the opinion column of a refused row, and quoted by its error message.
    report = {
        "header": ["意见内容", "联系方式"],
        "columns": {"body": "意见内容", "contact": "联系方式"},
        "errors": [
            {"row": 3, "cells": [f"电话{phone}", ""], "messages": [["意见内容", f"过短：电话{phone}"]]}
        ],
    }
    scrubbed, changed = scrub_report(report)
    assert changed == 2 and REMOVED in scrubbed["errors"][0]["cells"][0]
    assert digits(phone)[-8:] not in digits(str(scrubbed))


def test_contact_fields_are_validated_and_masked_with_the_same_rules():
    assert normalise_contact("+86 138-1234-5678") == "13812345678"
    assert mask_contact(normalise_contact("138 1234 5678")) == "138****5678"
    assert mask_contact("wang.fang@example.com") == "w***@example.com"
    assert normalise_contact("0571-88889999") == "057188889999"


def test_the_queue_and_the_api_flag_a_dashed_number_and_offer_a_masked_copy(login_as, factory, app):
    draft = factory.draft()
    comment = factory.comment(draft, "有问题请打我电话138-1234-5678或0571-88889999。")
    staff = login_as("staff")
    page = BeautifulSoup(staff.get("/admin/moderation").data, "html.parser")
    item = page.select_one(f"#c{comment.id}")
    assert "电话号码" in item.select_one(".flag").get_text()
    suggestion = item.select_one("textarea[name=masked_body]").get_text()
    assert "1234-5678" not in suggestion and "88889999" not in suggestion
    assert "138****5678" in suggestion and "057****9999" in suggestion
    data = staff.get(f"/api/v1/admin/comments?draft={draft.slug}").get_json()
    (row,) = [c for c in data["comments"] if c["id"] == comment.id]
    assert row["personal_data"] == ["phone"] and row["suggested_mask"] == suggestion.strip()
