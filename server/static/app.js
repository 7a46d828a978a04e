// The delegates' page: join with the delegation's token, follow the floor live,
// ask for the floor. Everything shown comes from the server's messages; a click
// sends a command and the page changes only when the server's event arrives.

import { FALLBACK_PROTOCOL, FloorConnection } from "./connection.js";
import {
  $, Meeting, QUEUEING, announce, el, kindLabel, languageName, loadMeeting, rememberLast, renderClocks,
  renderConnection, renderFeedback, renderItem, renderMeeting, renderQueue, renderSpeaker, show, showOutOfDate,
  tickConnection, tickSpeaker, tierLabel, wireCommon,
} from "./floorview.js";
import { chooseLanguage, setLanguage, t } from "./i18n.js";
import { buildLayout } from "./layout.js";
import { renderContributions } from "./contributions.js";
import { PlanTracker, renderPlan } from "./plan.js";
import { buildInterpCard, renderInterp } from "./interp.js";
import { forgetToken as forgetTokenOf, storeToken, takeToken as takeTokenFrom } from "./token.js";

const TOKEN_KEY = "vccsched.token";
const KINDS = ["speech", "point_of_order", "right_of_reply"];

const page = {
  meeting: new Meeting(),
  conn: null,
  view: null,
  last: null,
  plan: new PlanTracker(), // the published plan and its items' status (plan.js)
  me: null,          // delegation id, from welcome
  category: null,    // its category, from welcome
  person: null,      // {id, name, function} of the registered person whose link this is, from welcome
  speaking: false,
  spokenWarn: null,  // last countdown state announced to the speaker
  feedback: null,    // {kind: "refusal"|"error", code, message}
};

// --- token: from the fragment (never sent to the server), then sessionStorage (token.js) ----

const takeToken = () => takeTokenFrom(TOKEN_KEY);
const forgetToken = () => forgetTokenOf(TOKEN_KEY);

// --- the delegate's link, for a second device ------------------------------------------------

/** The personal link (token in the fragment, never sent to the server), to the clipboard or shown. */
async function copyLink() {
  const token = page.token;
  if (!token) return;
  const link = `${location.origin}${location.pathname}#t=${encodeURIComponent(token)}`;
  const box = $("copy-link-box");
  const field = $("copy-link-field");
  try {
    await navigator.clipboard.writeText(link);
    field.value = "";
    show(field, false);
    $("copy-link-said").textContent = t("copy_link_done");
  } catch (_) {
    // No clipboard (plain http, or refused): show it to copy by hand.
    field.value = link;
    show(field, true);
    field.select();
    $("copy-link-said").textContent = t("copy_link_manual");
  }
  show(box, true);
}

// --- joining ------------------------------------------------------------------------------

function showJoin(error) {
  if (page.conn) page.conn.stop();
  page.conn = null;
  page.view = null;
  page.last = null;
  page.plan = new PlanTracker();
  page.feedback = null;
  show($("floor"), false);
  show($("foot"), false);
  show($("offline"), false);
  show($("join"), true);
  renderConnection(null, page.meeting, false);
  $("join-error").textContent = error || "";
  $("token").focus();
}

function join(token) {
  page.token = token;
  show($("copy-link-box"), false);
  show($("join"), false);
  show($("fatal"), false);
  show($("floor"), true);
  page.conn = new FloorConnection({
    path: "/ws",
    token,
    protocol: page.meeting.protocol || FALLBACK_PROTOCOL,
    on: {
      status: onStatus, welcome: onWelcome, snapshot: onSnapshot, view: onView, reply: onReply, fatal: onFatal,
      storage: onStorage,
    },
  });
  page.conn.start();
  render();
}

function onFatal(code, message) {
  if (code === "not_authenticated" || code === "token_revoked") {
    forgetToken();
    showJoin(t(code === "token_revoked" ? "door_token_revoked" : "err_token"));
    return;
  }
  showOutOfDate(message);
  render();
}

// --- messages from the server ---------------------------------------------------------------

function onStatus() {
  render();
}

function onStorage(failing) {
  show($("storage"), failing);
}

function onWelcome(message) {
  page.me = message.delegation;
  page.category = message.category;
  const person = message.person;
  page.person = person && typeof person.name === "string" ? person : null;
  // The interpreters' connection follows the floor read-only (protocol 4): their own view.
  const interpreter = message.category === "interpreter";
  document.body.classList.toggle("interpreter", interpreter);
  if (interpreter) buildInterpCard();
  renderWhoami(page.meeting);
  show($("foot"), true);
  if (STAFF.has(message.category)) loadStaffSpeakers(page.token);
}

/** The categories whose token reads /speakers.json (docs/protocol.md, the server's routes). */
const STAFF = new Set(["chair", "secretariat", "interpreter"]);

/**
 * The speakers' names for the interpreters (and the chair and the secretariat) when the
 * meeting does not publish them in /meeting.json (floor.public_speaker_names false): from
 * /speakers.json, with the token in the header. Without them the page names delegations.
 */
async function loadStaffSpeakers(token) {
  if (!token || page.meeting.speakers.size > 0) return;
  try {
    const response = await fetch("/speakers.json", { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
    if (!response.ok) return;
    const data = await response.json();
    if (page.token !== token || !data || !Array.isArray(data.speakers)) return;
    page.meeting.speakers = new Map(data.speakers.filter((p) => p && typeof p.id === "string").map((p) => [p.id, p]));
    render();
  } catch (_) {
    // names are a help, not the floor: the page goes on naming delegations
  }
}

/** "Connected as Ms X, Head of delegation — China" for a person's link; else "Signed in as China". */
function renderWhoami(meeting) {
  if (!page.me) return;
  const person = page.person;
  const delegation = meeting.name(page.me);
  $("whoami").textContent = delegation;
  if (person) {
    // Each part isolated: a Latin name in an Arabic sentence keeps its order, and the reverse.
    const params = { name: isolate(person.name), function: isolate(person.function || ""), delegation: isolate(delegation) };
    $("whoami-person").textContent = t(person.function ? "connected_as" : "connected_as_short", params);
  }
  show($("whoami-person"), !!person);
  show($("whoami-delegation"), !person);
  if (page.category) $("whoami-tier").textContent = tierLabel(page.category);
}

const isolate = (text) => `\u2068${text}\u2069`;

function onSnapshot(state) {
  page.plan.fromSnapshot(state);
  // The floor language this person registered (setup.speakers, protocol 4): the default choice names it.
  const mine = page.person && ((state.setup && state.setup.speakers) || []).find((s) => s.id === page.person.id);
  page.registeredLanguage = mine && FLOOR_LANGUAGES.includes(mine.floor_language) ? mine.floor_language : null;
}

function onView(view, event) {
  if (event && page.plan.onEvent(event)) announce(t("plan_updated", { n: event.revision }));
  page.last = rememberLast(page.view, view, event, page.last);
  page.view = view;
  render();
}

function onReply(message, command) {
  if (message.type === "refusal") {
    page.feedback = { kind: "refusal", code: message.code, message: message.message, command };
  } else if (message.type === "error") {
    page.feedback = { kind: "error", code: message.code, message: message.message };
  } else if (page.feedback && page.feedback.kind === "refusal" && command && page.feedback.command
      && page.feedback.command.type === command.type) {
    page.feedback = null; // the same request now went through: the old refusal no longer applies
  }
  render();
}

// --- commands -------------------------------------------------------------------------------

function currentItem() {
  return page.view && page.view.current_item ? page.view.current_item.number : undefined;
}

function send(command) {
  if (!page.conn || !page.conn.live) return;
  page.feedback = null;
  page.conn.send(command);
  render();
}

function isPending(type, kind) {
  if (!page.conn) return false;
  return page.conn.pendingCommands().some((c) => c.type === type && (kind === undefined || c.kind === kind));
}

// --- rendering ------------------------------------------------------------------------------

function render() {
  const conn = page.conn;
  const live = !!(conn && conn.live);
  const view = page.view;
  const meeting = page.meeting;
  renderConnection(conn, meeting, view !== null);
  renderMeeting(meeting, `${page.speaking ? "● " : ""}${t("page_title")}`);
  $("join-hint").textContent = t("join_link_hint", { copy: t("copy_link") });
  renderWhoami(meeting);

  renderItem(view, meeting, page.last);
  renderContributions(view, meeting);
  const mePerson = page.person ? page.person.id : null;
  renderSpeaker(view, meeting, page.me, mePerson);
  const queue = renderQueue(view, meeting, page.me, mePerson);
  if (page.category === "interpreter") renderInterp(view, meeting);
  renderYouSpeak(view, live);
  renderActions(view, queue, live);
  $("record-head").textContent = (conn && conn.head) || "—";
  tick();
}

function renderYouSpeak(view, live) {
  const speaker = view && view.speaker;
  // A person's page: the banner is for the person the floor was given to (the chair may
  // name another speaker of the delegation); a delegation's own link: for its speeches.
  const speaking = !!(speaker && page.me && speaker.delegation === page.me
    && (!page.person || !speaker.person || speaker.person === page.person.id));
  const started = speaking && !page.speaking;
  if (started) {
    // Announced once, when the floor is given; the banner stays while the speech lasts.
    announce(t("you_have_floor"));
    chime();
  }
  if (!speaking) page.spokenWarn = null;
  page.speaking = speaking;
  document.body.classList.toggle("speaking", speaking);
  show($("you-speak"), speaking);
  // Wherever the delegate had scrolled (to withdraw, to read the list): the banner and
  // "End my speech" come into view; on a phone the banner then stays at the top (style.css).
  if (started) $("you-speak").scrollIntoView({ block: "nearest" });
  $("you-speak").classList.toggle("stale", !live);
}

function renderActions(view, queue, live) {
  const item = view && view.current_item;
  const canQueue = !page.category || QUEUEING.has(page.category);
  const suspended = !!(view && view.suspended);
  const mine = queue.filter((r) => r.delegation === page.me);
  const waiting = new Set(mine.map((r) => r.kind));

  const places = $("my-place");
  places.replaceChildren();
  for (const request of mine) {
    const position = queue.indexOf(request) + 1;
    places.append(el("li", "", t("your_place", { kind: kindLabel(request.kind), n: position, total: queue.length })));
  }
  if (!mine.length && item && canQueue && page.me) places.append(el("li", "muted", t("not_in_list")));
  show($("not-queueing"), !canQueue);
  renderSpeakIn(canQueue && !page.speaking);

  for (const kind of KINDS) {
    const ask = $(`btn-${kind}`);
    show(ask, canQueue && !page.speaking);
    const pending = isPending("request_floor", kind);
    let enabled = live && !!item && !suspended && !waiting.has(kind) && !pending && !page.speaking;
    if (kind === "speech" && item && item.list_closed) enabled = false;
    ask.disabled = !enabled;
    ask.setAttribute("aria-busy", pending ? "true" : "false");

    const withdraw = $(`withdraw-${kind}`);
    const withdrawPending = isPending("withdraw", kind);
    show(withdraw, waiting.has(kind));
    withdraw.disabled = !live || withdrawPending;
  }
  const end = $("btn-end");
  show(end, page.speaking);
  end.disabled = !live || isPending("end_speech");

  renderActionFeedback();
}

/** The six floor languages (protocol 4): the delegate says so when not speaking in the registered one. */
const FLOOR_LANGUAGES = ["ar", "zh", "en", "fr", "ru", "es"];

function renderSpeakIn(visible) {
  show($("speak-in-row"), visible);
  const select = $("speak-in");
  const key = `${document.documentElement.lang} ${page.registeredLanguage || ""}`;
  if (select.dataset.lang === key) return; // filled in this page language already
  const chosen = select.value;
  const registered = page.registeredLanguage ? ` (${languageName(page.registeredLanguage)})` : "";
  select.replaceChildren(el("option", "", t("speak_in_default") + registered));
  select.firstChild.value = "";
  for (const code of FLOOR_LANGUAGES) {
    const option = el("option", "", languageName(code));
    option.value = code;
    select.append(option);
  }
  select.value = chosen || "";
  select.dataset.lang = key;
}

/** The language stated with a request: none (the registered one) unless the delegate chose one. */
function statedLanguage() {
  const value = $("speak-in").value;
  return FLOOR_LANGUAGES.includes(value) ? { language: value } : {};
}

// The answer to the delegate's last click (floorview.js).
function renderActionFeedback() {
  const sending = !page.feedback && !!page.conn && page.conn.pendingCommands().length > 0;
  renderFeedback($("feedback"), page.feedback, sending);
}

// The countdown and the clocks move between server messages.
function tick() {
  const conn = page.conn;
  const now = conn ? conn.now() : Date.now();
  renderClocks(now, page.meeting);
  renderPlan(page.plan, page.meeting, now, page.view); // redraws only on a change (a new day, say)
  const state = tickSpeaker(page.view, now, !!(conn && conn.live));
  // The speaker's own time, in the banner too: on a phone it may hide the speaker's card.
  if (page.speaking) {
    $("you-left").textContent = $("countdown").textContent;
    $("you-left-label").textContent = $("countdown-label").textContent;
  }
  if (page.speaking && state && state !== page.spokenWarn) {
    if (state === "warn") announce(t("last_30"));
    if (state === "over") announce(t("overrun_label"));
    page.spokenWarn = state;
  }
  tickConnection(conn);
}

// A short, soft tone when the floor is given (the browser allows sound after a click on the page).
let audio = null;
function chime() {
  try {
    if (!audio) return;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.15, audio.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.6);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.65);
  } catch (_) {
    // no sound: the banner and the screen reader announcement remain
  }
}

function unlockAudio() {
  try {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) audio = new Context();
    if (audio && audio.state === "suspended") audio.resume();
  } catch (_) {
    audio = null;
  }
}

// --- wiring ---------------------------------------------------------------------------------

function wire() {
  wireCommon(() => page.conn, render);
  $("join-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const token = $("token").value.trim();
    if (!token) return;
    storeToken(TOKEN_KEY, token);
    $("token").value = "";
    join(token);
  });
  $("copy-link").addEventListener("click", copyLink);
  $("leave").addEventListener("click", () => {
    forgetToken();
    page.token = null;
    page.me = null;
    page.category = null;
    document.body.classList.remove("interpreter");
    showJoin("");
  });
  for (const kind of KINDS) {
    $(`btn-${kind}`).addEventListener("click", () => send({ type: "request_floor", kind, item: currentItem(), ...statedLanguage() }));
    $(`withdraw-${kind}`).addEventListener("click", () => send({ type: "withdraw", kind, item: currentItem() }));
  }
  $("btn-end").addEventListener("click", () => send({ type: "end_speech" }));
  $("record-toggle").addEventListener("click", () => {
    // The head on request: delegations that note it can check the record later (floor verify --head).
    const open = $("record-line").hidden;
    $("record-line").hidden = !open;
    $("record-toggle").setAttribute("aria-expanded", String(open));
  });
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("keydown", unlockAudio, { once: true });
  setInterval(tick, 250);
}

async function main() {
  buildLayout();
  setLanguage(chooseLanguage());
  wire();
  const token = takeToken();
  page.meeting = await loadMeeting((late) => {
    page.meeting = late;
    render();
  });
  render();
  if (token) join(token);
  else showJoin("");
}

main();
