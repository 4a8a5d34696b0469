"""What a proposal's own templates are given: plain, frozen data and a list of functions.

A proposal's templates are untrusted code (see `sandbox`). Jinja's sandbox hides only
names starting with `_`, so any object in their context is an attack surface: a pydantic
model answers `parse_raw(..., allow_pickle=True)` and `parse_file('/etc/passwd')`, a
dataclass's annotations lead to `list[...]`, whose `append` mutates any list. So before an
untrusted render every value is turned into plain data:

- a model or dataclass of ours becomes a `Record`: its fields and properties by name
  (`p.title` or `p["title"]`), read-only, converted in turn when read, and nothing else;
- a list or tuple becomes a tuple (`Items`), a set a frozenset, a dict a read-only
  mapping;
- strings, numbers, dates and `None` stay as they are;
- the Formatter, the translations and the deck's helpers become `TemplateFunction`s;
- anything else is refused when a template reaches it.

The sandbox (`sandbox.ProposalSandbox.is_safe_callable`) then lets a template call only
the functions listed here, string methods, read-only mapping methods and Jinja's own.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import fractions
import functools
import types
from collections.abc import Callable, Iterator
from typing import Any

from jinja2.exceptions import SecurityError
from pydantic import BaseModel

from buildcase.render.formatting import Formatter

SCALARS = (
    str,
    int,
    float,
    bool,
    type(None),
    decimal.Decimal,
    fractions.Fraction,
    datetime.date,
    datetime.time,
    datetime.timedelta,
)


class Record:
    """An object of ours as a template sees it: its data by name, and nothing callable.

    The object itself sits in a slot whose name starts with `_`, out of a template's reach.
    Equality, order, truth and text are the object's, so templates compare and print as
    they would the object.
    """

    __slots__ = ("_names", "_source")
    _source: Any
    _names: frozenset[str]

    def __init__(self, source: Any, names: frozenset[str]) -> None:
        object.__setattr__(self, "_source", source)
        object.__setattr__(self, "_names", names)

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("_") and name in self._names:
            return plain(getattr(self._source, name))
        raise AttributeError(name)

    def __getitem__(self, name: object) -> Any:
        if isinstance(name, str) and not name.startswith("_") and name in self._names:
            return plain(getattr(self._source, name))
        raise KeyError(name)

    def __setattr__(self, name: str, value: object) -> None:
        raise SecurityError("a proposal's template cannot change the proposal's data")

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._names))

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __eq__(self, other: object) -> bool:
        return bool(self._source == source_of(other))

    def __lt__(self, other: object) -> bool:
        return bool(self._source < source_of(other))

    def __le__(self, other: object) -> bool:
        return bool(self._source <= source_of(other))

    def __gt__(self, other: object) -> bool:
        return bool(self._source > source_of(other))

    def __ge__(self, other: object) -> bool:
        return bool(self._source >= source_of(other))

    def __hash__(self) -> int:
        try:
            return hash(self._source)
        except TypeError:  # a model or a mutable dataclass: hashed by identity
            return id(self._source)

    def __bool__(self) -> bool:
        return bool(self._source)

    def __str__(self) -> str:
        return str(self._source)

    def __repr__(self) -> str:
        return f"<{type(self._source).__name__}>"


class Items(tuple[Any, ...]):
    """A list as a template sees it: a tuple, which `+` joins to a template's own list."""

    __slots__ = ()

    def __add__(self, other: object) -> Items:
        if isinstance(other, (list, tuple)):
            return Items((*self, *other))
        return NotImplemented

    def __radd__(self, other: object) -> Items:
        if isinstance(other, (list, tuple)):
            return Items((*other, *self))
        return NotImplemented


class TemplateFunction:
    """One of our functions, callable from a proposal's template.

    Its arguments are handed over as the objects they stand for, and what it returns
    comes back as plain data.
    """

    __slots__ = ("_function", "_name")
    _function: Callable[..., Any]
    _name: str

    def __init__(self, function: Callable[..., Any], name: str) -> None:
        object.__setattr__(self, "_function", function)
        object.__setattr__(self, "_name", name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        given = [source_of(a) for a in args]
        named = {k: source_of(v) for k, v in kwargs.items()}
        return plain(self._function(*given, **named))

    def __setattr__(self, name: str, value: object) -> None:
        raise SecurityError("a proposal's template cannot change a function")

    def __repr__(self) -> str:
        return f"<function {self._name}>"


class Functions(Record):
    """A table of functions by name (the Formatter's methods): `fmt.money(x)`."""

    __slots__ = ()

    def __init__(self, functions: dict[str, TemplateFunction]) -> None:
        super().__init__(types.MappingProxyType(functions), frozenset(functions))

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("_") and name in self._names:
            return self._source[name]
        raise AttributeError(name)

    def __getitem__(self, name: object) -> Any:
        if isinstance(name, str) and not name.startswith("_") and name in self._names:
            return self._source[name]
        raise KeyError(name)


def plain(value: Any) -> Any:
    """`value` as a proposal's template may see it (see the module's docstring)."""
    if isinstance(value, (*SCALARS, Record, TemplateFunction)):
        return value
    if isinstance(value, (list, tuple)):
        return Items(plain(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(plain(v) for v in value)
    if isinstance(value, dict):
        return types.MappingProxyType({plain(k): plain(v) for k, v in value.items()})
    if isinstance(value, types.MappingProxyType):
        return types.MappingProxyType({plain(k): plain(v) for k, v in value.items()})
    kind: type = type(value)
    names = record_names(kind)
    if names is not None:
        return Record(value, names)
    raise SecurityError(f"a {type(value).__name__} is not data a proposal's template may use")


def source_of(value: Any) -> Any:
    """What a template's value stands for, to hand to one of our functions."""
    if isinstance(value, Record) and not isinstance(value, Functions):
        return value._source
    if isinstance(value, tuple):
        return [source_of(v) for v in value]
    if isinstance(value, types.MappingProxyType):
        return {source_of(k): source_of(v) for k, v in value.items()}
    return value


@functools.cache
def record_names(cls: type) -> frozenset[str] | None:
    """The names a template may read on an instance of `cls`: the fields of a model or a
    dataclass of buildcase's own, and the properties its classes define; None for
    any other class."""
    if not _is_ours(cls):
        return None
    if issubclass(cls, BaseModel):
        fields = set(cls.model_fields)
    elif dataclasses.is_dataclass(cls):
        fields = {f.name for f in dataclasses.fields(cls)}
    else:
        return None
    for klass in cls.__mro__:
        if not _is_ours(klass):
            continue
        for name, member in vars(klass).items():
            if isinstance(member, (property, functools.cached_property)):
                fields.add(name)
    return frozenset(name for name in fields if not name.startswith("_"))


def _is_ours(cls: type) -> bool:
    return cls.__module__.split(".")[0] == "buildcase"


def functions_of(obj: object) -> Functions:
    """Every public method an object's class defines, as template functions (the
    Formatter's: `fmt.money`, `fmt.share`...)."""
    names = sorted(
        name
        for name, member in vars(type(obj)).items()
        if not name.startswith("_") and callable(member)
    )
    return Functions({name: TemplateFunction(getattr(obj, name), name) for name in names})


def plain_context(context: dict[str, Any]) -> dict[str, Any]:
    """A template context, every value made plain; our functions (the translations, the
    deck's helpers) become template functions, and the Formatter a table of them."""
    return {name: _plain_entry(name, value) for name, value in context.items()}


def _plain_entry(name: str, value: Any) -> Any:
    if isinstance(value, Formatter):
        return functions_of(value)
    if isinstance(value, (types.FunctionType, types.MethodType)):
        return TemplateFunction(value, name)
    return plain(value)
