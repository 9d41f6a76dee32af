import pytest
from django.core.exceptions import ValidationError

from portal.models import Enterprise
from portal.uscc import check_character, make_uscc, uscc_errors, validate_uscc

# Published codes of real public bodies (check characters verified by GB 32100-2015).
VALID = ["91350100M000100Y43", "11100000000013127D", "12100000400010275N"]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass(code):
    assert uscc_errors(code) == []
    validate_uscc(code)


def test_lowercase_is_normalised():
    assert uscc_errors(VALID[0].lower()) == []


def test_wrong_check_character_names_position_and_expected_value():
    code = VALID[0][:-1] + ("4" if VALID[0][-1] != "4" else "5")
    errors = uscc_errors(code)
    assert errors == [f"第18位校验码错误：应为“{VALID[0][-1]}”，实际为“{code[-1]}”。"]


def test_forbidden_letter_is_named_with_its_position():
    code = "91350100M000I00Y43"
    [error] = uscc_errors(code)
    assert "第13位" in error and "I" in error


def test_wrong_length():
    assert uscc_errors("9135010") == ["统一社会信用代码应为18位，当前为7位。"]


def test_region_digits_required():
    body = "91ABC100M000100Y4"
    errors = uscc_errors(body + check_character(body))
    assert errors == ["第3–8位应为6位数字的行政区划码。"]


def test_make_uscc_round_trip():
    assert uscc_errors(make_uscc("91350582MA2XK0A10")) == []


def test_model_validation_refuses_invalid_code(db):
    enterprise = Enterprise(uscc="91350100M000100Y44", name="测试")
    with pytest.raises(ValidationError) as exc:
        enterprise.full_clean()
    assert "第18位校验码错误" in str(exc.value.message_dict["uscc"])
