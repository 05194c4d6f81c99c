"""The command line of CONTRACT.md: ``python -m core assess|roster|lapse-counts|certificate|…``.

Also ``calendar`` (.ics reminders of a profile) and ``hash-password`` (prints an admin password
hash for ECERT_ADMIN_PASSWORD_HASH).
Exit codes: 0 done; 2 the input could not be used (the reason on stdout as the errors JSON for
``assess``/``certificate``/``calendar``, on stderr for roster files); 1 an unexpected failure
(one line, no traceback). Output JSON is UTF-8 with Chinese kept as is.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pandas as pd

from core import InvalidInput, accounts_cli, assess
from core.admin import due
from core.admin.auth import hash_password
from core.admin.jobs import check_roster, lapse_job
from core.certificate import preview as cert
from core.messages.catalogue import catalogue
from core.messages.catalogue import text as catalogue_text
from core.policy.data import POLICY
from core.policy.dates import today_shanghai
from core.roster.cage import run_caged
from core.roster.io import RosterReadError, to_csv_bytes, write_table
from core.rules.roster import assess_prepared, assess_roster, prepare_roster, roster_at
from core.rules.roster_windows import person_windows, usage_windows
from core.runtime import config
from core.schema.roster import OUTPUT_COLUMNS
from core.selfcheck.calendar import make_ics, reminders
from core.selfcheck.profile_file import ProfileFileError, parse_json

EXIT_OK, EXIT_FAILURE, EXIT_INVALID = 0, 1, 2
_PLAIN = catalogue()["cli"]["plain"]  # the prompts and the description, as printed


def _as_of(text: str | None) -> date:

    if text is None:
        return today_shanghai()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            " / ".join(catalogue_text("cli", "bad_as_of", value=text))) from None


def _print_json(obj, stream=None) -> None:
    stream = stream or sys.stdout
    stream.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def _error(code: str, zh: str, en: str, field: str = "input") -> dict:
    return {"errors": [{"field": field, "code": code, "message_zh": zh, "message_en": en}]}


def _read_profile(path: str | None):
    """The profile JSON from FILE or stdin: (profile, None) or (None, errors JSON)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig") if path else sys.stdin.read()
    except OSError as e:
        return None, _error("unreadable_file",
                            *catalogue_text("cli", "unreadable_file", error=e.strerror))
    except UnicodeDecodeError:
        return None, _error("invalid_encoding", *catalogue_text("cli", "invalid_encoding"))
    try:  # a 5,000-digit number or an unpaired surrogate is an error here too (issue 27)
        return parse_json(text, max_keys=None), None
    except ProfileFileError as e:
        return None, _error(e.code, e.message_zh, e.message_en)


def cmd_assess(args) -> int:

    profile, errors = _read_profile(args.input)
    if errors:
        _print_json(errors)
        return EXIT_INVALID
    try:
        _print_json(assess(profile, args.as_of))
    except InvalidInput as e:
        _print_json(e.as_json())
        return EXIT_INVALID
    return EXIT_OK


def _caged(run):
    """A roster file is read (and checked) in the cage (core.roster.cage: a child process with
    memory, CPU and output limits): (result, None) or (None, RosterReadError)."""
    try:
        return run(), None
    except RosterReadError as e:
        return None, e
    except OSError as e:
        return None, RosterReadError(
            "unreadable_file", *catalogue_text("cli", "unreadable_file", error=e.strerror))


def _fail_roster(e) -> int:
    sys.stderr.write(f"{e.message_zh} / {e.message_en}\n")
    return EXIT_INVALID


def assessed_table(roster, as_of: date, result=None):
    """CONTRACT.md ``roster`` output: the input columns plus the assessment columns
    (``result``: ``assess_roster(roster.data, as_of)`` when already computed, as the cage
    does)."""
    if result is None:
        result = assess_roster(roster.data, as_of)
    raw = roster.raw.drop(columns=[c for c in roster.raw.columns if c in OUTPUT_COLUMNS])
    return pd.concat([raw, result[list(OUTPUT_COLUMNS)]], axis=1)


def cmd_roster(args) -> int:
    checked, err = _caged(lambda: check_roster(args.file, as_of=args.as_of))
    if err:
        return _fail_roster(err)
    table = assessed_table(checked.roster, args.as_of, checked.assessed)
    if args.out:
        try:
            write_table(table, args.out)
        except (OSError, ValueError) as e:
            sys.stderr.write(f"{e}\n")
            return EXIT_INVALID
    else:
        sys.stdout.buffer.write(to_csv_bytes(table, encoding="utf-8"))
    return EXIT_OK


def cmd_lapse_counts(args) -> int:
    out, err = _caged(lambda: run_caged(lapse_job, args.file, as_of=args.as_of))
    if err:
        return _fail_roster(err)
    _print_json({str(k): int(v) for k, v in out["counts"].items()})
    return EXIT_OK


def due_table(data, as_of: date, within: int):
    """CONTRACT.md ``due``: (the due list, rows left out for input errors), from a canonical
    roster frame. The roster as it stood at the as-of date (a download dated later is ignored,
    as on the admin page), prepared once for both the assessment and the usage windows."""

    prepared = prepare_roster(roster_at(data, as_of), POLICY.in_force(as_of))
    with ThreadPoolExecutor(max_workers=1) as pool:  # person ids while the date rules run
        persons = pool.submit(lambda: prepared.person)
        assessed = assess_prepared(prepared, as_of)
        persons.result()
    windows = person_windows(prepared, as_of)
    candidates = usage_windows(prepared, as_of, windows,
                               only=due.window_candidates(windows, within))
    return (due.due_list(assessed, candidates, as_of, within, age65=prepared.age65),
            due.count_errors(assessed))


def due_job(roster, as_of: date, within: int) -> dict:
    """``due`` in the cage: the due list and the count of rows left out."""
    table, errors = due_table(roster.data, as_of, within)
    return {"table": table, "errors": int(errors)}


def cmd_due(args) -> int:
    out, err = _caged(lambda: run_caged(due_job, args.file, as_of=args.as_of,
                                        within=args.within))
    if err:
        return _fail_roster(err)
    table, errors = out["table"], out["errors"]
    sys.stdout.buffer.write(to_csv_bytes(table, encoding="utf-8"))
    if errors:
        sys.stderr.write("/ ".join(catalogue_text("cli", "rows_not_listed", errors=errors))
                         + "\n")
    return EXIT_OK


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            " / ".join(catalogue_text("cli", "bad_within", value=text)))
    return value


def _write(path: str, data: bytes) -> bool:
    """Write an output file; on failure print the bilingual error JSON and say so."""
    try:
        Path(path).write_bytes(data)
    except OSError as e:
        _print_json(_error("unwritable_output",
                           *catalogue_text("cli", "unwritable_output", error=e.strerror), "out"))
        return False
    return True


def _assessed(args) -> tuple[dict, dict] | None:
    """The profile of ``--input`` (or stdin) and its assessment; None when invalid (the errors
    JSON printed)."""
    profile, errors = _read_profile(args.input)
    if errors:
        _print_json(errors)
        return None
    try:
        return profile, assess(profile, args.as_of)
    except InvalidInput as e:
        _print_json(e.as_json())
        return None


def cmd_certificate(args) -> int:
    got = _assessed(args)
    if got is None:
        return EXIT_INVALID
    profile, assessment = got
    try:
        content = cert.content_from(profile, assessment)
        preview = cert.make_certificate(content, config.base_url(), config.secret_key())
    except InvalidInput as e:  # content_from re-checks the profile
        _print_json(e.as_json())
        return EXIT_INVALID
    except cert.CertificateUnavailable as e:
        _print_json({"errors": [{"field": "certificate", **e.as_dict()}]})
        return EXIT_INVALID
    except config.ConfigError as e:
        _print_json(_error(e.code, e.message_zh, e.message_en, "configuration"))
        return EXIT_FAILURE
    if not _write(args.out, preview.pdf) or (args.png and not _write(args.png, preview.png)):
        return EXIT_INVALID
    _print_json({"pdf": args.out, "png": args.png, "verify_url": preview.verify_url,
                 "usage_window": assessment["usage_window"]})
    return EXIT_OK


def cmd_calendar(args) -> int:
    got = _assessed(args)
    if got is None:
        return EXIT_INVALID
    profile, assessment = got
    data = make_ics(profile, assessment, args.lang, args.with_name)
    if not _write(args.out, data):
        return EXIT_INVALID
    events = [r.as_dict() for r in reminders(profile, assessment, args.lang, args.with_name)]
    _print_json({"ics": args.out, "events": events})
    return EXIT_OK


def cmd_hash_password(args) -> int:

    if sys.stdin.isatty():

        first = getpass.getpass(_PLAIN["password"])
        if getpass.getpass(_PLAIN["again"]) != first:
            sys.stderr.write(" / ".join(catalogue_text("cli", "password_mismatch")) + "\n")
            return EXIT_INVALID
    else:
        first = sys.stdin.readline().rstrip("\r\n")
    if len(first) < 8:
        sys.stderr.write(" / ".join(catalogue_text("cli", "password_too_short")) + "\n")
        return EXIT_INVALID
    sys.stdout.write(hash_password(first) + "\n")
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m core",
                                description=_PLAIN["description"])
    sub = p.add_subparsers(dest="command", required=True)
    as_of = dict(type=_as_of, default=None, metavar="YYYY-MM-DD",
                 help="as-of date (default: today in Asia/Shanghai)")

    a = sub.add_parser("assess", help="profile JSON (stdin or --input) -> assessment JSON")
    a.add_argument("--as-of", **as_of)
    a.add_argument("--input", metavar="FILE")
    a.set_defaults(func=cmd_assess)

    r = sub.add_parser("roster", help="roster CSV/XLSX -> assessed CSV (or --out .csv/.xlsx)")
    r.add_argument("file")
    r.add_argument("--as-of", **as_of)
    r.add_argument("--out", metavar="FILE")
    r.set_defaults(func=cmd_roster)

    lc = sub.add_parser("lapse-counts", help="roster -> JSON of lapsed rows by province")
    lc.add_argument("file")
    lc.add_argument("--as-of", **as_of)
    lc.set_defaults(func=cmd_lapse_counts)

    du = sub.add_parser("due", help="roster -> CSV of what falls due within N days")
    du.add_argument("file")
    du.add_argument("--as-of", **as_of)
    du.add_argument("--within", type=_days, default=30, metavar="N",
                    help="days ahead, from the as-of date (default 30)")
    du.set_defaults(func=cmd_due)

    c = sub.add_parser("certificate", help="profile JSON -> certificate preview PDF (and PNG)")
    c.add_argument("--as-of", **as_of)
    c.add_argument("--input", metavar="FILE")
    c.add_argument("--out", metavar="FILE.pdf", required=True)
    c.add_argument("--png", metavar="FILE.png")
    c.set_defaults(func=cmd_certificate)

    k = sub.add_parser("calendar",
                       help="profile JSON -> iCalendar (.ics) of the coming deadlines")
    k.add_argument("--as-of", **as_of)
    k.add_argument("--input", metavar="FILE")
    k.add_argument("--out", metavar="FILE.ics", required=True)
    k.add_argument("--lang", choices=("zh", "en"), default="zh",
                   help="language of the event texts (default zh)")
    k.add_argument("--with-name", action="store_true",
                   help="put the name in the calendar (left out by default)")
    k.set_defaults(func=cmd_calendar)

    h = sub.add_parser(
        "hash-password",
        help="read a password from standard input (or a prompt) and print its hash",
        description=_PLAIN["hash_password"])
    h.set_defaults(func=cmd_hash_password)
    accounts_cli.add_parsers(sub)  # user add|list|disable|enable|password, audit
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "as_of", "absent") is None:
        args.as_of = _as_of(None)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # never a traceback for a user: one line, exit 1
        internal = " / ".join(catalogue_text("cli", "internal_error"))
        sys.stderr.write(f"{internal}: {type(e).__name__}: {e}\n")
        return EXIT_FAILURE


