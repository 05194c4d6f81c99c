"""core.runtime.config: environment, then secrets.toml, then the default; the signing key file."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from core.runtime import config

KEYS = (config.ADMIN_PASSWORD_HASH, config.DB_URL, config.SECRET_KEY, config.BASE_URL)


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment: data under tmp_path, no secrets files, no ECERT_* variables."""
    for key in KEYS:
        monkeypatch.delenv(key, raising=False)
    data = tmp_path / "data"
    monkeypatch.setenv(config.DATA_DIR, str(data))
    project = tmp_path / "project_secrets.toml"
    home = tmp_path / "home_secrets.toml"
    monkeypatch.setattr(config, "secrets_files", lambda: [project, home])
    return {"data": data, "project": project, "home": home, "monkeypatch": monkeypatch}


def test_defaults(env):
    assert config.admin_password_hash() is None
    assert config.base_url() == "http://localhost:8501"
    assert config.data_dir() == env["data"]
    assert env["data"].is_dir()  # created on demand
    assert config.db_url() == f"sqlite:///{(env['data'] / 'ecert.db').as_posix()}"


def test_data_dir_default_is_repo_data(env):
    env["monkeypatch"].delenv(config.DATA_DIR)
    assert config.data_dir() == config.REPO_ROOT / "data"


def test_environment_wins_over_secrets(env):
    env["project"].write_text('ECERT_BASE_URL = "https://from-secrets.example"\n', encoding="utf-8")
    assert config.base_url() == "https://from-secrets.example"
    env["monkeypatch"].setenv(config.BASE_URL, "https://from-env.example/")
    assert config.base_url() == "https://from-env.example"


def test_trailing_slashes_stripped(env):
    env["monkeypatch"].setenv(config.BASE_URL, "https://ecert.example/desk//")
    assert config.base_url() == "https://ecert.example/desk"


def test_project_secrets_win_over_home_secrets(env):
    env["home"].write_text('ECERT_DB_URL = "sqlite:///home.db"\nECERT_ADMIN_PASSWORD_HASH = "h"\n')
    env["project"].write_text('ECERT_DB_URL = "sqlite:///project.db"\n')
    assert config.db_url() == "sqlite:///project.db"
    assert config.admin_password_hash() == "h"


def test_empty_values_count_as_unset(env):
    env["monkeypatch"].setenv(config.ADMIN_PASSWORD_HASH, "")
    env["project"].write_text('ECERT_BASE_URL = ""\n')
    assert config.admin_password_hash() is None
    assert config.base_url() == "http://localhost:8501"


def test_broken_secrets_file_is_a_config_error(env):
    env["project"].write_text("ECERT_BASE_URL = \n[[[", encoding="utf-8")
    with pytest.raises(config.ConfigError) as err:
        config.base_url()
    assert str(env["project"]) in err.value.message_en
    assert str(env["project"]) in err.value.message_zh


def test_secret_key_from_environment(env):
    env["monkeypatch"].setenv(config.SECRET_KEY, "s3cret")
    assert config.secret_key() == b"s3cret"
    assert not (env["data"] / "secret_key").exists()


def test_secret_key_from_secrets_file(env):
    env["project"].write_text('ECERT_SECRET_KEY = "from-file"\n')
    assert config.secret_key() == b"from-file"


def test_secret_key_generated_once_and_kept(env):
    key = config.secret_key()
    assert len(key) == 32
    path = env["data"] / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.secret_key() == key
    assert [p.name for p in env["data"].iterdir()] == ["secret_key"]  # no temp file left


def test_secret_key_differs_between_data_dirs(env, tmp_path):
    first = config.secret_key()
    env["monkeypatch"].setenv(config.DATA_DIR, str(tmp_path / "other"))
    assert config.secret_key() != first


def test_concurrent_first_calls_end_with_one_key(env):
    results: list[bytes] = []
    barrier = threading.Barrier(8)

    def call():
        barrier.wait()
        results.append(config.secret_key())

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and len(set(results)) == 1
    assert config.secret_key() == results[0]


def test_concurrent_first_calls_across_processes(env):
    code = "from core.runtime import config; print(config.secret_key().hex())"
    envvars = {**os.environ, config.DATA_DIR: str(env["data"]), "PYTHONPATH": str(config.REPO_ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, env=envvars, text=True
        )
        for _ in range(4)
    ]
    outs = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(outs) == 1
    assert config.secret_key().hex() == outs.pop()


@pytest.mark.parametrize("content", [b"", b"not hex at all\n", b"abcd\n", b"\xff\xfe" * 40])
def test_corrupt_key_file_raises(env, content):
    env["data"].mkdir(parents=True)
    path = env["data"] / "secret_key"
    path.write_bytes(content)
    with pytest.raises(config.ConfigError) as err:
        config.secret_key()
    assert err.value.code == "secret_key_unreadable"
    assert str(path) in err.value.message_en and str(path) in err.value.message_zh
    assert "ECERT_SECRET_KEY" in err.value.message_en
    assert path.read_bytes() == content  # never silently replaced


def test_key_file_that_is_a_directory_raises(env):  # unreadable as a file, even for root
    (env["data"] / "secret_key").mkdir(parents=True)
    with pytest.raises(config.ConfigError) as err:
        config.secret_key()
    assert "secret_key" in err.value.message_en


def test_never_imports_streamlit():
    code = "import sys, core.runtime.config; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=Path(config.REPO_ROOT)).returncode == 0
