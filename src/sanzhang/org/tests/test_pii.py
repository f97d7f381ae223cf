"""ID numbers (GB 11643), phones and names: validation, normalisation, masking."""

from datetime import date

import pytest

from sanzhang.core.errors import DomainError
from sanzhang.org.pii import (
    id_number_mask,
    id_number_parse,
    name_mask,
    person_name_clean,
    phone_mask,
    phone_parse,
)


def test_id_number_known_vectors():
    parsed = id_number_parse("11010519491231002X")
    assert (parsed.value, parsed.birth_date, parsed.sex) == (
        "11010519491231002X",
        date(1949, 12, 31),
        "F",
    )
    assert id_number_parse("360426199101010071").sex == "M"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("110105194912310021", "身份证号校验位错误"),
        ("360426199101010072", "身份证号校验位错误"),
        ("110105199902300021", "身份证号中的出生日期无效"),
        ("110105209912310021", "身份证号中的出生日期无效"),
        ("110105491231002", "15位旧身份证号需核实，请填写18位号码"),
        ("1.10105E+17", "身份证号被表格转成了数字，请将身份证列设置为文本格式"),
        ("11010519491231002", "身份证号应为18位（最后一位可为X）"),
        ("1101051949123100AX", "身份证号应为18位（最后一位可为X）"),
        ("", "身份证号不能为空"),
    ],
)
def test_id_number_rejections(raw, message):
    with pytest.raises(DomainError) as exc:
        id_number_parse(raw)
    assert exc.value.message == message


def test_id_number_normalises_full_width_and_lowercase_x():
    assert (
        id_number_parse("１１０１０５１９４９１２３１００２x").value
        == "11010519491231002X"
    )
    assert id_number_parse(" 11010519491231002x ").value == "11010519491231002X"


def test_id_number_with_unknown_region_is_accepted_when_check_digit_is_right():
    from stdnum.cn import ric

    body = "99999919800101001"
    value = body + ric.calc_check_digit(body + "0")
    assert id_number_parse(value).value == value


def test_masks():
    assert id_number_mask("11010519491231002X") == "110***********002X"
    assert phone_mask("13800138000") == "138****8000"
    assert phone_mask("0736-4312345") == "0736-*****45"
    assert name_mask("张三") == "张*"
    assert name_mask("欧阳修文") == "欧阳**"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("0736-4312345", "0736-4312345"),
    ],
)
def test_phone_normalised(raw, expected):
    assert phone_parse(raw) == expected


@pytest.mark.parametrize("raw", ["1380013800", "23800138000", "abc", "+1 202 555 0100"])
def test_phone_rejected(raw):
    with pytest.raises(DomainError):
        phone_parse(raw)


@pytest.mark.parametrize("raw", ["", "   ", "张" * 51, "张3", "张\u202e三", "张\x00三"])
def test_bad_names_rejected(raw):
    with pytest.raises(DomainError):
        person_name_clean(raw)


@pytest.mark.parametrize(
    "raw", ["买买提·艾力", "𠮷田", "欧阳修", "<script>alert('x')</script>"]
)
def test_unusual_but_valid_names_round_trip(raw):
    # Markup is stored as plain text and escaped when shown (see web tests).
    assert person_name_clean(raw) == raw


def test_check_digit_agrees_with_stdnum():
    import random

    from stdnum.cn import ric

    from sanzhang.org.pii import id_check_digit

    rng = random.Random(7)
    for _ in range(2000):
        body = f"{rng.randrange(10**16, 10**17)}"
        assert id_check_digit(body) == ric.calc_check_digit(body + "0")
