"""Settings of CONTRACT.md "Configuration". Never imports streamlit.

Each key is looked up, first match wins:

1. the environment variable of the same name;
2. the same key in ``<repo>/.streamlit/secrets.toml`` (the project's secrets file);
3. the same key in ``~/.streamlit/secrets.toml`` (the user's global secrets file);
4. the default of the table.

Streamlit reads the same two files, with the project file overriding the global one, so a key
means the same thing to the pages and to the command line. The files are read with ``tomllib``
on every call (they are small) so that a changed file or variable is seen at once.

``ECERT_DATA_DIR`` (not a CONTRACT.md key; tests and deployments use it) moves ``data/``.
"""

from __future__ import annotations

import os
import secrets as _secrets
import stat
import tempfile
import tomllib
from pathlib import Path

from core.messages.catalogue import coded_error
from core.messages.errors import CodedError

REPO_ROOT = Path(__file__).resolve().parents[2]

ADMIN_PASSWORD_HASH = "ECERT_ADMIN_PASSWORD_HASH"
DB_URL = "ECERT_DB_URL"
SECRET_KEY = "ECERT_SECRET_KEY"
BASE_URL = "ECERT_BASE_URL"
DATA_DIR = "ECERT_DATA_DIR"
VERIFY_GRACE_DAYS = "ECERT_VERIFY_GRACE_DAYS"

DEFAULT_BASE_URL = "http://localhost:8501"
SECRET_KEY_FILE = "secret_key"
SECRET_KEY_BYTES = 32


class ConfigError(CodedError, RuntimeError):
    """A setting that cannot be used as it is; the messages name the file or key and the fix."""


def config_error(key: str, /, **values) -> ConfigError:
    """The ConfigError of messages.toml ``[config.<key>]``."""
    return coded_error(ConfigError, "config", key, **values)


def secrets_files() -> list[Path]:
    """The secrets files consulted, highest precedence first."""
    return [REPO_ROOT / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"]


def _read_secrets(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise config_error("secrets_unreadable", path=path, error=exc) from exc


def get(name: str, default: str | None = None) -> str | None:
    """The value of setting ``name``: environment, then secrets files, then ``default``.

    An empty environment variable or secrets value counts as unset (CONTRACT.md: unknown is null,
    never an empty string).
    """
    value = os.environ.get(name)
    if value is not None and value.strip() != "":
        return value
    for path in secrets_files():
        table = _read_secrets(path)
        if name in table and table[name] is not None:
            found = str(table[name])
            if found.strip() != "":
                return found
    return default


def private_dir(path: Path, *, enforce: bool = True) -> Path:
    """``path`` made (with parents) mode 0700, whatever the umask; an existing folder is set
    to 0700 too with ``enforce`` (never a shared sticky folder such as /tmp)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = path.stat().st_mode
    if enforce and mode & 0o777 != 0o700 and not mode & stat.S_ISVTX:
        try:
            os.chmod(path, 0o700)
        except PermissionError:  # not ours (a shared, admin-made folder): leave it as set
            pass
    return path


def private_file(path: Path) -> Path:
    """``path`` created empty if missing, and mode 0600 whatever the umask (its folder 0700).
    SQLite then gives the database's ``-wal`` and ``-shm`` files the same mode.

    An existing file is never opened here: closing any descriptor of a file drops every POSIX
    lock this process holds on it, including the locks of SQLite connections already open on
    the same database (SQLite's "How To Corrupt", 2.2). A process that lost them can be taken
    for gone by another one, which then checkpoints and removes the WAL under its readers
    ("database disk image is malformed"). So: create exclusively, or only chmod by path."""
    private_dir(path.parent, enforce=False)  # a new folder is 0700; an existing one is left
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:  # a brand-new empty file: no connection can hold a lock on it yet
        try:
            if os.fstat(fd).st_mode & 0o777 != 0o600:
                os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
        return path
    try:
        if os.stat(path).st_mode & 0o777 != 0o600:
            os.chmod(path, 0o600)
    except PermissionError:
        pass
    return path


def data_dir() -> Path:
    """``ECERT_DATA_DIR`` or ``<repo>/data``, created on demand, mode 0700 (personal data)."""
    raw = get(DATA_DIR)
    path = Path(raw).expanduser() if raw else REPO_ROOT / "data"
    try:
        private_dir(path)
    except OSError as exc:
        raise config_error("data_dir_unusable", path=path, error=exc) from exc
    return path


def admin_password_hash() -> str | None:
    """``ECERT_ADMIN_PASSWORD_HASH``; None when unset (the admin page shows demo data only)."""
    return get(ADMIN_PASSWORD_HASH)


def db_url() -> str:
    """``ECERT_DB_URL``; default ``sqlite:///<data_dir>/ecert.db``."""
    return get(DB_URL) or f"sqlite:///{(data_dir() / 'ecert.db').as_posix()}"


def base_url() -> str:
    """``ECERT_BASE_URL`` without trailing slashes; default ``http://localhost:8501``."""
    return (get(BASE_URL) or DEFAULT_BASE_URL).strip().rstrip("/")


def verify_grace_days(default: int) -> int:
    """Days after a token's usage window during which /verify still shows its content
    (``ECERT_VERIFY_GRACE_DAYS``; ``default`` and its reason: core.certificate.tokens.GRACE_DAYS,
    which the caller passes: configuration sits below the certificate layer)."""
    raw = get(VERIFY_GRACE_DAYS)
    try:
        return max(0, int(raw)) if raw not in (None, "") else default
    except ValueError:
        return default


def base_url_configured() -> bool:
    """Whether ``ECERT_BASE_URL`` is set: without it QR codes point at localhost, which only
    works on the server itself (the operator is warned: log at start, note on /admin)."""
    return bool((get(BASE_URL) or "").strip())


def secret_key() -> bytes:
    """``ECERT_SECRET_KEY`` (UTF-8 bytes), else the key kept in ``<data_dir>/secret_key``.

    The key file holds 32 random bytes as 64 hex digits. It is made once: written to a temporary
    file (mode 0600) in the same folder and then linked into place, which fails if another
    process got there first; that process's key is then read back, so concurrent first calls
    all end with the one key on disk. Where the file system has no hard links the temporary file
    is moved with ``os.replace`` only if no key appeared meanwhile.
    """
    configured = get(SECRET_KEY)
    if configured:
        return configured.encode("utf-8")
    path = data_dir() / SECRET_KEY_FILE
    if not path.exists():
        _create_key_file(path)
    return _read_key_file(path)


def _corrupt(path: Path, detail: str) -> ConfigError:
    return config_error("secret_key_unreadable", path=path, detail=detail)


def _read_key_file(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise _corrupt(path, str(exc)) from exc
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != SECRET_KEY_BYTES:
        raise _corrupt(path, f"expected {SECRET_KEY_BYTES * 2} hex digits")
    return key


def _create_key_file(path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".secret_key.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(_secrets.token_bytes(SECRET_KEY_BYTES).hex() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # atomic, never overwrites: the first writer wins
        except FileExistsError:
            pass
        except OSError:  # no hard links here: replace, unless a key appeared meanwhile
            if not path.exists():
                os.replace(tmp, path)
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
