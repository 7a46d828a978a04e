"""``vccsched plan --replan``: every format and the changes, from a log or a database; bad input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from vccsched.cli import main
from vccsched.floor.simulation import floor_for, run_day
from vccsched.loading import DEFAULT_MEETING_DIR
from vccsched.meeting_files import meeting_file_texts
from vccsched.render.json_plan import plan_from_json, plan_to_json

BUDGET_DAY = dt.date(2021, 6, 14)


@pytest.fixture(scope="module")
def files(c21, c21_solved, tmp_path_factory):
    """The published C21 plan and a floor that ran it to the 14th, the budget 60 min over."""
    folder = tmp_path_factory.mktemp("replan")
    plan = c21_solved
    floor = floor_for(c21)
    for day in plan.days:
        if day.date > BUDGET_DAY:
            break
        run_day(floor, plan, day.date, c21, lambda n: 60 if n == 36 else 0)
    published = folder / "plan.json"
    published.write_text(plan_to_json(plan), encoding="utf-8")
    log = folder / "floor.jsonl"
    log.write_text("\n".join(floor.log_lines) + "\n", encoding="utf-8")
    return {"plan": published, "log": log, "floor": floor, "folder": folder}


def vccsched(capsys, *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def test_every_format_and_the_changes_the_same_bytes_twice(capsys, files, tmp_path):
    args = ["plan", "--replan", "--published", str(files["plan"]), "--log", str(files["log"])]
    code, _, err = vccsched(capsys, *args, "--now", "2021-06-14T15:05:00+02:00", "--out-dir", str(tmp_path / "a"))
    assert code == 0, err
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == ["changes.json", "changes.md", "plan.csv", "plan.html", "plan.ics", "plan.json", "plan.md"]
    changes = json.loads((tmp_path / "a" / "changes.json").read_text(encoding="utf-8"))
    assert changes["moved"] == [41, 42] and changes["resume_at"] is None
    row = changes["changes"][0]
    assert (row["item"], row["announced_start"], row["moved_day"]) == (41, "2021-06-14T13:55:00+02:00", True)
    assert row["new_start"].startswith("2021-06-18T12:00")
    md = (tmp_path / "a" / "changes.md").read_text(encoding="utf-8")
    assert "| 41 | ADM 3 |" in md and "Monday 14 June 2021 13:55\u201314:15" in md
    new = plan_from_json((tmp_path / "a" / "plan.json").read_text(encoding="utf-8"), "plan.json")
    assert 36 not in {i.number for i in new.items} and new.days[0].date == dt.date(2021, 6, 15)
    # Without --now: the floor's last event (the suspension at 15:00) gives the same plan.
    code, _, err = vccsched(capsys, *args, "--out-dir", str(tmp_path / "b"))
    assert code == 0, err
    for name in names:
        if name != "changes.json" and name != "changes.md":
            assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_an_earlier_now_takes_the_floor_as_it_stood_then(capsys, files, tmp_path):
    code, _, err = vccsched(
        capsys, "plan", "--replan", "--published", str(files["plan"]), "--log", str(files["log"]),
        "--now", "2021-06-14T13:10:00+02:00", "--out-dir", str(tmp_path),
    )
    assert code == 0, err
    changes = json.loads((tmp_path / "changes.json").read_text(encoding="utf-8"))
    # At 13:10 the budget (36) was still open: it continues first, and the day still fits.
    assert changes["resume_at"] == "2021-06-14T13:10:00+02:00" and changes["moved"] == []
    assert changes["changes"][0]["item"] == 36 and changes["changes"][0]["new_start"] == changes["resume_at"]
    md = (tmp_path / "changes.md").read_text(encoding="utf-8")
    assert "fit in what is left of today and 3 more days; the meeting has sat on 5 days (at most 9)" in md
    assert "No item moves off the day announced." in md


def test_one_format_to_stdout_with_the_changes_on_stderr(capsys, files):
    code, out, err = vccsched(
        capsys, "plan", "--replan", "--published", str(files["plan"]), "--log", str(files["log"]), "--format", "json"
    )
    assert code == 0
    assert json.loads(out)["days"][0]["date"] == "2021-06-15"
    assert "changes to the time-management plan" in err and "| 42 | ADM 4 |" in err


def test_from_the_server_database(capsys, files, tmp_path):
    from server.store import FloorStore

    db = tmp_path / "floor.db"
    store = FloorStore.create(db, "C21/VCC-1", meeting_file_texts(DEFAULT_MEETING_DIR))
    for actor, at, command, events in files["floor"].commands:
        store.append(actor, at, command, events)
    store.close()
    code, out, err = vccsched(capsys, "plan", "--replan", "--published", str(files["plan"]), "--db", str(db), "--format", "json")
    assert code == 0, err
    assert [d["date"] for d in json.loads(out)["days"]][-1] == "2021-06-18"


def test_a_rest_that_does_not_fit_exits_1_with_the_minutes_and_the_candidates(capsys, files):
    code, out, err = vccsched(
        capsys, "plan", "--replan", "--published", str(files["plan"]), "--log", str(files["log"]),
        "--now", "2021-06-15T16:00:00+02:00",
    )
    assert (code, out) == (1, "")
    assert "The rest does not fit: the items still to come need 490 min" in err and "10 min over" in err
    assert "defer to C22 (candidates only" in err and "1. 10 min (the least possible)" in err


def test_an_item_deferred_to_c22_and_still_open_is_not_re_planned(capsys, tmp_path):
    """Day 1 cut just before the chair closes item 4 that IRN had deferred to C22."""
    code, plan_json_text, err = vccsched(capsys, "plan", "--format", "json")
    assert code == 0, err
    published = tmp_path / "plan.json"
    published.write_text(plan_json_text, encoding="utf-8")
    lines = (Path(__file__).parent / "floor_logs" / "c21-vcc1-day1.jsonl").read_text(encoding="utf-8").splitlines()
    cut = next(k for k, line in enumerate(lines) if '"close_item-45"' in line)
    log = tmp_path / "cut.jsonl"
    log.write_text("\n".join(lines[:cut]) + "\n", encoding="utf-8")
    args = ["plan", "--replan", "--published", str(published), "--log", str(log), "--out-dir", str(tmp_path / "out")]
    code, _, err = vccsched(capsys, *args, "--now", "2021-06-08T15:05:00+02:00")
    assert code == 0, err
    new = plan_from_json((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"), "plan.json")
    assert 4 not in {i.number for i in new.items} and {5, 6, 10} <= {i.number for i in new.items}
    changes = json.loads((tmp_path / "out" / "changes.json").read_text(encoding="utf-8"))
    assert 4 not in changes["moved"] and 4 not in [c["item"] for c in changes["changes"]]
    # Nine days of nothing but item 4 and 3 does not fit: item 4 is never a deferral candidate.
    code, _, err = vccsched(capsys, *args[:-2], "--now", "2021-06-18T15:05:00+02:00")
    assert code == 1 and "item 5 (" in err and "item 4 (" not in err


def test_without_now_a_floor_after_the_meeting_dates_asks_for_now(capsys, files, tmp_path):
    """A rehearsal in 2026 on the 2021 meeting's data: the default --now is after every date."""
    lines = [json.loads(line) for line in files["log"].read_text(encoding="utf-8").splitlines()]
    rehearsal = tmp_path / "rehearsal.jsonl"
    rehearsal.write_text(
        "".join(json.dumps({**line, "at": line["at"].replace("2021-06-", "2026-06-")}) + "\n" for line in lines),
        encoding="utf-8",
    )
    code, out, err = vccsched(capsys, "plan", "--replan", "--published", str(files["plan"]), "--log", str(rehearsal))
    assert (code, out) == (2, ""), err
    assert err.startswith(
        f"Time of the re-plan: {rehearsal}: --now defaulted to the floor's last event, 2026-06-14T15:00:00+02:00, "
        "which is after the meeting's last date, 2021-06-18; give the time of the re-plan with --now, "
        "e.g. --now 2021-06-18T12:00:00+02:00"
    ), err
    assert "no meeting day is left" not in err and "defer" not in err


def _broken_plan(files, tmp_path, change) -> Path:
    raw = json.loads(files["plan"].read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "args, words",
    [
        (["--published", "{plan}"], "--published: only with --replan"),
        (["--replan", "--log", "{log}"], "--replan needs --published plan.json"),
        (["--replan", "--published", "{plan}"], "exactly one of --log FILE"),
        (["--replan", "--published", "{plan}", "--log", "{log}", "--now", "2021-06-14T15:00"], "has no UTC offset"),
        (["--replan", "--published", "{plan}", "--log", "{log}", "--now", "monday"], "not an ISO 8601 time"),
        (["--replan", "--published", "{plan}", "--log", "{log}", "--grouping", "{plan}"], "--grouping does not apply"),
        (["--replan", "--published", "{plan}", "--log", "{folder}/missing.jsonl"], "missing.jsonl: file not found"),
        (["--replan", "--published", "{folder}/nope.json", "--log", "{log}"], "nope.json"),
    ],
)
def test_bad_options_are_named(capsys, files, args, words):
    values = {k: str(v) for k, v in files.items() if k != "floor"}
    code, _, err = vccsched(capsys, "plan", *[a.format(**values) for a in args])
    assert code == 2 and words in err, err
    assert "Traceback" not in err


def test_a_bad_plan_file_is_named_with_its_field(capsys, files, tmp_path):
    wrong_type = _broken_plan(files, tmp_path, lambda p: p["days"][0]["items"][0].update(minutes="5"))
    code, _, err = vccsched(capsys, "plan", "--replan", "--published", str(wrong_type), "--log", str(files["log"]))
    assert code == 2 and "broken.json" in err and "field 'minutes'" in err and "item 1" in err
    other = _broken_plan(files, tmp_path, lambda p: p.update(meeting="C22"))
    code, _, err = vccsched(capsys, "plan", "--replan", "--published", str(other), "--log", str(files["log"]))
    assert code == 2 and "broken.json" in err and "meeting 'C22'" in err


def test_a_broken_log_line_is_named(capsys, files, tmp_path):
    log = tmp_path / "broken.jsonl"
    lines = files["log"].read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("+02:00", "")
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = vccsched(capsys, "plan", "--replan", "--published", str(files["plan"]), "--log", str(log))
    assert code == 2 and "broken.jsonl line 3" in err and "no UTC offset" in err
