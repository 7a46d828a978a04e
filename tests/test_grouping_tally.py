"""``vccsched grouping tally``: filled forms in, grouping.yaml out, via the real CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from test_grouping_fixtures import fill_csv, fill_xlsx, forms, meeting_dir  # noqa: F401
from vccsched.grouping.replies import parse_date, read_reply
from vccsched.grouping.tally import decide
from vccsched.grouping.tally import tally as tally_replies
from vccsched.grouping_file import final_groups, load_grouping
from vccsched.loading import load_meeting


def tally(cli, meeting_dir: Path, out_dir: Path, *args: str):
    """Run the tally; return the process, the grouping read back by the planner's loader, the text."""
    out = out_dir / "grouping.yaml"
    result = cli("grouping", "tally", "--meeting", str(meeting_dir), *args, "--out", str(out))
    if result.returncode != 0:
        return result, None, None
    agenda = load_meeting(meeting_dir).agenda
    return result, load_grouping(out, agenda), out.read_text(encoding="utf-8")


@pytest.fixture
def replies(tmp_path, forms):
    """Four Council Members reply on time, two in XLSX and two in CSV."""
    folder = tmp_path / "replies"
    fill_xlsx(forms["xlsx"], folder / "che.xlsx", member="Switzerland", date=dt.date(2021, 3, 10),
              choices={1: 2, 3: 1})
    fill_csv(forms["csv"], folder / "fra.csv", member="FRA", date="2021-03-11",
             choices={1: 1, 3: 1, 4: 1})
    fill_xlsx(forms["xlsx"], folder / "ken.xlsx", member="kenya", date="2021-03-12",
              choices={1: 1, 2: 1, 3: 1.0})
    fill_csv(forms["csv"], folder / "jpn.csv", member="Japan", date="12 March 2021",
             choices={4: 1}, delimiter=";")
    return folder


def test_any_deferral_round_trip_through_xlsx_and_csv(cli, meeting_dir, replies, tmp_path):
    result, grouping, text = tally(cli, meeting_dir, tmp_path, str(replies))
    assert result.returncode == 0, result.stderr
    # 1: Switzerland asks for 2 -> deferred although two others want 1.
    # 3: three of the four repliers ask for 1, none for 2 -> into Group 1.
    # 4: two of four is not a majority -> stays in Group 2. 5: no proposal, no choice.
    assert grouping == {1: 2, 2: 1, 3: 1, 4: 2, 7: 1}
    assert final_groups(load_meeting(meeting_dir).agenda, grouping)[5] is None
    assert text.startswith("# Final grouping of the T21/VCC-1 agenda")
    assert "# Policy: any-deferral; late replies accepted (deadline 2021-03-12).\n" in text
    assert "# Replies: 4 read, 4 counted (Council Members: 4 of 6).\n" in text
    assert "# Without a group (not listed): 5.\n" in text
    assert "# Group 1 needs 90 of 320 minutes (2 days x (180 - 20) min).\n" in text
    assert text.endswith("1: 2\n2: 1\n3: 1\n4: 2\n7: 1\n")
    assert "Counted 4 of 4 replies; 2 item(s) changed group" in result.stderr
    assert "problem: item 5 has no proposed group" in result.stderr


def test_majority_policy_on_the_same_replies(cli, meeting_dir, replies, tmp_path):
    result, grouping, text = tally(cli, meeting_dir, tmp_path, str(replies), "--policy", "majority")
    assert result.returncode == 0, result.stderr
    # 1: two for 1 against one for 2 -> stays 1; 4: two for 1, none for 2 -> Group 1.
    assert grouping == {1: 1, 2: 1, 3: 1, 4: 1, 7: 1}
    assert "# Policy: majority;" in text


def test_item_without_proposal_is_decided_by_the_replies(cli, meeting_dir, forms, tmp_path):
    folder = tmp_path / "r"
    fill_xlsx(forms["xlsx"], folder / "che.xlsx", member="CHE", date="2021-03-01", choices={5: 1})
    fill_xlsx(forms["xlsx"], folder / "fra.xlsx", member="FRA", date="2021-03-01", choices={5: 1})
    fill_xlsx(forms["xlsx"], folder / "ken.xlsx", member="KEN", date="2021-03-01", choices={5: 2})
    _, deferred, _ = tally(cli, meeting_dir, tmp_path, str(folder))
    assert deferred[5] == 2
    _, majority, _ = tally(cli, meeting_dir, tmp_path, str(folder), "--policy", "majority")
    assert majority[5] == 1


def test_policies_as_rules():
    # any-deferral: one 2 defers; Group 2 -> 1 needs more than half of the counted replies.
    assert decide("any-deferral", 1, 9, 1, 10) == 2
    assert decide("any-deferral", 2, 3, 0, 6) == 2
    assert decide("any-deferral", 2, 4, 0, 6) == 1
    assert decide("any-deferral", None, 0, 0, 6) is None
    # majority: of those who chose; a tie keeps the proposal.
    assert decide("majority", 1, 1, 2, 10) == 2
    assert decide("majority", 2, 2, 2, 10) == 2
    assert decide("majority", None, 1, 1, 10) is None


def test_late_reply_counted_or_not(cli, meeting_dir, replies, forms, tmp_path):
    late = fill_xlsx(forms["xlsx"], replies / "civ.xlsx", member="cote d’ivoire",
                     date=dt.date(2021, 3, 15), choices={7: 2})
    result, accepted, _ = tally(cli, meeting_dir, tmp_path, str(replies))
    assert accepted[7] == 2
    assert (f"problem: {late}, sheet 'Annex 2', row 5, column C (Date of reply): late reply from "
            "Côte d'Ivoire: dated 2021-03-15, after the deadline 2021-03-12; counted (--late accept)"
            ) in result.stderr
    result, rejected, text = tally(cli, meeting_dir, tmp_path, str(replies), "--late", "reject")
    assert rejected[7] == 1
    assert "not counted (--late reject)" in result.stderr
    assert "# Replies: 5 read, 4 counted" in text


def test_the_later_of_two_replies_counts_and_both_are_reported(cli, meeting_dir, forms, tmp_path):
    folder = tmp_path / "r"
    first = fill_xlsx(forms["xlsx"], folder / "b-first.xlsx", member="CHE", date="2021-03-05", choices={2: 2})
    second = fill_csv(forms["csv"], folder / "a-second.csv", member="Switzerland", date="2021-03-08",
                      choices={4: 1})
    result, grouping, _ = tally(cli, meeting_dir, tmp_path, str(folder))
    assert grouping[2] == 1 and grouping[4] == 1  # only the 8 March reply counts
    assert (f"problem: {first}, sheet 'Annex 2', row 4, column C (Member State): Switzerland replied "
            f"more than once; this reply (dated 2021-03-05) is replaced by {second} (dated 2021-03-08) "
            "and not counted") in result.stderr
    # A CSV has no sheet: its places are named by section (the correspondence finding).
    assert (f"problem: {second}, section 'Annex 2', row 1, column B (Member State): Switzerland replied "
            f"more than once; this reply (dated 2021-03-08) is the latest and replaces {first}"
            ) in result.stderr
    # Same date: the file name decides, so the result does not depend on the file system.
    fill_csv(forms["csv"], folder / "a-second.csv", member="CHE", date="2021-03-05", choices={4: 1})
    _, grouping, _ = tally(cli, meeting_dir, tmp_path, str(folder))
    assert grouping[2] == 2 and grouping[4] == 2


def test_observer_unknown_and_anonymous_replies_are_not_counted(cli, meeting_dir, replies, forms, tmp_path):
    aut = fill_xlsx(forms["xlsx"], tmp_path / "aut.xlsx", member="Austria", date="2021-03-01",
                    choices={2: 2}, additional=[("Item on 6G", "urgent", 1)])
    atl = fill_csv(forms["csv"], tmp_path / "atl.csv", member="Atlantis", date="2021-03-01", choices={2: 2})
    anon = fill_xlsx(forms["xlsx"], tmp_path / "anon.xlsx", member=None, date="2021-03-01", choices={2: 2})
    result, grouping, _ = tally(cli, meeting_dir, tmp_path, str(replies), str(aut), str(atl), str(anon))
    assert result.returncode == 0, result.stderr
    assert grouping[2] == 1
    assert (f"problem: {aut}, sheet 'Annex 2', row 4, column C (Member State): Austria (AUT) is an "
            "observer Member State, not a Council Member: the reply is reported and not counted"
            ) in result.stderr
    assert (f"problem: {atl}, section 'Annex 2', row 1, column B (Member State): unknown sender "
            "'Atlantis': no delegation of the roster has this name or ISO code; the reply is not counted"
            ) in result.stderr
    assert (f"problem: {anon}, sheet 'Annex 2', row 4, column C (Member State): no Member State given; "
            "write the sender's name or ISO code; the reply is not counted") in result.stderr
    assert "Counted 4 of 7 replies" in result.stderr


def test_missing_date_is_reported_and_received_supplies_it(cli, meeting_dir, forms, tmp_path):
    reply = fill_xlsx(forms["xlsx"], tmp_path / "r" / "che.xlsx", member="CHE", date=None, choices={1: 2})
    other = fill_csv(forms["csv"], tmp_path / "r" / "fra.csv", member="FRA", date="2021-03-01")
    result, grouping, _ = tally(cli, meeting_dir, tmp_path, str(reply), str(other))
    assert grouping[1] == 1
    assert (f"problem: {reply}, sheet 'Annex 2', row 5, column C (Date of reply): no date of reply from "
            f"Switzerland; write it as YYYY-MM-DD in the form or pass --received '{reply}=YYYY-MM-DD'; "
            "the reply is not counted") in result.stderr
    result, grouping, _ = tally(cli, meeting_dir, tmp_path, str(reply), str(other),
                                "--received", "che.xlsx=2021-03-20", "--late", "reject")
    assert grouping[1] == 1 and "dated 2021-03-20 (--received), after the deadline" in result.stderr
    result, grouping, _ = tally(cli, meeting_dir, tmp_path, str(reply), str(other),
                                "--received", f"{reply}=2021-03-11")
    assert grouping[1] == 2, result.stderr
    result, _, _ = tally(cli, meeting_dir, tmp_path, str(reply), "--received", "nope.xlsx=2021-03-11")
    assert result.returncode == 2 and "'nope.xlsx' names no reply file given" in result.stderr
    result, _, _ = tally(cli, meeting_dir, tmp_path, str(reply), "--received", "che.xlsx=11.3.2021")
    assert result.returncode == 2 and "expected FILE=YYYY-MM-DD" in result.stderr


def test_received_overrides_the_date_written_on_the_form(cli, meeting_dir, forms, tmp_path):
    # The secretariat's record of arrival is what the deadline is about, whatever the form says.
    on_form_in_time = fill_xlsx(forms["xlsx"], tmp_path / "r" / "che.xlsx", member="CHE",
                                date="2021-03-10", choices={1: 2})
    on_form_late = fill_csv(forms["csv"], tmp_path / "r" / "fra.csv", member="FRA",
                            date="2021-03-20", choices={4: 1})
    result = tally_replies(
        load_meeting(meeting_dir),
        [read_reply(on_form_in_time), read_reply(on_form_late)],
        late="reject",
        received={str(on_form_in_time): dt.date(2021, 3, 15), str(on_form_late): dt.date(2021, 3, 11)},
    )
    che, fra = result.replies
    assert (che.reply_date, che.date_source, che.late, che.counted) == (dt.date(2021, 3, 15), "received", True, False)
    assert (fra.reply_date, fra.date_source, fra.late, fra.counted) == (dt.date(2021, 3, 11), "received", False, True)
    # The same through the command line.
    result, grouping, _ = tally(cli, meeting_dir, tmp_path, str(on_form_in_time), str(on_form_late),
                                "--received", "che.xlsx=2021-03-15", "--received", "fra.csv=2021-03-11",
                                "--late", "reject")
    assert result.returncode == 0, result.stderr
    assert grouping[1] == 1  # Switzerland's 2 arrived late: not counted
    assert grouping[4] == 1  # France's 1 arrived in time: the only counted reply
    assert "dated 2021-03-15 (--received), after the deadline 2021-03-12" in result.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-03-12", dt.date(2021, 3, 12)),
        ("12 March 2021", dt.date(2021, 3, 12)),
        (" 12 Mar 2021 ", dt.date(2021, 3, 12)),
        ("1 March 2021", dt.date(2021, 3, 1)),
        ("28 February 2021", dt.date(2021, 2, 28)),
        (dt.datetime(2021, 3, 12, 0, 0), dt.date(2021, 3, 12)),  # an Excel date cell
        (dt.date(2021, 3, 9), dt.date(2021, 3, 9)),
        ("", None),
    ],
)
def test_reply_dates_are_read_as_the_dates_written(value, expected):
    assert parse_date(value) == expected


def test_reply_dates_in_filled_forms_are_read_as_the_dates_written(replies):
    dates = {path.name: read_reply(path).reply_date for path in sorted(replies.iterdir())}
    assert dates == {
        "che.xlsx": dt.date(2021, 3, 10),  # a date cell
        "fra.csv": dt.date(2021, 3, 11),  # YYYY-MM-DD
        "jpn.csv": dt.date(2021, 3, 12),  # "12 March 2021", semicolons
        "ken.xlsx": dt.date(2021, 3, 12),  # text "2021-03-12" in the date cell
    }


def test_bad_values_are_reported_with_file_sheet_row_and_column(cli, meeting_dir, forms, tmp_path):
    import openpyxl

    path = fill_xlsx(forms["xlsx"], tmp_path / "che.xlsx", member="CHE", date="2021-03-01",
                     choices={1: 3, 2: "yes", 4: "2 ", 7: 2},
                     additional=[("New item", "why", 3), (None, "orphan reason", None)])
    wb = openpyxl.load_workbook(path)
    ws = wb["Annex 2"]
    for row, (number, choice) in enumerate([(99, 1), ("x", 2), (7, 1), (None, 1)], start=14):
        ws.cell(row=row, column=1, value=number)
        ws.cell(row=row, column=8, value=choice)
    wb.save(path)
    csv_reply = fill_csv(forms["csv"], tmp_path / "fra.csv", member="FRA", date="2021-03-01",
                         choices={3: "1 or 2"})
    result, grouping, _ = tally(cli, meeting_dir, tmp_path, str(path), str(csv_reply))
    assert result.returncode == 0, result.stderr
    where = f"problem: {path}, sheet 'Annex 2'"
    expected = [
        f"{where}, row 8, column H (Council Member's choice): expected 1, 2 or blank, found 3; "
        "this choice is not counted",
        f"{where}, row 9, column H (Council Member's choice): expected 1, 2 or blank, found 'yes'; "
        "this choice is not counted",
        f"{where}, row 14, column A (number): item 99 is not on the agenda; the choice 1 is not counted",
        f"{where}, row 15, column A (number): expected an agenda item number, found 'x'; the choice 2 "
        "in this row is not counted",
        f"{where}, row 16, column A (number): item 7 appears in rows 13, 16 with different choices; "
        "neither is counted",
        f"{where}, row 17, column A (number): expected an agenda item number, found nothing; the choice 1 "
        "in this row is not counted",
        f"problem: {path}, sheet 'Additional items', row 3, column C (proposed group): expected 1, 2 or "
        "blank, found 3; the item is listed without a group",
        f"problem: {path}, sheet 'Additional items', row 4, column A (title of the proposed additional "
        "item): a proposed additional item without a title; write its title or clear the row",
        f"problem: {csv_reply}, section 'Annex 2', row 7, column H (Council Member's choice): expected 1, 2 "
        "or blank, found '1 or 2'; this choice is not counted",
    ]
    problems = [line for line in result.stderr.splitlines() if line.startswith("problem: ")]
    assert problems[:-1] == expected  # the last one is item 5 without a group
    # "2 " counts as 2 (item 4 stays in Group 2); item 7 is not counted at all.
    assert grouping == {1: 1, 2: 1, 3: 2, 4: 2, 7: 1}


def test_folder_skips_lock_files_and_other_documents(cli, meeting_dir, replies, tmp_path):
    (replies / "~$che.xlsx").write_bytes(b"lock")
    (replies / "cover letter.pdf").write_bytes(b"%PDF")
    result, grouping, _ = tally(cli, meeting_dir, tmp_path, str(replies))
    assert result.returncode == 0, result.stderr
    assert f"note: skipped {replies / '~$che.xlsx'}: a spreadsheet lock file, not a reply" in result.stderr
    assert f"note: skipped {replies / 'cover letter.pdf'}: not a .xlsx or .csv reply form" in result.stderr


def test_tally_is_reproducible(cli, meeting_dir, replies, tmp_path):
    outputs = []
    for name in ("one", "two"):
        out = tmp_path / name
        out.mkdir()
        result = cli("grouping", "tally", "--meeting", str(meeting_dir), str(replies),
                     "--out", str(out / "g.yaml"), "--report", str(out / "r.html"))
        assert result.returncode == 0, result.stderr
        outputs.append(((out / "g.yaml").read_bytes(), (out / "r.html").read_bytes()))
    assert outputs[0] == outputs[1]


# --------------------------------------------------------------------------- nothing usable


def test_no_reply_files_is_an_error(cli, meeting_dir, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result, _, _ = tally(cli, meeting_dir, tmp_path, str(empty))
    assert result.returncode == 1
    assert result.stderr.startswith("Nothing to tally: no reply files found")
    result, _, _ = tally(cli, meeting_dir, tmp_path, str(tmp_path / "missing.xlsx"))
    assert result.returncode == 2 and "missing.xlsx: no such reply file or folder" in result.stderr
    assert not (tmp_path / "grouping.yaml").exists()


@pytest.mark.parametrize(("option", "value", "choices"), [
    ("--policy", "half", "'any-deferral', 'majority'"), ("--late", "never", "'accept', 'reject'")])
def test_an_unknown_choice_is_named_without_pydantic_noise(cli, meeting_dir, replies, tmp_path, option, value, choices):
    result, _, _ = tally(cli, meeting_dir, tmp_path, str(replies), option, value)
    assert result.returncode == 2
    assert f"Invalid value for '{option}': '{value}' is not one of {choices}." in result.stderr
    assert "Value error" not in result.stderr


def test_corrupt_xlsx_is_an_error_naming_the_file(cli, meeting_dir, replies, tmp_path):
    bad = replies / "zz-damaged.xlsx"
    bad.write_bytes(b"this is not a zip archive")
    result, _, _ = tally(cli, meeting_dir, tmp_path, str(replies))
    assert result.returncode == 2
    assert result.stderr.startswith(f"Unreadable reply: {bad}: not a readable XLSX workbook")
    assert "Traceback" not in result.stderr


def test_csv_without_the_header_is_an_error(cli, meeting_dir, tmp_path):
    bad = tmp_path / "fra.csv"
    bad.write_text("member_state,FRA\nreply_date,2021-03-01\n1,PL 1.01,,,,,1,2\n", encoding="utf-8")
    result, _, _ = tally(cli, meeting_dir, tmp_path, str(bad))
    assert result.returncode == 2
    assert result.stderr.startswith(f"Unreadable reply: {bad}: no Annex 2 header row found; expected a "
                                    "line starting 'number,agenda code,...'")


def test_xlsx_that_is_not_the_form_is_an_error(cli, meeting_dir, tmp_path):
    import openpyxl

    path = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "hello"
    wb.save(path)
    result, _, _ = tally(cli, meeting_dir, tmp_path, str(path))
    assert result.returncode == 2
    assert f"{path}: no Annex 2 header row found (sheet 'Sheet')" in result.stderr


def test_only_uncountable_replies_is_an_error(cli, meeting_dir, forms, tmp_path):
    aut = fill_xlsx(forms["xlsx"], tmp_path / "aut.xlsx", member="AUT", date="2021-03-01", choices={1: 2})
    result, _, _ = tally(cli, meeting_dir, tmp_path, str(aut))
    assert result.returncode == 1
    assert result.stderr.startswith("Nothing to tally: none of the 1 reply file(s) can be counted")
    assert "Austria (AUT) is an observer Member State" in result.stderr


def test_a_date_that_is_not_a_date_is_reported_and_the_reply_not_counted(cli, meeting_dir, forms, tmp_path):
    bad = fill_xlsx(forms["xlsx"], tmp_path / "che.xlsx", member="CHE", date="12/03/2021", choices={1: 2})
    good = fill_xlsx(forms["xlsx"], tmp_path / "fra.xlsx", member="FRA", date="2021-03-12")
    result, grouping, _ = tally(cli, meeting_dir, tmp_path, str(bad), str(good))
    assert grouping[1] == 1
    assert (f"problem: {bad}, sheet 'Annex 2', row 5, column C (Date of reply): expected the date of "
            "reply as YYYY-MM-DD, found '12/03/2021'") in result.stderr
    assert f"problem: {bad}, sheet 'Annex 2', row 5, column C (Date of reply): no date of reply" in result.stderr


def test_csv_without_the_member_line_is_reported(cli, meeting_dir, forms, tmp_path):
    path = fill_csv(forms["csv"], tmp_path / "x.csv", member=None, date="2021-03-01", choices={1: 2})
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[1:]), encoding="utf-8")
    good = fill_csv(forms["csv"], tmp_path / "fra.csv", member="FRA", date="2021-03-01")
    result, grouping, _ = tally(cli, meeting_dir, tmp_path, str(path), str(good))
    assert grouping[1] == 1
    assert (f"problem: {path}: no Member State given (a 'member_state' line is missing above the "
            "table); write the sender's name or ISO code; the reply is not counted") in result.stderr
