"""Property-based fuzzing (hypothesis) of the three doors hostile data comes through:

(a) the roster reader: arbitrary bytes, mutated valid CSV/XLSX files and random CSV text under a
    valid header -> a ``Roster`` (which ``assess_roster`` then answers row by row, every error
    well formed) or ``RosterReadError``, nothing else;
(b) the profile validator: arbitrary JSON-like structures and profile-shaped garbage -> an
    assessment (JSON-serialisable) or ``InvalidInput`` with well-formed bilingual errors;
(c) the token verifier: arbitrary text and mutated real tokens -> never raises, and a mutation
    never has a valid signature.

The number of examples comes from the hypothesis profile (tests/samples.py): ``ci`` by
default, ``long`` for ``scripts/fuzz.py``.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

from hypothesis import assume, given
from hypothesis import strategies as st

from core import InvalidInput, assess, assess_roster
from core.certificate import tokens
from core.roster.io import Roster, RosterReadError, read_roster
from core.schema.roster import ROSTER_COLUMNS
from tests.engine_helpers import profile
from tests.samples import (
    AS_OF,
    EN_HEADER,
    GOOD_ROW,
    OTHER_ROW,
    ZH_HEADER,
    bilingual,
    csv_bytes,
    fuzz,
    row_errors,
    xlsx_bytes,
)

# --------------------------------------------------------------------------------------------
# (a) roster reader
# --------------------------------------------------------------------------------------------

SEED_FILES = [
    csv_bytes([GOOD_ROW, OTHER_ROW]),
    csv_bytes([GOOD_ROW, OTHER_ROW], header=ZH_HEADER, encoding="gb18030"),
    b"\xef\xbb\xbf" + csv_bytes([GOOD_ROW], sep=";"),
    csv_bytes([GOOD_ROW], header=ZH_HEADER, encoding="utf-16"),
    xlsx_bytes([EN_HEADER, GOOD_ROW, OTHER_ROW]),
]
_XLSX = SEED_FILES[-1]
_SHEET = "xl/worksheets/sheet1.xml"


def check_answer(data: bytes) -> Roster | None:
    """read_roster -> Roster (then assess_roster answers every row) or RosterReadError."""
    try:
        roster = read_roster(data, "fuzz.csv")
    except RosterReadError as e:
        assert e.code and isinstance(e.code, str)
        bilingual(e.message_zh, e.message_en)
        return None
    return check_roster(roster)


def check_roster(roster: Roster) -> Roster:
    """A roster the reader gave: its shape, then assess_roster answers every row."""
    assert isinstance(roster, Roster)
    assert list(roster.data.columns) == [*ROSTER_COLUMNS, "error"]
    assert len(roster.raw) == len(roster.data)
    assert list(roster.data.index) == list(range(len(roster.data)))
    out = assess_roster(roster.data, AS_OF)
    assert len(out) == len(roster.data)
    for text in out["error"].dropna():
        row_errors(text)
    good = out["error"].isna()
    assert out.loc[good, "status"].notna().all()
    assert out.loc[~good, "status"].isna().all()
    return roster


@st.composite
def mutated_bytes(draw, seeds=SEED_FILES):
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        op = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "duplicate"]))
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            data[i] = draw(st.sampled_from([0, 0x0A, 0x0D, 0x22, 0x2C, 0x3B, 0xFF, 0x80, 0xE5]))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[i : i + draw(st.integers(1, 32))]
        elif op == "truncate":
            del data[i:]
        else:
            j = draw(st.integers(i, min(len(data), i + 64)))
            data[j:j] = data[i:j]
    return bytes(data)


@st.composite
def mutated_xlsx(draw):
    """A valid zip whose worksheet XML (or shared parts) was changed: reaches the XLSX readers."""
    with zipfile.ZipFile(io.BytesIO(_XLSX)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    target = draw(st.sampled_from([_SHEET, _SHEET, "xl/workbook.xml", "[Content_Types].xml"]))
    parts[target] = draw(mutated_bytes(seeds=[parts[target]]))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    return buf.getvalue()


CELL_TEXT = st.one_of(
    st.sampled_from(["", " ", "2021-08-01", "2021/8/1", "20210801", "2021年8月1日", "1899-12-31",
                     "9999-12-31", "2021-02-29", "是", "否", "maybe", "北京", "火星", "建筑工程",
                     "京1112006200807445", "男", "女", "=cmd|' /C calc'!A0", "\x00", '"', '""',
                     "\r\n", ",", ";", "\t", "很" * 300, "１９７０－０３－１５", "\ud7ff",
                     "\u3000"]),
    st.text(max_size=30),
)


@st.composite
def csv_documents(draw):
    """Random cells under a valid header, written with a random separator and encoding."""
    header = draw(st.sampled_from([EN_HEADER, ZH_HEADER]))
    rows = draw(st.lists(st.lists(CELL_TEXT, min_size=0, max_size=16), max_size=12))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    quote = draw(st.booleans())
    lines = [sep.join(header)]
    for r in rows:
        cells = [('"' + c.replace('"', '""') + '"') if quote else c for c in r]
        lines.append(sep.join(cells))
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    return text.encode(encoding, errors="replace")


@fuzz
@given(st.binary(max_size=4096))
def test_reader_on_arbitrary_bytes(data):
    check_answer(data)


@fuzz
@given(mutated_bytes())
def test_reader_on_mutated_valid_files(data):
    check_answer(data)


@fuzz
@given(mutated_xlsx())
def test_reader_on_xlsx_with_mutated_parts(data):
    check_answer(data)


@fuzz
@given(csv_documents())
def test_reader_and_bulk_on_random_cells_under_a_valid_header(data):
    try:
        roster = read_roster(data, "fuzz.csv")  # read once (it was read twice)
    except RosterReadError as e:
        # the header is valid: a refusal may only be about the body (its bytes or quoting)
        assert e.code in {"malformed_csv", "binary_file", "unknown_encoding"}, e.code
        bilingual(e.message_zh, e.message_en)
    else:
        check_roster(roster)


# --------------------------------------------------------------------------------------------
# (b) profile validator
# --------------------------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["", "2021-08-01", "9999-12-31", "0001-01-01", "1970-02-29", "北京",
                     "建筑工程", "京1112006200807445", "是", "男", "\x00", "2021-13-01"]),
)
JSON_LIKE = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=6),
                               st.dictionaries(st.text(max_size=12), children, max_size=6)),
    max_leaves=40,
)
VALID = profile()
DATES = st.one_of(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(str),
                  JSON_LIKE)


@st.composite
def profile_shaped(draw):
    """A valid profile with some fields replaced by garbage or by dates from anywhere."""
    p = json.loads(json.dumps(VALID))
    for key in draw(st.lists(st.sampled_from(sorted(VALID)), max_size=6, unique=True)):
        p[key] = draw(DATES if "date" in key or key.endswith("_on") else JSON_LIKE)
    specialties = []
    for _ in range(draw(st.integers(0, 4))):
        s = dict(VALID["specialties"][0])
        for key in draw(st.lists(st.sampled_from(sorted(s)), max_size=5, unique=True)):
            s[key] = draw(DATES if key != "specialty" else JSON_LIKE)
        specialties.append(s if draw(st.integers(0, 9)) else draw(JSON_LIKE))
    if specialties or draw(st.booleans()):
        p["specialties"] = specialties
    return p


def check_profile_answer(p, as_of: date) -> None:
    try:
        result = assess(p, as_of)
    except InvalidInput as e:
        assert e.errors
        for err in e.errors:
            assert set(err) == {"field", "code", "message_zh", "message_en"}
            assert all(isinstance(err[k], str) and err[k] for k in err)
            bilingual(err["message_zh"], err["message_en"])
        json.dumps(e.as_json(), ensure_ascii=False)
        return
    assert isinstance(result, dict) and result["as_of"] == as_of.isoformat()
    json.dumps(result, ensure_ascii=False, allow_nan=False)


AS_OFS = st.dates(min_value=date(2019, 1, 1), max_value=date(2040, 12, 31))


@fuzz
@given(JSON_LIKE, AS_OFS)
def test_validator_on_arbitrary_json_like_values(value, as_of):
    check_profile_answer(value, as_of)


@fuzz
@given(profile_shaped(), AS_OFS)
def test_validator_on_profile_shaped_garbage(p, as_of):
    check_profile_answer(p, as_of)


# --------------------------------------------------------------------------------------------
# (c) token verifier
# --------------------------------------------------------------------------------------------

KEY = b"fuzz-key-0123456789abcdef0123456"
PAYLOAD = {
    "name": "张三", "gender": "男", "birth_date": "1970-03-15",
    "registration_number": "京1112006200807445", "employer": "北京某建设集团有限公司",
    "specialties": [("建筑工程", "2021-05-14", "2024-05-13")],
    "usage_from": "2021-08-12", "usage_until": "2022-02-08", "issued_on": "2021-08-12",
}
TOKEN = tokens.sign(PAYLOAD, KEY)
OTHER_TOKEN = tokens.sign({**PAYLOAD, "name": "李四"}, KEY)  # signed once: each sign() differs
TODAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))
TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."


def check_verification(v: tokens.Verification) -> None:
    assert isinstance(v, tokens.Verification)
    assert v.code in ("ok", "expired_window", "expired_hidden", "not_yet_window",
                      "bad_signature", "malformed", "old_format", "empty")
    bilingual(v.message_zh, v.message_en)


@fuzz
@given(st.one_of(st.text(max_size=6000), st.text(TOKEN_ALPHABET, max_size=800), JSON_LIKE),
       TODAYS)
def test_verify_on_arbitrary_input_never_raises_never_valid(text, today):
    v = tokens.verify(text, KEY, today)
    check_verification(v)
    assert not v.valid_signature


@st.composite
def mutated_tokens(draw):
    t = list(draw(st.sampled_from([TOKEN, OTHER_TOKEN])))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["replace", "insert", "delete", "truncate", "swapcase"]))
        i = draw(st.integers(0, max(0, len(t) - 1)))
        if op == "replace" and t:
            t[i] = draw(st.sampled_from(TOKEN_ALPHABET))
        elif op == "insert":
            t[i:i] = draw(st.text(TOKEN_ALPHABET, min_size=1, max_size=4))
        elif op == "delete" and t:
            del t[i]
        elif op == "truncate":
            del t[i:]
        elif t:
            t[i] = t[i].swapcase()
    return "".join(t)


@fuzz
@given(mutated_tokens(), TODAYS)
def test_verify_on_mutated_real_tokens_never_valid(token, today):
    assume(token not in (TOKEN, OTHER_TOKEN))
    v = tokens.verify(token, KEY, today)
    check_verification(v)
    assert not v.valid_signature and v.payload is None


@fuzz
@given(st.binary(min_size=1, max_size=64), TODAYS)
def test_verify_with_any_other_key_is_bad_signature(key, today):
    assume(key != KEY)
    v = tokens.verify(TOKEN, key, today)
    assert v.code == "bad_signature" and not v.valid_signature
