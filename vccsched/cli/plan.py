"""``vccsched plan``: the time-management plan (OR-Tools CP-SAT), or ``--check`` a plan."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from vccsched.cli.common import MeetingOption, check_outputs, load, meeting_inputs, write_output
from vccsched.errors import DataError
from vccsched.grouping_file import load_grouping
from vccsched.loading import read_text
from vccsched.render import FORMATS, plan_from_json, render_plan
from vccsched.render.zones import resolve_zones


def _stderr(text: str) -> None:
    print(text, file=sys.stderr)


def check_command(plan_file: Path, data, grouping, buffer) -> int:
    """Validate a JSON plan; print the verdict; return the exit status."""
    from vccsched.planner import validate_plan

    text = read_text(plan_file, kind="JSON plan (plan.json)", missing_title="Missing plan file")
    plan = plan_from_json(text, str(plan_file))
    problems = validate_plan(plan, data, grouping, buffer)
    if not problems:
        print(f"{plan_file}: plan is valid")
        return 0
    noun = "violation" if len(problems) == 1 else "violations"
    print(f"{plan_file}: plan is not valid, {len(problems)} {noun}:")
    for problem in problems:
        print(f"  - {problem}")
    return 1


def register(app: typer.Typer) -> None:
    """Add ``vccsched plan`` to ``app``."""

    @app.command("plan")
    def plan_command(
        meeting: MeetingOption = None,  # type: ignore[assignment]
        grouping_file: Annotated[
            Path | None,
            typer.Option(
                "--grouping",
                help="Final grouping (YAML: item number -> 1 or 2); unlisted items keep "
                "their proposed group.",
            ),
        ] = None,
        fmt: Annotated[
            str, typer.Option("--format", help="Output format: md, html, ics, csv or json.")
        ] = "md",
        out: Annotated[
            Path | None, typer.Option("--out", help="Write to this file instead of stdout.")
        ] = None,
        out_dir: Annotated[
            Path | None,
            typer.Option(
                "--out-dir",
                help="Write the plan in every format (plan.json, plan.md, plan.html, plan.ics, "
                "plan.csv) into this folder, from one solve.",
            ),
        ] = None,
        tz: Annotated[
            list[str] | None,
            typer.Option("--tz", help="Also show local times in this IANA zone (repeatable)."),
        ] = None,
        buffer: Annotated[
            int | None,
            typer.Option(
                "--buffer",
                help="Minutes of each day kept free for overruns (default: the meeting's "
                "buffer_minutes, 20 for C21/VCC-1).",
            ),
        ] = None,
        verbose: Annotated[
            bool, typer.Option("--verbose", help="Solver progress and timings on stderr.")
        ] = False,
        check: Annotated[
            Path | None,
            typer.Option(
                "--check",
                help="Validate this JSON plan against the meeting's rules instead of planning; "
                "exit 0 if valid, 1 listing the violations.",
            ),
        ] = None,
        replan: Annotated[
            bool,
            typer.Option(
                "--replan",
                help="Re-plan what is left of a meeting under way, from the --published plan and "
                "the floor (--log or --db), moving as few items as possible off their announced day.",
            ),
        ] = False,
        published: Annotated[
            Path | None,
            typer.Option("--published", help="With --replan: the plan in force (plan.json)."),
        ] = None,
        log: Annotated[
            Path | None,
            typer.Option("--log", help="With --replan: the floor log (JSON Lines, 'vccsched floor export')."),
        ] = None,
        db: Annotated[
            Path | None,
            typer.Option("--db", help="With --replan: the server's database (floor.db)."),
        ] = None,
        now: Annotated[
            str | None,
            typer.Option(
                "--now",
                help="With --replan: the time of the re-plan, ISO 8601 with its UTC offset "
                "(default: the floor's last event).",
            ),
        ] = None,
        allow_earlier: Annotated[
            bool,
            typer.Option("--allow-earlier", help="With --replan: items may move to a day before the one announced."),
        ] = False,
    ) -> None:
        """Plan the Group 1 items over the meeting days: fewest days, then agenda order,
        then balanced days. Exit status 1 with an explanation when no plan fits.
        With --replan, plan what is left of a meeting under way and list the changes."""
        from vccsched.planner import SolveOptions, SolveReport, build_instance, plan_instance

        if fmt not in FORMATS:
            raise DataError(
                f"--format {fmt!r}: expected one of {', '.join(FORMATS)}", title="Unknown format"
            )
        if replan or published or log or db or now or allow_earlier:
            from vccsched.cli.replan import replan_command

            replan_command(
                replan=replan, published=published, log=log, db=db, now=now,
                allow_earlier=allow_earlier, meeting=meeting, fmt=fmt, out=out, out_dir=out_dir,
                buffer=buffer, verbose=verbose, zones=list(tz or []),
                unsupported={"--grouping": grouping_file, "--check": check},
            )
            return
        if out is not None and out_dir is not None:
            raise DataError(
                "--out and --out-dir: give one; --out writes one format, --out-dir all of them",
                title="Conflicting options",
            )
        outputs: dict[str, Path | None] = {"--out": out}
        if out_dir is not None:
            outputs.update({f"--out-dir's plan.{f}": out_dir / f"plan.{f}" for f in FORMATS})
        check_outputs(outputs, {"--grouping": grouping_file, "--check": check, **meeting_inputs(meeting)})
        zones = list(tz or [])
        resolve_zones(zones)
        data = load(meeting)
        grouping = load_grouping(grouping_file, data.agenda) if grouping_file else None
        if check is not None:
            raise typer.Exit(check_command(check, data, grouping, buffer))
        instance = build_instance(data, grouping, buffer)
        for note in instance.notes:
            _stderr(f"note: {note}")
        options = SolveOptions(log=_stderr if verbose else None, log_search=verbose)
        report = SolveReport()
        started = time.perf_counter()
        plan = plan_instance(instance, options, report)
        if verbose:
            _stderr(
                f"plan: {len(plan.days)} days (lower bound {plan.solver.lower_bound_days}), "
                f"status {plan.solver.status}, {time.perf_counter() - started:.3f} s wall-clock; objectives in order: "
                + ", ".join(f"{k} {v}" for k, v in plan.solver.objectives.items())
            )
        if out_dir is None:
            write_output(render_plan(plan, data, fmt, zones), out)
            return
        # Render everything before writing anything, so a failure leaves no half-set.
        rendered = {f"plan.{f}": render_plan(plan, data, f, zones) for f in FORMATS}
        for name, text in rendered.items():
            write_output(text, out_dir / name)
        _stderr(f"wrote {', '.join(str(out_dir / name) for name in rendered)}")
