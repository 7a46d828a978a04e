"""The bundled C21/VCC-1 data is faithful to the seed and fit for planning.

The seed (the Council Chair's letter, Chinese) is parsed here, independently of
the data files, and compared row by row with ``data/c21-vcc1/agenda.yaml``.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from vccsched.loading import DEFAULT_MEETING_DIR, MeetingData, document_conflicts

REPO = Path(__file__).resolve().parent.parent
SEED = REPO.parent / "shared" / "seeds" / "000_173f980e17b099cb.txt"
COUNCIL_REFERENCE = REPO.parent / "shared" / "reference" / "council-2019-2022.md"

BOOKMARK = re.compile(r"\[bookmark: [^\]]*\]")
PREVIOUS_VCC = {"是": True, "是,": True, "是，但仍有必要": True, "否": False, "否:": False}
EN_BLOC_MARK = "1（一揽子批准）"


# --- the seed, parsed ------------------------------------------------------------


def _clean(cell: str) -> str:
    return BOOKMARK.sub("", cell).strip()


def _table_rows(lines: list[str]) -> list[list[str]]:
    """Rows of a table exported as text: a tab starts a cell, a blank line ends a row.

    A line without a leading tab continues the cell above (two document symbols).
    """
    rows: list[list[str]] = []
    row: list[str] = []
    cell: str | None = None
    for line in lines:
        if line.startswith("\t"):
            if cell is not None:
                row.append(cell)
            cell = line[1:]
        elif not line.strip():
            if cell is not None:
                row.append(cell)
                cell = None
            if row:
                rows.append(row)
                row = []
        else:
            cell = (cell or "") + "\n" + line
    if cell is not None:
        row.append(cell)
    if row:
        rows.append(row)
    return rows


def _missing(reason: str) -> None:
    # CI runs beside a copy of shared/, so there a missing source is a failure,
    # not a reason to skip the fidelity checks.
    if os.environ.get("CI"):
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def seed() -> dict[str, list[list[str]]]:
    """Annex 2 of the seed: ``items`` rows (7 cells) and ``inf`` rows (4 cells)."""
    if not SEED.is_file():
        _missing(f"seed letter not found at {SEED} (the tests expect ../shared/seeds next to the repo)")
    text = SEED.read_text(encoding="utf-8")
    annex2 = text[text.index("[bookmark: annex4]") :]
    table, inf = annex2.split("以下信息通报文件", 1)
    table = table[table.index("理事国的建议") :]
    items = [r for r in _table_rows(table.splitlines()[1:]) if r[0].strip().isdigit()]
    infs = [r for r in _table_rows(inf.splitlines()[1:]) if r[0].strip().startswith("INF")]
    assert all(len(r) == 7 for r in items) and all(len(r) == 4 for r in infs)
    return {"items": items, "inf": infs}


def _seed_previous(cell: str) -> bool | None:
    return PREVIOUS_VCC.get(_clean(cell))  # "-", "–" and empty -> None


def _seed_documents(cell: str) -> list[str]:
    return [s.strip() for s in _clean(cell).split("\n") if s.strip() and s.strip() != "-"]


# --- agenda: row by row against the seed --------------------------------------------


def test_seed_parses_to_76_rows_and_12_inf(seed):
    assert len(seed["items"]) == 76
    assert len(seed["inf"]) == 12


def test_items_match_the_seed_row_by_row(seed, c21: MeetingData):
    items = c21.agenda.items
    assert [i.number for i in items] == [int(r[0]) for r in seed["items"]]
    for row, item in zip(seed["items"], items, strict=True):
        where = f"item {item.number}"
        assert item.code == _clean(row[1]), where
        assert item.title.zh == _clean(row[2]), where
        assert item.previous_vcc is _seed_previous(row[3]), where
        assert item.documents == _seed_documents(row[4]), where
        group = _clean(row[5])
        assert item.proposed_group == (None if group == "-" else int(group[0])), where
        assert item.en_bloc is (group == EN_BLOC_MARK), where


def test_inf_documents_match_the_seed(seed, c21: MeetingData):
    infs = c21.agenda.inf
    assert [d.code for d in infs] == [f"INF {n}" for n in range(1, 13)]
    for row, doc in zip(seed["inf"], infs, strict=True):
        assert doc.code == _clean(row[0])
        assert doc.title.zh == _clean(row[1])
        assert doc.previous_vcc is _seed_previous(row[2]), doc.code
        assert doc.documents == [_clean(row[3])] == ["INF/#"]
    assert infs[11].previous_vcc is None  # the seed has "–"


def test_numbers_run_1_to_77_without_75(c21: MeetingData):
    assert c21.agenda.numbers == [n for n in range(1, 78) if n != 75]


def test_titles_are_clean_and_translated(c21: MeetingData):
    for entry in [*c21.agenda.items, *c21.agenda.inf]:
        for text in (entry.title.zh, entry.title.en):
            assert "[bookmark" not in text and text == text.strip() and text
        assert not re.search(r"[\u4e00-\u9fff]", entry.title.en), entry.title.en
    assert c21.agenda.item(1).title.en.startswith(
        "Report on the outcomes of the activities of the Council Working Group on WSIS & SDG (CWG-WSIS&SDG)"
    )
    assert c21.agenda.item(36).title.en == "Draft ITU biennial budget for 2022-2023"


def test_english_titles_carry_the_meaning_of_the_chinese(c21: MeetingData):
    # Item 1: 活动成果的报告 is a report on the *outcomes* of the activities, and 包括其实施情况
    # sits inside the parentheses with the resolutions it qualifies.
    one = c21.agenda.item(1)
    assert "活动成果" in one.title.zh
    assert one.title.en.startswith("Report on the outcomes of the activities of")
    assert one.title.en.endswith(
        "(Resolution 140, Resolutions 1281, 1332 (Modified) and 1334 (Modified), including their implementation)"
    )
    # Item 48: 全体会议工作组 is one body, the PP's "Working Group of the Plenary".
    forty_eight = c21.agenda.item(48)
    assert "全体会议工作组" in forty_eight.title.zh
    assert "its committees and of the Working Group of the Plenary" in forty_eight.title.en
    assert "plenary working groups" not in forty_eight.title.en.casefold()
    # Item 70: 联合国养恤金委员会 is the United Nations Joint Staff Pension Board.
    seventy = c21.agenda.item(70)
    assert "联合国养恤金委员会" in seventy.title.zh
    assert seventy.title.en == "ITU's membership of the United Nations Joint Staff Pension Board (UNJSPB)"


def test_item_52_keeps_the_letters_decision_11_with_a_note(c21: MeetingData):
    item = c21.agenda.item(52)
    assert item.title.zh == "信息通信技术发展基金（ICT-DF）（第11号决定）"
    assert item.title.en == "Information and Communication Technology Development Fund (ICT-DF) (Decision 11)"
    assert item.note_about == "title"
    assert "'第11号决定' (Decision 11)" in item.note
    assert "Resolution 11" in item.note and "Council Resolution 1338" in item.note
    # Like the other notes (and unlike the two document conflicts), no warning on stderr.
    assert not any("52" in w for w in c21.warnings)
    assert [i.number for i in c21.agenda.items if i.note_about != "previous_vcc"] == [52]


def test_documents_as_the_seed_writes_them(c21: MeetingData):
    a = c21.agenda
    assert a.item(14).documents == ["C20/19R1", "C21/19"]
    assert a.item(57).documents == ["C20/46R1", "C21/46"]
    assert a.item(4).documents == ["C20/18", "C21/18"]  # the seed has a trailing no-break space
    assert a.item(13).documents == ["C21/#"]
    assert a.item(32).documents == [] and a.item(71).documents == []


def test_previous_vcc_oddities(c21: MeetingData):
    a = c21.agenda
    assert a.item(31).previous_vcc is True
    assert "yes, but still necessary" in a.item(31).note
    assert a.item(47).previous_vcc is False  # "否:"
    assert a.item(57).previous_vcc is False  # "否 "
    assert a.item(66).previous_vcc is True  # "是,"
    assert a.item(37).previous_vcc is None and a.item(38).previous_vcc is None  # empty
    assert a.item(13).previous_vcc is None  # "-"


# --- counts, blocks, minutes ----------------------------------------------------------


def test_counts(c21: MeetingData):
    items = c21.agenda.items
    groups = Counter(i.proposed_group for i in items)
    assert len(items) == 76
    assert groups == {1: 57, 2: 18, None: 1}
    assert [i.number for i in items if i.proposed_group is None] == [32]
    assert sum(1 for i in items if i.proposed_group == 1 and i.en_bloc) == 5
    assert len(c21.agenda.inf) == 12


def test_en_bloc_items_form_one_block(c21: MeetingData):
    en_bloc = [i.number for i in c21.agenda.items if i.en_bloc]
    assert en_bloc == [1, 2, 7, 8, 9]
    assert [i.number for i in c21.agenda.items if i.block == "en-bloc"] == en_bloc
    assert all(c21.agenda.item(n).minutes <= 5 for n in en_bloc)


def test_budget_block_is_the_adm_1_rows(c21: MeetingData):
    adm1 = [i.number for i in c21.agenda.items if i.code == "ADM 1"]
    assert adm1 == [36, 37, 38, 39]
    assert [i.number for i in c21.agenda.items if i.block == "budget"] == adm1
    assert [n for n in adm1 if c21.agenda.item(n).proposed_group == 1] == [36, 37, 38]


def _usable(c21: MeetingData) -> int:
    return c21.meeting.window.minutes - c21.meeting.buffer_minutes


def test_every_item_has_minutes(c21: MeetingData):
    # Group 2 and item 32 too, so that a final grouping can move them into Group 1.
    assert [i.number for i in c21.agenda.items if i.minutes is None] == []


def test_group_1_fits_eight_of_nine_days_with_headroom(c21: MeetingData):
    usable = _usable(c21)
    assert usable == 160
    total = sum(i.minutes for i in c21.agenda.items if i.proposed_group == 1)
    assert 1150 <= total <= 1350
    assert total <= c21.meeting.max_days * usable
    assert math.ceil(total / usable) == 8, total


def test_budget_block_fits_one_day_with_the_buffer(c21: MeetingData):
    usable = _usable(c21)
    budget = [i for i in c21.agenda.items if i.block == "budget"]
    assert sum(i.minutes for i in budget if i.proposed_group == 1) <= usable
    assert sum(i.minutes for i in budget) <= usable  # even if item 39 is moved into Group 1
    longest = max(c21.agenda.items, key=lambda i: i.minutes)
    assert longest.number == 36


def test_estimates_follow_the_documented_basis(c21: MeetingData):
    g1 = [i for i in c21.agenda.items if i.proposed_group == 1 and not i.block]
    seen_before = [i.minutes for i in g1 if i.previous_vcc]
    new = [i.minutes for i in g1 if i.previous_vcc is False]
    assert seen_before and new
    assert max(seen_before) <= 20 and min(new) >= 20 and max(new) <= 45
    assert all(i.minutes % 5 == 0 for i in c21.agenda.items)


def test_document_conflicts_are_kept_and_warned(c21: MeetingData):
    expected = [
        "agenda.yaml: document C21/56 is given for items 37, 66; check which item it belongs to",
        "agenda.yaml: document C21/65 is given for items 6, 36; check which item it belongs to",
    ]
    assert c21.warnings == expected
    assert document_conflicts(c21.agenda) == expected


# --- meeting --------------------------------------------------------------------------


def test_meeting_settings_follow_annex_1(c21: MeetingData):
    m = c21.meeting
    assert m.id == "C21/VCC-1" and m.timezone == "Europe/Zurich"
    assert [d.isoformat() for d in m.dates] == [
        f"2021-06-{day:02d}" for day in (8, 9, 10, 11, 14, 15, 16, 17, 18)
    ]
    assert all(d.weekday() < 5 for d in m.dates)
    assert m.max_days == 9 and m.window.minutes == 180
    assert (m.window.start.isoformat(), m.window.end.isoformat()) == ("12:00:00", "15:00:00")
    assert m.contributions_due.isoformat() == "2021-05-25"  # 14 days before 8 June
    assert (m.contributions.deadline_days_before, m.contributions.max_pages) == (14, 2)
    assert m.grouping_reply_deadline.isoformat() == "2021-03-12"
    assert m.registration_opens.isoformat() == "2021-04-08"
    assert m.buffer_minutes == 20 and m.deferral_target == "C22"
    assert sorted(m.languages) == ["ar", "en", "es", "fr", "ru", "zh"]
    # The en-bloc package opens the first session (its block carries items 2, 7, 8, 9 along).
    assert [(p.item, p.on.isoformat(), p.first) for p in m.pins] == [(1, "2021-06-08", True)]
    start, _ = m.session_bounds(m.dates[0])
    assert start.utcoffset().total_seconds() == 2 * 3600  # Geneva summer time


# --- roster ---------------------------------------------------------------------------


def _reference_members() -> dict[str, list[str]]:
    if not COUNCIL_REFERENCE.is_file():
        _missing(f"Council reference not found at {COUNCIL_REFERENCE}")
    members = {}
    for line in COUNCIL_REFERENCE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\| ([A-E]) — [^|]+\| (\d+) \| (.+) \|$", line)
        if m:
            names = [n.strip() for n in m.group(3).split(";")]
            assert len(names) == int(m.group(2))
            members[m.group(1)] = names
    return members


def test_council_members_match_the_reference(c21: MeetingData):
    reference = _reference_members()
    members = c21.roster.council_members
    assert len(members) == 48 == sum(len(v) for v in reference.values())
    by_region = {r: [d.name for d in members if d.region == r] for r in "ABCDE"}
    assert by_region == reference
    assert all(d.voting_rights is True for d in members)
    assert all(re.fullmatch(r"[A-Z]{3}", d.id) for d in members)
    ids = {d.name: d.id for d in members}
    assert (ids["United States"], ids["Switzerland"], ids["Côte d'Ivoire"]) == ("USA", "CHE", "CIV")
    assert (ids["Korea (Rep. of)"], ids["Iran (Islamic Republic of)"]) == ("KOR", "IRN")


def test_roster_categories(c21: MeetingData):
    r = c21.roster
    assert r.example is True and "example" in r.note.lower()
    counts = Counter(d.category for d in r.delegations)
    assert counts["observer_state"] >= 8
    assert counts["palestine_observer"] == 1 and r.get("PSE").category == "palestine_observer"
    assert counts["chair"] == 1 and "Saif Bin Ghelaita" in r.get("VC").name
    sms = r.by_category("sector_member")
    assert len(sms) == 9
    assert Counter(d.sector for d in sms) == {"ITU-R": 3, "ITU-T": 3, "ITU-D": 3}
    assert all(d.name.startswith("Example") for d in sms)
    assert [d.id for d in r.by_category("secretariat")] == ["SG", "DSG", "BR", "TSB", "BDT"]


def test_roster_time_zones_are_real_and_spread(c21: MeetingData):
    for d in c21.roster.delegations:
        ZoneInfo(d.timezone)  # raises if unknown
    zones = {d.id: d.timezone for d in c21.roster.delegations}
    assert zones["USA"] == "America/New_York" and zones["RUS"] == "Europe/Moscow"
    assert zones["NZL"] == "Pacific/Auckland" and zones["PSE"] == "Asia/Hebron"
    assert zones["VC"] == "Asia/Dubai" and zones["SG"] == "Europe/Zurich"
    observers = [d for d in c21.roster.delegations if d.category == "observer_state"]
    assert all(d.region for d in observers)
    west = [d for d in observers if d.timezone.startswith("America/")]
    east = [d for d in observers if d.timezone.startswith(("Asia/", "Pacific/"))]
    assert west and east


# --- the CLI on the bundled data ----------------------------------------------------


def test_agenda_json_cli(cli):
    result = cli("agenda", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {"items", "inf"}
    assert len(payload["items"]) == 76 and len(payload["inf"]) == 12
    first = payload["items"][0]
    for key in ("number", "code", "title", "previous_vcc", "documents", "proposed_group",
                "en_bloc", "minutes", "block"):
        assert key in first
    assert payload["items"][0]["title"]["zh"].startswith("关于理事会信息社会世界峰会")
    assert "document C21/65 is given for items 6, 36" in result.stderr


def test_agenda_text_cli(cli):
    result = cli("agenda", "--meeting", str(DEFAULT_MEETING_DIR))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.split()[:2] == ["36", "ADM"] for line in lines)
    assert sum("INF" in line.split()[:2] for line in lines if line.strip()) == 12
