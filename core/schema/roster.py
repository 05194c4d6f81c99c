"""The roster's schema: one owner for what every other module spells out about a roster row.

Columns and their Chinese labels and header aliases (CONTRACT.md, "Roster file"), the output
columns of ``python -m core roster``, the text length limits, the regimes of POLICY.md, the
kinds of the due list, and the one colour palette every chart uses (for the regimes, and for the
status codes that the rules define: ``core.rules.specialty.STATUSES``). Change a column alias,
a limit or a colour here and every reader, writer, check and chart follows.

The palette is Okabe & Ito's colour-blind-safe set (with two tints for the quiet categories);
colour never carries meaning alone: every chart also labels its categories in text.
"""

from __future__ import annotations

from core.policy.data import POLICY

# -- columns (CONTRACT.md, "Roster file") ---------------------------------------------------------
ROSTER_COLUMNS: tuple[str, ...] = (
    "name", "gender", "birth_date", "registration_number", "employer", "employer_province",
    "specialty", "valid_from", "valid_until", "renewal_applied_on", "renewal_approved_on",
    "continuing_education_done", "certificate_downloaded_on",
)
DATE_COLUMNS: tuple[str, ...] = (
    "birth_date", "valid_from", "valid_until", "renewal_applied_on", "renewal_approved_on",
    "certificate_downloaded_on",
)
TEXT_COLUMNS: tuple[str, ...] = (
    "name", "gender", "registration_number", "employer", "employer_province", "specialty",
)
FLAG_COLUMN = "continuing_education_done"
REQUIRED_COLUMNS: tuple[str, ...] = (
    "name", "birth_date", "registration_number", "employer_province", "specialty", "valid_from",
    "valid_until",
)
ERROR_COLUMN = "error"
#: What ``python -m core roster`` adds to the input columns (CONTRACT.md, "Command line").
OUTPUT_COLUMNS: tuple[str, ...] = (
    "regime", "status", "renewed", "current_valid_from", "current_valid_until", "apply_by",
    "lapses_on", "capped_at_65", "late_application", "error",
)

#: Chinese name of each field (the first alias of CONTRACT.md), used in messages and headers.
COLUMN_LABELS_ZH: dict[str, str] = {
    "name": "姓名", "gender": "性别", "birth_date": "出生日期", "registration_number": "注册编号",
    "employer": "聘用企业", "employer_province": "注册单位所在地", "specialty": "注册专业",
    "valid_from": "有效期起", "valid_until": "有效期止", "renewal_applied_on": "延续申请日期",
    "renewal_approved_on": "延续批准日期", "continuing_education_done": "继续教育",
    "certificate_downloaded_on": "证书下载日期",
}

#: Header -> canonical column: the English names, the Chinese aliases of CONTRACT.md, and two
#: common spellings (有效期至, 聘用单位). core.roster.io.canonical_header does the fuzzy matching.
HEADER_ALIASES: dict[str, str] = {
    **{c: c for c in ROSTER_COLUMNS},
    **{zh: c for c, zh in COLUMN_LABELS_ZH.items()},
    "聘用单位": "employer",
    "省份": "employer_province",
    "有效期至": "valid_until",
}

#: Accepted spellings of the gender field (after trimming and lower-casing) -> the value kept.
GENDERS: dict[str, str] = {
    "男": "男", "女": "女", "male": "男", "female": "女", "m": "男", "f": "女",
}
#: Accepted spellings of the continuing-education flag (after trimming and lower-casing).
FLAG_WORDS: dict[str, bool] = {
    "是": True, "否": False, "true": True, "false": False, "1": True, "0": False,
    "yes": True, "no": False, "y": True, "n": False, "已完成": True, "未完成": False,
    "完成": True, "√": True, "×": False, "✓": True, "✔": True, "✗": False, "✘": False,
}

# -- limits ---------------------------------------------------------------------------------------
#: Longest accepted text per field, in characters (after trimming). Name and employer come from
#: the policy data's plausibility bounds; the others only stop absurd input.
TEXT_LIMITS: dict[str, int] = {
    "name": int(POLICY.validation["max_name_length"]),
    "gender": 8,
    "registration_number": 40,
    "employer": int(POLICY.validation["max_employer_length"]),
    "employer_province": 40,
    "specialty": 40,
}

# -- file limits (issue 12: untrusted roster files) ------------------------------------------------
# A roster file comes from a third party. Every number below is checked BEFORE the reader
# allocates for it, and the whole read runs in a child process (core.roster.cage) that cannot
# take more than CAGE_MEMORY_BYTES of address space or CAGE_CPU_SECONDS of CPU. A national
# roster (about 1,000,000 rows of 13 columns, ~150 MB as CSV) fits well inside every limit.
MAX_ROWS = 2_000_000            #: data rows (CSV: lines; XLSX: Excel's own cap below)
MAX_XLSX_ROWS = 1_048_576       #: Excel's own row limit: a sheet declaring more is not a workbook
MAX_COLUMNS = 256               #: columns of the header / of a sheet's declared or used area
MAX_CELLS = 40_000_000          #: rows x columns (declared dimension, used area, CSV separators)
MAX_FILE_BYTES = 512 * 1024**2  #: a file as given (the CLI; uploads are far smaller)
MAX_UNPACKED_BYTES = 768 * 1024**2  #: a .gz/.bz2/.xz/.zip CSV unpacked, or all XLSX parts
MAX_CELL_CHARS = 1_000_000      #: characters of one cell; a longer one refuses the file (issue
                                #: 27: a 704 MB cell in a 718 KB .csv.gz took the server to 4.5
                                #: GB). Up to it a field's own limit makes a row error (too_long)
CAGE_MEMORY_BYTES = 6 * 1024**3  #: RLIMIT_AS of the reading child (a 1M-row CSV needs ~3 GiB)
CAGE_CPU_SECONDS = 240          #: RLIMIT_CPU of the reading child
CAGE_WALL_SECONDS = 300         #: the parent stops waiting (and kills the child) after this
CAGE_OUTPUT_BYTES = 4 * 1024**3  #: what one child may hand back: each file (RLIMIT_FSIZE) and
                                 #: all of them together (checked by the parent before reading)
CAGE_SLOTS = 2                   #: cages running at once per process; more wait their turn
#: a roster this long has its columns read and checked by THREADS threads side by side (Arrow
#: and numpy let go of the GIL; measured by scripts/bench.py and scripts/bench_admin.py)
THREADED_ROWS, THREADS = 50_000, 2

# -- codes (POLICY.md) ----------------------------------------------------------------------------
REGIMES: tuple[str, ...] = POLICY.regimes  # pilot, batch2021, not_covered (policy.toml)
# The status codes live with their rules: R-4's in core.rules.specialty.STATUSES (beside
# status_at), R-6's in core.rules.certificate.USAGE_STATUSES (beside usage_window).
DUE_KINDS: tuple[str, ...] = ("apply_by", "lapses_on", "usage_until", "outdated", "age65")

# -- one palette (Okabe & Ito) -------------------------------------------------------------------
BLUE, ORANGE, SKY, GREEN, YELLOW, VERMILION, PURPLE = (
    "#0072B2", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#D55E00", "#CC79A7")
GREY, LIGHT_GREY, DARK_RED = "#7A7A7A", "#C9C3BE", "#8C2D04"

REGIME_COLOURS: dict[str, str] = {
    "pilot": BLUE, "batch2021": ORANGE, "not_covered": LIGHT_GREY, "unknown": YELLOW,
}
STATUS_COLOURS: dict[str, str] = {
    "valid": GREEN, "apply_now": ORANGE, "renewal_pending": SKY, "expired_not_lapsed": VERMILION,
    "lapsed": DARK_RED, "age_limit": PURPLE, "not_yet_valid": GREY, "not_covered": LIGHT_GREY,
    "invalid": "#FFFFFF",
}
DUE_KIND_COLOURS: dict[str, str] = {
    "apply_by": ORANGE, "lapses_on": VERMILION, "usage_until": SKY, "outdated": PURPLE,
}
#: Clause colours of the policy timeline (the regime a clause governs, two more for C-2.1.*).
CLAUSE_COLOURS: dict[str, str] = {
    "C-2.2.2": BLUE, "C-2.2.1": ORANGE, "C-2.1.1": PURPLE, "C-2.1.2": GREY,
}
