"""The admin import use case, without Streamlit: read and check a roster file, then store it.

Flow (ui/admin_import.py draws it): ``prepare_import`` reads the upload
(``core.roster.io.read_roster``), assesses every row at the as-of date
(``core.assess_roster``) and keeps the rows without an error, all in the cage
(``check_job``) -> the page shows the preview and the validation report -> ``accept_import``
stores the valid rows as a new current snapshot (``Store.import_snapshot(rows_later=True)``:
one transaction with the snapshot and its Parquet frame) and starts ``write_rows_later`` for
the row table (the database's bulk path, in a background process), or the admin cancels.

Progress: both steps take ``progress``, called with an :class:`ImportProgress` for each stage
reached: rows ``read`` (before and after reading the file), ``checked`` (before and after the
assessment) and ``stored`` (before and after the transaction).

Two admins (or two app servers) at once: ``prepare_import(..., seen_current=ID)`` records the
snapshot that was current when the file was checked; ``accept_import`` makes the new snapshot
current only if that is still so, otherwise it keeps it complete but not current and raises
``ImportSuperseded`` (core/roster/store/, "Concurrent imports").

Never imports streamlit: tests, benchmarks and the page run the same code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from core.messages.problems import ProblemTable, RowProblem
from core.policy.data import POLICY
from core.roster.cage import run_caged, start_background
from core.roster.duplicates import duplicate_rows
from core.roster.io import Roster, canonical_header
from core.roster.store import UNCHECKED, ImportSuperseded, Store, StoreError
from core.rules.roster import assess_with_problems, prepare_roster, roster_at
from core.schema.roster import ROSTER_COLUMNS

__all__ = ["IDENTITY", "PREVIEW_ROWS", "REPORT_COLUMNS", "STAGES", "ImportProgress",
           "PendingImport", "accept_import", "check_job", "file_headers", "prepare_import",
           "validation_report", "with_identity", "write_rows_later"]

log = logging.getLogger(__name__)

PREVIEW_ROWS = 10
STAGES = ("read", "checked", "stored")


@dataclass(frozen=True)
class ImportProgress:
    """Where an import stands: ``done`` of ``total`` rows have reached ``stage``.

    ``total`` is None while the file is still being read (its row count is not known yet).
    """

    stage: str  # one of STAGES
    done: int
    total: int | None

    @property
    def fraction(self) -> float:
        """This stage's share done, 0.0 to 1.0 (0.0 while the total is unknown)."""
        if not self.total:
            return 1.0 if self.total == 0 else 0.0
        return min(1.0, self.done / self.total)


ProgressCallback = Callable[[ImportProgress], object]


@dataclass
class PendingImport:
    """A read and checked file waiting for "accept" or "cancel"."""

    file_name: str
    sha256: str
    as_of: date
    n_rows: int
    valid: pd.DataFrame = field(repr=False)  # canonical roster columns, valid rows only
    report: pd.DataFrame = field(repr=False)  # validation_report + the rows' IDENTITY columns
    preview: pd.DataFrame = field(repr=False)  # the file's first rows as read
    ident: tuple = field(default=(), repr=False)  # which upload and as-of date it came from
    duplicates: int = 0  # rows repeating an earlier row (kept, each assessed)
    seen_current: object = field(default=UNCHECKED, repr=False)  # current id when checked
    headers: dict = field(default_factory=dict, repr=False)  # canonical column -> file's header

    @property
    def accepted(self) -> int:
        return len(self.valid)

    @property
    def rejected(self) -> int:
        return self.n_rows - len(self.valid)


def file_headers(columns) -> dict[str, str]:
    """Canonical column -> the header the file used for it (the first one, as written), so the
    validation report can name the column as the admin wrote it (``有效期止``)."""
    out: dict[str, str] = {}
    for header in columns:
        canonical = canonical_header(header)
        if canonical is not None:
            out.setdefault(canonical, str(header).strip())
    return out


def prepare_import(data: bytes, file_name: str, as_of: date,
                   progress: ProgressCallback | None = None, *,
                   seen_current: object = UNCHECKED) -> PendingImport:
    """Read and check a roster file in the cage; raises RosterReadError when it cannot be read
    at all, or when the child reading it fails.

    ``seen_current``: the snapshot id current now (``Store.current_id()``), so that the import
    only becomes current if no other one did meanwhile; the default skips that check.
    """
    report = progress or (lambda _p: None)
    report(ImportProgress("read", 0, None))
    # Read AND checked in the cage (core.roster.cage): a child process with memory, CPU and
    # output limits, so a hostile file fails with a RosterReadError and the server serves on.
    # Only what the page shows and stores comes back (not the file's raw text columns).
    out = run_caged(check_job, data, file_name, as_of=as_of)
    n = out["n_rows"]
    report(ImportProgress("read", n, n))
    report(ImportProgress("checked", 0, n))
    pending = PendingImport(file_name=file_name, sha256=out["sha256"], as_of=as_of, n_rows=n,
                            valid=out["valid"], headers=out["headers"], report=out["report"],
                            preview=out["preview"], duplicates=out["duplicates"],
                            seen_current=seen_current)
    report(ImportProgress("checked", n, n))
    return pending


PREVIEW_CELL_CHARS = 200  #: characters of a preview cell; longer text is cut with "…"


def preview_of(raw: pd.DataFrame) -> pd.DataFrame:
    """The file's first PREVIEW_ROWS rows as text, each cell cut to PREVIEW_CELL_CHARS (issue
    27): what the server keeps for the page while the admin decides, never the raw cells."""
    head = raw.head(PREVIEW_ROWS)
    out = {}
    for col in head.columns:
        s = head[col].astype("string")
        long = s.str.len().fillna(0) > PREVIEW_CELL_CHARS
        out[col] = s.where(~long, s.str.slice(0, PREVIEW_CELL_CHARS - 1) + "…")
    return pd.DataFrame(out, index=head.index, columns=head.columns)


def check_job(roster: Roster, as_of: date) -> dict:
    """The cage child's part of ``prepare_import`` (module level: the cage sends it by name):
    assess every row at ``as_of``, keep the rows without an error, and make the report, the
    preview and the duplicate count."""
    prepared = prepare_roster(roster_at(roster.data, as_of), POLICY.in_force(as_of),
                              roster.problems)
    _, problems = assess_with_problems(prepared, as_of)
    ok = ~problems.bad
    headers = file_headers(roster.raw.columns)
    return {"valid": roster.data.loc[ok, list(ROSTER_COLUMNS)].reset_index(drop=True),
            "report": with_identity(validation_report(problems, headers), roster.data),
            "preview": preview_of(roster.raw), "headers": headers,
            "n_rows": len(roster.data), "duplicates": int(duplicate_rows(roster.data).sum()),
            "sha256": roster.sha256 or ""}


REPORT_COLUMNS = ("row", "column", "code", "problem_zh", "problem_en")


def validation_report(problems: ProblemTable | Sequence[RowProblem],
                      headers: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One line per problem of an imported roster: ``row`` (1 = the first data row under the
    header), ``column``, ``code``, ``problem_zh``, ``problem_en``; with ``headers``
    (canonical column -> the file's own header, e.g. ``{"valid_until": "有效期止"}``) also
    ``header`` after ``column``: the name the admin wrote.

    ``problems``: the checks' problems as data (``assess_with_problems``: the cell problems of
    the reading, then the validation's), never their text."""
    records = problems.records() if isinstance(problems, ProblemTable) else list(problems)
    cols = [r.field for r in records]
    out = pd.DataFrame({"row": pd.Series([r.row + 1 for r in records], dtype="int64"),
                        "column": cols, "code": [r.code for r in records],
                        "problem_zh": [r.message_zh for r in records],
                        "problem_en": [r.message_en for r in records]})
    if headers is not None:
        out.insert(2, "header", [headers.get(c, "") for c in cols])
    return out


#: What names a rejected row in its report (and in the snapshot's stored problems).
IDENTITY = ("name", "registration_number", "employer", "specialty")


def with_identity(report: pd.DataFrame, data: pd.DataFrame) -> pd.DataFrame:
    """``report`` (one line per problem, ``row`` 1-based) plus the row's ``IDENTITY`` columns as
    read, so a rejected row can be found in the file and in the registry."""
    positions = report["row"].to_numpy(dtype="int64") - 1
    out = report.copy()
    for column in IDENTITY:
        values = (data[column].astype(object).to_numpy()[positions] if column in data
                  else [None] * len(report))
        out[column] = [None if pd.isna(v) else str(v) for v in values]
    return out


def accept_import(store: Store, pending: PendingImport,
                  progress: ProgressCallback | None = None) -> int:
    """Store the valid rows as a new snapshot (one transaction) and make it current; its id.

    The transaction holds what the dashboard reads (the snapshot and its Parquet frame); the
    row table follows in a background process (``write_rows_later``; core/roster/store/,
    "Row table later"). Raises StoreError when the database fails (nothing changed), and
    ImportSuperseded when another snapshot became current since the file was checked (the
    rows are kept, complete, as a snapshot that is not current).
    """
    def stored(done: int, total: int) -> None:
        if progress is not None:
            progress(ImportProgress("stored", done, total))

    try:
        sid = store.import_snapshot(pending.valid, pending.file_name, pending.sha256,
                                    rejected_rows=pending.rejected, progress=stored,
                                    expect_current=pending.seen_current, rows_later=True,
                                    problems=pending.report)
    except ImportSuperseded:
        write_rows_later(store)  # kept complete but not current: its rows are written too
        raise
    write_rows_later(store)
    return sid


def write_rows_later(store: Store) -> None:
    """Write the row tables ``store.rows_pending()`` lists, in a background process (so the
    server's sessions keep their CPU and GIL); in-line for an in-memory database, which no
    other process can see. Its failures are logged by code (never a row), and what is left
    stays pending for the next writer."""
    if store.is_memory:
        store.write_pending_rows()
        return
    try:
        start_background(_write_pending_rows, store.url.render_as_string(hide_password=False))
    except OSError as exc:  # no process to be had now: the import itself stands
        log.warning("row table writer not started (%s); the rows stay pending until the next "
                    "server opens the store", type(exc).__name__)


def _write_pending_rows(url: str) -> None:
    """The background process of ``write_rows_later``."""
    try:
        store = Store(url)
    except StoreError as exc:
        log.warning("row table writer: cannot open the store: %s", exc.code)
        return
    try:
        written = store.write_pending_rows()
        if written:
            log.info("row table written for snapshot(s) %s", written)
    except StoreError as exc:
        log.warning("row table writer: %s; the rows stay pending", exc.code)
    finally:
        store.close()
