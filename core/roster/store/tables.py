"""The store's tables (SQLAlchemy Core; the package doc says what each holds): ``snapshots``
with its one-current index, ``roster_rows``, ``snapshot_frames`` and ``snapshot_problems``,
and the columns a snapshot list and a snapshot's problems have."""

from __future__ import annotations

import sqlalchemy as sa

from core.schema.roster import DATE_COLUMNS, FLAG_COLUMN
from core.schema.roster import ROSTER_COLUMNS as COLUMNS  # the database keeps every column

SNAPSHOT_COLUMNS = ("id", "created_at", "file_name", "sha256", "accepted_rows", "rejected_rows",
                    "is_current", "note")

metadata = sa.MetaData()

snapshots_table = sa.Table(
    "snapshots", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("accepted_rows", sa.Integer, nullable=False),
    sa.Column("rejected_rows", sa.Integer, nullable=False),
    sa.Column("is_current", sa.Boolean, nullable=False, default=False),
    sa.Column("note", sa.Text),
    sqlite_autoincrement=True,  # ids are never reused after a delete
)

# At most one current snapshot, enforced by the database itself (a unique partial index).
one_current_index = sa.Index(
    "ix_snapshots_one_current", snapshots_table.c.is_current, unique=True,
    sqlite_where=snapshots_table.c.is_current.is_(True),
    postgresql_where=snapshots_table.c.is_current.is_(True),
)

roster_rows_table = sa.Table(
    "roster_rows", metadata,
    sa.Column("snapshot_id", sa.Integer, nullable=False),
    sa.Column("row_no", sa.Integer, nullable=False),
    *[
        sa.Column(c, sa.Boolean if c == FLAG_COLUMN else sa.String(10) if c in DATE_COLUMNS
                  else sa.Text)
        for c in COLUMNS
    ],
    sa.PrimaryKeyConstraint("snapshot_id", "row_no", name="pk_roster_rows"),
    # SQLite checks a foreign key per row almost for free; PostgreSQL runs a trigger per row,
    # which more than doubled the time of a 1M-row COPY. There the rows of a snapshot are
    # written only in the transaction that creates it and deleted with it, and
    # incomplete_snapshots()/integrity_check() look for rows without a snapshot.
    sa.ForeignKeyConstraint(["snapshot_id"], ["snapshots.id"],
                            name="fk_roster_rows_snapshot").ddl_if(dialect="sqlite"),
    sqlite_with_rowid=False,
)


snapshot_frames_table = sa.Table(
    "snapshot_frames", metadata,
    sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id"), primary_key=True),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)


snapshot_problems_table = sa.Table(
    "snapshot_problems", metadata,
    sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id"), primary_key=True),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

#: The columns of a snapshot's problems (``Store.problems``), all text but ``row``.
PROBLEM_COLUMNS = ("row", "column", "header", "code", "problem_zh", "problem_en", "name",
                   "registration_number", "employer", "specialty")
