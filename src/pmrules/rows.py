"""A sequence whose items are made on demand from a row number (columns kept, objects built when asked)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar, overload

T = TypeVar("T")


class RowsOnDemand(Sequence[T]):
    """Indexing as a list's (negative indices, slices, IndexError); subclasses make row k's item."""

    def __len__(self) -> int:
        raise NotImplementedError

    def item(self, k: int) -> T:
        raise NotImplementedError

    @overload
    def __getitem__(self, k: int) -> T: ...
    @overload
    def __getitem__(self, k: slice) -> list[T]: ...

    def __getitem__(self, k: int | slice) -> T | list[T]:
        if isinstance(k, slice):
            return [self.item(j) for j in range(*k.indices(len(self)))]
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(k)
        return self.item(k)

    def __iter__(self) -> Iterator[T]:
        return (self.item(k) for k in range(len(self)))
