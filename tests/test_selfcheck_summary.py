"""The one-page PDF summary of a self-check (issue 14, item 4), read back with pypdf: every date
with its rule and clause, the usage window, actions, warnings, the basis and the as-of date, in
the chosen language; one page even for ten specialties; nothing personal unless asked for."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf
import pytest

from core import assess
from core.demo.scenario_data import SCENARIOS
from core.messages.catalogue import catalogue as engine_catalogue
from core.policy.data import POLICY
from core.selfcheck import summary
from core.selfcheck.calendar import date_source
from tests.engine_helpers import d, profile
from ui.i18n import load_catalogue


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    words = "".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), re.sub(r"\s+", "", words)


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def two_specialties() -> tuple[dict, dict]:
    second = {"specialty": "市政公用工程", "valid_from": "2019-03-01", "valid_until": "2022-02-28",
              "renewal_applied_on": None, "renewal_approved_on": None}
    p = profile(province="广东", valid_until="2021-12-15", downloaded="2021-09-01",
                extra_specialties=[second], ce=False)
    return p, assess(p, d("2021-11-20"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_summary_holds_every_date_with_its_rule_and_clause(lang):
    p, a = two_specialties()
    pages, words = pdf_text(summary.make_summary(p, a, lang))
    assert pages == 1
    for s in a["specialties"]:
        status = engine_catalogue()["summary"]["status"][s["status"]][lang]
        assert squash(status) in words
        for kind in ("apply_by", "lapses_on"):
            rule, clause = date_source(s, kind)
            assert squash(f"{s[kind]}{rule}·{clause}") in words, (kind, s[kind])
        assert squash(f"{s['current_valid_from']}–{s['current_valid_until']}") in words
    w = a["usage_window"]
    assert w["from"] in words and w["until"] in words and "R-6·C-3.2" in words
    for item in a["actions"] + a["warnings"]:
        assert squash(item[f"message_{lang}"]) in words
    assert "建办市〔2021〕25号" in words
    assert a["as_of"] in words
    for service in ("国家政务服务平台", "住房和城乡建设部政务服务门户", "中国建造师网"):
        assert service in words
    english = "Apply for renewal by" if lang == "en" else "延续申请截止日"
    assert squash(english) in words


@pytest.mark.parametrize("scenario", list(SCENARIOS.values()), ids=lambda s: s.id)
def test_every_scenario_fits_one_page_and_shows_its_warnings(scenario):
    a = assess(scenario.profile, scenario.as_of)
    pages, words = pdf_text(summary.make_summary(scenario.profile, a, "zh"))
    assert pages == 1
    for w in a["warnings"]:
        assert squash(w["message_zh"]) in words
    for s in a["specialties"]:
        assert s["specialty"] in words
        for kind in ("apply_by", "lapses_on"):
            if s[kind]:
                assert s[kind] in words


def test_ten_specialties_with_many_actions_still_fit_on_one_page():
    extra = [{"specialty": s, "valid_from": "2018-06-01", "valid_until": f"2021-0{i % 9 + 1}-15",
              "renewal_applied_on": None, "renewal_approved_on": None}
             for i, s in enumerate(POLICY.specialties[1:])]
    p = profile(province="广东", valid_until="2021-07-20", extra_specialties=extra, ce=False,
                downloaded="2021-07-01", registration_number="京1112006200807445")
    a = assess(p, date(2021, 7, 15))
    assert len(a["specialties"]) == 10 and len(a["actions"]) > 10 and a["warnings"]
    for lang in ("zh", "en"):
        pages, words = pdf_text(summary.make_summary(p, a, lang, with_name=True))
        assert pages == 1
        assert all(s["lapses_on"] in words for s in a["specialties"])


def test_no_birth_date_number_or_employer_and_the_name_only_when_asked():
    p, a = two_specialties()
    _, words = pdf_text(summary.make_summary(p, a, "zh"))
    for secret in (p["birth_date"], p["registration_number"], p["employer"], p["name"]):
        assert squash(secret) not in words
    _, named = pdf_text(summary.make_summary(p, a, "zh", with_name=True))
    assert p["name"] in named and p["registration_number"] not in named


def test_a_name_the_font_cannot_draw_is_refused_in_both_languages():
    p, a = two_specialties()
    p["name"] = "张\U0001f600三"
    with pytest.raises(summary.SummaryUnavailable) as info:
        summary.make_summary(p, a, "zh", with_name=True)
    assert info.value.code == "missing_glyph" and "U+1F600" in info.value.message_en
    assert summary.make_summary(p, a, "zh").startswith(b"%PDF")  # without the name: fine


def test_a_province_outside_the_notice():
    p = profile(province="湖北", valid_until="2030-01-01")
    a = assess(p, d("2029-01-01"))
    pages, words = pdf_text(summary.make_summary(p, a, "en"))
    assert pages == 1 and "Notcovered" in words
    assert squash("This notice does not cover the employer's province") in words
    assert squash("does not use electronic certificates") not in words  # issue 23


def test_the_basis_and_its_version_when_the_assessment_carries_them():
    p, a = two_specialties()
    a = {**a, "basis": {"notice": "建办市〔2021〕25号", "policy_version": "2021-25.9"}}
    _, words = pdf_text(summary.make_summary(p, a, "en"))
    assert "2021-25.9" in words


@pytest.mark.parametrize("group, ui_prefix", [
    ("status", "self_service.status"),
    ("regime_name", "self_service.regime"),
    ("window_status", "self_service.window.status"),
    ("paper_status", "self_service.paper"),
])
def test_the_summary_uses_the_pages_own_names(group, ui_prefix):
    ui = load_catalogue()
    for code, entry in engine_catalogue()["summary"][group].items():
        assert ui[f"{ui_prefix}.{code}"] == entry, code


@pytest.mark.parametrize("ram_exists", [True, False])
def test_the_per_render_font_file_goes_to_ram_when_there_is_some(monkeypatch, tmp_path,
                                                                  ram_exists):
    from core.certificate import fonts

    ram = tmp_path / "shm"
    if ram_exists:
        ram.mkdir()
    monkeypatch.setattr(fonts, "RAM_DIR", str(ram))
    used = []
    real = fonts.tempfile.TemporaryDirectory

    def recording(*args, **kwargs):
        used.append(kwargs.get("dir"))
        return real(*args, **kwargs)

    monkeypatch.setattr(fonts.tempfile, "TemporaryDirectory", recording)
    p, a = two_specialties()
    assert summary.make_summary(p, a, "zh", with_name=True).startswith(b"%PDF")
    assert used == [str(ram) if ram_exists else None]
    assert not ram_exists or list(ram.iterdir()) == []  # removed after the render
