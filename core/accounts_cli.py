"""``python -m core user …`` and ``python -m core audit`` (CONTRACT.md "Admin accounts, scopes
and audit"); core/cli.py adds them to its parser with :func:`add_parsers`.

The database is the configured one (``ECERT_DB_URL``, else ``data/ecert.db``), the one the
replicas share. A password is read twice without echo at a terminal, else as one line of
standard input; it is never printed, and neither is a hash. Every account change is written to
the audit log (login ``cli``, client ``local``). Exits: 0 done; 2 the input could not be used
(the problem named in Chinese and English on stderr); 1 an unexpected failure (core/cli.py).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from core.admin import audit
from core.admin.accounts import Accounts, account_error
from core.admin.auth import PROMPTS, read_password_cli
from core.messages.catalogue import text
from core.messages.errors import CodedError
from core.roster.io import to_csv_bytes
from core.roster.store import Store

EXIT_OK, EXIT_INVALID = 0, 2
CLI_LOGIN, CLI_CLIENT = "cli", "local"


def _problem(exc: CodedError) -> int:
    sys.stderr.write(f"{exc.message_zh}\n{exc.message_en}\n")
    return EXIT_INVALID


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            " / ".join(text("cli", "bad_day", value=value))) from None


def _password() -> str:
    return read_password_cli(sys.stdin, PROMPTS["new_password"])


def cmd_user(args) -> int:
    try:
        store = Store.from_config()
        accounts = Accounts(store)
        if args.action == "list":
            sys.stdout.buffer.write(to_csv_bytes(accounts.table(), encoding="utf-8"))
            return EXIT_OK
        if args.action == "add":
            accounts.check_new(args.login, args.role, args.province)  # before the password
            account = accounts.add(args.login, args.role, args.province, _password())
            audit.record(store, CLI_LOGIN, CLI_CLIENT, "account_added",
                         {"account": account.login, "role": account.role,
                          "provinces": account.provinces})
            sys.stdout.write(f"{account.login}\n")
            return EXIT_OK
        if args.action in ("disable", "enable"):
            name = accounts.set_disabled(args.login, args.action == "disable")
            audit.record(store, CLI_LOGIN, CLI_CLIENT, f"account_{args.action}d",
                         {"account": name})
            return EXIT_OK
        if accounts.get(args.login) is None:  # password: before asking for one
            raise account_error("unknown_login", login=args.login)
        name = accounts.set_password(args.login, _password())
        audit.record(store, CLI_LOGIN, CLI_CLIENT, "account_password", {"account": name})
        return EXIT_OK
    except CodedError as exc:  # an account, a password, the store or the configuration
        return _problem(exc)


def cmd_audit(args) -> int:
    try:
        store = Store.from_config()
        frame = audit.read(store, args.since, args.until)
    except CodedError as exc:
        return _problem(exc)
    data = audit.csv_bytes(frame)
    if args.out:
        try:
            Path(args.out).write_bytes(data)
        except OSError as exc:
            zh, en = text("cli", "cannot_write", path=args.out, error=exc.strerror)
            sys.stderr.write(f"{zh}\n{en}\n")
            return EXIT_INVALID
    else:
        sys.stdout.buffer.write(data)
    return EXIT_OK


def add_parsers(sub) -> None:
    u = sub.add_parser("user", help="admin accounts: add, list, disable, enable, password")
    us = u.add_subparsers(dest="action", required=True)
    add = us.add_parser("add", help="create an account (password from a terminal or stdin)")
    add.add_argument("login")
    add.add_argument("--role", required=True, metavar="national|province|viewer")
    add.add_argument("--province", action="append", default=[], metavar="P",
                     help="a province of a province account (short or full name; repeat)")
    us.add_parser("list", help="CSV: login, role, provinces, disabled, created_at, "
                               "last_login_at")
    for action in ("disable", "enable", "password"):
        one = us.add_parser(action, help=f"{action} an account")
        one.add_argument("login")
    u.set_defaults(func=cmd_user)

    a = sub.add_parser("audit", help="the admin audit log as CSV: at, login, client, action, "
                                     "detail")
    a.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="from this day (UTC)")
    a.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="up to this day (UTC)")
    a.add_argument("--out", metavar="FILE.csv")
    a.set_defaults(func=cmd_audit)
