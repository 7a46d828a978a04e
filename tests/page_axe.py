"""axe-core's accessibility rules on a page (axe-playwright-python), shared by the page tests
so that each checks its own pages without a server or browser of its own."""

from __future__ import annotations

try:
    from axe_playwright_python.async_playwright import Axe
except ImportError:  # pragma: no cover - a test dependency (pyproject.toml)
    Axe = None


async def no_axe_violations(page, what: str) -> None:
    """Fail naming each violated rule, its impact and the first elements it was found on; a rule
    axe-core could not decide ("incomplete": needs review, e.g. a contrast over a gradient or an
    aria-label on a plain span) fails too, since it may hide a violation."""
    results = await Axe().run(page)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ] + [
        f"needs review: {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["incomplete"]
    ]
    assert problems == [], f"{what}: {problems}"
