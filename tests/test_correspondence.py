"""The decision by correspondence (Rule 3.2): the form from a floor record, real filled
XLSX and CSV replies, and the tally under both majority rules.

The small meeting has six Council Members with the right to vote (so that exactly
half is possible), one without it, an observer, the chair and the secretariat. Its
floor record puts the conclusions on items 2 and 7 to a decision by correspondence.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pytest
from conftest import REPO, run_cli

from vccsched.correspondence.proposals import proposals_from_state
from vccsched.correspondence.replies import read_reply
from vccsched.correspondence.tally import tally
from vccsched.errors import CorrespondenceError
from vccsched.floor.replay import replay
from vccsched.floor.state import FloorSetup
from vccsched.loading import load_meeting

MEETING_YAML = """\
id: T21/VCC-9
timezone: Europe/Zurich
window: {start: "12:00", end: "15:00"}
dates: [2021-06-08, 2021-06-09]
max_days: 2
contribution_deadline: 2021-05-25
grouping_reply_deadline: 2021-03-12
"""

AGENDA_YAML = """\
items:
  - {number: 1, code: PL 1.01, title: {zh: 报告一, en: Report one}, previous_vcc: true, proposed_group: 1, en_bloc: true, minutes: 10}
  - {number: 2, code: PL 1.02, title: {zh: 运作规划, en: "Operational plan | <draft>"}, previous_vcc: false, proposed_group: 1, minutes: 30}
  - {number: 7, code: ADM 1, title: {zh: 预算, en: Budget}, previous_vcc: true, proposed_group: 1, minutes: 60}
"""

VOTERS = ["BRA", "CHE", "CIV", "FRA", "JPN", "KEN"]
ROSTER_YAML = """\
delegations:
  - {id: CHE, name: Switzerland, category: council_member, timezone: Europe/Zurich, voting_rights: true}
  - {id: FRA, name: France, category: council_member, timezone: Europe/Paris, voting_rights: true}
  - {id: KEN, name: Kenya, category: council_member, timezone: Africa/Nairobi, voting_rights: true}
  - {id: JPN, name: Japan, category: council_member, timezone: Asia/Tokyo, voting_rights: true}
  - {id: CIV, name: "Côte d'Ivoire", category: council_member, timezone: Africa/Abidjan, voting_rights: true}
  - {id: BRA, name: Brazil, category: council_member, timezone: America/Sao_Paulo, voting_rights: true}
  - {id: KOR, name: "Korea (Rep. of)", category: council_member, timezone: Asia/Seoul, voting_rights: false}
  - {id: AUT, name: Austria, category: observer_state, timezone: Europe/Vienna}
  - {id: SG, name: Secretary-General, category: secretariat, timezone: Europe/Zurich}
  - {id: VC, name: Vice-Chair, category: chair, timezone: Europe/Zurich}
"""

PLAN_TEXT = "The Council approved the operational plan."
BUDGET_TEXT = "The Council approved the draft budget 2022-2023."


def _line(at: str, command: dict) -> str:
    return json.dumps({"actor": "VC", "at": f"2021-06-08T{at}+02:00", "command": command})


LOG = "\n".join([
    _line("12:00:00", {"type": "open_item", "id": "o2", "item": 2}),
    _line("12:10:00", {"type": "record_conclusion", "id": "c2", "conclusion": PLAN_TEXT, "by_correspondence": True}),
    _line("12:11:00", {"type": "close_item", "id": "x2"}),
    _line("12:12:00", {"type": "open_item", "id": "o7", "item": 7}),
    _line("12:40:00", {"type": "record_conclusion", "id": "c7", "conclusion": BUDGET_TEXT, "by_correspondence": True}),
    _line("12:41:00", {"type": "close_item", "id": "x7"}),
]) + "\n"


@pytest.fixture(scope="module")
def round_dir(tmp_path_factory) -> dict[str, Path]:
    """The meeting folder, its floor log and the two forms (written once by the CLI)."""
    folder = tmp_path_factory.mktemp("correspondence")
    meeting = folder / "meeting"
    meeting.mkdir()
    (meeting / "meeting.yaml").write_text(MEETING_YAML, encoding="utf-8")
    (meeting / "agenda.yaml").write_text(AGENDA_YAML, encoding="utf-8")
    (meeting / "roster.yaml").write_text(ROSTER_YAML, encoding="utf-8")
    log = folder / "floor.jsonl"
    log.write_text(LOG, encoding="utf-8")
    paths = {"meeting": meeting, "log": log}
    for ext in ("xlsx", "csv"):
        paths[ext] = folder / f"form.{ext}"
        result = run_cli("correspondence", "form", "--meeting", str(meeting), "--log", str(log),
                         "--out", str(paths[ext]), "--deadline", "2021-06-30")
        assert result.returncode == 0, result.stderr
    return paths


def fill_xlsx(form: Path, out: Path, *, member: str | None, date: object, answers: dict[int, object]) -> Path:
    """Fill the XLSX form as a Member State would: the two cells, then replies by item number."""
    wb = openpyxl.load_workbook(form)
    ws = wb["Correspondence"]
    labels = {ws.cell(row=r, column=1).value: r for r in range(1, 10)}
    if member is not None:
        ws.cell(row=labels["Member State (name or ISO code):"], column=3, value=member)
    if date is not None:
        ws.cell(row=labels["Date of reply (YYYY-MM-DD):"], column=3, value=date)
    rows = {ws.cell(row=r, column=1).value: r for r in range(1, ws.max_row + 1)}
    for number, value in answers.items():
        ws.cell(row=rows[number], column=6, value=value)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def fill_csv(form: Path, out: Path, *, member: str, date: str, answers: dict[int, str], delimiter: str = ",") -> Path:
    rows = list(csv.reader(io.StringIO(form.read_text(encoding="utf-8-sig"), newline="")))
    for row in rows:
        if row and row[0] == "member_state":
            row[1] = member
        elif row and row[0] == "reply_date":
            row[1] = date
        elif row and row[0].isdigit() and int(row[0]) in answers:
            row[5] = answers[int(row[0])]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(buffer.getvalue(), encoding="utf-8")
    return out


def proposals(round_dir):
    data = load_meeting(round_dir["meeting"])
    state = replay(round_dir["log"].read_text(encoding="utf-8").splitlines(), FloorSetup.from_meeting(data)).state
    return data, proposals_from_state(state, data)


def count(round_dir, files, **options):
    """Tally real reply files with the record's conclusions; the result by item number."""
    data, put = proposals(round_dir)
    result = tally(data, [read_reply(f) for f in files], proposals=put, **options)
    return result, {p.number: p for p in result.proposals}


def replies_from(round_dir, folder: Path, answers: dict[str, dict[int, str]], date="2021-06-20"):
    """One XLSX reply per member id."""
    return [fill_xlsx(round_dir["xlsx"], folder / f"{member.lower()}.xlsx", member=member, date=date, answers=a)
            for member, a in answers.items()]


# --------------------------------------------------------------------------- the form


def test_the_form_lists_the_conclusions_put_to_the_vote(round_dir):
    wb = openpyxl.load_workbook(round_dir["xlsx"])
    ws = wb["Correspondence"]
    header = [c.value for c in ws[8]]
    assert header == ["number", "agenda code", "title (zh)", "title (en)", "proposed conclusion",
                      "Council Member's reply (approve, object or abstain)"]
    assert [(r[0].value, r[1].value, r[2].value, r[4].value) for r in ws.iter_rows(min_row=9)] == [
        (2, "PL 1.02", "运作规划", PLAN_TEXT), (7, "ADM 1", "预算", BUDGET_TEXT)]
    assert "4 of the 6 Council Members with the right to vote" in ws["A2"].value
    assert "reply by 30 June 2021" in ws["A2"].value
    [validation] = [v for v in ws.data_validations.dataValidation if v.type == "list"]
    assert validation.formula1 == '"approve,object,abstain"' and str(validation.sqref) == "F9:F10"
    assert (ws["A6"].value, ws["C6"].value.date()) == ("Reply by:", dt.date(2021, 6, 30))
    text = round_dir["csv"].read_bytes().decode("utf-8-sig")
    # The deadline line comes first (it was missing although --help says the form shows it).
    assert text.startswith("reply_deadline,2021-06-30\r\nmember_state,\r\nreply_date,\r\n\r\nnumber,agenda code,")
    assert f"7,ADM 1,预算,Budget,{BUDGET_TEXT}," in text


def test_the_form_is_the_same_bytes_every_time(round_dir, tmp_path):
    again = tmp_path / "again.xlsx"
    result = run_cli("correspondence", "form", "--meeting", str(round_dir["meeting"]), "--log",
                     str(round_dir["log"]), "--out", str(again), "--deadline", "2021-06-30")
    assert result.returncode == 0, result.stderr
    assert again.read_bytes() == round_dir["xlsx"].read_bytes()


def test_forms_from_the_bundled_floor_logs(tmp_path):
    for log, item in (("c21-vcc1-day1.jsonl", 12), ("c21-vcc1-budget.jsonl", 36)):
        out = tmp_path / f"{item}.csv"
        result = run_cli("correspondence", "form", "--log", str(REPO / "tests" / "floor_logs" / log),
                         "--out", str(out))
        assert result.returncode == 0, result.stderr
        rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
        assert [r[0] for r in rows[4:]] == [str(item)]
        assert "25 of the 48 Council Members with the right to vote" in result.stderr
        # The day-1 log ends with item 12 still open: its conclusion may yet change.
        warned = "warning: item 12 is still open at the end of the record" in result.stderr
        assert warned == (item == 12)


@pytest.mark.parametrize("name", ["b.txt", "form"])
def test_the_form_refuses_an_unknown_format_as_bad_input(tmp_path, name):
    result = run_cli("correspondence", "form", "--out", str(tmp_path / name))
    assert result.returncode == 2, result.stderr  # bad input (README), as tally's --out r.txt
    assert result.stderr.startswith(f"Form format: {tmp_path / name}: unknown form format")
    assert "name the form FILE.xlsx (Excel) or FILE.csv" in result.stderr and "Traceback" not in result.stderr


def test_a_record_without_such_conclusions_has_nothing_to_put_to_the_vote(round_dir, tmp_path):
    log = tmp_path / "plain.jsonl"
    log.write_text(_line("12:00:00", {"type": "open_item", "id": "o", "item": 2}) + "\n", encoding="utf-8")
    result = run_cli("correspondence", "form", "--meeting", str(round_dir["meeting"]), "--log", str(log),
                     "--out", str(tmp_path / "f.xlsx"))
    assert result.returncode == 1
    assert result.stderr.startswith("Nothing to put to the vote: the floor's record has no proposed "
                                    "conclusion for a decision by correspondence")
    assert not (tmp_path / "f.xlsx").exists()


# --------------------------------------------------------------------------- the majority


def test_exactly_half_of_the_voters_approving_fails_and_half_plus_one_passes(round_dir, tmp_path):
    # Item 2: three of six approve (exactly half); item 7: four of six (half plus one).
    files = replies_from(round_dir, tmp_path, {
        "CHE": {2: "approve", 7: "approve"},
        "FRA": {2: "approve", 7: "approve"},
        "KEN": {2: "approve", 7: "approve"},
        "JPN": {2: "object", 7: "approve"},
        "CIV": {2: "abstain", 7: "object"},
    })
    result, by_item = count(round_dir, files)
    assert (by_item[2].result, len(by_item[2].approve), by_item[2].needed, by_item[2].base) == ("not approved", 3, 4, 6)
    assert (by_item[7].result, len(by_item[7].approve), by_item[7].needed) == ("approved", 4, 4)
    assert by_item[2].no_reply == ["BRA"]
    assert result.rule == "of-voting-members" and result.voters == 6


def test_of_replies_counts_the_majority_of_valid_replies(round_dir, tmp_path):
    files = replies_from(round_dir, tmp_path, {
        "CHE": {2: "approve", 7: "approve"},
        "FRA": {2: "approve", 7: "approve"},
        "JPN": {2: "object", 7: "object"},
        "KEN": {7: "abstain"},  # an abstention is a valid reply: it weighs against
    })
    _, members = count(round_dir, files)
    _, replies = count(round_dir, files, rule="of-replies")
    # Item 2: 2 of 3 valid replies approve: passes of the replies, not of the 6 voters.
    assert (members[2].result, replies[2].result) == ("not approved", "approved")
    assert (replies[2].needed, replies[2].base) == (2, 3)
    # Item 7: 2 of 4 valid replies is exactly half: fails under both rules.
    assert (members[7].result, replies[7].result, replies[7].needed) == ("not approved", "not approved", 3)


def test_only_council_members_with_the_right_to_vote_count(round_dir, tmp_path):
    files = replies_from(round_dir, tmp_path, {
        "CHE": {2: "approve"}, "FRA": {2: "approve"}, "KEN": {2: "approve"},
        "KOR": {2: "approve"},  # a Council Member without the right to vote
        "Austria": {2: "approve"},  # an observer
    })
    result, by_item = count(round_dir, files)
    assert by_item[2].approve == ["CHE", "FRA", "KEN"] and by_item[2].result == "not approved"
    status = {s.member_id: s for s in result.replies}
    assert not status["KOR"].counted and not status["AUT"].counted
    messages = [str(p) for p in result.problems]
    assert (f"{tmp_path / 'kor.xlsx'}, sheet 'Correspondence', row 4, column C (Member State): Korea "
            "(Rep. of) (KOR) is a Council Member without the right to vote (Rule 3.2): the reply is "
            "reported and not counted") in messages
    assert (f"{tmp_path / 'austria.xlsx'}, sheet 'Correspondence', row 4, column C (Member State): "
            "Austria (AUT) is an observer Member State, not a Council Member: the reply is reported and "
            "not counted") in messages


def test_two_replies_from_one_member_the_later_counts(round_dir, tmp_path):
    first = fill_xlsx(round_dir["xlsx"], tmp_path / "che-1.xlsx", member="CHE", date=dt.date(2021, 6, 20),
                      answers={2: "object"})
    second = fill_csv(round_dir["csv"], tmp_path / "che-2.csv", member="Switzerland", date="2021-06-22",
                      answers={2: "approve"}, delimiter=";")
    result, by_item = count(round_dir, [first, second])
    assert by_item[2].approve == ["CHE"] and by_item[2].object == []
    messages = [str(p) for p in result.problems]
    assert any(m.startswith(f"{first}, sheet 'Correspondence', row 4, column C (Member State): Switzerland "
                            f"replied more than once; this reply (dated 2021-06-20) is replaced by {second}")
               for m in messages)


def test_a_late_reply_is_reported_and_not_counted(round_dir, tmp_path):
    on_time, late = replies_from(round_dir, tmp_path, {"CHE": {2: "approve"}}, date="2021-06-30") + \
        replies_from(round_dir, tmp_path, {"FRA": {2: "approve"}}, date="2021-07-01")
    result, by_item = count(round_dir, [on_time, late], deadline=dt.date(2021, 6, 30))
    assert by_item[2].approve == ["CHE"]
    assert (f"{late}, sheet 'Correspondence', row 5, column C (Date of reply): late reply from France: "
            "dated 2021-07-01, after the deadline 2021-06-30; not counted") in [str(p) for p in result.problems]
    # The secretariat's record of arrival decides.
    _, by_item = count(round_dir, [on_time, late], deadline=dt.date(2021, 6, 30),
                       received={str(late): dt.date(2021, 6, 29)})
    assert by_item[2].approve == ["CHE", "FRA"]


def test_an_unreadable_cell_is_reported_and_the_rest_counts(round_dir, tmp_path):
    [reply] = replies_from(round_dir, tmp_path, {"CHE": {2: "yes", 7: " Approve "}})
    result, by_item = count(round_dir, [reply])
    assert by_item[2].valid == 0 and by_item[7].approve == ["CHE"]
    # "this reply is not counted" was wrong: only the answer is left out, the rest of the reply counts.
    assert (f"{reply}, sheet 'Correspondence', row 9, column F (Council Member's reply): expected approve, "
            "object, abstain or blank, found 'yes'; this answer is not counted (the rest of the reply is)"
            ) in [str(p) for p in result.problems]


def test_an_unreadable_answer_in_a_csv_reply_is_named_by_section_and_counted_as_invalid(round_dir, tmp_path):
    folder = tmp_path / "replies"
    fill_csv(round_dir["csv"], folder / "che.csv", member="CHE", date="2021-06-20", answers={2: "yes", 7: "approve"})
    replies_from(round_dir, folder, {"FRA": {2: "approve"}})
    out = tmp_path / "result.md"
    result = run_cli("correspondence", "tally", "--meeting", str(round_dir["meeting"]), str(folder),
                     "--log", str(round_dir["log"]), "--out", str(out))
    assert result.returncode == 0, result.stderr
    csv_reply = folder / "che.csv"
    # A CSV has no sheet: the place is its section, as for the grouping's CSV.
    assert (f"problem: {csv_reply}, section 'Correspondence', row 6, column F (Council Member's reply): "
            "expected approve, object, abstain or blank, found 'yes'; this answer is not counted "
            "(the rest of the reply is)") in result.stderr
    assert "sheet 'Correspondence'" not in result.stderr.split(str(folder / "fra.xlsx"))[0]
    assert "item 2: not approved (1 approve, 0 object, 0 abstain, 1 invalid answer; 4 of 6 needed)" in result.stderr
    text = out.read_text(encoding="utf-8")
    # Switzerland answered item 2, unreadably: an invalid answer, not "No reply"; its reply counts.
    assert "| 2 | PL 1.02 | Operational plan \\| &lt;draft> | 1 | 0 | 0 | 1 | 4 | 4 of 6 | **not approved** |" in text
    assert "- Invalid answer, not counted (1): Switzerland (CHE)." in text
    assert "- No reply (4): Kenya (KEN), Japan (JPN), Côte d'Ivoire (CIV), Brazil (BRA)." in text
    assert "che.csv | Switzerland (CHE) | 2021-06-20 | no | yes |" in text
    assert ("che.csv (Switzerland (CHE), 2021-06-20): counted; its answer on item 2 ('yes') is not "
            "approve, object or abstain and is not counted; the rest of the reply is.") in text
    assert "| 7 | ADM 1 | Budget | 1 | 0 | 0 | 0 | 5 | 4 of 6 | **not approved** |" in text  # CHE's approval
    data, put = proposals(round_dir)
    tallied = tally(data, [read_reply(csv_reply)], proposals=put)
    assert (tallied.proposals[0].invalid, tallied.proposals[1].approve) == (["CHE"], ["CHE"])


def test_a_reply_to_another_text_is_not_counted(round_dir, tmp_path):
    [reply] = replies_from(round_dir, tmp_path, {"CHE": {2: "approve", 7: "approve"}})
    wb = openpyxl.load_workbook(reply)
    wb["Correspondence"]["E10"] = "The Council approved a smaller budget."
    wb.save(reply)
    [other] = replies_from(round_dir, tmp_path, {"FRA": {7: "approve"}})
    result, by_item = count(round_dir, [reply, other])
    assert by_item[2].approve == ["CHE"] and by_item[7].approve == ["FRA"]
    assert any("column E (proposed conclusion): the conclusion on item 7 differs from the one put to "
               "the vote" in str(p) for p in result.problems)
    # Without the record the tally cannot tell which text was voted on: the item is not tallied.
    data = load_meeting(round_dir["meeting"])
    result = tally(data, [read_reply(reply), read_reply(other)])
    by_item = {p.number: p for p in result.proposals}
    assert by_item[7].result == "not tallied" and by_item[2].result == "not approved"
    assert result.source == "forms"


def test_a_conclusion_that_differs_only_by_line_breaks_or_spaces_is_the_same_text(round_dir, tmp_path):
    # A Member State's spreadsheet wraps the long conclusion or doubles a space: its vote is valid,
    # against the record and against the other forms alike.
    wrapped = BUDGET_TEXT.replace(" approved ", "  approved\n").replace(" 2022", "\r\n 2022") + " "
    assert wrapped != BUDGET_TEXT and wrapped.split() == BUDGET_TEXT.split()
    che, fra = replies_from(round_dir, tmp_path, {"CHE": {7: "approve"}, "FRA": {7: "approve"}})
    wb = openpyxl.load_workbook(che)
    wb["Correspondence"]["E10"] = wrapped
    wb.save(che)
    assert read_reply(che).rows[1].conclusion == wrapped  # the text as written reaches the tally
    result, by_item = count(round_dir, [che, fra])
    assert by_item[7].approve == ["CHE", "FRA"] and by_item[7].valid == 2
    assert not any("differs" in str(p) for p in result.problems)
    # Without the record, the forms agree with each other: item 7 is tallied.
    data = load_meeting(round_dir["meeting"])
    result = tally(data, [read_reply(che), read_reply(fra)])
    by_item = {p.number: p for p in result.proposals}
    assert by_item[7].result == "not approved" and by_item[7].approve == ["CHE", "FRA"]
    assert by_item[7].conclusion == BUDGET_TEXT
    assert not any("reads differently" in str(p) for p in result.problems)


def test_an_ambiguous_sender_name_is_reported_not_credited_to_the_first_match(round_dir, tmp_path):
    # "Korea" names two Council Members of this roster: the reply cannot be credited to either.
    import dataclasses

    from vccsched.models import Delegation

    data = load_meeting(round_dir["meeting"])
    prk = Delegation(id="PRK", name="Korea (Dem. People's Rep. of)", category="council_member",
                     timezone="Asia/Pyongyang", voting_rights=True)
    data = dataclasses.replace(data, roster=data.roster.model_copy(
        update={"delegations": [prk, *data.roster.delegations]}))
    state = replay(round_dir["log"].read_text(encoding="utf-8").splitlines(), FloorSetup.from_meeting(data)).state
    put = proposals_from_state(state, data)
    korea, che = replies_from(round_dir, tmp_path, {"Korea": {2: "approve"}, "CHE": {2: "approve"}})
    result = tally(data, [read_reply(korea), read_reply(che)], proposals=put)
    assert result.voters == 7
    by_item = {p.number: p for p in result.proposals}
    assert by_item[2].approve == ["CHE"] and "PRK" in by_item[2].no_reply
    status = {s.file: s for s in result.replies}
    assert not status[str(korea)].counted and status[str(korea)].member_id is None
    [problem] = [str(p) for p in result.problems if p.file == str(korea)]
    assert problem.startswith(f"{korea}, sheet 'Correspondence', row 4, column C (Member State): ")
    assert problem.endswith("ambiguous sender 'Korea': it names Korea (Dem. People's Rep. of) (PRK), "
                            "Korea (Rep. of) (KOR); write the sender's ISO code; the reply is not counted")
    # Its ISO code is not ambiguous.
    [by_code] = replies_from(round_dir, tmp_path / "code", {"PRK": {2: "approve"}})
    result = tally(data, [read_reply(by_code)], proposals=put)
    assert {p.number: p for p in result.proposals}[2].approve == ["PRK"]


def test_an_answer_on_an_item_not_put_to_the_vote_is_reported_and_the_rest_of_the_reply_counts(round_dir, tmp_path):
    data, put = proposals(round_dir)
    [reply] = replies_from(round_dir, tmp_path, {"CHE": {2: "approve", 7: "approve"}})
    only_budget = [p for p in put if p.number == 7]
    result = tally(data, [read_reply(reply)], proposals=only_budget)
    assert [(p.number, p.approve) for p in result.proposals] == [(7, ["CHE"])]  # the row after it still counts
    assert [str(p) for p in result.problems] == [
        f"{reply}, sheet 'Correspondence', row 9, column A (number): item 2 has no conclusion for decision "
        "by correspondence in the record; the reply 'approve' is not counted"]
    # Without the record, an item whose conclusion no form carries is not put to the vote either.
    wb = openpyxl.load_workbook(reply)
    wb["Correspondence"]["E9"] = None
    wb.save(reply)
    result = tally(data, [read_reply(reply)])
    assert [(p.number, p.approve) for p in result.proposals] == [(7, ["CHE"])]
    assert [str(p) for p in result.problems] == [
        f"{reply}, sheet 'Correspondence', row 9, column A (number): item 2 has no conclusion for decision "
        "by correspondence in the forms; the reply 'approve' is not counted"]


def test_a_reply_to_another_text_on_one_item_still_counts_on_the_next(round_dir, tmp_path):
    [reply] = replies_from(round_dir, tmp_path, {"CHE": {2: "approve", 7: "object"}})
    wb = openpyxl.load_workbook(reply)
    wb["Correspondence"]["E9"] = "The Council noted the operational plan."
    wb.save(reply)
    result, by_item = count(round_dir, [reply])
    assert (by_item[2].approve, by_item[2].valid, by_item[7].object) == ([], 0, ["CHE"])
    assert [str(p) for p in result.problems] == [
        f"{reply}, sheet 'Correspondence', row 9, column E (proposed conclusion): the conclusion on item 2 "
        f"differs from the one put to the vote ({PLAN_TEXT!r}); the reply 'approve' is not counted: ask the "
        "Member State to confirm it on the text of the record"]
    # Without the record: two forms that read differently name the cell of the one that differs, and
    # nothing else (their answers on it were reported as if no form carried the conclusion).
    [other] = replies_from(round_dir, tmp_path / "other", {"FRA": {2: "approve"}})
    data = load_meeting(round_dir["meeting"])
    result = tally(data, [read_reply(reply), read_reply(other)])
    by_item = {p.number: p for p in result.proposals}
    assert by_item[2].result == "not tallied" and by_item[7].object == ["CHE"]  # the next row still counts
    assert by_item[2].notes == ["the counted forms carry different texts of this conclusion; tally it again "
                                "with --log or --db"]
    assert [str(p) for p in result.problems] == [
        f"{other}, sheet 'Correspondence', row 9, column E (proposed conclusion): the conclusion on item 2 "
        f"reads differently here than in {reply}; without the record (--log or --db) the tally cannot tell "
        "which text was put to the vote: item 2 is not tallied"]


def test_an_item_written_twice_in_one_reply_counts_once_if_the_answers_agree(round_dir, tmp_path):
    def reply_with(answers: list[tuple[int, str]], name: str):
        rows = list(csv.reader(io.StringIO(round_dir["csv"].read_text(encoding="utf-8-sig"), newline="")))
        head = [r for r in rows if not (r and r[0].isdigit())]
        by_number = {int(r[0]): r for r in rows if r and r[0].isdigit()}
        for row in head:
            if row and row[0] == "member_state":
                row[1] = "CHE"
            elif row and row[0] == "reply_date":
                row[1] = "2021-06-20"
        body = [[*by_number[n][:5], answer] for n, answer in answers]
        out = tmp_path / name
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows([*head, *body])
        out.write_text(buffer.getvalue(), encoding="utf-8")
        return out

    same = reply_with([(2, "approve"), (7, "object"), (7, "object")], "same.csv")
    result, by_item = count(round_dir, [same])
    assert (by_item[2].approve, by_item[7].object) == (["CHE"], ["CHE"])
    assert [str(p) for p in result.problems] == [
        f"{same}, section 'Correspondence', row 8, column A (number): item 7 appears in rows 7, 8 with the "
        "same reply; counted once"]
    differ = reply_with([(7, "object"), (2, "approve"), (7, "approve")], "differ.csv")
    result, by_item = count(round_dir, [differ])
    assert (by_item[2].approve, by_item[7].valid) == (["CHE"], 0) and "CHE" in by_item[7].no_reply
    assert [str(p) for p in result.problems] == [
        f"{differ}, section 'Correspondence', row 8, column A (number): item 7 appears in rows 6, 8 with "
        "different replies; neither is counted"]


def test_the_rule_is_stated_with_its_numbers_and_bad_calls_are_named(round_dir, tmp_path):
    data, put = proposals(round_dir)
    files = replies_from(round_dir, tmp_path, {"CHE": {2: "approve"}})
    replies = [read_reply(f) for f in files]
    assert tally(data, replies, proposals=put).rule_text == (
        "of-voting-members: a proposal is approved when at least 4 of the 6 Council Members with the right "
        "to vote approve it (more than half of all of them, whether they replied or not).")
    assert tally(data, replies, proposals=put, rule="of-replies").rule_text == (
        "of-replies: a proposal is approved when more than half of the valid replies on it (approve, object "
        "or abstain from a Council Member with the right to vote) approve it; an abstention counts as a "
        "valid reply.")
    with pytest.raises(CorrespondenceError) as caught:
        tally(data, replies, proposals=put, rule="half")  # type: ignore[arg-type]
    assert caught.value.message == "unknown majority rule 'half'; expected one of of-voting-members, of-replies"
    with pytest.raises(CorrespondenceError) as caught:
        tally(data, [], proposals=put)
    assert (caught.value.title, caught.value.message) == (
        "Nothing to tally", "no reply files given; pass the filled forms (.xlsx or .csv) or a folder holding them")
    late = replies_from(round_dir, tmp_path / "late", {"FRA": {2: "approve"}}, date="2021-07-01")
    with pytest.raises(CorrespondenceError) as caught:
        tally(data, [read_reply(f) for f in late], proposals=put, deadline=dt.date(2021, 6, 30))
    error = caught.value
    assert error.title == "Nothing to tally"
    assert error.message == ("none of the 1 reply file(s) can be counted: no reply from a Council Member with "
                             "the right to vote, with a date of reply on or before 2021-06-30")
    assert error.details == [f"{late[0]}, sheet 'Correspondence', row 5, column C (Date of reply): late reply "
                             "from France: dated 2021-07-01, after the deadline 2021-06-30; not counted"]
    observer = replies_from(round_dir, tmp_path / "observer", {"AUT": {2: "approve"}})
    with pytest.raises(CorrespondenceError) as caught:
        tally(data, [read_reply(f) for f in observer], proposals=put)  # no deadline: none said
    assert caught.value.message == ("none of the 1 reply file(s) can be counted: no reply from a Council Member "
                                    "with the right to vote, with a date of reply")


def test_notes_say_when_the_item_was_still_open_or_the_floors_majority_differs_from_the_rosters(round_dir, tmp_path):
    data, put = proposals(round_dir)
    assert [(p.number, p.majority_needed, p.item_open) for p in put] == [(2, 4, False), (7, 4, False)]
    replies = [read_reply(f) for f in replies_from(round_dir, tmp_path, {"CHE": {2: "approve", 7: "approve"}})]
    result = tally(data, replies, proposals=put, deadline=dt.date(2021, 6, 30))
    assert result.deadline == dt.date(2021, 6, 30)
    assert [p.notes for p in result.proposals] == [[], []]
    # The floor counted 5 voters' majority (a roster since changed); item 7 still open when the record ends.
    changed = [put[0].model_copy(update={"majority_needed": 5}),
               put[1].model_copy(update={"majority_needed": None, "item_open": True})]
    result = tally(data, replies, proposals=changed)
    assert [p.notes for p in result.proposals] == [
        ["the floor recorded 5 as the majority needed; the roster now has 6 Council Members with the right to vote"],
        ["the item was still open when the record ends; the conclusion may have changed"],
    ]
    assert [p.needed for p in result.proposals] == [4, 4]  # the roster decides


def test_nothing_countable_is_an_error(round_dir, tmp_path):
    files = replies_from(round_dir, tmp_path, {"KOR": {2: "approve"}, "AUT": {2: "approve"}})
    data, put = proposals(round_dir)
    with pytest.raises(CorrespondenceError, match="none of the 2 reply file"):
        tally(data, [read_reply(f) for f in files], proposals=put)


# --------------------------------------------------------------------------- the command


def test_tally_command_writes_markdown_and_json(round_dir, tmp_path):
    folder = tmp_path / "replies"
    replies_from(round_dir, folder, {m: {2: "approve", 7: "object"} for m in VOTERS[:4]})
    fill_csv(round_dir["csv"], folder / "ken-late.csv", member="KEN", date="2021-07-02", answers={2: "approve"})
    base = ["correspondence", "tally", "--meeting", str(round_dir["meeting"]), str(folder),
            "--deadline", "2021-06-30", "--log", str(round_dir["log"])]
    result = run_cli(*base, "--out", str(tmp_path / "result.md"))
    assert result.returncode == 0, result.stderr
    assert "item 2: approved (4 approve, 0 object, 0 abstain; 4 of 6 needed)" in result.stderr
    assert "item 7: not approved (0 approve, 4 object, 0 abstain; 4 of 6 needed)" in result.stderr
    assert "late reply from Kenya: dated 2021-07-02, after the deadline 2021-06-30; not counted" in result.stderr
    text = (tmp_path / "result.md").read_text(encoding="utf-8")
    assert "| 2 | PL 1.02 | Operational plan \\| &lt;draft> | 4 | 0 | 0 | 2 | 4 of 6 | **approved** |" in text
    assert "- Approve (4): Brazil (BRA), Switzerland (CHE), Côte d'Ivoire (CIV), France (FRA)." in text
    assert "- Majority rule of-voting-members: a proposal is approved when at least 4 of the 6" in text
    result = run_cli(*base, "--out", str(tmp_path / "result.json"), "--majority", "of-replies")
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert data["rule"] == "of-replies" and data["source"] == "record" and data["voters"] == 6
    assert [(p["number"], p["result"], p["approve"]) for p in data["proposals"]] == [
        (2, "approved", ["BRA", "CHE", "CIV", "FRA"]), (7, "not approved", [])]
    late = next(r for r in data["replies"] if r["file"].endswith("ken-late.csv"))
    assert late["late"] and not late["counted"]


@pytest.mark.parametrize(
    ("args", "status", "phrase"),
    [
        (["--out", "r.txt"], 2, "unknown result format '.txt'; name the result FILE.md (Markdown) or FILE.json"),
        (["--out", "r.md", "--deadline", "30.6.2021"], 2, "--deadline '30.6.2021': expected a date as YYYY-MM-DD"),
        (["--out", "r.md", "--majority", "two-thirds"], 2, "Invalid value for '--majority'"),
        # Without pydantic's "Value error, " between the option and the message.
        (["--out", "r.md", "--majority", "half"], 2,
         "Invalid value for '--majority': 'half' is not one of 'of-voting-members', 'of-replies'."),
        (["--out", "form.xlsx/r.md"], 2, "is a file, not a folder; choose another path"),
    ],
)
def test_tally_command_bad_options(round_dir, tmp_path, args, status, phrase):
    [reply] = replies_from(round_dir, tmp_path, {"CHE": {2: "approve"}})
    args = [str(tmp_path / a) if a in ("r.txt", "r.md") else (f"{reply}/r.md" if a == "form.xlsx/r.md" else a)
            for a in args]
    result = run_cli("correspondence", "tally", "--meeting", str(round_dir["meeting"]), str(reply), *args)
    assert result.returncode == status, result.stderr
    assert phrase in result.stderr and "Traceback" not in result.stderr


def test_a_grouping_form_is_not_a_correspondence_reply(tmp_path, round_dir):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "number"
    wb.active["B1"] = "Council Member's choice (1 or 2)"
    wb.save(tmp_path / "grouping.xlsx")
    result = run_cli("correspondence", "tally", "--meeting", str(round_dir["meeting"]),
                     str(tmp_path / "grouping.xlsx"), "--out", str(tmp_path / "r.md"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"Unreadable reply: {tmp_path / 'grouping.xlsx'}: no table header row "
                                    "found (sheet 'Sheet'); expected a row with the columns 'number' and "
                                    "'Council Member's reply (approve, object or abstain)'")


def test_the_shared_reader_names_mixed_up_files_for_this_round_too(round_dir, tmp_path):
    from vccsched.errors import DataError

    reply = fill_csv(round_dir["csv"], tmp_path / "che.csv", member="CHE", date="2021-06-20", answers={2: "approve"})
    renamed = tmp_path / "che.xlsx"
    renamed.write_bytes(reply.read_bytes())
    with pytest.raises(DataError, match="a CSV reply form named .xlsx, not an Excel workbook; rename it to .csv"):
        read_reply(renamed)
    assert [(r.item, r.answer) for r in read_reply(reply).rows] == [(2, "approve"), (7, None)]
