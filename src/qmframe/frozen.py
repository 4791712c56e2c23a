"""Immutable containers for qmframe's values: a hashable mapping, and deep freezing.

qmframe's value classes are frozen attrs classes; their collections must be
frozen too, or a frozen framework could still change under a cache keyed by
it. Sequences are tuples. Mappings are :class:`FrozenMap`: a read-only,
hashable mapping that compares equal to any mapping with the same items (as
``frozenset`` does to ``set``). :func:`freeze` turns parsed TOML or JSON (or
anything built from lists and dicts in code) into those forms, all the way
down; :func:`thaw` turns them back into the lists and dicts that ``tomli_w``
and :mod:`json` write.

Code that reads a rule's ``params`` should test for a table with
``isinstance(x, Mapping)`` and for an array with :func:`is_array`, never
for ``dict`` or ``list``: a table read from a file is a FrozenMap and an
array a tuple.
"""

from __future__ import annotations

from collections.abc import (
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    Mapping,
    Sequence,
    ValuesView,
)
from typing import Any, NoReturn, TypeGuard, TypeVar

__all__ = [
    "EMPTY",
    "FrozenMap",
    "exact",
    "freeze",
    "freeze_map",
    "frozen_number_map",
    "frozen_str_map",
    "frozen_table",
    "frozen_tuple_map",
    "is_array",
    "thaw",
]

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """A mapping that cannot change after it is made, and so can be hashed.

    Built like ``dict`` from a mapping or from ``(key, value)`` pairs, it keeps
    their order. It has no methods that change it; assigning or deleting a key
    raises ``TypeError``, setting an attribute ``AttributeError``. Its hash is
    that of its items, so it needs hashable values: freeze nested lists and
    dicts first with :func:`freeze`.
    """

    # ``get`` is a slot holding the dict's own bound ``get``: rules look levels up with it
    # in their inner loops, and a C method is several times faster than a Python one.
    __slots__ = ("_data", "_hash", "get")
    _data: dict[K, V]
    _hash: int | None

    def __init__(self, items: Mapping[K, V] | Iterable[tuple[K, V]] = (), /) -> None:
        data = dict(items)
        object.__setattr__(self, "_data", data)
        object.__setattr__(self, "_hash", None)
        object.__setattr__(self, "get", data.get)

    # -- reading ---------------------------------------------------------------------------

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def keys(self) -> KeysView[K]:
        return self._data.keys()

    def values(self) -> ValuesView[V]:
        return self._data.values()

    def items(self) -> ItemsView[K, V]:
        return self._data.items()

    # -- comparing and hashing -------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._data == other._data
        if isinstance(other, dict):
            return self._data == other
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(frozenset(self._data.items())))
        assert self._hash is not None
        return self._hash

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    # -- refusing change -------------------------------------------------------------------

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"a FrozenMap cannot be changed (setting {name!r})")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"a FrozenMap cannot be changed (deleting {name!r})")

    # -- copying and pickling --------------------------------------------------------------

    def __reduce__(self) -> tuple[type[FrozenMap[K, V]], tuple[dict[K, V]]]:
        return (type(self), (self._data,))

    def __copy__(self) -> FrozenMap[K, V]:
        return self


#: The empty FrozenMap, shared (it cannot change).
EMPTY: FrozenMap[Any, Any] = FrozenMap()


def freeze(value: Any) -> Any:
    """``value`` with every mapping made a FrozenMap and every list a tuple, deeply.

    The items of plain tuples are frozen too, and sets become frozensets;
    anything else (strings, numbers, dates, named tuples) is returned as it
    is. A value that is already frozen is returned unchanged, so freezing
    twice costs little and keeps identity.
    """
    if isinstance(value, (str, int, float)):  # the common leaves, first (bool is an int)
        return value
    if isinstance(value, Mapping):
        return freeze_map(value)
    if isinstance(value, list) or type(value) is tuple:  # a named tuple keeps its type
        items = tuple(freeze(item) for item in value)
        if type(value) is tuple and all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return items
    if isinstance(value, (set, frozenset)):
        return value if type(value) is frozenset else frozenset(value)
    return value


def freeze_map(value: Mapping[K, V]) -> FrozenMap[K, V]:
    """A FrozenMap of ``value`` with its values frozen by :func:`freeze`.

    Behind the attrs converter of every mapping field of qmframe's value
    classes, so a value built in code with plain dicts and lists is as frozen
    as one read from a file.
    """
    if not value:
        return EMPTY
    items = {key: freeze(item) for key, item in value.items()}
    if type(value) is FrozenMap and all(items[key] is item for key, item in value.items()):
        return value
    return FrozenMap(items)


# The attrs converters of the value classes' mapping fields. One per field type, not one
# generic function: mypy's attrs plugin types ``__init__`` from a converter's parameter,
# and cannot solve a generic one. attrs runs a converter on a field's default (EMPTY) too,
# so reading a framework calls these for every criterion, and nearly every criterion leaves
# its tables out: each returns EMPTY as it is before any other work.


def frozen_str_map(value: Mapping[str, str]) -> FrozenMap[str, str]:
    """Converter for a ``Mapping[str, str]`` field (strings need no freezing)."""
    if type(value) is FrozenMap:
        return value
    return FrozenMap(value) if value else EMPTY


def frozen_number_map(value: Mapping[str, float]) -> FrozenMap[str, float]:
    """Converter for a ``Mapping[str, float]`` field, such as a return's figures."""
    if type(value) is FrozenMap:
        return value
    return FrozenMap(value) if value else EMPTY


def frozen_tuple_map(value: Mapping[str, Sequence[str]]) -> FrozenMap[str, tuple[str, ...]]:
    """Converter for a ``Mapping[str, tuple[str, ...]]`` field (lists become tuples)."""
    if value is EMPTY:  # freeze_map would find that out too, at the cost of two more calls
        return EMPTY
    return freeze_map(value)  # type: ignore[arg-type]  # freeze_map makes the lists tuples


def frozen_table(value: Mapping[str, Any]) -> FrozenMap[str, Any]:
    """Converter for a table of parsed TOML, such as a rule's ``params``: frozen deeply."""
    return freeze_map(value)


def thaw(value: Any) -> Any:
    """The plain form of a frozen value: mappings become dicts and tuples lists, deeply.

    What :mod:`tomli_w` and :mod:`json` can write; anything else is returned
    as it is.
    """
    if isinstance(value, (str, int, float)):
        return value
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(item) for item in value]
    return value


def exact(value: Any) -> Any:
    """A key for ``value`` whose equality tells types apart too: ``True``, ``1``, ``1.0`` differ.

    Python holds them equal (and hashes them alike), so two rules whose
    parameters differ only so would compare equal, though one may be valid
    and the other not; a rule's ``params`` are compared by this key.
    """
    if isinstance(value, Mapping):
        return (Mapping, frozenset((key, exact(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return (tuple, tuple(exact(item) for item in value))
    return (type(value), value)


def is_array(value: object) -> TypeGuard[Sequence[Any]]:
    """Whether ``value`` is a TOML array in any form: a tuple or list, never a string."""
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray))
