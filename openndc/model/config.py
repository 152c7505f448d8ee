"""Typed configuration schemas: dataclasses whose fields carry a unit and help text.

``field_(default, unit="s", help="...")`` declares a field; :func:`from_mapping` builds a
schema from a (TOML) mapping, rejecting unknown keys and wrong types with a message that
names the key; :func:`template` writes a commented TOML template generated from the schema.
"""

from __future__ import annotations

import copy
import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from openndc.model.errors import ConfigError

__all__ = ["field_", "from_mapping", "template", "to_mapping"]

T = TypeVar("T")


def field_(default: Any, *, unit: str = "", help: str = "") -> Any:
    """A schema field with a default, a unit and a help text."""
    meta = {"unit": unit, "help": help}
    if isinstance(default, list | dict):
        # Each instance gets its own copy: a shared mutable default would let a change to
        # one configuration change every other.
        mutable = default
        return dataclasses.field(default_factory=lambda: copy.deepcopy(mutable), metadata=meta)
    if isinstance(default, tuple) or dataclasses.is_dataclass(default):
        frozen = default
        return dataclasses.field(default_factory=lambda: frozen, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def _coerce(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if (value is None or value == "") and type(None) in args:  # the template writes ""
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _coerce(a, value, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(f"{where}: {value!r} matches none of {args}")
    if origin is typing.Literal:
        if value not in args:
            raise ConfigError(f"{where}: {value!r} is not one of {list(args)}")
        return value
    if origin in (tuple, list):
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        if origin is tuple and args:
            if len(args) != len(value):
                raise ConfigError(f"{where}: expected {len(args)} values, got {len(value)}")
            return tuple(
                _coerce(a, v, f"{where}[{i}]")
                for i, (a, v) in enumerate(zip(args, value, strict=True))
            )
        inner = args[0] if args else Any
        return [_coerce(inner, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if dataclasses.is_dataclass(value) and isinstance(value, tp):
            return value
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        return from_mapping(tp, value, where)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    return value


def from_mapping(cls: type[T], data: Mapping[str, Any], where: str = "config") -> T:
    """Build schema ``cls`` from ``data``; unknown keys and wrong types raise ConfigError."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls} is not a config schema")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = set(data) - names
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; valid keys: {sorted(names)}")
    kwargs = {k: _coerce(hints[k], v, f"{where}.{k}") for k, v in data.items()}
    try:
        obj = cls(**kwargs)
    except (TypeError, ValueError, ConfigError) as exc:  # a schema's own checks: name the file
        raise ConfigError(f"{where}: {exc}") from exc
    return obj


def to_mapping(obj: Any) -> dict[str, Any]:
    """The schema instance as plain data (for provenance and for writing TOML)."""
    out: dict[str, Any] = dataclasses.asdict(obj)
    return out


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if v is None:
        return '""'
    return repr(v)


def template(cls: type[Any], section: str = "") -> str:
    """A commented TOML template of schema ``cls`` with its defaults, units and help."""
    lines: list[str] = []
    tables: list[str] = []
    default = cls()
    for f in dataclasses.fields(cls):
        value = getattr(default, f.name)
        unit = f.metadata.get("unit", "")
        help_ = f.metadata.get("help", "")
        if dataclasses.is_dataclass(value):
            sub = f"{section}.{f.name}" if section else f.name
            tables.append(f"\n[{sub}]\n" + template(type(value), sub))
            continue
        if isinstance(value, list | tuple) and value and dataclasses.is_dataclass(value[0]):
            sub = f"{section}.{f.name}" if section else f.name
            for item in value:
                tables.append(f"\n[[{sub}]]  # {help_}\n" + _inline_items(item))
            continue
        comment = f"  # [{unit}] {help_}" if unit else f"  # {help_}" if help_ else ""
        lines.append(f"{f.name} = {_toml_value(value)}{comment}")
    return "\n".join(lines) + "".join(tables) + "\n"


def _inline_items(obj: Any) -> str:
    out = []
    for f in dataclasses.fields(obj):
        unit = f.metadata.get("unit", "")
        help_ = f.metadata.get("help", "")
        comment = f"  # [{unit}] {help_}" if unit else f"  # {help_}" if help_ else ""
        out.append(f"{f.name} = {_toml_value(getattr(obj, f.name))}{comment}")
    return "\n".join(out)
