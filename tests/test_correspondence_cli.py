"""The decision by correspondence from the command line (issue 19): open the round on a
database no server holds, one tally of the online replies and an e-mailed form (with the
receipts), the reminders, publishing, and clear errors for bad input."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_correspondence import fill_csv

from server.offline import handle_on_db
from server.tokens import issue_tokens
from vccsched.correspondence.merged import tally_round
from vccsched.correspondence.online import online_versions
from vccsched.floor.commands import parse_command
from vccsched.floor.engine import Floor
from vccsched.floor.setup import FloorSetup
from vccsched.loading import DEFAULT_MEETING_DIR

ZURICH = ZoneInfo("Europe/Zurich")


def run_on_db(db: Path, actor: str, raw: dict):
    answer, state, _ = handle_on_db(db, raw, actor=actor)
    assert answer.accepted, answer.refusal
    return answer, state


@pytest.fixture(scope="module")
def round_db(tmp_path_factory) -> Path:
    """A database with items 3 and 4 concluded by correspondence and nothing opened yet."""
    folder = tmp_path_factory.mktemp("corr")
    db = folder / "floor.db"
    issue_tokens(db, DEFAULT_MEETING_DIR)
    n = 0
    for item in (3, 4):
        for raw in ({"type": "open_item", "item": item},
                    {"type": "record_conclusion", "conclusion": f"The Council approved item {item}.", "by_correspondence": True},
                    {"type": "close_item"}):
            n += 1
            run_on_db(db, "VC", {**raw, "id": f"vc-{n}"})
    return db


def test_open_on_the_db_then_reply_online_and_by_form_and_tally(round_db, tmp_path, cli):
    db = tmp_path / "floor.db"
    shutil.copy(round_db, db)
    year = dt.date.today().year + 1
    translations = tmp_path / "tr.csv"
    translations.write_text("item,language,text\n3,fr,Le Conseil a approuvé le point 3.\n3,ar,وافق المجلس\n", encoding="utf-8")
    result = cli("correspondence", "open", "--db", str(db), "--deadline", f"{year}-07-02", "--deadline-time", "18:00",
                 "--translations", str(translations))
    assert result.returncode == 0, result.stderr
    assert "item 3 (PL 1.03), 4" in result.stderr and "25 approvals" in result.stderr
    again = cli("correspondence", "open", "--db", str(db), "--deadline", f"{year}-07-02", "--deadline-time", "18:00")
    assert again.returncode == 1 and "correspondence_open" in again.stderr
    # Replies online: the United States twice (the last counts), China once; Colombia (an observer) refused.
    usa1, _ = run_on_db(db, "USA", {"type": "cast_reply", "id": "u1", "replies": [{"item": 3, "answer": "object"}, {"item": 4, "answer": "object"}]})
    usa2, _ = run_on_db(db, "USA", {"type": "cast_reply", "id": "u2", "replies": [{"item": 3, "answer": "approve"}, {"item": 4, "answer": "abstain"}]})
    chn, state = run_on_db(db, "CHN", {"type": "cast_reply", "id": "c1", "item": 3, "answer": "approve"})
    refused, _, _ = handle_on_db(db, {"type": "cast_reply", "id": "x", "item": 3, "answer": "approve"}, actor="COL")
    assert refused.refusal.code == "not_focal_point"
    assert state.correspondence.questions[0].translations == {"ar": "وافق المجلس", "fr": "Le Conseil a approuvé le point 3."}
    # China also e-mails a form, dated before its online reply's day: the online one counts.
    form = tmp_path / "form.csv"
    assert cli("correspondence", "form", "--db", str(db), "--out", str(form)).returncode == 0
    filled = fill_csv(form, tmp_path / "replies" / "chn.csv", member="China", date="2021-06-30", answers={3: "object", 4: "object"})
    brazil = fill_csv(form, tmp_path / "replies" / "bra.csv", member="Brazil", date="2021-06-30", answers={3: "approve"})
    out = tmp_path / "result.json"
    result = cli("correspondence", "tally", "--db", str(db), str(filled), str(brazil), "--out", str(out))
    assert result.returncode == 0, result.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    item3 = next(p for p in doc["proposals"] if p["number"] == 3)
    assert item3["approve"] == ["BRA", "CHN", "USA"] and item3["object"] == [] and item3["needed"] == 25
    item4 = next(p for p in doc["proposals"] if p["number"] == 4)
    assert item4["abstain"] == ["USA"] and item4["object"] == []  # China's last reply has no answer on 4
    members = {m["member_id"]: m for m in doc["members"]}
    assert [c["via"] for c in members["CHN"]["channels"]] == ["online", "form"]
    assert members["CHN"]["counted"].startswith("online CHN")
    assert members["USA"]["channels"][0]["versions"] == 2
    assert members["BRA"]["counted"] == str(brazil)
    # The receipts in the result are those the server gave (here: recomputed from the record).
    usa_receipt = members["USA"]["channels"][0]["receipt"]
    assert usa_receipt in result.stderr and f"receipt {usa_receipt}" in members["USA"]["counted"]
    assert doc["deadline_at"] == f"{year}-07-02T18:00:00+02:00"
    assert any("replaced by online CHN" in r for s in doc["replies"] for r in s["reasons"])
    md = tmp_path / "result.md"
    assert cli("correspondence", "tally", "--db", str(db), str(filled), str(brazil), "--out", str(md)).returncode == 0
    table = md.read_text(encoding="utf-8")
    assert "## How each Member State replied" in table
    assert f"| United States (USA) | {usa_receipt} (" in table and "2 versions) | — | online " + usa_receipt in table
    assert "chn.csv (2021-06-30) | online " in table  # China: a form too, the online reply counted
    # Reminders: every Council Member but the two that replied online, and Brazil, whose form is given.
    reminders = tmp_path / "remind.csv"
    result = cli("correspondence", "reminders", "--db", str(db), str(tmp_path / "replies"), "--out", str(reminders))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(reminders.read_text(encoding="utf-8"))))
    assert len(rows) == 45 and {"USA", "CHN", "BRA"}.isdisjoint(r["delegation"] for r in rows)
    assert "45 Council Member(s) have not replied; 3 have: 2 online, 2 by form (1 both)" in result.stderr
    assert (reminders.stat().st_mode & 0o777) == 0o600
    # Publishing before the deadline is refused, with the floor's reason.
    result = cli("correspondence", "publish", str(out), "--db", str(db))
    assert result.returncode == 1 and "correspondence_not_closed" in result.stderr


def in_process(capsys, *args: str):
    """Run the CLI in this process (as ``python -m vccsched`` does), for the many error cases."""
    from types import SimpleNamespace

    from vccsched.cli import main

    with pytest.raises(SystemExit) as caught:
        main(list(args))
    return SimpleNamespace(returncode=caught.value.code, stderr=capsys.readouterr().err)


def test_bad_input_is_named(round_db, tmp_path, capsys):
    def cli(*args):
        return in_process(capsys, *args)

    db = tmp_path / "floor.db"
    shutil.copy(round_db, db)
    bad = tmp_path / "tr.csv"
    bad.write_text("item,language,text\n3,de,Text\nx,fr,Texte\n3,fr,\n", encoding="utf-8")
    result = cli("correspondence", "open", "--db", str(db), "--deadline", "2099-07-02", "--translations", str(bad))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert f"{bad}, row 2, field 'language'" in result.stderr
    assert f"{bad}, row 3, field 'item'" in result.stderr and f"{bad}, row 4, field 'text'" in result.stderr
    for args, words, code in (  # 2: bad input; 1: the floor refused
        (["--deadline", "2099-13-01"], "--deadline '2099-13-01': expected a date", 2),
        (["--deadline", "2099-07-01", "--deadline-time", "25:00"], "--deadline-time '25:00': expected HH:MM", 2),
        (["--deadline", "2020-07-01"], "invalid_deadline", 1),
        (["--deadline", "2099-07-01", "--as", "XYZ"], "--as 'XYZ': not a delegation", 2),
        (["--deadline", "2099-07-01", "--as", "USA"], "not_chair_or_secretariat", 1),
        (["--deadline", "2099-07-01", "--server", "http://127.0.0.1:9"], "exactly one of --server", 2),
    ):
        result = cli("correspondence", "open", "--db", str(db), *args)
        assert result.returncode == code and words in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    result = cli("correspondence", "publish", str(tmp_path / "nope.json"), "--db", str(db))
    assert result.returncode != 0 and "nope.json" in result.stderr and "Traceback" not in result.stderr
    junk = tmp_path / "junk.json"
    junk.write_text('{"rule": 1}', encoding="utf-8")
    result = cli("correspondence", "publish", str(junk), "--db", str(db))
    assert result.returncode != 0 and "not the JSON written by" in result.stderr
    result = cli("correspondence", "reminders", "--db", str(db), "--out", str(tmp_path / "r.txt"))
    assert result.returncode != 0 and "expected FILE.csv" in result.stderr
    result = cli("correspondence", "reminders", "--db", str(db), "--out", str(tmp_path / "r.csv"))
    assert result.returncode != 0 and "no decision by correspondence opened online" in result.stderr


def test_reminders_leave_out_valid_forms_only(round_db, tmp_path, capsys):
    """A form takes its Council Member off the list when it is on time, dated and answers a
    conclusion of the round; a late, blank or undated one, or an observer's, does not (said why)."""
    db = tmp_path / "floor.db"
    shutil.copy(round_db, db)
    year = dt.date.today().year + 1
    assert in_process(capsys, "correspondence", "open", "--db", str(db), "--deadline", f"{year}-07-02").returncode == 0
    run_on_db(db, "CHN", {"type": "cast_reply", "id": "c1", "item": 3, "answer": "object"})
    form = tmp_path / "form.csv"
    assert in_process(capsys, "correspondence", "form", "--db", str(db), "--out", str(form)).returncode == 0
    folder = tmp_path / "replies"
    fill_csv(form, folder / "arg.csv", member="ARG", date=f"{year}-07-02", answers={4: "abstain"})  # the last day: on time
    fill_csv(form, folder / "bhs.csv", member="Bahamas", date=f"{year}-07-03", answers={3: "approve"})  # late
    fill_csv(form, folder / "can.csv", member="Canada", date=f"{year}-06-30", answers={})  # blank
    fill_csv(form, folder / "col.csv", member="Colombia", date=f"{year}-06-30", answers={3: "approve"})  # observer
    fill_csv(form, folder / "cub.csv", member="Cuba", date="", answers={3: "approve"})  # undated: --received
    fill_csv(form, folder / "mex.csv", member="Mexico", date="", answers={3: "approve"})  # undated
    out = tmp_path / "remind.csv"
    result = in_process(capsys, "correspondence", "reminders", "--db", str(db), "--out", str(out), str(folder),
                        "--received", f"cub.csv={year}-07-01")
    assert result.returncode == 0, result.stderr
    listed = {r["delegation"] for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))}
    assert {"CHN", "ARG", "CUB"}.isdisjoint(listed) and {"BHS", "CAN", "MEX", "USA"} <= listed and len(listed) == 45
    assert "45 Council Member(s) have not replied; 3 have: 1 online, 2 by form (0 both)" in result.stderr
    for file, words in (("bhs.csv", "late reply from Bahamas"), ("can.csv", "a blank form is no reply"),
                        ("col.csv", "not a Council Member"), ("mex.csv", "no date of reply from Mexico")):
        assert any(line.startswith(f"problem: {folder / file}") and words in line for line in result.stderr.splitlines()), (file, result.stderr)
    # Bad input: named, exit 2, no traceback.
    for args, words in (([str(tmp_path / "nope")], "nope"), ([str(folder), "--received", "zzz.csv=2021-01-01"], "zzz.csv")):
        result = in_process(capsys, "correspondence", "reminders", "--db", str(db), "--out", str(out), *args)
        assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_25_of_48_approvals_approve_under_of_voting_members_and_24_do_not(c21):
    setup = FloorSetup.from_meeting(c21)
    t0 = dt.datetime(2021, 6, 8, 12, 0, tzinfo=ZURICH)
    members = [d.id for d in c21.roster.council_members]
    assert len(members) == 48

    def result_with(approvals: int):
        floor = Floor(setup)
        for n, raw in enumerate(({"type": "open_item", "item": 3},
                                 {"type": "record_conclusion", "conclusion": "Approved.", "by_correspondence": True},
                                 {"type": "close_item"},
                                 {"type": "open_correspondence", "deadline": "2021-07-02T23:59:59+02:00"})):
            assert floor.handle("VC", parse_command({**raw, "id": f"vc-{n}"}), t0).accepted
        commands = []
        for i, member in enumerate(members):
            answer = "approve" if i < approvals else "object"
            raw = {"type": "cast_reply", "id": f"{member}-1", "item": 3, "answer": answer}
            assert floor.handle(member, parse_command(raw), t0 + dt.timedelta(minutes=i)).accepted
            commands.append((member, raw))
        versions = online_versions(setup.meeting_id, floor.events, commands)
        return tally_round(c21, floor.state, versions, [])

    yes = result_with(25)
    assert (yes.proposals[0].result, len(yes.proposals[0].approve), yes.proposals[0].needed) == ("approved", 25, 25)
    no = result_with(24)
    assert (no.proposals[0].result, len(no.proposals[0].approve)) == ("not approved", 24)
    assert len(no.members) == 48 and all(m.channels[0].receipt for m in no.members)


def test_the_import_reports_council_members_with_no_or_two_focal_points_and_tokens_csv_has_ballot_links(tmp_path, capsys):
    from vccsched.loading import load_roster
    from vccsched.registrations.importer import import_registrations, registrations_yaml
    from vccsched.registrations.model import focal_point_problems

    export = tmp_path / "export.csv"
    export.write_text(
        "Delegation,Family name,Given name,Function,E-mail,Speaker,Floor language,Correspondence focal point\n"
        "China,A,B,Head,a@example.org,yes,zh,yes\n"
        "China,C,D,Delegate,c@example.org,no,,no\n"
        "France,E,F,Head,e@example.org,yes,fr,yes\n"
        "France,G,H,Delegate,g@example.org,no,,yes\n"
        "Colombia,I,J,Head,i@example.org,yes,es,yes\n"
        "Brazil,K,L,Head,k@example.org,yes,pt,maybe\n",
        encoding="utf-8")
    roster = load_roster(DEFAULT_MEETING_DIR / "roster.yaml")
    imported = import_registrations(export, roster, str(export))
    assert [str(p) for p in imported.problems if "focal" in str(p).lower()] == [
        f"{export}, row 7, column H (Correspondence focal point): expected yes or no, found 'maybe'; row not taken"]
    problems = focal_point_problems(imported.registrations, roster)
    assert "Council Member France (FRA) has 2 correspondence focal points (FRA.1, FRA.2); each Council Member names one" in problems
    assert any(p.startswith("person COL.1 is a correspondence focal point of Colombia (COL), which is not a Council Member") for p in problems)
    assert any(p.startswith("Council Member United States (USA) has no correspondence focal point") for p in problems)
    assert not any("China (CHN)" in p for p in problems)
    from server.persons import asker_for

    assert asker_for(imported.registrations, "CHN.1", "CHN").focal_point
    assert not asker_for(imported.registrations, "CHN.2", "CHN").focal_point
    text = registrations_yaml(imported.registrations)
    assert text.count("correspondence_focal_point: true") == 4 and "correspondence_focal_point: false" not in text
    # tokens.csv: the focal point's /ballot link; none for the other person of China.
    folder = tmp_path / "meeting"
    shutil.copytree(DEFAULT_MEETING_DIR, folder)
    (folder / "registrations.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "tokens.csv"
    with pytest.raises(SystemExit):
        from vccsched.cli import main

        main(["server", "tokens", "--db", str(tmp_path / "f.db"), "--meeting", str(folder), "--out", str(out),
              "--url", "https://vcc.example.org"])
    capsys.readouterr()
    rows = {r["person"] or r["delegation"]: r for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))}
    assert rows["CHN.1"]["ballot_link"] == f"https://vcc.example.org/ballot#t={rows['CHN.1']['token']}"
    assert rows["CHN.2"]["ballot_link"] == "" and rows["COL.1"]["ballot_link"] == "" and rows["SG"]["ballot_link"] == ""
    assert rows["USA"]["ballot_link"].endswith(rows["USA"]["token"])  # no focal point: its own link replies


def test_a_reply_accepted_before_the_focal_point_was_registered_replays_as_accepted(round_db, tmp_path, capsys):
    """China replied with its delegation's own link (no focal point then); later registrations
    name CHN.1 its focal point. Every replay with those registrations keeps the reply."""
    db = tmp_path / "floor.db"
    shutil.copy(round_db, db)
    year = dt.date.today().year + 1
    assert in_process(capsys, "correspondence", "open", "--db", str(db), "--deadline", f"{year}-07-02").returncode == 0
    run_on_db(db, "CHN", {"type": "cast_reply", "id": "c1", "replies": [{"item": 3, "answer": "approve"}]})
    folder = tmp_path / "meeting"
    shutil.copytree(DEFAULT_MEETING_DIR, folder)
    (folder / "registrations.yaml").write_text(
        "persons:\n- id: CHN.1\n  delegation: CHN\n  family_name: A\n  given_name: B\n  function: Head\n"
        "  email: a@example.org\n  speaker: false\n  correspondence_focal_point: true\n", encoding="utf-8")
    log = tmp_path / "floor.jsonl"
    assert in_process(capsys, "floor", "export", "--db", str(db), "--out", str(log)).returncode == 0
    replayed = in_process(capsys, "floor", "replay", str(log), "--meeting", str(folder))
    assert replayed.returncode == 0 and "refused" not in replayed.stderr, replayed.stderr
    report = in_process(capsys, "report", "--db", str(db), "--meeting", str(folder), "--out", str(tmp_path / "r.md"))
    assert report.returncode == 0 and "refused" not in report.stderr, report.stderr
    out = tmp_path / "result.json"
    tallied = in_process(capsys, "correspondence", "tally", "--db", str(db), "--meeting", str(folder), "--out", str(out))
    assert tallied.returncode == 0 and "refused" not in tallied.stderr, tallied.stderr
    item3 = next(p for p in json.loads(out.read_text(encoding="utf-8"))["proposals"] if p["number"] == 3)
    assert item3["approve"] == ["CHN"]
    # The live rule is unchanged: the delegation's own link is refused once a focal point is registered.
    from vccsched.floor.rules import reply_refusal
    from vccsched.floor.replay import replay
    from vccsched.loading import load_meeting

    setup = FloorSetup.from_meeting(load_meeting(folder))
    state = replay(log.read_text(encoding="utf-8").splitlines(), setup).state
    assert reply_refusal(state, "CHN", None).code == "not_focal_point"
    # A replay trusts the focal point, not the roster: an observer's reply stays refused.
    forged = '{"actor": "COL", "at": "%s", "command": {"type": "cast_reply", "id": "x", "item": 3, "answer": "approve"}}'
    from server.store import read_floor_log

    lines = [*read_floor_log(db).lines, forged % state.last_at.isoformat()]
    assert [(r.code, actor) for _, actor, r in replay(lines, setup).refusals] == [("not_focal_point", "COL")]
