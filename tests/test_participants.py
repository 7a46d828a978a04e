"""The list of participants (issue 17): the server records who connected on which day (one
row per person, or delegation's own link, per Geneva date), and ``report --participants``
writes the registered participants by delegation with their days, from a real server's
database, the same bytes every time, never an e-mail."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from zoneinfo import ZoneInfo

from live_server import live_server, ws_client
from test_page_speakers import with_person_tokens
from test_person_tokens import meeting  # noqa: F401 (fixture)

from server.attendance import Attendance
from server.store import FloorStore
from vccsched.loading import DEFAULT_MEETING_DIR, load_meeting
from vccsched.meeting_files import meeting_file_texts

GENEVA = ZoneInfo("Europe/Zurich")
#: 8 June 2021, 23:00 in Geneva: the first welcomes are on the 8th, those after the jump on the 9th.
START = dt.datetime(2021, 6, 8, 23, 0, tzinfo=GENEVA)


class SteppingClock:
    """The server's clock from ``START``, running in real time; ``jump`` moves it on."""

    def __init__(self) -> None:
        self.began = time.monotonic()
        self.shift = dt.timedelta(0)

    def jump(self, **delta: float) -> None:
        self.shift += dt.timedelta(**delta)

    def __call__(self) -> dt.datetime:
        return START + dt.timedelta(seconds=time.monotonic() - self.began) + self.shift


def rows(db) -> list[tuple]:
    store = FloorStore.open(db)
    try:
        return [(c.delegation, c.person, c.day, c.count) for c in store.connections()]
    finally:
        store.close_reader()


async def test_the_server_records_connections_and_the_report_lists_participants(tmp_path, meeting, cli):
    clock = SteppingClock()
    async with live_server(tmp_path, meeting_dir=meeting, clock=clock) as srv:
        await with_person_tokens(srv, meeting, tmp_path)
        async with ws_client(srv, "CHN.1") as head, ws_client(srv, "BRA"):
            assert head.welcome["person"] == {"id": "CHN.1", "name": "Ms Example-Delegate-1", "function": "Head of delegation"}
            # Written within the server's next flush (twice a second), while it runs.
            deadline = time.monotonic() + 3
            while len(rows(srv.db_path)) < 2:
                assert time.monotonic() < deadline, "the welcomes were not recorded"
                await asyncio.sleep(0.1)
        clock.jump(hours=2)  # past midnight in Geneva: the 9th
        for _ in range(3):  # reconnecting counts; it adds no row
            async with ws_client(srv, "CHN.1"):
                pass
        async with ws_client(srv, "EGY.1"), ws_client(srv, "VC"):
            pass
    # The last welcomes are written when the server stops.
    assert rows(srv.db_path) == [
        ("BRA", None, "2021-06-08", 1),
        ("CHN", "CHN.1", "2021-06-08", 1),
        ("CHN", "CHN.1", "2021-06-09", 3),
        ("EGY", "EGY.1", "2021-06-09", 1),
        ("VC", None, "2021-06-09", 1),
    ]

    outputs = {}
    for name in ("list.md", "list.html", "list.docx", "again.docx"):
        out = tmp_path / name
        result = cli("report", "--participants", "--db", str(srv.db_path), "--meeting", str(meeting), "--out", str(out))
        assert result.returncode == 0, result.stderr
        outputs[name] = out.read_bytes()
    assert outputs["list.docx"] == outputs["again.docx"]  # the same bytes (the zip's times are fixed)
    text = outputs["list.md"].decode()
    import io
    import zipfile

    document = zipfile.ZipFile(io.BytesIO(outputs["list.docx"])).read("word/document.xml").decode()
    for written in (text, outputs["list.html"].decode(), document):
        assert "@example.org" not in written and "Example-Delegate-3" in written  # no e-mail, the adviser listed
    assert "Days of connection (Geneva dates): Tuesday 8 June 2021, Wednesday 9 June 2021." in text
    assert "12 registered participants of 8 delegations; 2 connected on at least one day." in text
    start = text.index("## China (CHN) — Council Member")
    china = text[start:text.index("\n## ", start)]
    assert "| Ms Example Example-Delegate-1 | Head of delegation | yes (Chinese) | Tue 8 Jun, Wed 9 Jun |" in china
    assert "| Mr Example Example-Delegate-2 | Delegate | yes (English) | not connected |" in china
    assert "| Example Example-Delegate-3 | Adviser | no | not connected |" in china
    assert "| The delegation's own link |  |  | Tue 8 Jun |" in text  # Brazil registered nobody
    order = [line.split(" — ")[0] for line in text.splitlines() if line.startswith("## ")]
    roster = [d.id for d in load_meeting(meeting).roster.delegations]
    listed = [line.rsplit("(", 1)[1].rstrip(")") for line in order]
    assert listed == [d for d in roster if d in listed]  # the roster's order
    assert "## Brazil (BRA)" in order and "| The chair's own link |  |  | Wed 9 Jun |" in text

    # Without --meeting the persons cannot be named: said, not guessed.
    result = cli("report", "--participants", "--db", str(srv.db_path), "--out", str(tmp_path / "x.md"))
    assert result.returncode == 2 and "--meeting" in result.stderr and "Traceback" not in result.stderr
    result = cli("report", "--participants", "--log", str(tmp_path / "x.jsonl"), "--out", str(tmp_path / "x.md"))
    assert result.returncode == 2 and "--db" in result.stderr


def test_a_meeting_without_registrations_lists_delegations_and_their_days(tmp_path, cli):
    db = tmp_path / "floor.db"
    store = FloorStore.open_or_create(db, "C21/VCC-1", meeting_file_texts(DEFAULT_MEETING_DIR))
    attendance = Attendance(GENEVA)
    attendance.seen("USA", None, START)
    attendance.seen("CHN", None, START + dt.timedelta(days=1))
    attendance.flush(store)
    store.close()
    out = tmp_path / "list.md"
    result = cli("report", "--participants", "--db", str(db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert "The meeting has no registrations: the delegations are listed. 2 of the" in text
    assert "| China (CHN) | Council Member | Wed 9 Jun |" in text
    assert "| United States (USA) | Council Member | Tue 8 Jun |" in text
    roster = [d.id for d in load_meeting(DEFAULT_MEETING_DIR).roster.delegations]
    first, second = sorted(["CHN", "USA"], key=roster.index)
    assert text.index(f"({first})") < text.index(f"({second})")  # the roster's order


def test_the_record_is_one_row_per_holder_and_day_whatever_the_welcomes(tmp_path):
    store = FloorStore.open_or_create(tmp_path / "floor.db", "C21/VCC-1", meeting_file_texts(DEFAULT_MEETING_DIR))
    try:
        attendance = Attendance(GENEVA)
        for n in range(1000):  # a page reconnecting all day long
            attendance.seen("CHN", "CHN.1", START - dt.timedelta(hours=12) + dt.timedelta(seconds=40 * n))
            if n % 100 == 0:
                attendance.flush(store)
        assert len(attendance.pending) <= 2  # at most one waiting entry per holder and day
        attendance.flush(store)
        assert attendance.pending == {}
        (one,) = store.connections()
        assert (one.person, one.day, one.count) == ("CHN.1", "2021-06-08", 1000)
        assert (one.first_at, one.last_at) == ("2021-06-08T11:00:00+02:00", "2021-06-08T22:06:00+02:00")
        # Across midnight in Geneva (22:30 UTC in summer), within one flush: a row per day.
        attendance.seen("CHN", "CHN.1", dt.datetime(2021, 6, 8, 21, 59, tzinfo=dt.timezone.utc))
        attendance.seen("CHN", "CHN.1", dt.datetime(2021, 6, 8, 22, 1, tzinfo=dt.timezone.utc))
        attendance.flush(store)
        assert [(c.day, c.count, c.first_at) for c in store.connections()] == [
            ("2021-06-08", 1001, "2021-06-08T11:00:00+02:00"), ("2021-06-09", 1, "2021-06-09T00:01:00+02:00")]
        # A write that fails keeps what waits, for the next flush; the floor never sees it.
        attendance.seen("USA", None, START)
        store._db.execute("DROP TABLE connections")
        store._db.execute("CREATE TABLE connections (x)")  # not the table it writes to
        attendance.flush(store)
        assert attendance.failing and len(attendance.pending) == 1
    finally:
        store.close()
