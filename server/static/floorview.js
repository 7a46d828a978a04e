// Rendering shared by the delegates' page and the webcast view: the meeting,
// the open item, who has the floor (with the countdown) and the list of speakers.
// Every text that comes from the server or the meeting data goes in with
// textContent; nothing here builds HTML from strings.

import { monotonic } from "./connection.js";
import { around, fillLanguageSelect, has, language, locale, rememberLanguage, setLanguage, t } from "./i18n.js";

const TIER_KEYS = {
  council_member: "tier_council_member",
  observer_state: "tier_observer",
  palestine_observer: "tier_observer",
  sector_member: "tier_sector_member",
  secretariat: "tier_secretariat",
  chair: "tier_chair",
  interpreter: "tier_interpreter",
};

/** Categories that join the list of speakers themselves (the others are given the floor). */
export const QUEUEING = new Set(["council_member", "observer_state", "palestine_observer", "sector_member"]);

export function $(id) {
  return document.getElementById(id);
}

// The meeting's names and titles; without them the page still works, with ids for names.
async function fetchMeeting() {
  try {
    // The server names it with its content's hash (cached for good); /meeting.json otherwise.
    const named = document.querySelector('meta[name="vccsched-meeting"]');
    const url = (named && named.content) || "/meeting.json";
    const response = await fetch(url, url === "/meeting.json" ? { cache: "no-store" } : {});
    if (response.ok) return new Meeting(await response.json());
  } catch (_) {
    // the server may be restarting
  }
  return null;
}

/** /meeting.json now, or an empty Meeting now and the real one to `onLate` when it comes. */
export async function loadMeeting(onLate) {
  const first = await fetchMeeting();
  if (first) return first;
  (async () => {
    for (let attempt = 1; attempt < 8; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** attempt));
      const late = await fetchMeeting();
      if (late) return onLate(late);
    }
  })();
  return new Meeting();
}

/** The meeting's title (Chinese or English, as the page), its id, and the tab's title. */
export function renderMeeting(meeting, pageTitle) {
  const title = $("meeting-title");
  title.textContent = meeting.title() || "\u00a0";
  title.lang = meeting.titleLang();
  const id = $("meeting-id");
  // The delegates' page shows the id only where the title lacks it; the webcast always does.
  id.textContent = id.tagName === "SPAN" || !meeting.title().includes(meeting.id) ? meeting.id : "";
  document.title = `${pageTitle} — ${meeting.id}`.replace(/ — $/, "");
}

/** The language switch and the "Reconnect now" button, the same on both pages. */
export function wireCommon(connection, onLanguage) {
  const select = $("lang");
  fillLanguageSelect(select);
  select.addEventListener("change", () => {
    setLanguage(select.value);
    rememberLanguage(select.value);
    onLanguage();
  });
  $("reconnect").addEventListener("click", () => {
    const conn = connection();
    if (conn) conn.reconnectNow();
  });
}

const STATUS_KEYS = {
  live: "status_live", connecting: "status_connecting", offline: "status_offline", fatal: "status_offline",
  refused: "status_refused",
};

/** Why the server refused or closed us, in the page's language, and what to do; "" if it did not say. */
function doorReason(conn) {
  if (!conn) return "";
  if (conn.refusal && has(`door_${conn.refusal.code}`)) return t(`door_${conn.refusal.code}`, { button: t("reconnect_now") });
  if (conn.closeReason === "silent") return t("reason_silent");
  return "";
}

/**
 * The connection as the reader must see it: the status pill, and while not live
 * (after having shown data) the offline banner with when the page was last live.
 */
export function renderConnection(conn, meeting, hadData) {
  const state = conn ? conn.state : "signed-out";
  document.body.dataset.conn = state;
  document.body.classList.toggle("no-view", !hadData);
  const pill = $("conn");
  const label = STATUS_KEYS[state] ? t(STATUS_KEYS[state]) : "";
  // A status region: touched only on a change, so that "Offline" / "Live" is said once.
  if (pill.textContent !== label) pill.textContent = label;
  pill.className = `pill pill-${state}`;
  const reason = doorReason(conn);
  // A refusal at the door is not a lost connection: it says why and what to do, even before any data.
  show($("offline"), !!conn && (state === "offline" || state === "refused" || (state === "connecting" && (hadData || !!reason))));
  document.body.classList.toggle("refused", state === "refused");
  $("offline-title").textContent = conn && conn.refusal && reason ? "" : t("offline_banner");
  $("offline-since").textContent = conn && conn.lastLiveMs
    ? t("last_update", { time: formatTime(conn.lastLiveMs, meeting.timezone) })
    : "";
  tickConnection(conn);
}

/** The seconds to the next attempt, and the server's reason for closing if it gave one. */
export function tickConnection(conn) {
  const reason = doorReason(conn);
  const said = $("offline-said");
  if (said.textContent !== reason) said.textContent = reason;
  // The server's own words (English) only when there is nothing of ours to say.
  $("offline-reason").textContent = conn && conn.closeReason && !reason ? `(${conn.closeReason})` : "";
  let retry = "";
  if (conn && conn.state === "offline" && conn.retryAt) {
    const seconds = Math.max(0, Math.ceil((conn.retryAt - monotonic()) / 1000));
    retry = seconds > 0 ? t("offline_retry", { s: seconds }) : t("offline_retrying");
  } else if (conn && conn.state === "connecting") {
    retry = t("offline_retrying");
  }
  $("offline-retry").textContent = retry;
}

/** A new element with a class and text (text only: never HTML). */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function show(node, visible) {
  node.hidden = !visible;
}

/** The meeting data from /meeting.json, with lookups that never fail. */
export class Meeting {
  constructor(data = {}) {
    this.data = data || {};
    const meeting = this.data.meeting || {};
    this.items = new Map((this.data.items || []).map((i) => [i.number, i]));
    this.people = new Map((this.data.participants || []).map((p) => [p.id, p]));
    // Registered speakers as the server publishes them (none if the meeting keeps names private).
    this.speakers = new Map((this.data.speakers || []).map((p) => [p.id, p]));
    this.titles = meeting.title || null;
    this.timezone = meeting.timezone || "Europe/Zurich";
    this.id = meeting.id || "";
    this.window = meeting.window || null; // {start: "12:00", end: "15:00"} in the meeting's zone
    this.dates = meeting.dates || [];
    this.protocol = this.data.protocol || null;
  }

  /** Chinese when the page is in Chinese, English otherwise (the agenda has both). */
  pick(texts, fallback = "") {
    if (!texts) return fallback;
    if (typeof texts === "string") return texts;
    return (language() === "zh" ? texts.zh || texts.en : texts.en || texts.zh) || fallback;
  }

  title() {
    return this.pick(this.titles, this.id);
  }

  titleLang() {
    return language() === "zh" ? "zh" : "en";
  }

  itemTitle(number, fallback) {
    const item = this.items.get(number);
    return item ? this.pick(item.title, fallback) : fallback || "";
  }

  /** The delegation's name in the page's language (CLDR's, from the server), else the roster's. */
  name(id) {
    const person = this.people.get(id);
    if (!person) return id;
    return (person.names && person.names[language()]) || person.name || id;
  }

  category(id) {
    const person = this.people.get(id);
    return person ? person.category : null;
  }

  /** "Ms Example-Delegate-1, Head of delegation" for a registered speaker of `delegation`; "" otherwise. */
  speakerName(personId, delegation) {
    const speaker = personId ? this.speakers.get(personId) : null;
    if (!speaker || speaker.delegation !== delegation) return "";
    return speaker.function ? `${speaker.name}, ${speaker.function}` : speaker.name;
  }
}

export function tierLabel(category) {
  return category && TIER_KEYS[category] ? t(TIER_KEYS[category]) : "";
}

/** A floor language ("fr") written out in the page's language ("French", "法语", "الفرنسية"). */
export function languageName(code) {
  if (!code) return "";
  try {
    const name = new Intl.DisplayNames([locale()], { type: "language" }).of(code);
    if (name && name !== code) return name.charAt(0).toLocaleUpperCase(locale()) + name.slice(1);
  } catch (_) {
    // an older browser without Intl.DisplayNames: the code
  }
  return code.toUpperCase();
}

/** The floor language as a chip beside a name ("French"), or "language not stated" when `always`. */
export function languageChip(code, always = false) {
  if (!code && !always) return null;
  const chip = el("span", code ? "lang-chip" : "lang-chip lang-unknown", code ? languageName(code) : t("language_unknown"));
  if (code) chip.dataset.language = code;
  chip.title = t("floor_language", { language: chip.textContent });
  return chip;
}

export function kindLabel(kind) {
  return t(`kind_${kind}`);
}

/** Seconds as m:ss (h:mm:ss from an hour), without sign. */
export function clock(seconds) {
  const s = Math.floor(Math.abs(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Time left to the speaker at server time `nowMs` (negative: overrun); the clock stands still while paused. */
export function timeLeft(speaker, nowMs) {
  let elapsed = speaker.elapsed_seconds || 0;
  if (speaker.running_since) elapsed += Math.max(0, (nowMs - Date.parse(speaker.running_since)) / 1000);
  return speaker.limit_seconds - elapsed;
}

export function formatTime(ms, timeZone, withSeconds = true) {
  const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone };
  if (withSeconds) options.second = "2-digit";
  try {
    return new Intl.DateTimeFormat(locale(), options).format(ms);
  } catch (_) {
    return new Intl.DateTimeFormat(locale(), { ...options, timeZone: undefined }).format(ms);
  }
}

/** The calendar date (YYYY-MM-DD) of instant `ms` in `timeZone`. */
export function dayOf(ms, timeZone) {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(ms);
  } catch (_) {
    return "";
  }
}

export function weekday(ms, timeZone) {
  try {
    return new Intl.DateTimeFormat(locale(), { weekday: "short", timeZone }).format(ms);
  } catch (_) {
    return "";
  }
}

export const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/** The delegate's zone as the browser names it in the page's language ("Iran Time", "日本时间"), not its id. */
export function zoneName(ms = Date.now()) {
  for (const style of ["longGeneric", "long"]) {
    try {
      const parts = new Intl.DateTimeFormat(locale(), { timeZone: LOCAL_ZONE, timeZoneName: style }).formatToParts(ms);
      const name = parts.find((part) => part.type === "timeZoneName");
      if (name && name.value) return name.value;
    } catch (_) {
      // an older browser without this style: try the next
    }
  }
  return LOCAL_ZONE.replace(/_/g, " ");
}

/** Geneva time and the delegate's own time; the weekday too where the dates differ. */
export function renderClocks(nowMs, meeting) {
  const zone = meeting.timezone;
  $("clock-geneva").textContent = formatTime(nowMs, zone);
  const otherDay = dayOf(nowMs, zone) !== dayOf(nowMs, LOCAL_ZONE);
  $("clock-local").textContent = (otherDay ? `${weekday(nowMs, LOCAL_ZONE)} ` : "") + formatTime(nowMs, LOCAL_ZONE, false);
  $("clock-local-zone").textContent = zoneName(nowMs);
  const minute = Math.floor(nowMs / 60000);
  if (minute !== renderClocks.minute || language() !== renderClocks.language) {
    renderClocks.minute = minute;
    renderClocks.language = language();
    $("session").textContent = sessionLine(nowMs, meeting);
  }
}

/** Milliseconds that `timeZone`'s wall clock is ahead of UTC at instant `ms`. */
function zoneOffset(ms, timeZone) {
  const parts = {};
  for (const { type, value } of new Intl.DateTimeFormat("en-US", {
    timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(ms)) parts[type] = value;
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The instant of wall time `hhmm` on `isoDate` in `timeZone`. */
export function zonedInstant(isoDate, hhmm, timeZone) {
  const [y, m, d] = isoDate.split("-").map(Number);
  const [h, mi] = hhmm.split(":").map(Number);
  const guess = Date.UTC(y, m - 1, d, h, mi);
  const first = guess - zoneOffset(guess, timeZone);
  return guess - zoneOffset(first, timeZone);
}

/**
 * Today's or the next session of the meeting in Geneva time and the delegate's own
 * (a delegate in Tokyo or Lima should not have to convert): text, or "" after the last day.
 */
export function sessionLine(nowMs, meeting) {
  if (!meeting.window || !meeting.dates.length) return "";
  const today = dayOf(nowMs, meeting.timezone);
  const date = meeting.dates.find((d) => d >= today);
  if (!date) return "";
  const start = zonedInstant(date, meeting.window.start, meeting.timezone);
  const end = zonedInstant(date, meeting.window.end, meeting.timezone);
  const day = new Intl.DateTimeFormat(locale(), { weekday: "short", day: "numeric", month: "short", timeZone: meeting.timezone }).format(start);
  // Word joiners keep a range on one line: "19:00–22:00", never "19:00–" and "22:00".
  const dash = "\u2060–\u2060";
  // Left-to-right isolates: in Arabic a bare "12:00–15:00" would read as "15:00–12:00".
  const ltr = (text) => `\u2066${text}\u2069`;
  const local = ltr(`${formatTime(start, LOCAL_ZONE, false)}${dash}${formatTime(end, LOCAL_ZONE, false)}`);
  const localDay = dayOf(start, LOCAL_ZONE) !== date ? ` (${weekday(start, LOCAL_ZONE)})` : "";
  return t(date === today ? "session_today" : "session_next", {
    day,
    geneva: ltr(`${meeting.window.start}${dash}${meeting.window.end}`),
    local: local + localDay,
  });
}

/**
 * The tag for one's own delegation: "you", or "your delegation" on a person's page when a
 * colleague of the delegation asked or speaks (not "you" beside another person's name).
 */
function youTag(entry, me, mePerson) {
  if (!me || entry.delegation !== me) return false;
  return mePerson && entry.person && entry.person !== mePerson ? t("your_delegation") : true;
}

/** Name and tier of a delegation, as a line of elements (names isolated for right-to-left pages). */
export function who(meeting, id, you, person) {
  const frag = document.createDocumentFragment();
  const name = el("bdi", "name", meeting.name(id));
  frag.append(name);
  // The delegation first, so the eye still scans by country; then who of it (names are as registered).
  const speaker = meeting.speakerName(person, id);
  if (speaker) {
    const line = el("span", "person-line");
    line.append(el("span", "person-sep", "— "), el("bdi", "person", speaker));
    frag.append(line);
  }
  const tier = tierLabel(meeting.category(id));
  if (tier) frag.append(el("span", `tier tier-${meeting.category(id)}`, tier));
  if (you) frag.append(el("span", "you-tag", typeof you === "string" ? you : t("you")));
  return frag;
}

const isolate = (text) => `\u2068${text}\u2069`;

function outcomeLines(meeting, outcome) {
  const lines = [];
  if (!outcome) return lines;
  if (outcome.conclusion) {
    lines.push([t("outcome_concluded"), outcome.conclusion]);
  }
  if (outcome.by_correspondence && outcome.majority_needed) {
    lines.push([null, t("outcome_correspondence", { n: outcome.majority_needed })]);
  }
  if (outcome.kind === "deferred") {
    const key = outcome.scope === "conclusion" ? "outcome_deferred_conclusion" : "outcome_deferred";
    // First-strong isolates: an English name or "C22" inside Arabic text keeps its own direction.
    const target = isolate(outcome.target || "");
    lines.push([null, t(key, { target, by: isolate(meeting.name(outcome.requested_by)) })]);
  }
  if (outcome.kind === "closed" && !outcome.conclusion) lines.push([null, t("outcome_closed")]);
  if (outcome.note) lines.push([t("outcome_note"), outcome.note]);
  return lines;
}

// Embeddings, overrides and isolates (U+202A-202E, U+2066-2069) typed into a conclusion
// would reverse or reorder it: taken out before display (names are checked in the roster).
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

/** An outcome (conclusion, deferral, note) as definition-like paragraphs, text only. */
export function renderOutcome(container, meeting, outcome) {
  container.replaceChildren();
  for (const [label, text] of outcomeLines(meeting, outcome)) {
    const p = el("p", "outcome-line");
    if (label) p.append(el("span", "outcome-label", label));
    const typed = label === t("outcome_concluded") || label === t("outcome_note");
    const body = el("span", "outcome-text", typed ? String(text).replace(BIDI_CONTROLS, "") : text);
    body.dir = "auto";
    p.append(body);
    container.append(p);
  }
  show(container, container.childElementCount > 0);
}

/** The open item card; `last` is what the page remembers of the item closed last. */
export function renderItem(view, meeting, last) {
  const item = view && view.current_item;
  show($("item"), !!item);
  show($("item-none"), !item);
  $("suspended").hidden = !(view && view.suspended);
  if (!item) {
    $("item-none").textContent = t("no_item");
    renderLast(meeting, last);
    return;
  }
  show($("last"), false);
  $("item-number").textContent = t("item_label", { n: item.number });
  $("item-code").textContent = item.code || meeting.items.get(item.number)?.code || "";
  const title = $("item-title");
  title.textContent = meeting.itemTitle(item.number, item.title);
  title.lang = meeting.items.has(item.number) ? meeting.titleLang() : "en";
  title.dir = "auto";
  const flags = $("item-flags");
  flags.replaceChildren();
  if (item.speaking_time_seconds) flags.append(el("span", "flag", t("speaking_time", { t: clock(item.speaking_time_seconds) })));
  if (item.list_closed) flags.append(el("span", "flag flag-closed", t("list_closed")));
  renderOutcome($("outcome"), meeting, item.outcome);
}

function renderLast(meeting, last) {
  const box = $("last");
  if (!last) {
    show(box, false);
    return;
  }
  show(box, true);
  $("last-label").textContent = last.enBloc ? t("en_bloc_done") : t("last_item");
  const what = $("last-what");
  if (last.enBloc) {
    what.textContent = last.items.map((n) => meeting.items.get(n)?.code || String(n)).join(", ");
    renderOutcome($("last-outcome"), meeting, { kind: "concluded", conclusion: last.conclusion });
  } else {
    what.textContent = `${last.item.code || ""} ${meeting.itemTitle(last.item.number, last.item.title)}`.trim();
    what.lang = meeting.titleLang();
    renderOutcome($("last-outcome"), meeting, last.item.outcome || { kind: "closed" });
  }
}

/** Who has the floor (name, tier, kind); the countdown is kept by tickSpeaker. */
export function renderSpeaker(view, meeting, me, mePerson = null) {
  const speaker = view && view.speaker;
  show($("speaker"), !!speaker);
  show($("speaker-none"), !speaker);
  $("speaker-none").textContent = t("nobody_floor");
  if (!speaker) return;
  const line = $("speaker-who");
  line.replaceChildren(who(meeting, speaker.delegation, youTag(speaker, me, mePerson), speaker.person));
  // The floor language beside the name (protocol 4), when known; the interpreters' view always says it.
  const chip = languageChip(speaker.language, document.body.classList.contains("interpreter"));
  if (chip) {
    chip.id = "speaker-lang";
    line.append(chip);
  }
  const kind = $("speaker-kind");
  kind.textContent = speaker.kind !== "speech" ? kindLabel(speaker.kind) : "";
  show(kind, speaker.kind !== "speech");
  const ooo = $("speaker-ooo");
  ooo.textContent = t("out_of_order");
  show(ooo, !!speaker.out_of_order);
}

/** The words of a whole phrase ("{t} left", "剩余 {t}") on either side of the big figure. */
function phrase(key) {
  const [before, after] = around(key, "t");
  let lead = $("countdown-before");
  if (!lead) {
    lead = el("span", "countdown-label");
    lead.id = "countdown-before";
    $("countdown").before(lead);
  }
  lead.textContent = before.trim();
  show(lead, before.trim() !== "");
  $("countdown-label").textContent = after.trim();
}

/**
 * The countdown at server time `nowMs`: a warning from 30 s left, overrun shown as
 * such, a paused clock shown as paused. Not live: no figures at all, since they
 * would be guesses.
 */
export function tickSpeaker(view, nowMs, live) {
  const speaker = view && view.speaker;
  const box = $("speaker");
  if (!speaker) return null;
  const digits = $("countdown");
  const label = $("countdown-label");
  const fill = $("bar-fill");
  box.classList.remove("warn", "over", "paused");
  show($("paused"), live && !speaker.running_since);
  if (!live) {
    digits.textContent = "–:––";
    phrase("time_left");
    label.textContent = t("not_live");
    show($("countdown-before"), false);
    fill.style.setProperty("--done", "0");
    return null;
  }
  const left = timeLeft(speaker, nowMs);
  const paused = !speaker.running_since;
  let state = "ok";
  if (left < 0) {
    state = "over";
    digits.textContent = `+${clock(-left)}`;
    phrase("over_time");
    box.classList.add("over");
  } else {
    digits.textContent = clock(Math.ceil(left));
    phrase("time_left");
    if (left <= 30) {
      state = "warn";
      box.classList.add("warn");
    }
  }
  if (paused) box.classList.add("paused");
  const done = Math.min(1, Math.max(0, 1 - left / speaker.limit_seconds));
  fill.style.setProperty("--done", String(done));
  return paused ? "paused" : state;
}

/** The list of speakers in the server's order, tier labels, the delegate's own lines marked. */
export function renderQueue(view, meeting, me, mePerson = null) {
  const queue = (view && view.current_item && view.queue) || [];
  const list = $("queue");
  list.replaceChildren();
  for (const request of queue) {
    const mine = request.delegation === me;
    const li = el("li", mine ? "mine" : "");
    const entry = el("span", "entry");
    entry.append(who(meeting, request.delegation, youTag(request, me, mePerson), request.person));
    if (request.kind !== "speech") entry.append(el("span", `chip chip-${request.kind}`, kindLabel(request.kind)));
    li.append(entry);
    list.append(li);
  }
  $("queue-count").textContent = queue.length ? `(${queue.length})` : "";
  show($("queue-empty"), queue.length === 0);
  $("queue-empty").textContent = view && view.current_item ? t("queue_empty") : t("no_item");
  return queue;
}

/** Remember the item that was open before this view, when it has just been closed. */
export function rememberLast(previous, view, event, last) {
  if (event && event.type === "en_bloc_concluded") {
    return { enBloc: true, items: event.items || [], conclusion: event.conclusion };
  }
  const before = previous && previous.current_item;
  const now = view && view.current_item;
  if (before && (!now || now.number !== before.number)) {
    return { enBloc: false, item: { ...before, outcome: before.outcome || { kind: "closed" } } };
  }
  if (now) return null;
  return last;
}

/**
 * The answer to the reader's last command (`f`: {kind: "refusal"|"error"|"note", code, message}),
 * or "Sending…", in the live region `node`: rewritten only when it changes, so that a screen
 * reader does not repeat it at every event. A refusal is explained in the page's language when
 * we have words for its code; the server's own (English) words follow.
 */
export function renderFeedback(node, f, sending) {
  const key = JSON.stringify([f && [f.kind, f.code, f.message], sending, document.documentElement.lang]);
  if (node.dataset.key === key) return;
  node.dataset.key = key;
  node.replaceChildren();
  node.className = f ? "feedback feedback-error" : "feedback";
  if (f && f.kind === "note") {
    node.textContent = t(f.code);
  } else if (f) {
    node.append(el("strong", "", f.kind === "refusal" ? t("refused") : t("err_server")));
    const explained = `refusal_${f.code}`;
    const said = f.kind === "refusal" && has(explained);
    if (said) node.append(" ", el("span", "", t(explained)));
    const server = el("span", "server-message", f.message || "");
    server.lang = "en";
    server.dir = "auto";
    if (said && language() !== "en" && f.message) {
      // Explained in the page's language: the server's English (with its ISO times) one click away.
      const more = el("details", "server-details");
      more.append(el("summary", "", t("server_says")), server);
      node.append(" ", more);
    } else {
      node.append(" ", server);
    }
  } else if (sending) {
    node.textContent = t("sending");
  }
}

/** Said by screen readers (#announce); emptied first so that the same words said again are announced again. */
export function announce(text) {
  const region = $("announce");
  region.textContent = "";
  setTimeout(() => {
    region.textContent = text;
  }, 60);
}

/** A refusal at the door that retrying cannot cure but a reload can (an old page): said at the top. */
export function showOutOfDate(message) {
  const box = $("fatal");
  box.replaceChildren(el("strong", "", t("err_protocol")), " ", el("span", "muted", message));
  show(box, true);
}
