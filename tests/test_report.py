"""``vccsched report``: the report of proposed conclusions from the two floor logs.

The Markdown and HTML reports are compared with golden files in tests/golden/.
When a change of the report or of data/c21-vcc1 is intended, rewrite them with
``VCCSCHED_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_report.py`` and
review the diff before committing.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, run_cli

from vccsched.floor.engine import Floor
from vccsched.floor.replay import replay
from vccsched.floor.state import FloorSetup
from vccsched.render import render_plan
from vccsched.report import build_report, render_report

LOGS = REPO / "tests" / "floor_logs"
DAY1 = LOGS / "c21-vcc1-day1.jsonl"
BUDGET = LOGS / "c21-vcc1-budget.jsonl"
GOLDEN = REPO / "tests" / "golden"
UPDATE = os.environ.get("VCCSCHED_UPDATE_GOLDEN", "") not in ("", "0")


@pytest.fixture(scope="module")
def plan_file(c21, c21_solved, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    path.write_text(render_plan(c21_solved, c21, "json"), encoding="utf-8")
    return path


def report_of(c21, log: Path, plan=None, label=None):
    result = replay(log.read_text(encoding="utf-8").splitlines(), FloorSetup.from_meeting(c21))
    return build_report(c21, result.state, result.floor.events, plan=plan, plan_label=label,
                        refusals=len(result.refusals))


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    expected = path.read_bytes().decode("utf-8")
    assert text == expected, f"{name} differs from the golden file; if intended, rewrite it (see module docstring)"


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_day_one_report_matches_the_golden_file(c21, fmt):
    check_golden(f"report-day1.{fmt}", render_report(report_of(c21, DAY1), fmt))


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_budget_report_with_the_plan_matches_the_golden_file(c21, plan_file, fmt):
    from vccsched.render import plan_from_json

    plan = plan_from_json(plan_file.read_text(encoding="utf-8"), str(plan_file))
    text = render_report(report_of(c21, BUDGET, plan, "the plan plan.json"), fmt)
    check_golden(f"report-budget.{fmt}", text)


def test_the_command_writes_the_golden_report(tmp_path):
    out = tmp_path / "report.md"
    result = run_cli("report", "--log", str(DAY1), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == (GOLDEN / "report-day1.md").read_bytes()
    assert "note: 7 command(s) of the log were refused by the floor" in result.stderr
    assert "Wrote" in result.stderr and "1 deferred, 1 for decision by correspondence" in result.stderr


# --------------------------------------------------------------------------- what the record says


def test_outcomes_speakers_and_annex_of_day_one(c21):
    report = report_of(c21, DAY1)
    items = {i.number: i for i in report.items}
    assert [items[n].outcome for n in (1, 3, 4, 12, 5)] == [
        "concluded_en_bloc", "concluded", "deferred", "correspondence", "not_reached"]
    assert (items[4].requested_by, items[4].requested_by_name, items[4].target) == (
        "IRN", "Iran (Islamic Republic of)", "C22")
    assert items[12].majority_needed == 25 and items[12].open_at_end
    speakers = [(s.delegation, s.tier, s.kind, s.seconds) for s in items[3].speeches]
    assert speakers[:4] == [("SG", None, "speech", 210.0), ("USA", 1, "speech", 165.0),
                            ("CHN", 1, "speech", 110.0), ("EGY", 1, "point_of_order", 45.0)]
    assert [s.delegation for s in items[3].speeches][-3:] == ["GBR", "PSE", "SM-T1"]
    assert items[12].speeches[-1].in_progress and items[12].speeches[-1].delegation == "ZAF"
    annex = {a.number: a.reason for a in report.annex}
    assert annex[4] == "deferred_item" and annex[13] == "group_2" and annex[5] == "not_reached"
    assert annex[32] == "not_on_agenda" and 3 not in annex
    tiers = {t.tier: t for t in report.tiers}
    assert (tiers[1].speeches, tiers[1].seconds) == (8, 760.0)  # ZAF's running speech has 0 s
    assert [(d.date.isoformat(), d.planned_minutes) for d in report.days] == [("2021-06-08", None)]


def test_time_against_the_plan(c21, plan_file):
    from vccsched.render import plan_from_json

    plan = plan_from_json(plan_file.read_text(encoding="utf-8"), str(plan_file))
    report = report_of(c21, BUDGET, plan, "the plan plan.json")
    item = next(i for i in report.items if i.number == 36)
    assert (item.outcome, item.planned_minutes, item.used_minutes) == ("correspondence", 70, 182.0)
    days = {d.date.isoformat(): d for d in report.days}
    assert (days["2021-06-09"].used_minutes, days["2021-06-10"].used_minutes) == (179.0, 3.0)
    assert days["2021-06-08"].planned_minutes == 160 and report.planned_minutes == 1210
    assert report.plan == "the plan plan.json"


def test_a_plan_published_on_the_floor_is_compared_and_the_v2_event_is_no_trouble(c21, plan_file):
    published = json.dumps({"actor": "SG", "at": "2021-06-09T11:50:00+02:00",
                            "command": {"type": "publish_plan", "id": "p1",
                                        "plan": json.loads(plan_file.read_text(encoding="utf-8"))}})
    lines = [published, *BUDGET.read_text(encoding="utf-8").splitlines()]
    result = replay(lines, FloorSetup.from_meeting(c21))
    assert result.state.plan is not None, result.refusals
    report = build_report(c21, result.state, result.floor.events)
    assert report.plan == "revision 1 of the plan published on the floor"
    assert next(i for i in report.items if i.number == 36).planned_minutes == 70


def test_an_item_deferred_and_still_open_when_the_record_ends_keeps_its_wording(c21, plan_file):
    from vccsched.render import plan_from_json

    lines = DAY1.read_text(encoding="utf-8").splitlines()
    cut = next(k for k, line in enumerate(lines) if '"close_item-45"' in line)
    result = replay(lines[:cut], FloorSetup.from_meeting(c21))
    plan = plan_from_json(plan_file.read_text(encoding="utf-8"), str(plan_file))
    report = build_report(c21, result.state, result.floor.events, plan=plan, plan_label="plan.json")
    four = next(i for i in report.items if i.number == 4)
    assert (four.outcome, four.open_at_end, four.used_minutes) == ("deferred", True, 3.0)
    assert "deferred_item" in [a.reason for a in report.annex if a.number == 4]
    text = render_report(report, "md")
    assert "Deferred to C22 at the request of Iran (Islamic Republic of) (IRN) (the item was still open when the record ends)." in text


# --------------------------------------------------------------------------- Word


def test_docx_has_headings_the_outcome_table_and_chinese_titles(tmp_path):
    import docx
    from docx.oxml.ns import qn

    out = tmp_path / "report.docx"
    result = run_cli("report", "--log", str(DAY1), "--out", str(out))
    assert result.returncode == 0, result.stderr
    document = docx.Document(str(out))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == ("Title", "C21/VCC-1: report of proposed conclusions")
    assert ("Heading 1", "Outcomes") in headings and ("Heading 1", "Annex: for C22") in headings
    assert ("Heading 2", "Item 4 (PL 1.04): " + document.tables[0].rows[4].cells[2].paragraphs[0].text) in headings
    outcome = document.tables[0]
    assert [c.text for c in outcome.rows[0].cells] == ["No.", "Code", "Title", "Outcome", "Used"]
    row = {r.cells[0].text: r for r in outcome.rows[1:]}
    assert [c.text for c in row["4"].cells][3:] == ["deferred to C22", "3 min"]
    assert row["12"].cells[3].text == "decision by correspondence"
    title_zh = row["3"].cells[2].paragraphs[1]
    assert title_zh.text == "国际电联互联网活动：第101、102、133和180号决议（包括第102号决议，责成理事会1）"
    fonts = title_zh.runs[0]._element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "SimSun"
    assert title_zh.runs[0]._element.rPr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    assert outcome.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
    speakers = document.tables[1]
    assert [c.text for c in speakers.rows[1].cells][:3] == ["1", "Secretary-General (SG)", "secretariat"]


def test_docx_is_the_same_bytes_for_the_same_record(c21, tmp_path):
    first = render_report(report_of(c21, BUDGET), "docx")
    out = tmp_path / "again.docx"
    assert run_cli("report", "--log", str(BUDGET), "--out", str(out)).returncode == 0
    assert out.read_bytes() == first
    archive = zipfile.ZipFile(io.BytesIO(first))
    assert {info.date_time for info in archive.infolist()} == {(2021, 1, 1, 0, 0, 0)}
    core = archive.read("docProps/core.xml").decode()
    assert "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2021-01-01T00:00:00Z</dcterms:created>" in core
    assert "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">2021-01-01T00:00:00Z</dcterms:modified>" in core


# --------------------------------------------------------------------------- the database


def day1_database(c21, db: Path) -> Path:
    """A server database holding the day-1 log's accepted commands."""
    from server.store import FloorStore

    from vccsched.meeting_files import meeting_file_texts
    from vccsched.floor.replay import parse_line

    store = FloorStore.create(db, c21.meeting.id, meeting_file_texts(c21.directory))
    floor = Floor(FloorSetup.from_meeting(c21))
    for number, text in enumerate(DAY1.read_text(encoding="utf-8").splitlines(), start=1):
        line = parse_line(text, number, "log")
        answer = floor.handle_raw(line.actor, line.command, line.at)
        if answer.refusal is None:
            store.append(line.actor, line.at, line.command, answer.events)
    store.close()
    return db


def other_meeting(c21, folder: Path) -> Path:
    """The C21 data under another meeting id, C21/VCC-2."""
    folder.mkdir()
    for name in ("agenda.yaml", "roster.yaml"):
        (folder / name).write_text((c21.directory / name).read_text(encoding="utf-8"), encoding="utf-8")
    meeting_yaml = (c21.directory / "meeting.yaml").read_text(encoding="utf-8")
    (folder / "meeting.yaml").write_text(meeting_yaml.replace('id: "C21/VCC-1"', 'id: "C21/VCC-2"'), encoding="utf-8")
    return folder


def test_report_from_the_server_database_equals_the_log(c21, tmp_path):
    from server.store import FloorStore

    db = day1_database(c21, tmp_path / "floor.db")
    out = tmp_path / "from-db.md"
    result = run_cli("report", "--db", str(db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    from_log = (GOLDEN / "report-day1.md").read_text(encoding="utf-8")
    refused = " 7 command(s) of the log were refused by the floor and are not part of the record."
    assert refused in from_log
    # The report from a database names the record's head and how to check a copy against it.
    store = FloorStore.open(db)
    head, commands = store.head, len(list(store.log_lines()))
    store.close()
    chained = (f" The record's hash chain covers {commands} command(s) and ends at head {head}; check any "
               f"copy of the record against it with 'vccsched floor verify --db floor.db --head {head}'.")
    assert out.read_text(encoding="utf-8") == from_log.replace(refused, chained)
    # The database of one meeting is not reported against another meeting's data.
    other = other_meeting(c21, tmp_path / "other")
    result = run_cli("report", "--db", str(db), "--meeting", str(other), "--out", str(tmp_path / "x.md"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"Another meeting: {db}: this floor database is for the meeting "
                                    f"'C21/VCC-1', but --meeting {other} holds 'C21/VCC-2'")
    assert not (tmp_path / "x.md").exists()


def test_an_exported_log_names_its_meeting_and_is_refused_with_another_meetings_data(c21, tmp_path):
    db = day1_database(c21, tmp_path / "floor.db")
    log = tmp_path / "log.jsonl"
    assert run_cli("floor", "export", "--db", str(db), "--out", str(log)).returncode == 0
    first = json.loads(log.read_text(encoding="utf-8").splitlines()[0])
    assert first["meeting"] == "C21/VCC-1"
    assert set(first) == {"meeting", "comment", "chain", "meeting_files", "genesis", "head", "commands"}
    result = run_cli("report", "--log", str(log), "--out", str(tmp_path / "ok.md"))
    assert result.returncode == 0, result.stderr  # with its own meeting's data the header is no trouble
    other = other_meeting(c21, tmp_path / "other")
    # The report (and every --log reader: floor_source) and the replay refuse it.
    for command in (["report", "--log", str(log), "--out", str(tmp_path / "x.md")], ["floor", "replay", str(log)]):
        result = run_cli(*command, "--meeting", str(other))
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.startswith(
            f"Another meeting: {log}: this floor log is the record of the meeting 'C21/VCC-1' (line 1), "
            "not of 'C21/VCC-2'; replay it with that meeting's data (--meeting FOLDER)"), result.stderr
    assert not (tmp_path / "x.md").exists()
    # A header anywhere but first is a broken line.
    lines = log.read_text(encoding="utf-8").splitlines()
    moved = tmp_path / "moved.jsonl"
    moved.write_text("\n".join([lines[1], lines[0], *lines[2:]]) + "\n", encoding="utf-8")
    result = run_cli("floor", "replay", str(moved))
    assert result.returncode == 2 and "line 2: a header line" in result.stderr and "only be the first line" in result.stderr


def test_a_floor_database_given_as_a_log_is_named(c21, tmp_path):
    db = day1_database(c21, tmp_path / "floor.db")
    for command in (["report", "--log", str(db), "--out", str(tmp_path / "x.md")], ["floor", "replay", str(db)]):
        result = run_cli(*command)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(f"A database, not a log: {db}: this is a floor database (SQLite), "
                                        f"not a floor log: use --db {db}"), result.stderr
        assert "UTF-8" not in result.stderr


# --------------------------------------------------------------------------- bad input


def test_bad_input_is_a_clear_error(tmp_path, plan_file, capsys):
    from types import SimpleNamespace

    from vccsched.cli import main

    def report(*args: str):
        # In-process (the command line's own entry point) to keep the test short; the
        # subprocess tests above run the same main().
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_:
            main(["report", *args])
        result = SimpleNamespace(returncode=exit_.value.code, stderr=capsys.readouterr().err)
        assert "Traceback" not in result.stderr and "Internal error" not in result.stderr
        return result

    missing = report("--log", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "r.md"))
    assert missing.returncode == 2 and f"Missing floor log: {tmp_path / 'nope.jsonl'}: file not found" in missing.stderr
    broken = tmp_path / "broken.jsonl"
    broken.write_text(DAY1.read_text(encoding="utf-8").splitlines()[0] + "\n{\"actor\": \"VC\", \"at\": \n",
                      encoding="utf-8")
    result = report("--log", str(broken), "--out", str(tmp_path / "r.md"))
    assert result.returncode == 2 and f"{broken} line 2: not JSON" in result.stderr
    result = report("--out", str(tmp_path / "r.md"))
    assert result.returncode == 2 and "exactly one of --log FILE" in result.stderr
    result = report("--log", str(DAY1), "--out", str(tmp_path / "r.pdf"))
    assert result.returncode == 2 and "unknown report format '.pdf'" in result.stderr and "FILE.docx" in result.stderr
    (tmp_path / "folder.md").mkdir()
    result = report("--log", str(DAY1), "--out", str(tmp_path / "folder.md"))
    assert result.returncode == 2 and "is a folder; give the name of a file" in result.stderr
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    result = report("--log", str(DAY1), "--out", str(blocker / "r.md"))
    assert result.returncode == 2 and f"{blocker} is a file, not a folder" in result.stderr
    other_plan = tmp_path / "other-plan.json"
    other_plan.write_text(plan_file.read_text(encoding="utf-8").replace('"C21/VCC-1"', '"C21/VCC-2"'), encoding="utf-8")
    result = report("--log", str(DAY1), "--plan", str(other_plan), "--out", str(tmp_path / "r.md"))
    assert result.returncode == 2
    assert f"Another meeting: {other_plan}: the plan does not fit the meeting of the record" in result.stderr
    assert "plan is for meeting 'C21/VCC-2', the data for 'C21/VCC-1'" in result.stderr
    assert not (tmp_path / "r.md").exists()


def test_a_deferred_conclusion_keeps_its_text_in_the_annex(c21):
    def line(at: str, command: dict) -> str:
        return json.dumps({"actor": "VC", "at": f"2021-06-08T{at}+02:00", "command": command})

    lines = [
        line("12:00:00", {"type": "open_item", "id": "1", "item": 3}),
        line("12:05:00", {"type": "record_conclusion", "id": "2", "conclusion": "The Council noted C21/33."}),
        line("12:06:00", {"type": "defer_item", "id": "3", "requested_by": "USA", "scope": "conclusion",
                          "note": "Objection to paragraph 2."}),
        line("12:07:00", {"type": "close_item", "id": "4"}),
    ]
    result = replay(lines, FloorSetup.from_meeting(c21))
    assert not result.refusals
    report = build_report(c21, result.state, result.floor.events)
    [deferred] = [a for a in report.annex if a.number == 3]
    assert (deferred.reason, deferred.requested_by, deferred.conclusion) == (
        "deferred_conclusion", "USA", "The Council noted C21/33.")
    text = render_report(report, "md")
    assert "**Conclusion deferred to C22 at the request of United States (USA).** The Council noted C21/33." in text
    assert ("| United States (USA) | conclusion: The Council noted C21/33.; Objection to paragraph 2. |"
            in text)


def test_council_members_without_the_right_to_vote_are_not_counted_for_rule_3_2(c21):
    # Voting rights depend on arrears: two Council Members without them leave 46 voters of
    # 48, so a simple majority is 24, not the 25 of the bundled roster where all may vote.
    import dataclasses

    members = [d.id for d in c21.roster.council_members]
    assert len(members) == 48 and all(d.voting_rights for d in c21.roster.council_members)
    in_arrears = {"ARG", "BHS"}
    roster = c21.roster.model_copy(update={"delegations": [
        d.model_copy(update={"voting_rights": False}) if d.id in in_arrears else d for d in c21.roster.delegations
    ]})
    data = dataclasses.replace(c21, roster=roster)
    report = report_of(data, DAY1)
    assert report.voters == 46
    items = {i.number: i for i in report.items}
    assert items[12].outcome == "correspondence" and items[12].majority_needed == 24
    text = render_report(report, "md")
    assert "majority needed 24 of the 46 Council Members with the right to vote" in text
    assert "Council Members with the right to vote (24 of 46)" in text
    assert "of the 48 " not in text and "of 48)" not in text
