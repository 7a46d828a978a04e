"""Planner benchmarks: C21/VCC-1 and generated larger instances.

Run ``.venv/bin/python benchmarks/planner.py`` (or ``make bench``). Prints one
row per instance: items, days used against the lower bound
ceil(total minutes / usable minutes per day), wall-clock seconds of the days
stage and of all stages, CP-SAT deterministic seconds, and status. Not a test:
timings depend on the machine.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate_meeting  # noqa: E402

from vccsched.loading import load_meeting  # noqa: E402
from vccsched.planner import SolveOptions, SolveReport, build_instance, plan_instance  # noqa: E402

#: Deterministic seconds per stage for the generated instances (C21 needs far less).
STAGE_LIMIT = 5.0


def run(name, data, limit):
    inst = build_instance(data)
    report = SolveReport()
    started = time.perf_counter()
    plan = plan_instance(inst, SolveOptions(stage_limit=limit), report)
    total = time.perf_counter() - started
    days_stage = report.stages[0]
    days_optimal = days_stage.status == "OPTIMAL" or len(plan.days) == inst.lower_bound_days
    return (
        f"| {name} | {len(inst.items)} | {inst.total_minutes} | {len(plan.days)} / {inst.lower_bound_days} "
        f"| {'yes' if days_optimal else 'no'} | {days_stage.wall_seconds:.2f} | {total:.2f} "
        f"| {plan.solver.seconds:.2f} | {plan.solver.status} | {plan.solver.objectives.get('inversions')} |"
    )


def main() -> None:
    print("| instance | items | minutes | days used / lower bound | days optimal | days stage s | all stages s | deterministic s | status | inversions |")
    print("| --- | --: | --: | --: | --- | --: | --: | --: | --- | --: |")
    print(run("C21/VCC-1", load_meeting(), 30.0), flush=True)
    for items, dates in ((170, 27), (450, 70)):
        print(run(f"generated {items} items / {dates} dates (seed 1)", generate_meeting(items, dates, seed=1), STAGE_LIMIT), flush=True)


if __name__ == "__main__":
    main()
