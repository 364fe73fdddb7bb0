"""Receipt codes: unguessable, short, easy to read aloud and type; lookups forgive format."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from consult.receipts import DIGITS, display, is_well_formed, new_code, normalise


def test_codes_have_at_least_40_bits_and_fit_16_characters_when_printed():
    assert DIGITS * math.log2(10) >= 40
    code = new_code()
    assert is_well_formed(code)
    assert len(display(code)) <= 16
    assert display(code).replace("-", "") == code
    assert " " not in display(code)


def test_codes_do_not_repeat():
    assert len({new_code() for _ in range(2000)}) == 2000


@given(st.text(alphabet="0123456789", min_size=DIGITS, max_size=DIGITS))
def test_any_printed_form_normalises_back(code):
    printed = display(code)
    assert normalise(printed) == code
    assert normalise(printed.replace("-", " ")) == code
    assert normalise(" " + printed.replace("-", "－") + " ") == code
    full_width = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert normalise(full_width) == code


def test_malformed_codes_are_not_well_formed():
    for bad in ["", "123", "12345678901234", "abcdefghijklm", "1234-567-890-12x"]:
        assert not is_well_formed(normalise(bad))
