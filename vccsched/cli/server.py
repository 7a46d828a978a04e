"""``vccsched server``: issue delegations' tokens and run the live floor.

The server package (websockets, asyncio) is imported inside the commands: the
core and the rest of the CLI load without it.
"""

from __future__ import annotations

import csv
import io
import sys
import urllib.parse
from pathlib import Path
from typing import Annotated

import typer

from vccsched.cli.common import (
    MeetingOption,
    check_outputs,
    command_group,
    load,
    write_private_output,
)
from vccsched.errors import DataError
from vccsched.meeting_files import meeting_file_texts

server_app = command_group("server", "The live floor: delegations' tokens and the websockets server.")

DbOption = Annotated[
    Path,
    typer.Option("--db", help="The meeting's floor database (SQLite); made on first use.", show_default=False),
]


def _links_base(rotate_ids: list[str], revoke_ids: list[str], out: Path | None, db: Path, url: str | None, data):
    """Where the new links point, when tokens are issued; checks that they have a file to go to."""
    issuing = bool(rotate_ids) or not revoke_ids
    if issuing and out is None:
        raise DataError("give --out FILE.csv: the new tokens are written there and nowhere else")
    if out is not None:
        check_outputs({"--out": out}, {"--db": db})
    return page_address(url, data.meeting.page_url, data.directory / "meeting.yaml") if issuing else None


def _existing_db(db: Path, rotate_ids: list[str], revoke_ids: list[str]) -> None:
    """--rotate and --revoke act on the tokens of a database: a missing one is a mistyped path,
    not a new meeting (an empty database made there would revoke nothing and say so quietly)."""
    if (rotate_ids or revoke_ids) and not db.exists():
        option = "--revoke" if revoke_ids else "--rotate"
        raise DataError(
            f"--db {db}: no such file; {option} acts on the tokens of an existing floor database. "
            "Give the path of the meeting's database (the one the server runs on), or run "
            "'vccsched server tokens --db FILE --out FILE.csv' without --rotate/--revoke to issue "
            "the first tokens of a new meeting",
            title="Missing database",
        )


def _ids(values: list[str] | None) -> list[str]:
    # Accept "--rotate USA --rotate CAN" as well as "--rotate USA,CAN".
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


LOOPBACK_HOSTS = ("localhost", "127.", "[::1]", "0.0.0.0")


def page_address(url: str | None, page_url: str | None, settings: Path) -> str:
    """The address the links point to: --url, else the meeting's page_url; a DataError if neither,
    since a guess (this machine, one port) gives every delegation a link that does not open."""
    chosen = url or page_url
    if not chosen:
        raise DataError(
            "give --url with the delegates' page as delegates reach it (e.g. --url https://vcc.example.org), "
            f"or set page_url in {settings}: the links in the CSV point there",
            title="No address for the links",
        )
    parsed = urllib.parse.urlsplit(chosen)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        source = "--url" if url else f"page_url in {settings}"
        raise DataError(f"{source} {chosen!r}: expected an address like https://vcc.example.org")
    host = parsed.netloc.rsplit("@", 1)[-1].lower()
    if host.startswith(LOOPBACK_HOSTS):
        print(
            f"warning: the links point to {parsed.netloc}, this machine only: other delegations cannot "
            "open them. Give --url with the address delegates reach (or page_url in meeting.yaml).",
            file=sys.stderr,
        )
    return chosen.rstrip("/")


@server_app.command("tokens")
def tokens_command(
    db: DbOption,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="CSV to write the new tokens to: delegation,name,category,token,link,ballot_link "
                     "(with registrations: delegation,person,name,function,speaker,email,token,link,ballot_link; "
                     "ballot_link: /ballot for who replies by correspondence)."),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="The delegates' page as delegates reach it, for the links. Default: page_url of meeting.yaml.",
            show_default=False,
        ),
    ] = None,
    rotate: Annotated[
        list[str] | None,
        typer.Option("--rotate", help="Issue new tokens for these delegation or person ids ('all' for every one); the old ones stop working."),
    ] = None,
    revoke: Annotated[
        list[str] | None,
        typer.Option("--revoke", help="Revoke the tokens of these delegations (all their persons) or persons (CHN.2); "
                     "their open connections are closed at once."),
    ] = None,
    meeting: MeetingOption = None,  # type: ignore[assignment]
) -> None:
    """Issue one secret token per roster delegation (the chair and the secretariat too), or,
    when the meeting folder has registrations.yaml, one per registered person (delegations
    without registered persons keep one per delegation).

    The database keeps only hashes: the CSV is the only copy of the tokens, so
    keep it safe and send each delegation its own link. Run again to issue
    tokens for delegations that have none; use --rotate or --revoke for the others.
    """
    from server.store import FloorStore

    data = load(meeting, quiet=True)
    _existing_db(db, _ids(rotate), _ids(revoke))
    if data.registrations is not None:
        _person_tokens(data, db, out, url, _ids(rotate), _ids(revoke), Path(meeting or data.directory))
        return
    roster_ids = [d.id for d in data.roster.delegations]
    rotate_ids, revoke_ids = _ids(rotate), _ids(revoke)
    if rotate_ids == ["all"]:
        rotate_ids = roster_ids
    unknown = [i for i in [*rotate_ids, *revoke_ids] if i not in roster_ids]
    if unknown:
        raise DataError(
            f"not on the roster: {', '.join(unknown)}; use the delegation ids of roster.yaml "
            f"(e.g. {', '.join(roster_ids[:3])}) or 'all' with --rotate"
        )
    base = _links_base(rotate_ids, revoke_ids, out, db, url, data)
    folder = meeting or data.directory
    store = FloorStore.open_or_create(db, data.meeting.id, meeting_file_texts(Path(folder)))
    try:
        if revoke_ids:
            revoked = store.revoke_tokens(revoke_ids)
            # Persons' tokens issued while the meeting had registrations are the delegation's too.
            persons = store.revoke_person_tokens(delegations=revoke_ids)
            for delegation in revoke_ids:
                cut = delegation in revoked or any(p.startswith(delegation + ".") for p in persons)
                state = "revoked" if cut else "had no live token"
                print(f"{delegation}: {state}", file=sys.stderr)
            if revoked or persons:
                print("A running server closes their connections within a second.", file=sys.stderr)
            if not rotate_ids:
                return
        if rotate_ids:
            issued = store.issue_tokens(rotate_ids, replace=True)
        else:
            issued = store.issue_tokens(roster_ids, replace=False)
            if not issued:
                raise DataError(
                    f"{db}: every delegation already has a token; use --rotate ID (or --rotate all) "
                    "to issue new ones",
                    title="Nothing to issue",
                )
    finally:
        store.close()
    by_id = {d.id: d for d in data.roster.delegations}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["delegation", "name", "category", "token", "link", "ballot_link"])
    for delegation in roster_ids:
        if delegation in issued:
            d = by_id[delegation]
            token = issued[delegation]
            # Without registrations a Council Member replies by correspondence with its own link.
            ballot = f"{base}/ballot#t={token}" if d.category == "council_member" else ""
            writer.writerow([d.id, d.name, d.category, token, f"{base}/#t={token}", ballot])
    write_private_output(buffer.getvalue(), out)  # the file holds secrets
    print(f"{len(issued)} token(s) written to {out}; send each delegation its own link.", file=sys.stderr)


def _person_tokens(
    data, db: Path, out: Path | None, url: str | None, rotate_ids: list[str], revoke_ids: list[str], folder: Path
) -> None:
    """``server tokens`` for a meeting with registrations: a token per registered person.

    A delegation id names the delegation's own token and every one of its persons'; a
    person id (``CHN.2``) that person's alone, so revoking one person cuts no one else.
    """
    from server.store import FloorStore

    registrations = data.registrations
    roster_ids = [d.id for d in data.roster.delegations]
    registered = set(registrations.delegations)
    # Who holds a token, in the roster's order: the persons of registered delegations, the others
    # (the chair, the secretariat, delegations nobody registered for) as delegations.
    holders: list[tuple[str, str | None]] = []  # (delegation, person id or None)
    for delegation in roster_ids:
        if delegation in registered:
            holders.extend((delegation, p.id) for p in registrations.of(delegation))
        else:
            holders.append((delegation, None))
    store = FloorStore.open_or_create(db, data.meeting.id, meeting_file_texts(folder))
    try:
        person_ids = {p.id for p in registrations.persons}
        stored = store.person_token_holders()
        known = set(roster_ids) | person_ids | set(stored)
        unknown = [i for i in [*rotate_ids, *revoke_ids] if i not in known and i != "all"]
        if unknown or "all" in revoke_ids:
            raise DataError(
                f"not on the roster nor registered: {', '.join(unknown or ['all'])}; use delegation ids of "
                f"roster.yaml (e.g. {', '.join(roster_ids[:2])}), person ids of registrations.yaml "
                f"(e.g. {', '.join(p.id for p in registrations.persons[:2])}) or 'all' with --rotate"
            )
        base = _links_base(rotate_ids, revoke_ids, out, db, url, data)
        if revoke_ids:
            delegations = [i for i in revoke_ids if i in roster_ids]
            persons = [i for i in revoke_ids if i not in roster_ids]
            gone = set(store.revoke_tokens(delegations))
            gone |= set(store.revoke_person_tokens(persons, delegations=delegations))
            for holder in revoke_ids:
                cut = [holder] if holder in gone else sorted(g for g in gone if g.startswith(holder + "."))
                state = f"revoked ({', '.join(cut)})" if cut and cut != [holder] else "revoked" if cut else "had no live token"
                print(f"{holder}: {state}", file=sys.stderr)
            if gone:
                print("A running server closes their connections within a second.", file=sys.stderr)
            if not rotate_ids:
                return
        if not rotate_ids or rotate_ids == ["all"]:
            chosen = holders  # without --rotate, those that hold no live token yet
        else:
            chosen = [(d, p) for d, p in holders if d in rotate_ids or p in rotate_ids]
        delegation_tokens = store.token_hashes()
        issued = store.issue_tokens([d for d, p in chosen if p is None], replace=bool(rotate_ids))
        issued_persons = store.issue_person_tokens([(p, d) for d, p in chosen if p is not None], replace=bool(rotate_ids))
        # A delegation's shared link would let anyone holding it speak where a revoked person
        # no longer can: once its persons have their own, it stops working.
        shared = sorted({d for d, p in chosen if p is not None and d in delegation_tokens})
        if shared:
            store.revoke_tokens(shared)
            print(f"{', '.join(shared)}: the delegation's shared link is revoked; its persons have their own",
                  file=sys.stderr)
        stale = sorted(set(store.person_token_holders()) - person_ids)
        if stale:
            print(f"warning: {', '.join(stale)} hold live tokens but are no longer in registrations.yaml; "
                  f"revoke them with --revoke {stale[0]}", file=sys.stderr)
        if not issued and not issued_persons:
            raise DataError(
                f"{db}: every registered person and delegation already has a token; use --rotate ID "
                "(or --rotate all) to issue new ones",
                title="Nothing to issue",
            )
    finally:
        store.close()
    by_id = {d.id: d for d in data.roster.delegations}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["delegation", "person", "name", "function", "speaker", "email", "token", "link", "ballot_link"])
    focal = {p.delegation for p in registrations.persons if p.correspondence_focal_point}
    for delegation, person_id in holders:
        token = issued_persons.get(person_id) if person_id else issued.get(delegation)
        if token is None:
            continue
        # The decision by correspondence (issue 19): the focal point's link to /ballot, or, for a
        # Council Member without one, every link that may reply for it.
        council_member = by_id[delegation].category == "council_member"
        p = registrations.get(person_id) if person_id else None
        replies = council_member and ((p is not None and p.correspondence_focal_point) or delegation not in focal)
        ballot = f"{base}/ballot#t={token}" if replies else ""
        if p is None:
            d = by_id[delegation]
            writer.writerow([d.id, "", d.name, d.category, "", "", token, f"{base}/#t={token}", ballot])
            continue
        name = " ".join(part for part in (p.title, p.given_name, p.family_name) if part)
        writer.writerow([delegation, p.id, name, p.function, "yes" if p.speaker else "no", p.email, token,
                         f"{base}/#t={token}", ballot])
    write_private_output(buffer.getvalue(), out)  # the file holds secrets
    count = len(issued) + len(issued_persons)
    print(f"{count} token(s) written to {out} ({len(issued_persons)} for persons, {len(issued)} for delegations); "
          "send each their own link.", file=sys.stderr)


@server_app.command("run")
def run_command(
    db: DbOption,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port (0: any free port).")] = 8765,
    origin: Annotated[
        list[str] | None,
        typer.Option("--origin", help="A browser origin allowed besides the server's own, e.g. https://vcc.example.org."),
    ] = None,
    tls_cert: Annotated[Path | None, typer.Option("--tls-cert", help="TLS certificate chain (PEM).")] = None,
    tls_key: Annotated[Path | None, typer.Option("--tls-key", help="TLS private key (PEM).")] = None,
    public: Annotated[bool, typer.Option("--public", help="Also serve the read-only /public view for the webcast.")] = False,
    public_max: Annotated[
        int, typer.Option("--public-max", min=0, help="Public view: connections in all (the delegations' own places are always kept).")
    ] = 1000,
    public_per_address: Annotated[
        int, typer.Option("--public-per-address", min=1, help="Public view: connections from one address (behind a reverse proxy, see --trusted-proxy).")
    ] = 20,
    pending_per_address: Annotated[
        int,
        typer.Option("--pending-per-address", min=1, help="Connections from one address not yet greeted, HTTP requests "
                     "included (behind a reverse proxy, give --trusted-proxy so that it counts each caller's address)."),
    ] = 32,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option("--trusted-proxy", metavar="ADDRESS", help="A reverse proxy (an IP address, or a network such as 10.0.0.0/8; repeat "
                     "for several) whose X-Forwarded-For header names the caller: every per-address bound then counts "
                     "the caller's address, not the proxy's. From other addresses the header is ignored."),
    ] = None,
    contributions: Annotated[
        Path | None,
        typer.Option("--contributions", help="The register of Member States' contributions (CSV or XLSX), shown per "
                     "item; default: the meeting folder's contributions.csv, if any."),
    ] = None,
    meeting: MeetingOption = None,  # type: ignore[assignment]
) -> None:
    """Run the live floor until Ctrl+C or SIGTERM: the WebSocket at /ws, the delegates' page at /.

    Every accepted command is stored in --db before anyone hears of it; on
    start the floor is rebuilt from it.
    """
    import asyncio

    from server.app import Limits, ServerConfig
    from server.run import run_forever

    from server.proxies import parse_trusted_proxy

    try:
        trusted = tuple(parse_trusted_proxy(value) for value in trusted_proxy or ())
    except ValueError as exc:
        raise DataError(str(exc), title="Bad option") from None
    data = load(meeting, quiet=True)
    _say_contributions(data, contributions, Path(meeting or data.directory))
    config = ServerConfig(
        meeting_dir=Path(meeting or data.directory),
        db_path=db,
        host=host,
        port=port,
        origins=tuple(o.rstrip("/") for o in origin or ()),
        tls_cert=tls_cert,
        tls_key=tls_key,
        public=public,
        limits=Limits(public_max=public_max, public_per_address=public_per_address, pending_per_address=pending_per_address),
        contributions=contributions,
        trusted_proxies=trusted,
    )
    asyncio.run(run_forever(config))


def _say_contributions(data, path: Path | None, meeting_dir: Path) -> None:
    """Read the register before the server starts (a bad one stops it, exit 2) and note the rows
    left out; the server says on start which register it shows (given now, or stored)."""
    from vccsched.contributions.floor import load_floor_contributions

    _, notes = load_floor_contributions(data, path, meeting_dir)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


@server_app.command("publish-plan")
def publish_plan_command(
    plan: Annotated[Path, typer.Argument(help="The plan to publish (plan.json, e.g. from 'vccsched plan --replan').", show_default=False)],
    server: Annotated[
        str, typer.Option("--server", help="The floor server, e.g. http://127.0.0.1:8765.", show_default=False)
    ],
    token_file: Annotated[
        Path | None,
        typer.Option("--token-file", help="File holding the secretariat's or the chair's token. Default: $VCCSCHED_TOKEN, else a prompt."),
    ] = None,
) -> None:
    """Publish a plan on the live floor: every console and delegates' page shows it at once,
    with the items that moved since the last one marked.

    Only the chair or a secretariat delegation may publish. The same file
    published twice is published once.
    """
    import asyncio
    import json

    from server.publish import publish_plan
    from vccsched.cli.console import read_token, websocket_url
    from vccsched.loading import read_text
    from vccsched.render.json_plan import plan_from_json

    url = websocket_url(server)
    text = read_text(plan, kind="JSON plan", missing_title="Missing plan")
    plan_from_json(text, str(plan))  # a broken file is named here, not refused by the server
    token = read_token(token_file)
    result = asyncio.run(publish_plan(url, token, json.loads(text)))
    if result.repeated:
        print(f"{plan}: already published (the server had it); nothing changed", file=sys.stderr)
    else:
        print(f"{plan}: published as revision {result.revision}; {result.changes} item(s) moved", file=sys.stderr)


def register(app: typer.Typer) -> None:
    """Add the ``server`` group to ``app``."""
    app.add_typer(server_app, name="server")
