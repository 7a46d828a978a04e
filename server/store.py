"""The durable log of one meeting's floor: a SQLite file.

The server is the only writer. It calls :meth:`FloorStore.append` for every
accepted command *before* any event is broadcast or ``accepted`` is sent:
the command and all its events go into one transaction, committed with
``synchronous=FULL`` in WAL mode, so an acknowledged command survives a
crash or a power cut and a command is never half applied.

On start the floor is rebuilt from :meth:`FloorStore.events`. The meeting's
three data files are stored at creation, so that a database is never run,
reported or re-planned against data that changed since (see
:meth:`FloorStore.check_meeting`).

Only the standard library's ``sqlite3``; no asyncio (reports and re-plans read
a database without starting a server).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import hmac
import json
import os
import logging
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from vccsched.errors import VccschedError
from vccsched.floor import chain
from vccsched.floor.events import BaseEvent, event_adapter

#: Bumped when the tables change; a database of another format is refused.
STORE_FORMAT = "vccsched-floor-db/1"

#: The meeting folder's files, stored in the database at creation.
MEETING_FILE_NAMES = ("meeting.yaml", "agenda.yaml", "roster.yaml")

logger = logging.getLogger("vccsched.server.store")  # a child of the server's log

_DECODER = json.JSONDecoder()

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meeting_files (
    name TEXT PRIMARY KEY,
    text TEXT NOT NULL
);
-- One row per accepted command, in the order the floor applied them.
CREATE TABLE IF NOT EXISTS commands (
    n          INTEGER PRIMARY KEY,
    actor      TEXT NOT NULL,
    command_id TEXT NOT NULL,
    at         TEXT NOT NULL,
    command    TEXT NOT NULL,
    first_seq  INTEGER NOT NULL,
    last_seq   INTEGER NOT NULL,
    UNIQUE (actor, command_id)
);
CREATE TABLE IF NOT EXISTS events (
    seq       INTEGER PRIMARY KEY,
    command_n INTEGER NOT NULL REFERENCES commands (n),
    event     TEXT NOT NULL
);
-- Only hashes: a stolen database does not let anyone speak for a delegation.
CREATE TABLE IF NOT EXISTS tokens (
    delegation TEXT PRIMARY KEY,
    hash       TEXT NOT NULL,
    issued_at  TEXT NOT NULL,
    revoked_at TEXT
);
"""


#: Added after the first databases were made: :meth:`FloorStore.open` adds it to them.
_CHAIN_SCHEMA = """
-- The record's hash chain (vccsched/floor/chain.py): one link per command, written in
-- the command's transaction. The digests are not chained: they say what changed.
CREATE TABLE IF NOT EXISTS chain (
    n              INTEGER PRIMARY KEY REFERENCES commands (n),
    hash           TEXT NOT NULL,
    command_digest TEXT NOT NULL,
    events_digest  TEXT NOT NULL
);
"""

#: Added with registrations (issue 17): one token per registered person, beside the
#: delegations' tokens. Made on first use by :meth:`FloorStore.issue_person_tokens`, so that
#: databases without persons (and read-only copies) are untouched.
_PERSON_TOKENS_SCHEMA = """
-- Only hashes, as for delegations. A person's token speaks for the delegation.
CREATE TABLE IF NOT EXISTS person_tokens (
    person     TEXT PRIMARY KEY,
    delegation TEXT NOT NULL,
    hash       TEXT NOT NULL,
    issued_at  TEXT NOT NULL,
    revoked_at TEXT
);
"""


#: Added with the list of participants (issue 17): who connected on which day. Made on first
#: use by :meth:`FloorStore.record_connections`, so that older databases (and read-only
#: copies) are untouched until a server records a connection in them.
_CONNECTIONS_SCHEMA = """
-- One row per holder of a token per day: a registered person ('CHN.1'), or a delegation's
-- own token (person ''), on a date of the meeting's zone (Geneva). Only tokens the
-- secretariat issued make rows, so the table holds at most (holders) x (days the server
-- ran): 5,000 persons and 200 delegations over ten days are 52,000 rows, a few MB.
CREATE TABLE IF NOT EXISTS connections (
    delegation TEXT NOT NULL,
    person     TEXT NOT NULL,
    day        TEXT NOT NULL,
    first_at   TEXT NOT NULL,
    last_at    TEXT NOT NULL,
    count      INTEGER NOT NULL,
    PRIMARY KEY (delegation, person, day)
);
"""

#: Added with the stored register of contributions: the rows the floor shows (item, symbol,
#: delegation), not the register's files. Made on first use by
#: :meth:`FloorStore.store_contributions`; a new register replaces the rows in one transaction.
_CONTRIBUTIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS contributions (
    item       INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    symbol     TEXT NOT NULL,
    delegation TEXT NOT NULL,
    PRIMARY KEY (item, position)
);
"""

#: At most so many (item, contribution) rows are stored, each symbol at most so many
#: characters: well under 3 MB. A Council session has tens of contributions; a register read
#: has at most 10,000 rows (vccsched/contributions/register.py), each on one item or a few.
MAX_STORED_CONTRIBUTIONS = 10_000
MAX_SYMBOL_CHARS = 200


@dataclass(frozen=True)
class StoredContributions:
    """The register stored in a database: per item, (symbol, delegation) in order of arrival;
    where it was read from and when it was stored (UTC, ISO text)."""

    items: dict[int, list[tuple[str, str]]]
    source: str
    stored_at: str


@dataclass(frozen=True)
class ConnectionDay:
    """Who connected on a day: a person (or a delegation's own token, ``person`` None), the
    date in the meeting's zone, the first and last welcome that day (ISO text with offset)
    and how many welcomes."""

    delegation: str
    person: str | None
    day: str
    first_at: str
    last_at: str
    count: int


class TokenHashes(dict):
    """Holder (a delegation id, or a person id such as ``CHN.2``) -> hash of its live token.

    ``delegation_of`` maps a person to the delegation their token speaks for; a holder not
    in it is a delegation. A plain dict works wherever this does (no persons).
    """

    def __init__(self, hashes: dict[str, str] | None = None, delegation_of: dict[str, str] | None = None):
        super().__init__(hashes or {})
        self.delegation_of: dict[str, str] = dict(delegation_of or {})


class StoreError(VccschedError):
    """The floor database is missing, damaged, or belongs to other meeting data."""

    title = "Floor database"
    exit_code = 2


def hash_token(token: str) -> str:
    """The stored form of a token (tokens are 256-bit random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh secret token: 43 URL-safe characters, 256 bits."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class FloorLog:
    """What a database holds for readers: the log in ``floor replay`` form and the meeting files."""

    lines: list[str]
    meeting_files: dict[str, str]
    meeting_id: str
    #: The record's chain: its genesis and head (docs/protocol.md, "The record's chain").
    genesis: str = ""
    head: str = ""


def _utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


#: What to do with a damaged database file, said with every such error.
_DAMAGED_ADVICE = (
    "the file is damaged; stop the server, keep this file for the record, and start from the last "
    "good copy (a backup, or a log written by 'vccsched floor export' replayed into a new database)"
)


def _connect(path: Path) -> sqlite3.Connection:
    if not path.exists():
        # The log and the token hashes are for this server alone: 0600 from the start.
        # SQLite gives its -wal and -shm files the database file's permissions.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    # FULL: every commit is fsynced, so an acknowledged command is on disk.
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA busy_timeout=5000")
    return connection


def _first_difference(name: str, stored: str, current: str) -> str:
    for line in difflib.unified_diff(
        stored.splitlines(), current.splitlines(), lineterm="", n=0
    ):
        if line.startswith("@@"):
            return f"{name} differs ({line.strip('@ ').split(' ')[0].lstrip('-')}: first changed line)"
    return f"{name} differs"


class FloorStore:
    """One meeting's database. Open it with :meth:`create` or :meth:`open`."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self._head: str | None = None  # the chain's last hash, read on first use

    # --- opening ---------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, meeting_id: str, files: dict[str, str]) -> FloorStore:
        """Make a new database for a meeting whose folder holds ``files`` (name -> text)."""
        path = Path(path)
        if path.exists():
            raise StoreError(f"{path}: already exists; give a new file name, or open it")
        if not path.parent.is_dir():
            raise StoreError(f"{path}: the folder {path.parent} does not exist")
        try:
            connection = _connect(path)
            connection.executescript(_SCHEMA + _CHAIN_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot create the database ({exc})") from None
        store = cls(path, connection)
        store._write(
            [
                ("INSERT INTO meta VALUES (?, ?)", ("format", STORE_FORMAT)),
                ("INSERT INTO meta VALUES (?, ?)", ("meeting_id", meeting_id)),
                *[
                    ("INSERT INTO meeting_files VALUES (?, ?)", (name, files[name]))
                    for name in MEETING_FILE_NAMES
                ],
            ]
        )
        return store

    @classmethod
    def open(cls, path: Path) -> FloorStore:
        """Open an existing database; a missing, foreign or damaged file is a :class:`StoreError`."""
        path = Path(path)
        if not path.is_file():
            what = "is a folder" if path.is_dir() else "file not found"
            raise StoreError(
                f"{path}: {what}; expected a floor database made by 'vccsched server tokens' "
                "or 'vccsched server run'",
                title="Missing floor database" if not path.exists() else None,
            )
        try:
            connection = _connect(path)
            row = connection.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        except sqlite3.DatabaseError as exc:
            if "malformed" in str(exc):
                raise StoreError(f"{path}: {_DAMAGED_ADVICE} ({exc})", title="Damaged floor database") from None
            raise StoreError(f"{path}: not a vccsched floor database ({exc})") from None
        if row is None or row[0] != STORE_FORMAT:
            found = row[0] if row else "none"
            raise StoreError(
                f"{path}: database format {found!r}, this vccsched reads {STORE_FORMAT!r}"
            )
        store = cls(path, connection)
        store._complete_chain()
        return store

    @classmethod
    def open_or_create(cls, path: Path, meeting_id: str, files: dict[str, str]) -> FloorStore:
        """Open ``path`` and check it holds ``files``; create it if it does not exist."""
        path = Path(path)
        if not path.exists():
            return cls.create(path, meeting_id, files)
        store = cls.open(path)
        try:
            store.check_meeting(meeting_id, files)
        except BaseException:
            store.close_reader()
            raise
        return store

    def check_sound(self) -> None:
        """Refuse (:class:`StoreError`) a file whose pages are damaged, before the floor is read from it."""
        try:
            result = self._db.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            result = str(exc)
        if result != "ok":
            raise StoreError(f"{self.path}: {_DAMAGED_ADVICE} (SQLite: {result})", title="Damaged floor database")

    def check_writable(self) -> None:
        """Refuse (:class:`StoreError`) a database the server could not write to: a server that
        cannot store commands must say so at start, not with the first command."""
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("UPDATE meta SET value = value WHERE key = 'format'")
        except sqlite3.Error as exc:
            raise StoreError(
                f"{self.path}: the server cannot write to this database ({exc}); check the permissions "
                "of the file and its folder, and the free space on the disk",
                title="Database not writable",
            ) from None
        finally:
            if db.in_transaction:
                db.execute("ROLLBACK")

    def probe_write(self) -> None:
        """A small committed write, to learn whether the disk takes writes again; raises as
        :meth:`append` would."""
        self._write([("INSERT OR REPLACE INTO meta VALUES ('last_write_probe', ?)", (_utc_now(),))])

    def close_reader(self) -> None:
        """Close without a checkpoint: for readers (export, verify, report) while a server may
        write, and for a file that was refused (another meeting's, damaged, not writable)."""
        self._db.close()

    def close(self) -> None:
        """Checkpoint the WAL into the main file and close."""
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass  # a reader elsewhere may hold the WAL; the data is safe in it anyway
        self._db.close()

    # --- the meeting the database belongs to ---------------------------------------------

    @property
    def meeting_id(self) -> str:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'meeting_id'").fetchone()
        return row[0] if row else ""

    def meeting_files(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT name, text FROM meeting_files ORDER BY name"))

    def check_meeting(self, meeting_id: str, files: dict[str, str]) -> None:
        """Refuse a database made for another meeting, or for data that changed since."""
        if self.meeting_id != meeting_id:
            raise StoreError(
                f"{self.path}: this database is for the meeting {self.meeting_id!r}, "
                f"not {meeting_id!r}; give the database of {meeting_id!r} or a new file name"
            )
        stored = self.meeting_files()
        changed = [
            _first_difference(name, stored.get(name, ""), files[name])
            for name in MEETING_FILE_NAMES
            if stored.get(name) != files[name]
        ]
        if changed:
            raise StoreError(
                f"{self.path}: the meeting data changed since this database was made; "
                "the floor's log must be read with the data it was made with",
                details=[*changed, "restore the files as they were, or start a new database"],
            )

    # --- the log -----------------------------------------------------------------------

    def _write(self, statements: Sequence[tuple[str, tuple]]) -> None:
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            for sql, params in statements:
                db.execute(sql, params)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def append(
        self, actor: str, at: dt.datetime, command: dict, events: Sequence[BaseEvent]
    ) -> None:
        """Store an accepted command and all its events in one durable transaction.

        Raises ``sqlite3.Error`` when the disk fails: the caller must then not
        acknowledge the command, and should rebuild its floor from :meth:`events`.
        """
        n = self._db.execute("SELECT COALESCE(MAX(n), 0) + 1 FROM commands").fetchone()[0]
        event_texts = [e.model_dump_json() for e in events]
        head, link = self._link(n, actor, at.isoformat(), command, [json.loads(t) for t in event_texts])
        statements: list[tuple[str, tuple]] = [
            (
                "INSERT INTO commands VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    n,
                    actor,
                    str(command.get("id", "")),
                    at.isoformat(),
                    json.dumps(command, ensure_ascii=False, separators=(",", ":")),
                    events[0].seq,
                    events[-1].seq,
                ),
            )
        ]
        statements.extend(
            ("INSERT INTO events VALUES (?, ?, ?)", (e.seq, n, text))
            for e, text in zip(events, event_texts)
        )
        statements.append(link)
        try:
            self._write(statements)
        except BaseException:
            self._head = None  # read again from the file: a failed commit may still have landed
            raise
        self._head = head

    # --- the record's chain -----------------------------------------------------------------

    @property
    def genesis(self) -> str:
        return chain.genesis(self.meeting_id, chain.files_digest(self.meeting_files()))

    @property
    def head(self) -> str:
        """The hash of the last stored command (the genesis before any)."""
        if self._head is None:
            row = self._db.execute("SELECT hash FROM chain ORDER BY n DESC LIMIT 1").fetchone()
            self._head = row[0] if row else self.genesis
        return self._head

    def _link(self, n: int, actor: str, at: str, command: object, events: list) -> tuple[str, tuple]:
        """The statement storing command ``n``'s link, chained to :attr:`head`; and the new head."""
        new = chain.link(self.head, chain.canonical(chain.record(actor, at, command, events)))
        params = (n, new, chain.command_digest(actor, at, command), chain.events_digest(events))
        return new, ("INSERT INTO chain VALUES (?, ?, ?, ?)", params)

    def _complete_chain(self) -> None:
        """Link the commands stored without one (a database made before the chain existed).

        Done once: afterwards every command gets its link in its own transaction.
        """
        db = self._db
        try:
            if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'chain'").fetchone() is None:
                db.executescript(_CHAIN_SCHEMA)
            done = db.execute("SELECT COALESCE(MAX(n), 0) FROM chain").fetchone()[0]
            missing = db.execute("SELECT COUNT(*) FROM commands WHERE n > ?", (done,)).fetchone()[0]
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the record's chain ({exc})") from None
        if not missing:
            return
        statements = []
        for n, actor, at, command, events in self._entries(after=done):
            self._head, statement = self._link(n, actor, at, command, events)
            statements.append(statement)
        self._write(statements)
        logger.warning(
            "%s: computed the record's hash chain once for %d command(s) stored without it "
            "(commands %d to %d); head %s", self.path, missing, done + 1, done + missing, self._head,
        )

    def _entries(self, after: int = 0) -> Iterator[tuple[int, str, str, object, list]]:
        """``(n, actor, at, command, events)`` of the stored commands after ``n``, in order."""
        by_command: dict[int, list[str]] = {}
        for command_n, text in self._db.execute(
            "SELECT command_n, event FROM events WHERE command_n > ? ORDER BY seq", (after,)
        ):
            by_command.setdefault(command_n, []).append(text)
        decode = _DECODER.raw_decode
        for n, actor, at, command in self._db.execute(
            "SELECT n, actor, at, command FROM commands WHERE n > ? ORDER BY n", (after,)
        ):
            # One decode for the command and its events: 50,000 rows are read in 'floor verify'.
            texts = by_command.get(n)
            parsed = decode(f"[{command},{','.join(texts)}]" if texts else f"[{command}]")[0]
            yield n, actor, at, parsed[0], parsed[1:]

    def chain_entries(self) -> Iterator[chain.ChainEntry]:
        """Every stored command with its stored link, for :func:`vccsched.floor.chain.verify`."""
        links = {
            n: (h, c, e)
            for n, h, c, e in self._db.execute("SELECT n, hash, command_digest, events_digest FROM chain")
        }
        for n, actor, at, command, events in self._entries():
            h, c, e = links.get(n, (None, None, None))
            yield chain.ChainEntry(f"row {n}", actor, at, command, events, h, c, e)

    def events(self) -> list[BaseEvent]:
        """Every stored event in ``seq`` order (to rebuild the floor)."""
        try:
            rows = self._db.execute("SELECT seq, event FROM events ORDER BY seq").fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {_DAMAGED_ADVICE} ({exc})", title="Damaged floor database") from None
        events = []
        for seq, text in rows:
            try:
                events.append(event_adapter.validate_json(text))
            except ValueError:
                raise StoreError(
                    f"{self.path}: event {seq} is not an event this vccsched reads; {_DAMAGED_ADVICE}",
                    title="Damaged floor database",
                ) from None
        return events

    def accepted_commands(self) -> list[tuple[str, dict]]:
        """``(actor, command)`` of every stored command, so that a rebuilt floor knows what
        each used command id meant."""
        try:
            rows = self._db.execute("SELECT n, actor, command FROM commands ORDER BY n").fetchall()
            return [(actor, json.loads(command)) for _, actor, command in rows]
        except (sqlite3.DatabaseError, ValueError) as exc:
            raise StoreError(f"{self.path}: {_DAMAGED_ADVICE} ({exc})", title="Damaged floor database") from None

    def log_lines(self) -> Iterator[str]:
        """The accepted commands as ``floor replay`` JSON Lines (no newline at the end of each)."""
        # The registered person who asked (issue 17) is in the command's floor_requested event only;
        # a line names them (optional "person") so that a replay records them again.
        # Likewise the language the floor recorded for the request (protocol 4): the record keeps
        # no registrations, so a replay takes it from the line.
        rows = self._db.execute(
            "SELECT c.actor, c.at, c.command, (SELECT json_extract(e.event, '$.person') FROM events e "
            "WHERE e.command_n = c.n AND json_extract(e.event, '$.person') IS NOT NULL LIMIT 1), "
            "(SELECT json_extract(e.event, '$.language') FROM events e WHERE e.command_n = c.n "
            "AND json_extract(e.event, '$.type') = 'floor_requested' LIMIT 1) "
            "FROM commands c ORDER BY c.n"
        )
        for actor, at, command, person, language in rows:
            line = {"actor": actor, "at": at, "command": json.loads(command)}
            if isinstance(person, str):
                line["person"] = person
                if isinstance(language, str):
                    line["language"] = language
            yield json.dumps(line, ensure_ascii=False, separators=(", ", ": "))

    def chained_log_lines(self) -> Iterator[str]:
        """The accepted commands as ``floor export`` writes them: with their events, seq range
        and hash (docs/protocol.md, "The record's chain")."""
        for entry in self.chain_entries():
            line = chain.record(entry.actor, entry.at, entry.command, entry.events)
            line["hash"] = entry.hash
            yield json.dumps(line, ensure_ascii=False, separators=(", ", ": "))

    def integrity(self) -> str:
        """``PRAGMA integrity_check``: 'ok' for a sound file."""
        return self._db.execute("PRAGMA integrity_check").fetchone()[0]

    def data_version(self) -> int:
        """Changes by *other* connections bump this (e.g. ``server tokens --revoke``)."""
        return self._db.execute("PRAGMA data_version").fetchone()[0]

    # --- tokens ------------------------------------------------------------------------

    def issue_tokens(self, delegations: Iterable[str], *, replace: bool) -> dict[str, str]:
        """New tokens for ``delegations``; returns delegation -> token (shown once, never stored).

        Without ``replace``, delegations that already hold a live token are skipped.
        """
        existing = {d for (d,) in self._db.execute("SELECT delegation FROM tokens WHERE revoked_at IS NULL")}
        issued: dict[str, str] = {}
        now = _utc_now()
        statements = []
        for delegation in delegations:
            if delegation in existing and not replace:
                continue
            token = new_token()
            issued[delegation] = token
            statements.append(
                (
                    "INSERT OR REPLACE INTO tokens VALUES (?, ?, ?, NULL)",
                    (delegation, hash_token(token), now),
                )
            )
        if statements:
            self._write(statements)
        return issued

    def revoke_tokens(self, delegations: Iterable[str]) -> list[str]:
        """Revoke the live tokens of ``delegations``; returns those that had one."""
        now = _utc_now()
        revoked = []
        statements = []
        for delegation in delegations:
            row = self._db.execute(
                "SELECT 1 FROM tokens WHERE delegation = ? AND revoked_at IS NULL", (delegation,)
            ).fetchone()
            if row:
                revoked.append(delegation)
                statements.append(
                    ("UPDATE tokens SET revoked_at = ? WHERE delegation = ?", (now, delegation))
                )
        if statements:
            self._write(statements)
        return revoked

    def token_hashes(self) -> TokenHashes:
        """holder -> hash of its live token: delegations, and persons (``delegation_of`` says whose)."""
        hashes = TokenHashes(
            dict(self._db.execute("SELECT delegation, hash FROM tokens WHERE revoked_at IS NULL"))
        )
        if self._has_person_tokens():
            for person, delegation, stored in self._db.execute(
                "SELECT person, delegation, hash FROM person_tokens WHERE revoked_at IS NULL"
            ):
                hashes[person] = stored
                hashes.delegation_of[person] = delegation
        return hashes

    # --- persons' tokens (registrations) ----------------------------------------------

    def _has_person_tokens(self) -> bool:
        return self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'person_tokens'").fetchone() is not None

    def issue_person_tokens(self, persons: Iterable[tuple[str, str]], *, replace: bool) -> dict[str, str]:
        """New tokens for ``persons`` (person id, delegation); returns person -> token (shown once).

        Without ``replace``, persons who already hold a live token are skipped.
        """
        if not self._has_person_tokens():
            self._db.executescript(_PERSON_TOKENS_SCHEMA)
        existing = {p for (p,) in self._db.execute("SELECT person FROM person_tokens WHERE revoked_at IS NULL")}
        issued: dict[str, str] = {}
        now = _utc_now()
        statements = []
        for person, delegation in persons:
            if person in existing and not replace:
                continue
            token = new_token()
            issued[person] = token
            statements.append(
                ("INSERT OR REPLACE INTO person_tokens VALUES (?, ?, ?, ?, NULL)", (person, delegation, hash_token(token), now))
            )
        if statements:
            self._write(statements)
        return issued

    def revoke_person_tokens(self, persons: Iterable[str] = (), *, delegations: Iterable[str] = ()) -> list[str]:
        """Revoke the live tokens of ``persons`` and of every person of ``delegations``;
        returns the persons that had one, in the order found."""
        if not self._has_person_tokens():
            return []
        wanted, of = set(persons), set(delegations)
        live = self._db.execute(
            "SELECT person, delegation FROM person_tokens WHERE revoked_at IS NULL ORDER BY person"
        ).fetchall()
        revoked = [p for p, d in live if p in wanted or d in of]
        now = _utc_now()
        if revoked:
            self._write([("UPDATE person_tokens SET revoked_at = ? WHERE person = ?", (now, p)) for p in revoked])
        return revoked

    def person_token_holders(self) -> dict[str, str]:
        """person -> delegation, for every person holding a live token."""
        if not self._has_person_tokens():
            return {}
        return dict(self._db.execute("SELECT person, delegation FROM person_tokens WHERE revoked_at IS NULL"))


    # --- who connected (the list of participants) --------------------------------------

    def _has_connections(self) -> bool:
        return self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'connections'").fetchone() is not None

    def record_connections(self, days: Iterable[ConnectionDay]) -> None:
        """Add welcomes to the record of connections, in one durable transaction: a new
        (holder, day) row, or the day's row widened (first, last) and counted up.

        Raises ``sqlite3.Error`` like :meth:`append` when the disk fails.
        """
        rows = list(days)
        if not rows:
            return
        if not self._has_connections():
            self._db.executescript(_CONNECTIONS_SCHEMA)
        self._write([
            (
                "INSERT INTO connections VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (delegation, person, day) DO UPDATE "
                "SET first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at), "
                "count = count + excluded.count",
                (r.delegation, r.person or "", r.day, r.first_at, r.last_at, r.count),
            )
            for r in rows
        ])

    # --- the register of contributions (what the floor shows) ----------------------------

    def _has_contributions(self) -> bool:
        return self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'contributions'").fetchone() is not None

    def store_contributions(self, items: dict[int, Sequence[tuple[str, str]]], source: str) -> None:
        """Replace the stored register with ``items`` (item -> (symbol, delegation) in order),
        read from ``source``, in one durable transaction. More than
        :data:`MAX_STORED_CONTRIBUTIONS` rows, or a symbol longer than :data:`MAX_SYMBOL_CHARS`,
        is a :class:`StoreError` naming ``source`` and nothing is stored."""
        rows = [
            (number, position, symbol, delegation)
            for number, entries in sorted(items.items())
            for position, (symbol, delegation) in enumerate(entries)
        ]
        if len(rows) > MAX_STORED_CONTRIBUTIONS:
            raise StoreError(
                f"{source}: {len(rows)} contributions by item; at most {MAX_STORED_CONTRIBUTIONS} are stored. "
                "Is this the register?", title="Register too large")
        long = next((r for r in rows if len(r[2]) > MAX_SYMBOL_CHARS), None)
        if long is not None:
            raise StoreError(
                f"{source}: item {long[0]}: the document symbol {long[2][:40]!r}... is longer than "
                f"{MAX_SYMBOL_CHARS} characters", title="Register too large")
        if not self._has_contributions():
            self._db.executescript(_CONTRIBUTIONS_SCHEMA)
        self._write([
            ("DELETE FROM contributions", ()),
            *[("INSERT INTO contributions VALUES (?, ?, ?, ?)", row) for row in rows],
            ("INSERT OR REPLACE INTO meta VALUES ('contributions_source', ?)", (source,)),
            ("INSERT OR REPLACE INTO meta VALUES ('contributions_stored_at', ?)", (_utc_now(),)),
        ])

    def stored_contributions(self) -> StoredContributions | None:
        """The register last stored; None if none ever was (an empty register is stored as such)."""
        meta = dict(self._db.execute(
            "SELECT key, value FROM meta WHERE key IN ('contributions_source', 'contributions_stored_at')"))
        if "contributions_stored_at" not in meta or not self._has_contributions():
            return None
        items: dict[int, list[tuple[str, str]]] = {}
        for number, symbol, delegation in self._db.execute(
            "SELECT item, symbol, delegation FROM contributions ORDER BY item, position"
        ):
            items.setdefault(number, []).append((symbol, delegation))
        return StoredContributions(items, meta.get("contributions_source", ""), meta["contributions_stored_at"])

    def connections(self) -> list[ConnectionDay]:
        """Every recorded (holder, day), by delegation, person and day; [] for a database
        without the record (made before it, or no one connected yet)."""
        if not self._has_connections():
            return []
        return [
            ConnectionDay(delegation, person or None, day, first_at, last_at, count)
            for delegation, person, day, first_at, last_at, count in self._db.execute(
                "SELECT delegation, person, day, first_at, last_at, count FROM connections "
                "ORDER BY delegation, person, day"
            )
        ]


def authenticate(token: str, hashes: dict[str, str]) -> str | None:
    """The delegation whose live token is ``token`` (a person's token: the person's
    delegation), compared in constant time; else None."""
    holder = token_holder(token, hashes)
    if holder is None:
        return None
    return getattr(hashes, "delegation_of", {}).get(holder, holder)


def token_holder(token: str, hashes: dict[str, str]) -> str | None:
    """Who holds the live token ``token``: a delegation id or a person id; else None."""
    presented = hash_token(token)
    found = None
    for holder, stored in hashes.items():
        # Compare against every hash, so the time taken says nothing of which matched.
        if hmac.compare_digest(presented, stored):
            found = holder
    return found


def read_floor_log(path: Path) -> FloorLog:
    """The accepted commands of a database as ``floor replay`` lines, with its meeting files."""
    store = FloorStore.open(path)
    try:
        return FloorLog(
            lines=list(store.log_lines()),
            meeting_files=store.meeting_files(),
            meeting_id=store.meeting_id,
            genesis=store.genesis,
            head=store.head,
        )
    finally:
        store._db.close()
