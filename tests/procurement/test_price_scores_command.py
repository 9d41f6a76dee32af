"""`manage.py price_scores FILE.json`: the interfaces.md example output exactly; bad input exits 2."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

INTERFACE_EXAMPLE = {"method": "option1", "control_price": "1000000", "range": ["850000", "1000000"],
                     "C": "0.50", "K": "0.9325", "price_max": "30", "q_below": "0.5", "q_above": "1",
                     "bids": [{"bidder": "甲", "price": "900000"}, {"bidder": "乙", "price": "950000"},
                              {"bidder": "丙", "price": "880000"}, {"bidder": "丁", "price": "700000"},
                              {"bidder": "戊", "price": "1050000"}]}


def run(tmp_path, data, capsys):
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    call_command("price_scores", str(path))
    return capsys.readouterr().out.strip()


def test_interfaces_example_output_exactly(tmp_path, capsys):
    out = run(tmp_path, INTERFACE_EXAMPLE, capsys)
    assert out == ('{"benchmark": "921250", "scores": {"甲": "28.85", "乙": "26.88", "丙": "27.76", "丁": "17.99"}, '
                   '"rejected": {"戊": "P2: above control price"}, "abnormally_low": []}')


def test_two_bid_example_of_interfaces_md(tmp_path, capsys):
    data = dict(INTERFACE_EXAMPLE, bids=INTERFACE_EXAMPLE["bids"][:2])
    out = run(tmp_path, data, capsys)
    # A = 925,000 → benchmark 925,000 × 0.5 + 932,500 × 0.5 = 928,750 (checked by hand)
    assert out == ('{"benchmark": "928750", "scores": {"甲": "28.45", "乙": "27.71"}, "rejected": {}, '
                   '"abnormally_low": []}')


def test_option2_example_b(tmp_path, capsys):
    data = dict(INTERFACE_EXAMPLE, method="option2", C="0.453")
    out = json.loads(run(tmp_path, data, capsys))
    assert out["benchmark"] == "935448"
    assert out["scores"] == {"甲": "28.11", "乙": "28.44", "丙": "27.04", "丁": "17.42"}


@pytest.mark.parametrize("data", [{"method": "option3"}, dict(INTERFACE_EXAMPLE, C="0.47"),
                                  dict(INTERFACE_EXAMPLE, bids=[]), dict(INTERFACE_EXAMPLE, control_price="abc")])
def test_bad_input_exit_code_2(tmp_path, data):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("price_scores", str(path))
    assert exc.value.returncode == 2


def test_process_exit_codes(tmp_path):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(INTERFACE_EXAMPLE, ensure_ascii=False), encoding="utf-8")
    bad.write_text("{not json", encoding="utf-8")
    manage = Path(__file__).resolve().parents[2] / "manage.py"
    env = {"PORTAL_DEBUG": "1", "PORTAL_TESTING": "1", "PATH": "/usr/bin:/bin"}
    ok = subprocess.run([sys.executable, str(manage), "price_scores", str(good)], capture_output=True, text=True,
                        env=env, check=False)
    assert ok.returncode == 0 and json.loads(ok.stdout)["benchmark"] == "921250"
    ko = subprocess.run([sys.executable, str(manage), "price_scores", str(bad)], capture_output=True, text=True,
                        env=env, check=False)
    assert ko.returncode == 2 and "JSON" in ko.stderr
