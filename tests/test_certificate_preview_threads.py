"""The certificate preview from several threads at once, as Streamlit renders it (issue 11).

PDFium is not thread-safe; without the lock in ``core.certificate.preview.render_png`` eight
threads rendering at once crash the process (segfault: the server found under ``make load``
with distinct profiles). The renders run in a child process, so a crash fails this test instead
of ending the test run.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent("""
    import sys, threading
    sys.path.insert(0, sys.argv[1])
    from core import assess
    from core.certificate import preview as pv
    from core.demo.roster import demo_profile
    from core.policy.dates import today_shanghai

    today = today_shanghai()
    profile = demo_profile(today)
    content = pv.content_from({**profile, "gender": profile.get("gender") or "",
                               "employer": profile.get("employer") or ""},
                              assess(profile, today))
    pdf = pv.render_pdf(content, "http://127.0.0.1/verify?token=t")
    reference = pv.render_png(pdf, 1.0)
    different = []

    def work():
        for _ in range(15):
            if pv.render_png(pdf, 1.0) != reference:
                different.append(1)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("renders differing:", len(different))
    sys.exit(1 if different else 0)
""")


def test_eight_threads_render_previews_at_once_without_crashing():
    done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT)], capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, (done.returncode, done.stdout[-500:], done.stderr[-2000:])
    assert "renders differing: 0" in done.stdout
