"""config: the settings kept in the register, shown and set with the history."""

from __future__ import annotations

from dataclasses import dataclass

from duban.context import Context
from duban.errors import BadValue
from duban.i18n import _
from duban.models import Setting
from duban.settings import SETTINGS, find


@dataclass(frozen=True)
class SettingRow:
    key: str
    value: str
    default: str
    help: str


def show_settings(ctx: Context, key: str | None = None) -> list[SettingRow]:
    """Every setting, or the one named `key`, with its value in this register."""
    chosen = [find(key)] if key is not None else list(SETTINGS.values())
    return [SettingRow(s.key, ctx.setting(s.key), s.default, s.help) for s in chosen]


def set_setting(ctx: Context, key: str, value: str) -> SettingRow:
    setting = find(key)
    value = setting.check(value)
    before = ctx.setting(key)
    if before == value:
        raise BadValue(_("{key} is already {value}").format(key=key, value=value))
    row = ctx.session.get(Setting, key) or Setting(key=key, value=value)
    row.value = value
    ctx.session.add(row)
    ctx.forget_settings()
    ctx.add_to_history("config.set", ctx.today(), key=key, before=before, after=value)
    return SettingRow(key, value, setting.default, setting.help)
