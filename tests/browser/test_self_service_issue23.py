"""The self-service page tried as a new user would (issue 23), in a real browser: clearing clears
everything, 查询 beside 添加注册专业 at 1366 px, a full province name in the province box, and no
English inside the Chinese page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core.demo.roster import demo_profile
from core.policy.dates import today_shanghai
from tests.browser.app_server import load_example, open_page, settle
from ui.i18n import text

pytestmark = pytest.mark.browser


def field(page: Page, key: str):
    return page.get_by_label(text(key, "zh"), exact=True)


def test_clear_my_data_clears_everything_and_the_next_check_uses_nothing(page: Page, app_url):
    load_example(page, app_url)
    profile = demo_profile(today_shanghai())
    expect(field(page, "self_service.form.name")).to_have_value(profile["name"])
    photo = page.get_by_test_id("stFileUploader").filter(has_text=text("certificate.photo", "zh"))
    photo.locator("input[type=file]").set_input_files(
        {"name": "me.png", "mimeType": "image/png", "buffer": _png()})
    expect(photo.get_by_text("me.png")).to_be_visible()
    settle(page)
    page.get_by_role("button", name=text("self_service.form.clear", "zh")).click()
    settle(page)
    form = page.get_by_test_id("stForm")
    combos = form.get_by_role("combobox")  # gender, province, the one specialty row
    expect(combos).to_have_count(3)
    for i in range(3):
        expect(combos.nth(i)).to_have_value("")
    expect(form.get_by_role("checkbox")).not_to_be_checked()  # continuing education
    for key in ("self_service.form.name", "self_service.form.registration_number",
                "self_service.form.employer"):
        expect(field(page, key)).to_have_value("")
    for key in ("self_service.form.birth_date", "self_service.form.certificate_downloaded_on",
                "self_service.form.valid_until"):
        expect(field(page, key)).to_have_value("")
    page.get_by_role("button", name=text("self_service.form.check", "zh")).click()
    settle(page)
    # nothing typed before is used again: an empty form, so the page explains how to start
    expect(page.get_by_test_id("stAlertContentInfo").first).to_contain_text(
        text("self_service.intro", "zh", as_of="")[:12])
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(page.get_by_text(profile["name"])).to_have_count(0)
    expect(field(page, "self_service.form.name")).to_have_value("")
    # the photo went with the rest: the example again has no photo
    page.get_by_role("button", name=text("self_service.form.load_example", "zh")).click()
    settle(page)
    expect(page.get_by_text("me.png")).to_have_count(0)


def test_the_certificate_image_downloads_as_png_and_the_preview_is_large(page: Page, app_url,
                                                                          tmp_path):
    page.set_viewport_size({"width": 1366, "height": 900})
    load_example(page, app_url)
    page.get_by_role("button", name=text("certificate.build", "zh")).click()
    button = page.get_by_role("button", name=text("certificate.download_png", "zh"))
    expect(button).to_be_visible()
    settle(page)
    with page.expect_download() as info:
        button.click()
    path = tmp_path / "certificate.png"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"\x89PNG")
    assert info.value.suggested_filename.endswith(".png")
    # the preview spans the page's content width, not one of the two columns: readable at 1366
    image = page.get_by_test_id("stImage").locator("img")
    expect(image).to_be_visible()
    box = image.bounding_box()
    column = page.get_by_test_id("stColumn").first.bounding_box()
    assert box["width"] >= 1.8 * column["width"], (box, column)


def _overlap(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_check_does_not_overlap_add_a_specialty_at_1366(page: Page, app_url):
    page.set_viewport_size({"width": 1366, "height": 900})
    open_page(page, app_url + "/?lang=zh", "page.self_service.title", "zh")
    add = page.get_by_role("button", name=text("self_service.form.add", "zh"))
    check = page.get_by_role("button", name=text("self_service.form.check", "zh"))
    a, c = add.bounding_box(), check.bounding_box()
    assert not _overlap(a, c), (a, c)
    # one line: the label's text box is one line high
    label = add.get_by_text(text("self_service.form.add", "zh"))
    line = label.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 24")
    assert label.bounding_box()["height"] <= line * 1.5, label.bounding_box()


def test_a_full_province_name_finds_the_province_and_no_english_no_results(page: Page, app_url):
    open_page(page, app_url + "/?lang=zh", "page.self_service.title", "zh")
    box = page.get_by_test_id("stSelectbox").filter(
        has_text=text("self_service.form.employer_province", "zh"))
    box.locator("input").click()
    page.keyboard.type("广东省")
    options = page.get_by_role("option")
    expect(options.first).to_have_text("广东省")
    expect(options).to_have_count(1)
    page.keyboard.press("Enter")
    settle(page)
    expect(box.locator("input")).to_have_value("广东省")
    box.locator("input").click()
    page.keyboard.type("火星")
    empty = page.locator('[role="listbox"][data-empty="true"] span').first
    expect(empty).to_be_attached()
    after = empty.evaluate("e => getComputedStyle(e, '::after').content")
    assert text("a11y.no_results", "zh") in after
    assert empty.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") == 0


def test_no_english_on_the_uploaders_in_the_chinese_page(page: Page, app_url):
    load_example(page, app_url)
    page.get_by_text(text("profile_file.heading", "zh"), exact=True).click()  # the expander
    uploaders = page.get_by_test_id("stFileUploader")
    expect(uploaders).to_have_count(2)
    for i in range(2):
        up = uploaders.nth(i)
        instructions = up.get_by_test_id("stFileUploaderDropzoneInstructions")
        expect(instructions).to_be_hidden()  # "1MB per file • JSON", "2MB per file • JPG, PNG"
        p = up.locator("button [data-testid=stMarkdownContainer] p")
        assert p.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") == 0  # "Upload"
        shown = p.evaluate("e => getComputedStyle(e, '::after').content")
        assert text("a11y.upload_button", "zh") in shown
        # the label states the true limit instead
        label = up.get_by_test_id("stWidgetLabel").inner_text()
        assert "KB" in label or "MB" in label
    assert "64 KB" in uploaders.first.get_by_test_id("stWidgetLabel").inner_text() or \
        "64 KB" in uploaders.nth(1).get_by_test_id("stWidgetLabel").inner_text()


def test_a_typed_day_first_date_is_a_bad_format_not_missing(page: Page, app_url):
    open_page(page, app_url + "/?lang=zh", "page.self_service.title", "zh")
    field(page, "self_service.form.birth_date").fill("01/06/1961")
    page.get_by_role("button", name=text("self_service.form.check", "zh")).click()
    settle(page)
    summary = page.get_by_test_id("stAlertContentError").first
    expect(summary).to_contain_text("01/06/1961")
    expect(summary).not_to_contain_text("出生日期为必填项")
    expect(field(page, "self_service.form.birth_date")).to_have_value("01/06/1961")
    # a short number typed key by key is malformed, not missing
    field(page, "self_service.form.registration_number").press_sequentially("粤12345")
    page.get_by_role("button", name=text("self_service.form.check", "zh")).click()
    settle(page)
    summary = page.get_by_test_id("stAlertContentError").first
    expect(summary).to_contain_text("粤12345")
    expect(summary).not_to_contain_text("注册编号为必填项")
    # a year-first spelling is read, and shown as read
    field(page, "self_service.form.birth_date").fill("1961/6/1")
    page.get_by_role("button", name=text("self_service.form.check", "zh")).click()
    settle(page)
    expect(page.get_by_text(text("self_service.form.date_read_as", "zh", date="1961-06-01"))
           ).to_be_visible()
    expect(page.get_by_test_id("stAlertContentError").first).not_to_contain_text("出生日期")


def test_a_required_message_goes_once_the_field_is_filled(page: Page, app_url):
    open_page(page, app_url + "/?lang=zh", "page.self_service.title", "zh")
    field(page, "self_service.form.employer").fill("某公司")
    page.get_by_role("button", name=text("self_service.form.check", "zh")).click()
    settle(page)
    form = page.get_by_test_id("stForm")
    required = form.get_by_text("姓名为必填项")
    expect(required).to_be_visible()
    number_required = form.get_by_text("注册编号为必填项")
    expect(number_required).to_be_visible()
    field(page, "self_service.form.name").fill("张三")  # no run: the fields sit in a form
    expect(required).to_be_hidden()
    expect(number_required).to_be_visible()  # only the filled field's message goes
    field(page, "self_service.form.name").fill("")
    expect(required).to_be_visible()
    # on the next run (adding a specialty submits the form) it is gone for good
    field(page, "self_service.form.name").fill("张三")
    page.get_by_role("button", name=text("self_service.form.add", "zh")).click()
    settle(page)
    expect(form.get_by_text("姓名为必填项")).to_have_count(0)


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (120, 160), (200, 220, 240)).save(out, format="PNG")
    return out.getvalue()
