"""``vccsched plan --replan``: re-plan what is left of a meeting under way.

Reads the published plan (``--published plan.json``) and the floor (``--log``
JSON Lines or the server's ``--db``), measures progress at ``--now`` (default:
the floor's last event; an earlier time takes the floor as it stood then) and writes the plan of what is left in every format
with ``--out-dir`` (plus ``changes.md`` and ``changes.json``), or in
``--format`` to ``--out``/stdout with the changes on stderr.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

from vccsched.cli.common import check_outputs, floor_source, meeting_inputs, write_output
from vccsched.errors import DataError
from vccsched.loading import read_text
from vccsched.render import FORMATS, plan_from_json, render_plan
from vccsched.render.view import check_plan_matches
from vccsched.render.zones import resolve_zones


def _stderr(text: str) -> None:
    print(text, file=sys.stderr)


def parse_now(text: str) -> dt.datetime:
    """``--now``: an ISO 8601 time with its UTC offset, or a ``DataError`` saying what to write."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise DataError(
            f"--now {text!r}: not an ISO 8601 time; write e.g. 2021-06-14T15:05:00+02:00",
            title="Invalid option",
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DataError(
            f"--now {text!r} has no UTC offset; write e.g. {moment.isoformat(timespec='seconds')}+02:00",
            title="Invalid option",
        )
    return moment


def _check_default_now(moment: dt.datetime, data, source) -> None:
    """--now defaults to the floor's last event; one after the meeting's last date (a rehearsal
    held later on the meeting's data) would leave no day to plan: say so, not "no day is left"."""
    from zoneinfo import ZoneInfo

    meeting = data.meeting
    last = max(meeting.dates)
    local = moment.astimezone(ZoneInfo(meeting.timezone))
    if local.date() > last:
        start = meeting.session_bounds(last)[0]
        raise DataError(
            f"{source}: --now defaulted to the floor's last event, {local.isoformat(timespec='seconds')}, "
            f"which is after the meeting's last date, {last.isoformat()}; give the time of the re-plan "
            f"with --now, e.g. --now {start.isoformat(timespec='seconds')}",
            title="Time of the re-plan",
        )


def replan_command(
    *,
    replan: bool,
    published: Path | None,
    log: Path | None,
    db: Path | None,
    now: str | None,
    allow_earlier: bool,
    meeting: Path | None,
    fmt: str,
    out: Path | None,
    out_dir: Path | None,
    buffer: int | None,
    verbose: bool,
    zones: list[str],
    unsupported: dict[str, object],
) -> None:
    """Check the options, re-plan, write the plan and the changes."""
    from vccsched.floor.state import fold
    from vccsched.planner import SolveOptions, SolveReport
    from vccsched.planner.replan import plan_remaining
    from vccsched.progress import measure_progress, published_history
    from vccsched.render.changes import changes_json, changes_markdown

    if not replan:
        given = [name for name, value in (("--published", published), ("--log", log), ("--db", db), ("--now", now)) if value]
        given += ["--allow-earlier"] if allow_earlier else []
        raise DataError(f"{', '.join(given)}: only with --replan", title="Missing option")
    for name, value in unsupported.items():
        if value:
            raise DataError(f"{name} does not apply to --replan (the published plan says what is planned)", title="Conflicting options")
    if published is None:
        raise DataError("--replan needs --published plan.json, the plan in force", title="Missing option")
    if out is not None and out_dir is not None:
        raise DataError(
            "--out and --out-dir: give one; --out writes one format, --out-dir all of them and the changes",
            title="Conflicting options",
        )
    moment = parse_now(now) if now is not None else None
    resolve_zones(zones)
    outputs: dict[str, Path | None] = {"--out": out}
    if out_dir is not None:
        outputs.update({f"--out-dir's plan.{f}": out_dir / f"plan.{f}" for f in FORMATS})
        outputs.update({f"--out-dir's changes.{f}": out_dir / f"changes.{f}" for f in ("md", "json")})
    check_outputs(outputs, {"--published": published, "--log": log, "--db": db, **meeting_inputs(meeting)})

    text = read_text(published, kind="JSON plan (plan.json)", missing_title="Missing plan file")
    plan = plan_from_json(text, str(published))
    data, result = floor_source(log, db, meeting)
    try:
        check_plan_matches(plan, data)
    except DataError as exc:
        raise DataError(f"{published}: {exc.message}", title=exc.title, details=exc.details) from None
    state, events = result.state, result.floor.events
    if moment is None:
        if state.floor_at is None:
            source = log or db
            raise DataError(
                f"{source}: the floor has no event yet; give the time of the re-plan with --now",
                title="Missing option",
            )
        moment = state.floor_at
        _check_default_now(moment, data, log or db)
    elif state.last_at is not None and moment < state.last_at:
        # A re-plan as of an earlier time: the floor as it stood then.
        events = [e for e in events if e.at <= moment]
        state = fold(result.floor.setup, events)
    progress = measure_progress(state, data.meeting, moment, plan, history=published_history(events), buffer=buffer)
    options = SolveOptions(log=_stderr if verbose else None, log_search=verbose)
    report = SolveReport()
    started = time.perf_counter()
    replanned = plan_remaining(plan, progress, moment, data, allow_earlier=allow_earlier, buffer=buffer, options=options, report=report)
    for note in replanned.notes:
        _stderr(f"note: {note}")
    if verbose:
        _stderr(
            f"re-plan: {len(replanned.plan.days)} days, {len(replanned.moved)} moved, status "
            f"{replanned.plan.solver.status}, {time.perf_counter() - started:.3f} s wall-clock"
        )
    changes_md = changes_markdown(replanned, plan, data, moment)
    if out_dir is None:
        write_output(render_plan(replanned.plan, data, fmt, zones), out)
        sys.stderr.write(changes_md)
        return
    rendered = {f"plan.{f}": render_plan(replanned.plan, data, f, zones) for f in FORMATS}
    rendered["changes.md"] = changes_md
    rendered["changes.json"] = changes_json(replanned, plan, data, moment)
    for name, content in rendered.items():
        write_output(content, out_dir / name)
    _stderr(f"wrote {', '.join(str(out_dir / name) for name in rendered)}")
