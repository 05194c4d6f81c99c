"""Data at rest (issue 12): folder and file modes whatever the umask; photo metadata stripped.

The red-team found the roster database, its WAL and the data folder world-readable (644/755)
and a JPEG comment inside the certificate PDF.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from core import assess
from core.certificate.preview import check_photo, content_from, make_certificate
from core.demo.roster import demo_profile
from core.policy.dates import today_shanghai

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, os, sys
os.umask(0o000)
from core.demo.roster import demo_roster
from core.runtime import config
from core.roster.store import Store
folder = config.data_dir()
key = config.secret_key()
store = Store.from_config()
store.import_snapshot(demo_roster(50, seed=1), "x.csv", "0" * 64, rejected_rows=0)
modes = {p.name: oct(p.stat().st_mode & 0o777) for p in folder.iterdir()}
modes["."] = oct(folder.stat().st_mode & 0o777)
print(json.dumps(modes))
"""


def test_folder_0700_and_every_file_0600_with_umask_000(tmp_path):
    env = {**os.environ, "ECERT_DATA_DIR": str(tmp_path / "data")}
    env.pop("ECERT_SECRET_KEY", None)
    env.pop("ECERT_DB_URL", None)
    done = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True,
                          timeout=180, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    modes = json.loads(done.stdout.strip().splitlines()[-1])
    assert modes.pop(".") == "0o700"
    assert {"ecert.db", "secret_key"} <= set(modes)
    assert all(m == "0o600" for m in modes.values()), modes  # ecert.db, -wal, -shm, secret_key


def test_an_existing_open_data_folder_is_closed(tmp_path, monkeypatch):
    from core.runtime import config

    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    monkeypatch.setenv("ECERT_DATA_DIR", str(folder))
    config.data_dir()
    assert folder.stat().st_mode & 0o777 == 0o700


COMMENT = b"RED-TEAM-COMMENT-4471 GPS 31.2N 121.5E"


def _photo_with_metadata() -> bytes:
    img = Image.new("RGB", (300, 400), (120, 140, 160))
    exif = Image.Exif()
    exif[0x010E] = "EXIF-DESCRIPTION-8812"  # ImageDescription
    exif[0x013B] = "EXIF-ARTIST-8812"
    buf = io.BytesIO()
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    img.save(buf, "JPEG", comment=COMMENT, exif=exif.tobytes(), icc_profile=icc)
    data = buf.getvalue()
    assert COMMENT in data and b"EXIF-ARTIST-8812" in data
    return data


def test_jpeg_comment_exif_and_icc_never_reach_the_pdf():
    photo = _photo_with_metadata()
    cleaned = check_photo(photo)
    for marker in (COMMENT, b"EXIF-DESCRIPTION-8812", b"EXIF-ARTIST-8812", b"Exif\x00\x00"):
        assert marker not in cleaned
    with Image.open(io.BytesIO(cleaned)) as img:
        assert not img.info.get("comment") and not img.info.get("exif")
        assert not img.info.get("icc_profile")
    as_of = today_shanghai()
    profile = demo_profile(as_of)
    content = content_from(profile, assess(profile, as_of), photo)  # the raw upload, as a caller
    pdf = make_certificate(content, "http://127.0.0.1", b"k" * 32).pdf
    for marker in (COMMENT, b"RED-TEAM-COMMENT", b"EXIF-ARTIST-8812", b"EXIF-DESCRIPTION"):
        assert marker not in pdf
