"""CSV lines from text columns, whole columns at a time, in Arrow.

RFC 4180 with minimal quoting: a cell holding a comma, a quote or a line break is quoted (its
quotes doubled), every other cell is written as is; lines end with "\\n". Columns kept per key (a
group's status, scores and multiplier; a day count's proration) are joined at the key, where there
are thousands of them, and spread to the rows once. The lines are joined by Arrow in slices of rows,
and the body is the bytes of the joined text: no Python object per row.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pmrules.payout.records import TextPart

# Text cells starting with one of these are formulas to a spreadsheet (OWASP "CSV injection"; payout/formats.py).
FORMULA_CHARACTERS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISER = "'"
_FORMULA_SET = pa.array(FORMULA_CHARACTERS, pa.string())
NEEDS_QUOTES = r'[,"\r\n]'
_QUOTE_BYTES = np.frombuffer(b',"\r\n', dtype=np.uint8)
ROWS_PER_SLICE = 1 << 18


def text_cells(column: pa.Array, *, neutralise: bool) -> pa.Array:
    """A user's text as CSV cells: a leading formula character gets a `'` (if `neutralise`), then quotes where needed."""
    if neutralise:
        formula = pc.is_in(pc.utf8_slice_codeunits(column, 0, 1), value_set=_FORMULA_SET)
        if pc.any(formula).as_py():
            column = pc.if_else(formula, pc.binary_join_element_wise(NEUTRALISER, column, ""), column)
    if _holds_any(column, _QUOTE_BYTES):
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
        column = pc.if_else(pc.match_substring_regex(column, NEEDS_QUOTES), quoted, column)
    return column


def _holds_any(column: pa.Array, characters: np.ndarray) -> bool:
    """Does any cell hold one of these bytes? One pass over the column's bytes."""
    if not len(column):
        return False
    offsets_type = np.int64 if pa.types.is_large_string(column.type) else np.int32
    _, offsets_buffer, data = column.buffers()
    if data is None:
        return False
    offsets = np.frombuffer(offsets_buffer, dtype=offsets_type)[column.offset:column.offset + len(column) + 1]
    return bool(np.isin(np.frombuffer(data, dtype=np.uint8)[offsets[0]:offsets[-1]], characters).any())


def csv_lines(parts: Sequence[TextPart], names: Sequence[str], rows: int, text_columns: Collection[str], *,
              neutralise: bool, head: bytes = b"") -> bytes:
    """`head` (the header), then the CSV lines of `names` taken from `parts`; `text_columns` are users' text."""
    where: dict[str, tuple[int, pa.Array]] = {}
    for k, part in enumerate(parts):
        for name, values in zip(part.names, part.values, strict=True):
            where[name] = (k, _plain(values))
    segments: list[tuple[int, list[pa.Array]]] = []  # consecutive columns of one part (or all per row)
    for name in names:
        k, values = where[name]
        if name in text_columns:
            values = text_cells(values, neutralise=neutralise)
        key = -1 if parts[k].index is None else k
        if segments and segments[-1][0] == key:
            segments[-1][1].append(values)
        else:
            segments.append((key, [values]))
    # Per key: its columns joined once, where there are few keys; per row: left for the one join below.
    joined = [(key, columns if key < 0 or len(columns) == 1 else [pc.binary_join_element_wise(*columns, ",")])
              for key, columns in segments]
    last_key, last = joined[-1]
    joined[-1] = (last_key, [*last[:-1], pc.binary_join_element_wise(last[-1], "", "\n")])
    out = io.BytesIO()  # each slice's lines are freed once written: one copy of the CSV at a time, not two
    out.write(head)
    for start in range(0, rows, ROWS_PER_SLICE):
        length = min(ROWS_PER_SLICE, rows - start)
        pieces = [values.slice(start, length) if key < 0 else values.take(parts[key].index.slice(start, length))  # type: ignore[union-attr]
                  for key, columns in joined for values in columns]
        lines = pieces[0] if len(pieces) == 1 else pc.binary_join_element_wise(*pieces, ",")
        out.write(_text_bytes(lines))
    return out.getvalue()


def _plain(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One chunk of non-null strings (a missing cell is written empty, as pyarrow's CSV writer did)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if values.type != pa.string():
        values = values.cast(pa.string())
    return values.fill_null("") if values.null_count else values


def _text_bytes(column: pa.Array) -> pa.Buffer:
    """The concatenated bytes of a string array's cells, without copying them."""
    _, offsets_buffer, data = column.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32)[column.offset:column.offset + len(column) + 1]
    return data.slice(int(offsets[0]), int(offsets[-1] - offsets[0]))
