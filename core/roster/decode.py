"""Bytes to CSV rows: reading the source within the size limit, finding the encoding (BOM,
UTF-16 without BOM, UTF-8, GB18030, then a guess) and the delimiter, parsing with Arrow (pandas
for the ragged cases), and the line/column/separator limits checked before allocating."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa

from core.messages.catalogue import text
from core.messages.errors import Problem
from core.roster.headers import _HEADER_SCAN_CHARS, _HEADER_SCAN_ROWS, _best_header
from core.roster.result import _limit_error, _too_large, read_error
from core.schema.cell_text import _blank_to_na
from core.schema.cells import STRING
from core.schema.roster import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
)

_BINARY_CONTROL_SHARE = 0.03
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13)) + b"\x7f"


def _read_source(source, file_name: str | None) -> tuple[bytes, str | None]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) > MAX_FILE_BYTES:
            raise _too_large(len(source))
        return bytes(source), file_name
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            with path.open("rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size > MAX_FILE_BYTES:  # refused before a byte is read
                    raise _too_large(size)
                data = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise read_error("cannot_open", name=path.name,
                             error=exc.strerror or exc) from exc
        if len(data) > MAX_FILE_BYTES:  # a pipe or a file still growing
            raise _too_large(len(data))
        return data, file_name or path.name
    if hasattr(source, "read"):
        if hasattr(source, "seek"):
            try:
                source.seek(0)
            except (OSError, ValueError):
                pass
        content = source.read(MAX_FILE_BYTES + 1)
        if isinstance(content, str):
            content = content.encode("utf-8")
        if len(content) > MAX_FILE_BYTES:
            raise _too_large(len(content))
        name = file_name or getattr(source, "name", None)
        return bytes(content), (os.path.basename(name) if isinstance(name, str) else None)
    raise TypeError(f"read_roster: unsupported source {type(source).__name__}")


_CHUNK = 8 << 20
_PREFIX_BYTES = 1 << 20


def _to_utf8(data: memoryview, encoding: str) -> memoryview:
    """Strict decode of the whole ``data``, as UTF-8 bytes (UTF-8 input: the same bytes,
    validated chunk by chunk, never held as one big str). Raises UnicodeDecodeError."""
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)("strict")
    if encoding == "utf-8":
        for i in range(0, len(data), _CHUNK):
            decoder.decode(data[i : i + _CHUNK])
        decoder.decode(b"", final=True)
        return data
    parts = [
        decoder.decode(data[i : i + _CHUNK]).encode("utf-8") for i in range(0, len(data), _CHUNK)
    ]
    parts.append(decoder.decode(b"", final=True).encode("utf-8"))
    return memoryview(b"".join(parts))


def _utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when ``data`` looks like UTF-16 text saved without a BOM:
    an even length, and a NUL byte on one side of many 2-byte units (ASCII letters, digits,
    separators, line ends) and almost never on the other. Such a file is text, not binary."""
    sample = data[: 1 << 16]
    if len(data) % 2 or len(sample) < 4:
        return None
    half = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= 0.3 * half and even <= 0.02 * half:
        return "utf-16-le"
    if even >= 0.3 * half and odd <= 0.02 * half:
        return "utf-16-be"
    return None


def _decode_candidates(data: bytes):
    """Yield (encoding, UTF-8 bytes of the whole file) in order of preference."""
    view = memoryview(data)
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            yield "utf-8-sig", _to_utf8(view[3:], "utf-8")
            return
        except UnicodeDecodeError:
            pass
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            yield "utf-16", _to_utf8(view, "utf-16")
            return
        except UnicodeDecodeError:
            pass
    guess = _utf16_without_bom(data)
    if guess is not None:
        try:
            yield guess, _to_utf8(view, guess)
            return
        except UnicodeDecodeError:
            pass
    try:
        yield "utf-8", _to_utf8(view, "utf-8")
        return  # strict UTF-8 almost never succeeds by accident
    except UnicodeDecodeError:
        pass
    try:
        yield "gb18030", _to_utf8(view, "gb18030")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[: 4 * 1024 * 1024]).best()
    except Exception:  # noqa: BLE001 - a detector failure only means "no guess"
        best = None
    if best is not None and best.encoding not in ("utf_8", "gb18030"):
        try:
            yield best.encoding, _to_utf8(view, best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass


_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def _csv_prefix_rows(text: str, delimiter: str) -> list[tuple[list[str], int]]:
    """The first records of ``text``, each with the character offset just after it."""
    rows: list[tuple[list[str], int]] = []
    consumed = 0

    def lines():
        nonlocal consumed
        for match in _LINE_RE.finditer(text, 0, min(len(text), _HEADER_SCAN_CHARS)):
            line = match.group()
            if not line:
                return
            consumed = match.end()
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    try:
        for row in reader:
            rows.append((row, consumed))
            if len(rows) >= _HEADER_SCAN_ROWS:
                break
    except csv.Error:
        pass
    return rows


def _locate_csv_header(text: str) -> tuple[str, list[str], int, int]:
    """(delimiter, header cells, character offset of the data after it, score).

    The delimiter is the one of comma, semicolon, tab that makes a header recognisable (comma
    wins ties)."""
    best: tuple[str, list[str], int, int] = (",", [], 0, 0)
    for delimiter in (",", ";", "\t"):
        rows = _csv_prefix_rows(text, delimiter)
        if not rows:
            continue
        i, score = _best_header([r for r, _ in rows])
        if score > best[3]:
            best = (delimiter, rows[i][0], rows[i][1], score)
    return best


def _read_csv_arrow(body: memoryview, delimiter: str, ncols: int) -> pd.DataFrame:
    """Fast path (pyarrow.csv): every field as text, '' -> NA; raises on ragged rows."""
    import pyarrow.csv as pacsv

    names = [str(i) for i in range(ncols)]
    table = pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(body)),
        read_options=pacsv.ReadOptions(column_names=names, block_size=8 << 20),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.large_string() for c in names},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    return pd.DataFrame(
        {
            i: table.column(i).to_pandas(types_mapper={pa.large_string(): STRING}.get)
            for i in range(ncols)
        }
    )


def _read_csv_pandas(body: bytes, delimiter: str, ncols: int) -> pd.DataFrame:
    """Second path (pandas C parser): tolerates rows with fewer fields; raises on extra ones."""
    frame = pd.read_csv(
        io.BytesIO(body),
        sep=delimiter,
        header=None,
        names=list(range(ncols)),
        index_col=False,
        dtype=STRING,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=True,
        engine="c",
        encoding="utf-8",
    )
    return _blank_to_na(frame)


def _first_row_too_long(body: memoryview, delimiter: str, ncols: int) -> bool:
    """True when the first data row has non-empty fields beyond the header. The pandas path
    must not see such a file: for the FIRST row only, pandas drops the extra fields with a mere
    ParserWarning instead of raising, and the row would lose data without a row error."""
    prefix = bytes(body[:_PREFIX_BYTES]).decode("utf-8", errors="ignore")
    first = next((row for row, _ in _csv_prefix_rows(prefix, delimiter) if row), None)
    return first is not None and any(x.strip() for x in first[ncols:])


def _read_csv_tolerant(body: str, delimiter: str, ncols: int):
    """Last path (csv module, a loop per row, only for files with over-long rows):
    (frame, row problems naming rows with extra non-empty fields: a Problem or None per row)."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 28))  # only ever raised
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    errors: list[object] = []
    try:
        for row in reader:
            if not row:
                continue
            if len(row) > ncols:
                extra = row[ncols:]
                if any(x.strip() for x in extra):
                    errors.append(Problem("row", "too_many_fields", *text(
                        "roster", "too_many_fields", fields=len(row), ncols=ncols)))
                else:
                    errors.append(None)
                row = row[:ncols]
            else:
                errors.append(None)
                row = row + [""] * (ncols - len(row))
            rows.append(row)
    except csv.Error as exc:
        raise read_error("malformed_csv", error=exc) from exc
    frame = pd.DataFrame(rows, columns=list(range(ncols)), dtype=STRING)
    return _blank_to_na(frame), pd.Series(errors, dtype=object)  # a Problem per bad row


def _count_bytes(data, needle: bytes) -> int:
    """Occurrences of ``needle`` (one byte) in ``data`` (bytes or memoryview), chunk by chunk."""
    if isinstance(data, bytes):
        return data.count(needle)
    return sum(bytes(data[i : i + _CHUNK]).count(needle) for i in range(0, len(data), _CHUNK))


def _count_control_bytes(data: bytes) -> int:
    """How many C0 control bytes (but tab and line ends) and DEL ``data`` holds, chunk by
    chunk (no second copy of a 150 MB file)."""
    view = memoryview(data)
    return sum(len(chunk) - len(chunk.translate(None, _CONTROL_BYTES))
               for chunk in (bytes(view[i : i + _CHUNK]) for i in range(0, len(view), _CHUNK)))


def _check_csv_lines(data: bytes) -> None:
    """More lines than MAX_ROWS (plus the header area) is refused before anything is parsed."""
    lines = data.count(b"\n") or data.count(b"\r")
    if lines > MAX_ROWS + _HEADER_SCAN_ROWS:
        raise _limit_error("too_many_rows", "rows", lines, MAX_ROWS + _HEADER_SCAN_ROWS)


def cell_too_long(row: int, column: str, limit: int = MAX_CELL_CHARS):
    """The error of a cell over MAX_CELL_CHARS (``row``: the data row, 1 = the first after the
    header)."""
    return read_error("cell_too_long", row=row, column=column, limit=limit)


def _check_csv_cells(body, delimiter: str, names: list[str]) -> None:
    """Refuse, before parsing, a run of bytes with no separator and no line break longer than
    any cell can be (MAX_CELL_CHARS characters of up to 4 UTF-8 bytes): a cell bomb. Streams
    the body in pieces (no mask of the whole file); quotes are not followed (a quoted cell
    holding separators only makes runs shorter)."""
    import numpy as np

    view = memoryview(body)
    limit = 4 * MAX_CELL_CHARS
    sep = ord(delimiter)
    run = 0  # the run open at the end of the previous piece
    step = _CHUNK
    for at in range(0, len(view), step):
        arr = np.frombuffer(view[at:at + step], dtype=np.uint8)
        stops = np.flatnonzero((arr == sep) | (arr == 10) | (arr == 13))
        if len(stops):
            first, last = int(stops[0]) + run, len(arr) - 1 - int(stops[-1])
            inner = int(np.diff(stops).max()) - 1 if len(stops) > 1 else 0
            longest = max(first, inner, last)
            if longest > limit:
                _refuse_run(view, at, arr, stops, run, delimiter, names)
            run = last
        else:
            run += len(arr)
            if run > limit:
                _refuse_run(view, at, arr, stops, run - len(arr), delimiter, names)


def _refuse_run(view, at, arr, stops, run, delimiter, names):
    """Find where the over-long run starts and raise cell_too_long naming its row and column."""
    import numpy as np

    bounds = np.concatenate(([-1 - run], stops, [len(arr)]))
    gaps = np.diff(bounds) - 1
    k = int(np.argmax(gaps > 4 * MAX_CELL_CHARS))
    start = at + int(bounds[k]) + 1  # the run's first byte in the body
    head = bytes(view[:max(0, start)])
    row = head.count(b"\n")  # the body starts after the header line: its line 1 is row 1
    row += 1
    line = head[head.rfind(b"\n") + 1:]
    col = line.count(delimiter.encode("ascii"))
    name = names[col] if col < len(names) else f"#{col + 1}"
    raise cell_too_long(row, str(name))


def _check_csv_shape(body, delimiter: str, ncols: int) -> None:
    if ncols > MAX_COLUMNS:
        raise _limit_error("too_many_columns", "columns", ncols, MAX_COLUMNS)
    fields = _count_bytes(body, delimiter.encode("ascii"))
    if fields > MAX_CELLS:
        raise _limit_error("too_many_cells", "cells", fields, MAX_CELLS)
