"""core/admin/jobs.py: the command line's roster jobs run in the cage give the frames of reading
(and assessing) in-process; the cage's own limits and failures are tests/hostile/test_cage.py's."""

from __future__ import annotations

import pandas as pd

from core.admin import jobs
from core.roster.cage import run_caged
from core.roster.io import read_roster
from core.rules.roster import assess_roster, lapse_counts
from tests.samples import AS_OF, EN_HEADER, GOOD_ROW, OTHER_ROW, csv_bytes, xlsx_bytes


def test_a_caged_read_gives_the_in_process_frames():
    for data in (csv_bytes([GOOD_ROW, OTHER_ROW]), xlsx_bytes([EN_HEADER, GOOD_ROW, OTHER_ROW])):
        checked = jobs.check_roster(data, "x", AS_OF)
        direct = read_roster(data, "x")
        pd.testing.assert_frame_equal(checked.roster.data, direct.data)
        pd.testing.assert_frame_equal(checked.roster.raw, direct.raw)
        pd.testing.assert_frame_equal(checked.assessed, assess_roster(direct.data, AS_OF))
        assert checked.roster.sha256 == direct.sha256
        assert checked.roster.source_format == direct.source_format


def test_without_an_as_of_date_the_roster_is_only_read():
    data = csv_bytes([GOOD_ROW, OTHER_ROW])
    checked = jobs.check_roster(data, "r.csv")
    assert checked.assessed is None
    direct = read_roster(data, "r.csv")
    pd.testing.assert_frame_equal(checked.roster.data, direct.data)
    assert (checked.roster.file_name, checked.roster.encoding) == ("r.csv", direct.encoding)


def test_the_lapse_job_gives_lapse_counts_of_the_roster():
    data = csv_bytes([GOOD_ROW, OTHER_ROW])
    out = run_caged(jobs.lapse_job, data, "r.csv", as_of=AS_OF)
    expected = lapse_counts(read_roster(data).data, AS_OF)
    assert set(out) == {"counts"}
    # the cage hands back the counts by province (the series' name is not carried)
    assert out["counts"].to_dict() == expected.to_dict() == {"北京": 1, "江苏": 0}


def test_assess_job_in_process_equals_assess_roster():
    roster = read_roster(csv_bytes([GOOD_ROW, OTHER_ROW]), "r.csv")
    out = jobs.assess_job(roster, AS_OF)
    assert out["meta"] == {"source_format": roster.source_format, "encoding": roster.encoding,
                           "file_name": "r.csv", "sha256": roster.sha256}
    pd.testing.assert_frame_equal(out["assessed"], assess_roster(roster.data, AS_OF))
