"""A roster frame to and from what the database keeps: the canonical dtypes and the checks
before storing (``normalise``, ``refuse_nul``), the Parquet blob of a snapshot and of its
problems, the row tuples (SQLite) and CSV chunks (PostgreSQL ``COPY``) of ``roster_rows``, and
the stored rows back to a frame through Arrow."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from core.roster.store.errors import store_error
from core.roster.store.tables import COLUMNS, PROBLEM_COLUMNS
from core.schema.roster import DATE_COLUMNS, FLAG_COLUMN


def problems_frame(problems: pd.DataFrame | None) -> pd.DataFrame:
    """``problems`` in ``PROBLEM_COLUMNS`` (missing ones empty): ``row`` int64, text as str."""
    src = problems if problems is not None else pd.DataFrame()
    out = {}
    for c in PROBLEM_COLUMNS:
        if c == "row":
            out[c] = pd.to_numeric(src[c], errors="coerce").fillna(0).astype("int64").to_numpy() \
                if c in src else np.zeros(len(src), dtype=np.int64)
        else:
            col = src[c] if c in src else pd.Series([""] * len(src), dtype=object)
            out[c] = [("" if pd.isna(v) else str(v)) for v in col]
    return pd.DataFrame(out, columns=list(PROBLEM_COLUMNS))


def frame_to_parquet(frame: pd.DataFrame) -> bytes:
    """The canonical frame as Parquet bytes (zstd): what ``load`` reads back fastest."""
    buf = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buf, compression="zstd",
                   write_statistics=False)  # never read: load takes the whole blob (-25 %)
    return buf.getvalue().to_pybytes()


def frame_from_parquet(data: bytes) -> pd.DataFrame:
    # Read by row group (one per 1Mi rows), not in read_table's 128Ki-row batches: taking a few
    # rows of a text column made of 8 chunks cost 1 ms per column and let go of the GIL at every
    # chunk (the admin table's 1,000 rows: 15 ms alone, 150 ms beside a busy thread); of one
    # chunk, 0.1 ms. Reading costs the same.
    table = pq.ParquetFile(pa.BufferReader(data)).read()
    out = {}
    for c in COLUMNS:
        col = table.column(c)
        if c in DATE_COLUMNS:
            out[c] = col.cast(pa.timestamp("s")).to_numpy()
        elif c == FLAG_COLUMN:
            out[c] = pd.arrays.BooleanArray(
                pc.fill_null(col, False).to_numpy(zero_copy_only=False),
                col.is_null().to_numpy(zero_copy_only=False))
        else:
            out[c] = pd.array(pd.arrays.ArrowStringArray(col.cast(pa.large_string())),
                              dtype="string")
    # the arrays are new and this frame's alone: no second copy to stack the date columns
    return pd.DataFrame(out, columns=list(COLUMNS), copy=False)


# -- frame <-> rows ----------------------------------------------------------------------------
def normalise(df: pd.DataFrame) -> pd.DataFrame:
    """The canonical columns with the canonical dtypes, or StoreError('invalid_roster')."""
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise store_error("invalid_roster.missing_columns", columns=", ".join(missing))
    out = {}
    try:
        for c in COLUMNS:
            s = df[c].reset_index(drop=True)
            if c in DATE_COLUMNS:
                if s.dtype.kind != "M":
                    s = pd.to_datetime(s, errors="raise", format="ISO8601")
                if getattr(s.dt, "tz", None) is not None:
                    s = s.dt.tz_localize(None)
                s = s.dt.normalize()
            elif c == FLAG_COLUMN:
                s = s.astype("boolean")
            else:
                s = s.astype("string")
            out[c] = s
    except (ValueError, TypeError) as exc:
        raise store_error("invalid_roster.bad_values", column=c, error=exc) from exc
    return pd.DataFrame(out)


def _iso_lookup(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, table): ``table[codes]`` is the ISO text of each date, None for NaT."""
    codes, uniques = pd.factorize(s)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = pd.DatetimeIndex(uniques).strftime("%Y-%m-%d").to_numpy(dtype=object)
    table[-1] = None  # code -1 (NaT) picks the last slot
    return codes, table


def row_chunks(df: pd.DataFrame, snapshot_id: int, chunk: int) -> Iterator[tuple[int, list]]:
    """(rows done after this chunk, list of row tuples in table column order)."""
    n = len(df)
    dates = {c: _iso_lookup(df[c]) for c in DATE_COLUMNS}
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        cols: list[list] = [[snapshot_id] * (stop - start), list(range(start, stop))]
        for c in COLUMNS:
            if c in DATE_COLUMNS:
                codes, table = dates[c]
                cols.append(table[codes[start:stop]].tolist())
            else:
                cols.append(df[c].iloc[start:stop].to_numpy(dtype=object, na_value=None).tolist())
        yield stop, list(zip(*cols, strict=True))


_CSV_OPTIONS = pa_csv.WriteOptions(include_header=False, quoting_style="needed")


def csv_chunks(df: pd.DataFrame, snapshot_id: int, chunk: int) -> Iterator[tuple[int, bytes]]:
    """(rows done after this chunk, the chunk as PostgreSQL ``COPY … (FORMAT csv)`` input).

    Arrow writes the CSV in C++: text is always quoted (so an empty text stays empty), a missing
    value is an unquoted empty field (NULL), dates ISO ``YYYY-MM-DD``, flags ``true``/``false``.
    """
    n = len(df)
    arrays = [pa.array(np.full(n, snapshot_id, dtype=np.int64)), pa.array(np.arange(n))]
    for c in COLUMNS:
        if c in DATE_COLUMNS:
            day = pc.cast(pa.array(df[c].to_numpy(dtype="datetime64[s]")), pa.date32())
            arrays.append(pc.cast(day, pa.string()))
        elif c == FLAG_COLUMN:
            arrays.append(pa.array(df[c], type=pa.bool_()))
        else:
            arrays.append(pa.array(df[c], type=pa.large_string()))
    table = pa.Table.from_arrays(arrays, names=["snapshot_id", "row_no", *COLUMNS])
    for start in range(0, n, chunk):
        sink = pa.BufferOutputStream()
        pa_csv.write_csv(table.slice(start, chunk), sink, write_options=_CSV_OPTIONS)
        yield min(n, start + chunk), sink.getvalue().to_pybytes()


def refuse_nul(df: pd.DataFrame) -> None:
    """StoreError('invalid_roster') when a text holds a NUL character: PostgreSQL cannot store
    one, so no database does (the same roster imports the same everywhere)."""
    for c in COLUMNS:
        if c in DATE_COLUMNS or c == FLAG_COLUMN:
            continue
        column = pa.array(df[c])
        if not isinstance(column, pa.ChunkedArray):
            column = pa.chunked_array([column])
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            column = column.cast(pa.large_string())
        # a NUL byte anywhere in the value buffers (cheap), then which value holds it
        if all(chunk.buffers()[2] is None
               or np.frombuffer(chunk.buffers()[2], dtype=np.uint8).min(initial=1) != 0
               for chunk in column.chunks):
            continue
        hits = pc.fill_null(pc.match_substring(column, "\x00"), False)
        if pc.any(hits).as_py():
            row = int(np.flatnonzero(hits.to_numpy(zero_copy_only=False))[0])
            raise store_error("invalid_roster.nul", column=c, row=row + 1)


def copy_out_rows(raw, snapshot_id: int) -> list[pa.StructArray]:
    """PostgreSQL: a snapshot's rows by ``COPY … TO STDOUT (FORMAT csv)``, parsed by Arrow
    (NULL is an unquoted empty field, an empty text a quoted one, flags t/f)."""
    sql = (f"COPY (SELECT {', '.join(COLUMNS)} FROM roster_rows "
           f"WHERE snapshot_id = {int(snapshot_id)} ORDER BY row_no) TO STDOUT (FORMAT csv)")
    sink = pa.BufferOutputStream()
    with raw.cursor() as cur, cur.copy(sql) as copy:
        for block in copy:
            sink.write(block)
    data = sink.getvalue()
    if data.size == 0:
        return []
    table = pa_csv.read_csv(
        pa.BufferReader(data),
        read_options=pa_csv.ReadOptions(column_names=list(COLUMNS)),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types={c: pa.bool_() if c == FLAG_COLUMN else pa.string() for c in COLUMNS},
            null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False,
            true_values=["t"], false_values=["f"]))
    arrays = [pc.cast(table.column(c), pa.int8()) if c == FLAG_COLUMN
              else table.column(c) for c in COLUMNS]
    return [pa.StructArray.from_arrays([a.combine_chunks() for a in arrays],
                                       fields=list(_ROW_TYPE))]


_ROW_TYPE = pa.struct([(c, pa.int8() if c == FLAG_COLUMN else pa.string()) for c in COLUMNS])


def rows_to_arrow(rows: list) -> pa.StructArray:
    """A batch of stored rows (tuples: ISO text, 0/1/None flags) as one Arrow struct array."""
    return pa.array(rows, type=_ROW_TYPE)


def frame_from_arrow(batches: list[pa.StructArray]) -> pd.DataFrame:
    """Canonical frame from batches of stored rows converted by ``rows_to_arrow``."""
    data = {}
    for i, c in enumerate(COLUMNS):
        col = pa.chunked_array([b.field(i) for b in batches], type=_ROW_TYPE.field(i).type)
        if c in DATE_COLUMNS:
            data[c] = pc.strptime(col, format="%Y-%m-%d", unit="s").to_numpy()
        elif c == FLAG_COLUMN:
            f = col.to_numpy().astype(float) if col.null_count == 0 else \
                pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
            data[c] = pd.arrays.BooleanArray(f == 1, np.isnan(f))
        else:
            data[c] = pd.array(pd.arrays.ArrowStringArray(col), dtype="string")
    return pd.DataFrame(data, columns=list(COLUMNS))


def empty_roster() -> pd.DataFrame:
    """A roster with no rows and the canonical columns and dtypes."""
    return frame_from_arrow([rows_to_arrow([])])
