"""vccsched: the sans-I/O core for running a virtual consultation of councillors.

Everything in this package is importable without asyncio, websockets or textual
(``tests/test_core_purity.py`` enforces it): the server and the console are thin
shells that feed it messages and show or send what it returns.
"""

__version__ = "0.1.0"
