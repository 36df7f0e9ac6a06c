"""config: the settings kept in the register, shown and set with the history."""

from __future__ import annotations

from dataclasses import dataclass

from duban.context import Context
from duban.errors import BadValue
from duban.models import Setting
from duban.settings import SETTINGS, check


@dataclass(frozen=True)
class SettingRow:
    key: str
    value: str
    default: str
    help: str


def show_settings(ctx: Context) -> list[SettingRow]:
    return [SettingRow(s.key, ctx.setting(s.key), s.default, s.help) for s in SETTINGS.values()]


def set_setting(ctx: Context, key: str, value: str) -> SettingRow:
    value = check(key, value)
    before = ctx.setting(key)
    if before == value:
        raise BadValue(f"{key} is already {value}")
    row = ctx.session.get(Setting, key) or Setting(key=key, value=value)
    row.value = value
    ctx.session.add(row)
    ctx.forget_settings()
    ctx.record("config.set", ctx.today(), key=key, before=before, after=value)
    setting = SETTINGS[key]
    return SettingRow(key, value, setting.default, setting.help)
