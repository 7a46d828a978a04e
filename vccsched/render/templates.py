"""The Jinja2 environment of the report templates (``vccsched/templates``).

One environment per escaping: ``autoescape=True`` for HTML, ``False`` for
Markdown, where the ``md`` filter makes a value safe inside a table cell.
Missing values are errors (``StrictUndefined``), so a template cannot print
an empty cell by accident.
"""

from __future__ import annotations

from functools import cache

import jinja2

from vccsched.render.markdown import md_escape


@cache
def template_environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("vccsched", "templates"),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = lambda value: md_escape(str(value))
    return env
