"""The plan as one self-contained HTML page (inline CSS, no external resources).

Titles go through Jinja2 autoescaping, Chinese text is marked ``lang="zh"``
and a print stylesheet keeps each day's table on one page where it fits.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from vccsched.render.view import PlanView, minutes_text

TEMPLATE = "plan.html.j2"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("vccsched", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["minutes_text"] = minutes_text
    return env


def render_html(view: PlanView) -> str:
    """The page as text ending in a newline."""
    return _environment().get_template(TEMPLATE).render(v=view)
