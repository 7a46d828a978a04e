"""The delegates' page and its assets, made for a slow link.

Delegates join from hotel rooms and phones: 600 ms round trips at 50 KB/s are
common. So, once at start-up:

* every script, style sheet and icon gets a name with its content's hash
  (``app.3f2a9c1e0b.js``) and is served ``immutable`` for a year: a reload
  asks the server for the HTML only. A module's hash covers the hashed names
  of what it imports, so a change anywhere renames everything that leads to it;
* the HTML names the hashed files, lists every module with ``modulepreload``
  (all are fetched at once instead of one import after the other, a round trip
  each), carries the meeting's title, and is never cached (the next start may
  bring other assets);
* everything is kept gzipped too (level 9, no timestamp: the same bytes every
  time) and sent so to clients that accept it.

The unhashed names (``/static/app.js``) still answer, revalidated on every use,
for anyone who links to them.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import http
import re
from dataclasses import dataclass
from pathlib import Path

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
#: The pages, by path; ``/public`` only when the server runs with ``--public``.
PAGES = {"/": "index.html", "/index.html": "index.html", "/public": "public.html", "/ballot": "ballot.html"}
#: ``from "./x.js"`` and ``import "./x.js"`` in our modules (no other form is used).
_IMPORT = re.compile(r'''((?:from|import)\s*["'])\./([A-Za-z0-9_.-]+\.js)(["'])''')
_HASH_LENGTH = 10
#: The page's languages (i18n.js) and the direction of each.
LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
_RTL = {"ar"}
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None  # None when gzip would not make it smaller
    content_type: str
    cache: str


def _gzip(body: bytes) -> bytes | None:
    packed = gzip.compress(body, compresslevel=9, mtime=0)
    return packed if len(packed) < len(body) else None


def preferred_language(request: Request) -> str:
    """The first of the page's languages in Accept-Language (quality order as sent), or English."""
    for part in request.headers.get("Accept-Language", "").split(","):
        primary = part.split(";")[0].strip().lower().split("-")[0]
        if primary in LANGUAGES:
            return primary
    return "en"


def _connecting_texts(i18n: str) -> dict[str, str]:
    """``status_connecting`` of each language table of i18n.js, for the first screen."""
    found: dict[str, str] = {}
    language = None
    for line in i18n.splitlines():
        if (opening := re.match(r"^  ([a-z]{2}): \{$", line)) is not None:
            language = opening[1]
        elif language and (entry := re.match(r'^    status_connecting: "([^"]*)",$', line)) is not None:
            found[language] = entry[1]
    return found


def accepts_gzip(request: Request) -> bool:
    """True if the request's Accept-Encoding takes gzip (and does not refuse it with q=0)."""
    for part in request.headers.get("Accept-Encoding", "").split(","):
        name, _, params = part.partition(";")
        if name.strip().lower() not in ("gzip", "*"):
            continue
        quality = params.replace(" ", "").lower()
        if not quality.startswith("q="):
            return True
        try:
            return float(quality[2:]) > 0
        except ValueError:
            return False
    return False


class Assets:
    """The static files, hashed and gzipped once; :meth:`answer` serves them."""

    def __init__(
        self,
        folder: Path,
        *,
        csp: str,
        title: str,
        meeting_id: str,
        title_zh: str | None = None,
        meeting_json: bytes | None = None,
    ) -> None:
        self.csp = csp
        self.files: dict[str, Asset] = {}
        self.hashed: dict[str, str] = {}  # plain name -> hashed name
        sources = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
        if meeting_json is not None:
            # The meeting's titles and names do not change while the server runs: cached like a script.
            sources["meeting.json"] = meeting_json
        for name in sorted(sources, key=lambda n: (n.endswith(".html"), n)):
            if not name.endswith(".html"):
                self._hash(name, sources, set())
        for name, plain in sources.items():
            if not name.endswith(".html"):
                self._add(name, self._rewritten(name, plain), "no-cache")
        connecting = _connecting_texts(sources.get("i18n.js", b"").decode())
        self.pages: dict[str, dict[str, Asset]] = {}
        for name in {n for n in PAGES.values() if n in sources}:
            self.pages[name] = {
                lang: self._page(
                    sources[name], title_zh or title if lang == "zh" else title, meeting_id, lang,
                    connecting.get(lang, "Connecting…"),
                )
                for lang in LANGUAGES
            }

    # --- building -------------------------------------------------------------------------------

    def _rewritten(self, name: str, body: bytes) -> bytes:
        if not name.endswith(".js"):
            return body
        text = body.decode()
        return _IMPORT.sub(lambda m: f"{m[1]}./{self.hashed.get(m[2], m[2])}{m[3]}", text).encode()

    def _hash(self, name: str, sources: dict[str, bytes], seen: set[str]) -> str:
        """The hashed name of ``name``, after those of the modules it imports."""
        if name in self.hashed:
            return self.hashed[name]
        seen = seen | {name}
        if name.endswith(".js"):
            for imported in _IMPORT.findall(sources[name].decode()):
                if imported[1] in sources and imported[1] not in seen:
                    self._hash(imported[1], sources, seen)
        body = self._rewritten(name, sources[name])
        stem, dot, suffix = name.rpartition(".")
        hashed = f"{stem}.{hashlib.sha256(body).hexdigest()[:_HASH_LENGTH]}{dot}{suffix}"
        self.hashed[name] = hashed
        self._add(hashed, body, IMMUTABLE)
        return hashed

    def _add(self, name: str, body: bytes, cache: str) -> None:
        suffix = "." + name.rpartition(".")[2]
        content_type = CONTENT_TYPES.get(suffix, "application/octet-stream")
        self.files[name] = Asset(body, _gzip(body), content_type, cache)

    def _modules(self, entry: str) -> list[str]:
        """``entry`` and every module it imports, directly or not (hashed names, sorted)."""
        found, todo = set(), [entry]
        while todo:
            name = todo.pop()
            if name in found or name not in self.files:
                continue
            found.add(name)
            todo.extend(m[1] for m in _IMPORT.findall(self.files[name].body.decode()))
        return sorted(found)

    def _page(self, body: bytes, title: str, meeting_id: str, lang: str, connecting: str) -> Asset:
        """A page in the reader's language as far as the first screen goes (the scripts do the rest)."""
        text = body.decode()
        text = text.replace("{{title}}", html.escape(title)).replace("{{meeting_id}}", html.escape(meeting_id))
        text = text.replace(">Connecting…<", f">{html.escape(connecting)}<")
        direction = "rtl" if lang in _RTL else "ltr"
        text = text.replace('<html lang="en" dir="ltr">', f'<html lang="{lang}" dir="{direction}">', 1)
        if lang != "zh":
            text = text.replace('<h1 dir="auto">', '<h1 dir="auto" lang="en">', 1)
        for plain, hashed in self.hashed.items():
            text = text.replace(f'"/static/{plain}"', f'"/static/{hashed}"')
        if "meeting.json" in self.hashed:
            data = f"/static/{self.hashed['meeting.json']}"
            text = text.replace(
                '<meta name="vccsched-meeting" content="/meeting.json">',
                f'<meta name="vccsched-meeting" content="{data}">\n'
                f'<link rel="preload" href="{data}" as="fetch" crossorigin>',
            )
        entry = re.search(r'<script type="module" src="/static/([^"]+)"', text)
        if entry:
            preload = "".join(
                f'<link rel="modulepreload" href="/static/{name}">\n' for name in self._modules(entry[1])
            )
            text = text.replace(entry[0], preload + entry[0])
        return Asset(text.encode(), _gzip(text.encode()), CONTENT_TYPES[".html"], "no-store")

    # --- serving --------------------------------------------------------------------------------

    def answer(self, request: Request, path: str, *, public: bool) -> Response | None:
        """The response for a page or asset path; None for any other path (the caller routes it)."""
        if path in PAGES and (path != "/public" or public):
            pages = self.pages.get(PAGES[path])
            if pages is None:
                return None
            return self._response(request, pages[preferred_language(request)], vary_language=True)
        if path == "/favicon.ico":
            path = "/static/favicon.svg"
        if path.startswith("/static/"):
            name = path[len("/static/"):]
            if name.startswith("public.") and not public:
                return None  # the webcast view's files exist only with --public
            asset = self.files.get(name)
            if asset is None:
                return None
            return self._response(request, asset)
        return None

    def _response(self, request: Request, asset: Asset, *, vary_language: bool = False) -> Response:
        body, encoding = asset.body, None
        if asset.gzipped is not None and accepts_gzip(request):
            body, encoding = asset.gzipped, "gzip"
        headers = Headers(
            [
                ("Content-Type", asset.content_type),
                ("Content-Length", str(len(body))),
                ("Content-Security-Policy", self.csp),
                ("X-Content-Type-Options", "nosniff"),
                ("Referrer-Policy", "no-referrer"),
                ("Cache-Control", asset.cache),
                ("Vary", "Accept-Encoding, Accept-Language" if vary_language else "Accept-Encoding"),
                ("Connection", "close"),
            ]
        )
        if encoding:
            headers["Content-Encoding"] = encoding
        return Response(200, http.HTTPStatus(200).phrase, headers, body)


def page_assets(folder: Path, csp: str, data, meeting_json: bytes | None = None) -> Assets:
    """The assets of the meeting ``data`` (a :class:`vccsched.loading.MeetingData`), with
    ``/meeting.json``'s body as ``meeting.<hash>.json``."""
    meeting = data.meeting
    title = meeting.title
    return Assets(
        folder,
        csp=csp,
        title=title.en if title else meeting.id,
        title_zh=title.zh if title else None,
        meeting_id=meeting.id,
        meeting_json=meeting_json,
    )
