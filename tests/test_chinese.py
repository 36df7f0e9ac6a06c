"""中文 throughout: with DUBAN_LANG=zh a clerk reads no English, at any step of the cycle.

Each step runs as a clerk would, and every line it prints (tables, confirmations,
warnings, refusals, help) must be Chinese: no English sentence, only the codes, dates,
names and command words a clerk types.  JSON stays English.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import Cli

ZH = {"DUBAN_LANG": "zh", "COLUMNS": "200"}
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HAN = re.compile(r"[\u4e00-\u9fff]")
# Two English words in a row make a sentence; codes, dates, `duban …` commands and
# --options a clerk types are not English sentences.
ENGLISH = re.compile(r"\b[A-Za-z]{3,}\b[ ,]+\b[A-Za-z]{3,}\b")
TYPED = re.compile(r"`[^`]*`|--[a-z-]+|\bduban [a-z ]+|DB-\d{4}-\d{4}|[a-z]+\.[a-z]+")


def chinese(text: str) -> list[str]:
    """The lines of `text` that are not Chinese (empty when all are)."""
    bad = []
    for line in text.splitlines():
        words = TYPED.sub(" ", line)
        if not line.strip() or set(line.strip()) <= set("─━┃│┏┓┗┛┡┩┣┫┳┻╇╋└┘┌┐├┤┬┴┼ "):
            continue
        if ENGLISH.search(words) or (re.search(r"[A-Za-z]{3,}", words) and not HAN.search(line)):
            bad.append(line)
    return bad


@pytest.fixture
def zh(tmp_path):
    return Cli(tmp_path / "r.db", env=ZH)


def said(result) -> str:
    return result.stdout + result.stderr


def test_a_bad_value_is_one_chinese_line(zh):
    result = zh("register", "", "--source", "other")
    assert result.exit_code == 2
    line = result.stderr
    assert line.count("\n") == 1 and HAN.search(line), line
    assert not chinese(line), line


def test_help_is_chinese():
    result = Cli("unused.db", env={"COLUMNS": "200"})("--lang", "zh", "register", "--help")
    assert result.exit_code == 0
    assert "立项登记" in result.stdout
    assert "Register a matter" not in result.stdout
    assert not chinese(result.stdout), chinese(result.stdout)[:5]


def test_the_whole_cycle_reads_chinese(zh):
    steps = []

    def run(*args, code=0):
        result = zh(*args)
        assert result.exit_code == code, (args, result.stdout, result.stderr)
        steps.append((args, said(result)))
        return result

    run("unit", "import", EXAMPLES / "units-ordos.csv")
    run("unit", "edit", "市住房和城乡建设局", "--head", "张建国")
    run("unit", "edit", "市生态环境局", "--head", "刘海燕")
    run("register", "研究解决老旧小区供暖问题", "--source", "批示", "--received", "2026-09-28")
    run("register", "落实常务会议决定", "--source", "会议", "--received", "2026-10-12",
        "--within", "20")  # fmt: skip
    run("register", "做好元旦春节安全生产", "--source", "文件", "--received", "2026-12-20")
    run("assign", "DB-2026-0001", "--lead", "市住房和城乡建设局=周涛", "--on", "2026-09-29")
    run("assign", "DB-2026-0002", "--lead", "市生态环境局", "--on", "2026-10-13")
    run("report", "DB-2026-0001", "--unit", "市住房和城乡建设局", "--kind", "办结",
        "--text", "已完成", "--written", "--signed-by", "张建国", "--sealed", "--on",
        "2026-10-20")  # fmt: skip
    run("review", "1", "--accept", "--on", "2026-10-21")
    run("close", "DB-2026-0001", "--on", "2026-10-22")
    run("report", "DB-2026-0002", "--unit", "市生态环境局", "--kind", "办结", "--text", "已排查",
        "--written", "--signed-by", "刘海燕", "--on", "2026-11-05")  # fmt: skip
    refused = run("review", "2", "--accept", "--on", "2026-11-06", code=4)
    assert "依据第十二条" in refused.stderr
    run("review", "2", "--return", "--reason", "未加盖公章", "--within", "10", "--on", "2026-11-06")
    run("close", "DB-2026-0002", "--on", "2026-11-09", code=4)
    run("overdue", "--as-of", "2026-11-26")
    run("list")
    run("show", "DB-2026-0002")
    run("history", "--limit", "5")
    run("calendar", "show", "2027-01")
    run("calendar", "explain", "DB-2026-0002", "--unit", "市生态环境局")
    run("config")
    for args, text in steps:
        assert HAN.search(text), args
        assert not chinese(text), (args, chinese(text)[:3])
    # The provisional deadline is marked 暂定, and JSON stays English.
    assert "暂定" in said(zh("show", "DB-2026-0003"))
    data = json.loads(zh("show", "DB-2026-0002", "--json").stdout)
    assert data["status"] == "assigned" and data["history"][0]["action"] == "matter.register"


def test_the_registers_setting_chooses_chinese(tmp_path):
    cli = Cli(tmp_path / "r.db", env={"DUBAN_LANG": None, "LANG": "C.UTF-8", "LC_ALL": None})
    assert cli("config", "lang", "zh").exit_code == 0
    result = cli("register", "", "--source", "other")
    assert result.exit_code == 2 and HAN.search(result.stderr), result.stderr
    # --lang still wins over the register's setting.
    english = cli("register", "", "--source", "other", "--lang", "en")
    assert not HAN.search(english.stderr), english.stderr
