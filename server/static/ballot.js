// The focal points' page for the decision by correspondence (issue 19, docs/protocol.md
// `cast_reply`): who you are, the round and its deadline, each conclusion with approve /
// object / abstain, a summary to confirm, the receipt, your delegation's earlier replies,
// and the result once published. Your delegation's replies come from /ballot.json (never
// broadcast); the WebSocket carries `cast_reply` and tells when to look again.

import { FALLBACK_PROTOCOL, FloorConnection } from "./connection.js";
import {
  $, LOCAL_ZONE, Meeting, announce, el, loadMeeting, renderClocks, renderConnection, renderFeedback, renderMeeting,
  show, showOutOfDate, tickConnection, tierLabel, wireCommon, zoneName,
} from "./floorview.js";
import { chooseLanguage, language, locale, setLanguage, t } from "./i18n.js";
import { buildFrame } from "./layout.js";
import { forgetToken, storeToken, takeToken } from "./token.js";

const TOKEN_KEY = "vccsched.ballot-token";
export const ANSWERS = ["approve", "object", "abstain"];
/** Events after which this delegation's ballot may have changed (reply_cast: only our own). */
const BALLOT_EVENTS = new Set(["correspondence_opened", "correspondence_result_published", "correspondence_closed"]);
/** Refusals of cast_reply that mean the page's picture of the round is out of date. */
const ROUND_REFUSALS = new Set(["correspondence_closed", "no_correspondence_open", "not_focal_point", "item_not_in_round", "too_many_replies"]);
const RETRY_SECONDS = [1, 2, 4, 8, 15, 30];
// Embeddings, overrides and isolates typed into a conclusion would reorder it (as floorview.js).
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
const ltr = (text) => `\u2066${text}\u2069`;     // figures: left to right in every language
const isolate = (text) => `\u2068${text}\u2069`; // a date in words: the direction of its own script

const page = {
  meeting: new Meeting(),
  token: null,
  conn: null,
  me: null,           // delegation id, from welcome
  category: null,
  ballot: null,       // the last /ballot.json
  loadError: null,    // {status} when /ballot.json could not be had
  fetching: false,
  again: false,       // asked for while a fetch was running
  retry: 0,
  answers: new Map(), // item -> "approve" | "object" | "abstain" | "" (no reply), as on the form
  touched: new Set(), // items the reader changed since the last reply
  stage: "form",      // form | summary | sending | receipt
  sentId: null,       // id of the cast_reply waiting for its answer
  receipt: null,      // receipt of the last reply sent from this page
  feedback: null,     // {kind: "refusal"|"error"|"note", code, message}
  built: "",          // key of the questions as last drawn (texts, language)
  closedSeen: false,
  person: null,       // {id, name, function} from the welcome, for a person's link
};

// --- the ballot from the server --------------------------------------------------------------

async function fetchBallot() {
  if (!page.token) return;
  if (page.fetching) {
    page.again = true;
    return;
  }
  page.fetching = true;
  const token = page.token;
  try {
    const response = await fetch("/ballot.json", { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
    if (token !== page.token) return; // left meanwhile
    if (response.status === 401 || response.status === 403) {
      forgetToken(TOKEN_KEY);
      showJoin(t("err_token"));
      return;
    }
    if (response.status === 429) {
      setTimeout(fetchBallot, 2000); // asked too often (a burst of events): quietly once more
      return;
    }
    if (!response.ok) throw new Error(String(response.status));
    takeBallot(await response.json());
    page.loadError = null;
    page.retry = 0;
  } catch (_) {
    page.loadError = { status: "failed" };
    const seconds = RETRY_SECONDS[Math.min(page.retry++, RETRY_SECONDS.length - 1)];
    setTimeout(fetchBallot, seconds * 1000);
  } finally {
    page.fetching = false;
    render();
    if (page.again) {
      page.again = false;
      fetchBallot();
    }
  }
}

/**
 * The answers that count now for this delegation: those of its last version, as a whole (a
 * later reply replaces the earlier one, as a later form does; docs/protocol.md, cast_reply).
 */
export function standing(replies) {
  const found = new Map();
  const last = (replies || [])[(replies || []).length - 1];
  for (const reply of (last && last.replies) || []) found.set(reply.item, { answer: reply.answer, version: last });
  return found;
}

function takeBallot(ballot) {
  page.ballot = ballot;
  const questions = (ballot.round && ballot.round.questions) || [];
  const counted = standing(ballot.replies);
  for (const q of questions) {
    // The form shows what counts now, except where the reader has already changed it.
    if (!page.touched.has(q.item)) page.answers.set(q.item, counted.get(q.item)?.answer || "");
  }
}

// --- joining and leaving ---------------------------------------------------------------------

function showJoin(error) {
  if (page.conn) page.conn.stop();
  Object.assign(page, {
    conn: null, token: null, me: null, category: null, ballot: null, loadError: null, stage: "form",
    receipt: null, feedback: null, sentId: null, built: "",
  });
  page.answers = new Map();
  page.touched = new Set();
  show($("ballot"), false);
  show($("foot"), false);
  show($("offline"), false);
  show($("join"), true);
  renderConnection(null, page.meeting, false);
  $("join-error").textContent = error || "";
  $("token").focus();
}

function join(token) {
  page.token = token;
  show($("join"), false);
  show($("fatal"), false);
  show($("ballot"), true);
  page.conn = new FloorConnection({
    path: "/ws",
    token,
    protocol: page.meeting.protocol || FALLBACK_PROTOCOL,
    on: {
      status: render,
      welcome: onWelcome,
      snapshot: onSnapshot,
      view: onView,
      reply: onReply,
      fatal: onFatal,
      storage: (failing) => show($("storage"), failing),
    },
  });
  page.conn.start();
  fetchBallot();
  render();
}

function onFatal(code, message) {
  if (code === "not_authenticated" || code === "token_revoked") {
    forgetToken(TOKEN_KEY);
    showJoin(t(code === "token_revoked" ? "door_token_revoked" : "err_token"));
    return;
  }
  showOutOfDate(message);
  render();
}

function onWelcome(message) {
  page.me = message.delegation;
  page.category = message.category;
  // The person whose link this is ({id, name, function}): named even when not a speaker.
  page.person = message.person && typeof message.person.name === "string" ? message.person : null;
  show($("foot"), true);
  render();
}

function onSnapshot(state) {
  // The roster's voting right (in the delegations' snapshot, not the public one): a Council
  // Member without it may reply; the tally reports its reply and does not count it.
  const me = state && state.setup && (state.setup.participants || []).find((p) => p.id === page.me);
  page.votingRights = me ? me.voting_rights : null;
  fetchBallot(); // (re)connected: what we had may be old
}

function onView(_view, event) {
  if (!event) return;
  const ours = event.type === "reply_cast" && event.delegation === page.me;
  if (ours || BALLOT_EVENTS.has(event.type)) fetchBallot();
}

function onReply(message, command) {
  if (!command || command.type !== "cast_reply") {
    if (message.type === "error") page.feedback = { kind: "error", code: message.code, message: message.message };
    render();
    return;
  }
  if (message.type === "accepted") {
    page.receipt = message.receipt || null;
    $("copy-said").textContent = "";
    page.sentSeq = (message.seqs || [])[0] ?? null;
    page.stage = "receipt";
    page.feedback = null;
    page.touched = new Set();
    announce(t("ballot_sent"));
    fetchBallot();
    render();
    $("receipt").focus();
    return;
  }
  page.feedback = { kind: message.type === "refusal" ? "refusal" : "error", code: message.code, message: message.message };
  page.stage = "summary";
  if (ROUND_REFUSALS.has(message.code)) fetchBallot(); // the round or this link changed: look again
  render();
}

// --- the round's time ------------------------------------------------------------------------

function now() {
  return page.conn ? page.conn.now() : Date.now();
}

function deadlineMs() {
  const round = page.ballot && page.ballot.round;
  return round ? Date.parse(round.deadline) : NaN;
}

function isClosed() {
  const round = page.ballot && page.ballot.round;
  if (!round) return true;
  return round.open === false || !(now() < deadlineMs());
}

function mayReply() {
  const ballot = page.ballot;
  return !!(ballot && ballot.round && ballot.you && ballot.you.may_reply && !isClosed());
}

/** A date and time in `timeZone`, in the page's language ("Fri 2 July 2021, 23:59"). */
export function formatWhen(ms, timeZone, withSeconds = false) {
  const options = {
    weekday: "short", day: "numeric", month: "long", year: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone,
  };
  if (withSeconds) options.second = "2-digit"; // two versions sent in one minute differ
  try {
    return new Intl.DateTimeFormat(locale(), options).format(ms);
  } catch (_) {
    return new Intl.DateTimeFormat(locale(), { ...options, timeZone: undefined }).format(ms);
  }
}

/** Seconds as h:mm:ss, hours always shown ("0:05:00": five minutes, not five hours). */
export function hms(seconds) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${Math.floor(seconds / 3600)}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
}

/** "2 days and 3:04:05 left", "3:04:05 left" (whole phrases, plural forms by language). */
export function leftText(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(seconds / 86400);
  const rest = ltr(hms(seconds % 86400));
  return days ? t("ballot_left_days", { n: days, t: rest }) : t("time_left", { t: rest });
}

// --- the receipt ---------------------------------------------------------------------------

function answerLabel(answer) {
  return answer ? t(`answer_${answer}`) : t("answer_none");
}

function questionOf(item) {
  const round = page.ballot && page.ballot.round;
  return ((round && round.questions) || []).find((q) => q.item === item) || null;
}

function titleOf(question) {
  return question ? page.meeting.pick(question.title, page.meeting.itemTitle(question.item, "")) : "";
}

function headOf(question, item) {
  return [t("item_label", { n: item }), question && question.code, titleOf(question)].filter(Boolean).join(" · ");
}

/** The same as elements: each part isolated, so that a Latin code and title keep their order in Arabic. */
function headNode(question, item) {
  const node = el("span", "head");
  node.append(el("span", "", t("item_label", { n: item })));
  if (question && question.code) node.append(" · ", el("bdi", "", question.code));
  const title = titleOf(question);
  if (title) node.append(" · ", el("bdi", "", title));
  return node;
}

/** The receipt as a small text file: meeting, delegation, person, time, answers, receipt. */
export function receiptText(version) {
  const ballot = page.ballot || {};
  const you = ballot.you || {};
  const colon = t("ballot_colon");
  const at = Date.parse(version.at);
  const lines = [
    `${page.meeting.id} — ${page.meeting.title()}`,
    t("ballot_file_title"),
    "",
    `${t("ballot_delegation")}${colon}${page.meeting.name(you.delegation) || you.name || ""} (${you.delegation || ""})`,
  ];
  if (you.person) lines.push(`${t("ballot_person")}${colon}${personName(you)}`);
  lines.push(`${t("ballot_file_time")}${colon}${formatWhen(at, page.meeting.timezone, true)} (${t("geneva_time")}) — ${version.at}`, "");
  for (const reply of version.replies || []) {
    lines.push(`${headOf(questionOf(reply.item), reply.item)}${colon}${answerLabel(reply.answer)}`);
  }
  lines.push("", `${t("ballot_receipt_label")}${colon}${version.receipt}`, "");
  return lines.join("\n");
}

function versionOf(receipt) {
  const replies = (page.ballot && page.ballot.replies) || [];
  return replies.find((v) => v.receipt === receipt) || replies[replies.length - 1] || null;
}

function downloadReceipt() {
  const version = versionOf(page.receipt);
  if (!version) return;
  const blob = new Blob([receiptText(version)], { type: "text/plain;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  const who = (page.ballot.you && page.ballot.you.delegation) || "reply";
  link.download = `receipt-${page.meeting.id || "meeting"}-${who}-${version.seq}.txt`.replace(/[^A-Za-z0-9._-]+/g, "-");
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function copyReceipt() {
  const code = $("receipt-code");
  try {
    await navigator.clipboard.writeText(code.textContent);
    $("copy-said").textContent = t("ballot_copied");
  } catch (_) {
    // No clipboard (plain http, or refused): select it for copying by hand.
    const range = document.createRange();
    range.selectNodeContents(code);
    const selection = getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    $("copy-said").textContent = t("ballot_copy_manual");
  }
}

// --- commands --------------------------------------------------------------------------------

/** The form's answers that are not blank, in the round's order: the `replies` of cast_reply. */
export function chosen() {
  const questions = (page.ballot && page.ballot.round && page.ballot.round.questions) || [];
  return questions
    .filter((q) => ANSWERS.includes(page.answers.get(q.item)))
    .map((q) => ({ item: q.item, answer: page.answers.get(q.item) }));
}

function review() {
  if (!mayReply()) return;
  if (!chosen().length) {
    page.feedback = { kind: "note", code: "ballot_nothing_chosen" };
    render();
    return;
  }
  page.feedback = null;
  page.stage = "summary";
  render();
  $("summary").focus();
}

function confirmReplies() {
  const replies = chosen();
  if (!page.conn || !replies.length || !mayReply() || page.stage === "sending") return;
  page.feedback = null;
  page.stage = "sending";
  page.sentId = page.conn.send({ type: "cast_reply", replies });
  render();
}

// --- rendering -------------------------------------------------------------------------------

function personName(you) {
  if (!you || !you.person) return "";
  const speaker = page.meeting.speakers.get(you.person);
  const own = page.person && page.person.id === you.person ? page.person : null;
  const name = (speaker && speaker.name) || (own && own.name);
  return name ? `${name} (${you.person})` : you.person;
}

function render() {
  const conn = page.conn;
  const ballot = page.ballot;
  renderConnection(conn, page.meeting, ballot !== null);
  renderMeeting(page.meeting, t("ballot_page_title"));
  const loadFailed = !!page.loadError && page.token;
  $("load-error").textContent = loadFailed ? t("ballot_err_load") : "";
  show($("load-error"), loadFailed);
  renderWho(ballot);
  renderRound(ballot);
  renderQuestions(ballot);
  renderSummary(ballot);
  renderReceipt(ballot);
  renderHistory(ballot);
  renderResult(ballot);
  renderReplyFeedback();
  tick();
}

function renderWho(ballot) {
  const you = (ballot && ballot.you) || null;
  const delegation = (you && you.delegation) || page.me;
  const name = delegation ? page.meeting.name(delegation) : "";
  $("who-delegation").textContent = name === delegation && you && you.name ? you.name : name;
  const category = page.category || (delegation && page.meeting.category(delegation));
  $("who-tier").textContent = tierLabel(category);
  $("who-person").textContent = you && you.person ? personName(you) : t("ballot_delegation_link");
  $("whoami").textContent = [$("who-delegation").textContent, you && you.person ? personName(you) : ""].filter(Boolean).join(" — ");
  const cannot = $("cannot");
  let why = "";
  if (you && !you.may_reply) {
    if (you.why_not === "not_focal_point" && you.person) why = t("ballot_cannot_focal", { person: isolate(personName(you)) });
    else if (you.why_not === "not_focal_point") why = t("ballot_cannot_focal_delegation");
    else if (category === "sector_member") why = t("ballot_cannot_sector_member");
    else if (category === "observer_state" || category === "palestine_observer") why = t("ballot_cannot_observer");
    else why = t("ballot_cannot_other");
  }
  if (!why && you && you.may_reply && page.votingRights === false) why = t("ballot_no_vote");
  cannot.textContent = why;
  show(cannot, !!why);
}

function renderRound(ballot) {
  const round = ballot && ballot.round;
  show($("no-round"), !!ballot && !round);
  show($("round"), !!round);
  if (!round) return;
  const deadline = deadlineMs();
  $("deadline-geneva").textContent = t("ballot_geneva", { when: formatWhen(deadline, page.meeting.timezone) });
  $("deadline-local").textContent = t("ballot_local", { when: formatWhen(deadline, LOCAL_ZONE), zone: zoneName(deadline) });
  $("rule").textContent = round.majority === "of-replies"
    ? t("ballot_rule_replies")
    : t("ballot_rule_voting", { n: round.required ?? "?" });
}

/** The conclusions, drawn again only when they or the language change (the reader's choices stay). */
function renderQuestions(ballot) {
  const round = ballot && ballot.round;
  const questions = (round && round.questions) || [];
  const card = $("questions-card");
  show(card, questions.length > 0);
  const editable = mayReply() && page.stage === "form";
  const key = JSON.stringify([questions, language(), !!(ballot && ballot.you && ballot.you.may_reply)]);
  if (page.built !== key) {
    page.built = key;
    const list = $("questions");
    list.replaceChildren(...questions.map((q) => questionNode(q, ballot.you && ballot.you.may_reply)));
  }
  const counted = standing(ballot && ballot.replies);
  for (const q of questions) {
    const choice = page.answers.get(q.item) || "";
    for (const input of document.querySelectorAll(`input[name="q-${q.item}"]`)) {
      input.checked = input.value === choice;
      input.disabled = !editable;
    }
    const so = $(`q-${q.item}-counted`);
    if (so) {
      const standingAnswer = counted.get(q.item);
      so.textContent = standingAnswer ? t("ballot_counted_so_far", { answer: answerLabel(standingAnswer.answer) }) : "";
      show(so, !!standingAnswer);
    }
  }
  $("questions-help").textContent = mayReply() ? t("ballot_help") : "";
  show($("form-buttons"), editable);
}

function questionNode(q, canReply) {
  const li = el("li", "question");
  li.id = `q-${q.item}`;
  const heading = el("h3", "question-h");
  heading.id = `q-${q.item}-h`;
  heading.append(el("span", "item-number", t("item_label", { n: q.item })));
  if (q.code) heading.append(" ", el("span", "item-code", q.code));
  const title = el("span", "question-title", titleOf(q));
  title.lang = page.meeting.titleLang();
  title.dir = "auto";
  heading.append(" ", title);
  li.append(heading);

  const translated = q.translations && q.translations[language()];
  const recorded = String(q.text || "").replace(BIDI_CONTROLS, "");
  const body = el("p", "question-text", translated ? String(translated).replace(BIDI_CONTROLS, "") : recorded);
  body.dir = "auto";
  body.id = `q-${q.item}-text`;
  if (translated) {
    body.lang = language();
    li.append(el("p", "text-note", t("ballot_translation")), body);
    const original = el("details", "original");
    original.append(el("summary", "", t("ballot_show_recorded")));
    const text = el("p", "question-text", recorded);
    text.dir = "auto";
    original.append(text);
    li.append(original);
  } else {
    li.append(el("p", "text-note", t("ballot_as_recorded")), body);
  }

  if (canReply) {
    const set = el("fieldset", "answers");
    set.setAttribute("aria-describedby", `q-${q.item}-h`);
    set.append(el("legend", "", t("ballot_reply_on", { n: q.item })));
    for (const answer of [...ANSWERS, ""]) {
      const label = el("label", `answer answer-${answer || "none"}`);
      const input = document.createElement("input");
      input.type = "radio";
      input.name = `q-${q.item}`;
      input.value = answer;
      input.id = `q-${q.item}-${answer || "none"}`;
      input.addEventListener("change", () => {
        page.answers.set(q.item, answer);
        page.touched.add(q.item);
        if (page.feedback && page.feedback.kind === "note") page.feedback = null;
        renderReplyFeedback();
      });
      label.append(input, " ", el("span", "", answerLabel(answer)));
      set.append(label);
    }
    const so = el("p", "counted-so-far");
    so.id = `q-${q.item}-counted`;
    so.hidden = true;
    set.append(so);
    li.append(set);
  }
  return li;
}

function renderSummary() {
  const open = (page.stage === "summary" || page.stage === "sending") && mayReply();
  show($("summary"), open);
  if (!open) return;
  const list = $("summary-list");
  list.replaceChildren();
  const questions = (page.ballot.round && page.ballot.round.questions) || [];
  for (const q of questions) {
    const answer = page.answers.get(q.item) || "";
    const li = el("li", `summary-row${answer ? "" : " blank"}`);
    const what = headNode(q, q.item);
    what.className = "summary-what";
    li.append(what, el("strong", `summary-answer answer-${answer || "none"}`, answerLabel(answer)));
    list.append(li);
  }
  const sending = page.stage === "sending";
  $("confirm").disabled = sending || !(page.conn && page.conn.live);
  $("confirm").setAttribute("aria-busy", sending ? "true" : "false");
  $("back").disabled = sending;
}

function renderReceipt() {
  const version = page.receipt ? versionOf(page.receipt) : null;
  const open = page.stage === "receipt" && !!page.receipt;
  show($("receipt"), open);
  if (!open) return;
  $("receipt-code").textContent = page.receipt;
  $("receipt-said").textContent = version
    ? t("ballot_receipt_said", { time: isolate(formatWhen(Date.parse(version.at), page.meeting.timezone, true)) })
    : t("ballot_sent");
  $("download-receipt").disabled = !version;
  show($("change"), mayReply());
}

function renderHistory(ballot) {
  const replies = (ballot && ballot.replies) || [];
  const card = $("history-card");
  const relevant = !!(ballot && ballot.round && ballot.you && (ballot.you.may_reply || replies.length));
  show(card, relevant);
  if (!relevant) return;
  show($("history-none"), replies.length === 0);
  const key = JSON.stringify([replies, language()]);
  const list = $("history");
  if (list.dataset.key === key) return;
  list.dataset.key = key;
  list.replaceChildren();
  replies.forEach((version, index) => {
    const last = index === replies.length - 1;
    const li = el("li", last ? "version latest" : "version");
    const head = el("p", "version-head");
    head.append(el("span", "", t("ballot_version", { time: isolate(formatWhen(Date.parse(version.at), page.meeting.timezone, true)) })));
    head.append(" ", el("span", last ? "mark mark-open" : "mark mark-replaced", t(last ? "ballot_latest" : "ballot_earlier")));
    li.append(head);
    const answers = el("ul", "version-answers");
    for (const reply of version.replies || []) {
      const row = el("li", "");
      row.append(headNode(questionOf(reply.item), reply.item), t("ballot_colon"), el("strong", "", answerLabel(reply.answer)));
      answers.append(row);
    }
    const receipt = el("p", "version-receipt");
    receipt.append(el("span", "", `${t("ballot_receipt_label")}${t("ballot_colon")}`));
    const code = el("code", "receipt-code-small", version.receipt);
    code.dir = "ltr";
    receipt.append(code);
    li.append(answers, receipt);
    list.prepend(li); // the newest (the one that counts) first
  });
}

function renderResult(ballot) {
  const round = ballot && ballot.round;
  const result = ballot && ballot.result;
  show($("result-card"), !!round && (!!result || isClosed()));
  show($("result-none"), !result);
  const list = $("result");
  const key = JSON.stringify([result, language()]);
  if (list.dataset.key === key) return;
  list.dataset.key = key;
  list.replaceChildren();
  if (!result) return;
  const yours = yourCountedReply(ballot, result);
  if (yours) list.append(el("li", "result-yours", yours));
  for (const proposal of result.proposals || []) {
    const li = el("li", `result-row result-${String(proposal.result || "").replace(/ /g, "-")}`);
    const what = headNode({ ...proposal, item: proposal.number }, proposal.number);
    what.className = "result-what";
    const verdict = { approved: "ballot_result_approved", "not approved": "ballot_result_not_approved" }[proposal.result]
      || "ballot_result_not_tallied";
    li.append(what, el("strong", "result-verdict", t(verdict)));
    const count = (list_) => (Array.isArray(list_) ? list_.length : Number(list_) || 0);
    li.append(el("p", "result-counts", t("ballot_result_counts", {
      a: count(proposal.approve), o: count(proposal.object), b: count(proposal.abstain),
      z: count(proposal.no_reply), n: proposal.needed ?? "?",
    })));
    list.append(li);
  }
}

/** What the published result counted for the reader's Member State (online with its receipt, or a form). */
function yourCountedReply(ballot, result) {
  const me = ballot.you && ballot.you.delegation;
  const member = (result.members || []).find((m) => m.member_id === me);
  if (!member) return "";
  const channel = (member.channels || []).find((c) => c.counted);
  if (!channel) return t("ballot_result_yours_none");
  if (channel.via === "online") return t("ballot_result_yours_online", { receipt: ltr(channel.receipt || "") });
  return t("ballot_result_yours_form", { file: isolate(channel.file || "") });
}

// The answer to the reader's last click (floorview.js).
function renderReplyFeedback() {
  renderFeedback($("feedback"), page.feedback, page.stage === "sending");
}

/** The clocks, the time left and the closing of the round, between server messages. */
function tick() {
  const conn = page.conn;
  renderClocks(now(), page.meeting);
  tickConnection(conn);
  const round = page.ballot && page.ballot.round;
  if (!round) return;
  const closed = isClosed();
  const left = deadlineMs() - now();
  const text = closed ? "" : leftText(left);
  if ($("left").textContent !== text) $("left").textContent = text;
  show($("left"), !closed);
  show($("closed"), closed);
  if (closed && !page.closedSeen) {
    // The deadline passed with the page open: no more sending; look again for the server's word.
    page.closedSeen = true;
    if (page.stage !== "receipt") page.stage = "form";
    // Changes not sent are gone with the round: the form shows what counts.
    page.touched = new Set();
    if (page.ballot) takeBallot(page.ballot);
    page.built = "";
    render();
    setTimeout(fetchBallot, 1500);
  } else if (!closed && page.closedSeen) {
    page.closedSeen = false;
    page.built = "";
    render();
  }
}

// --- wiring ----------------------------------------------------------------------------------

function wire() {
  wireCommon(() => page.conn, () => {
    page.built = "";
    render();
  });
  $("join-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const token = $("token").value.trim();
    if (!token) return;
    storeToken(TOKEN_KEY, token);
    $("token").value = "";
    join(token);
  });
  $("reply-form").addEventListener("submit", (e) => {
    e.preventDefault();
    review();
  });
  $("confirm").addEventListener("click", confirmReplies);
  $("back").addEventListener("click", () => {
    page.stage = "form";
    page.feedback = null;
    render();
    const first = document.querySelector("#questions input:checked, #questions input");
    if (first) first.focus();
  });
  $("change").addEventListener("click", () => {
    page.stage = "form";
    render();
    const first = document.querySelector("#questions input:checked, #questions input");
    if (first) first.focus();
  });
  $("copy-receipt").addEventListener("click", copyReceipt);
  $("download-receipt").addEventListener("click", downloadReceipt);
  $("leave").addEventListener("click", () => {
    forgetToken(TOKEN_KEY);
    showJoin("");
  });
  setInterval(tick, 500);
}

async function main() {
  buildFrame();
  setLanguage(chooseLanguage());
  wire();
  const token = takeToken(TOKEN_KEY);
  page.meeting = await loadMeeting((late) => {
    page.meeting = late;
    render();
  });
  render();
  if (token) join(token);
  else showJoin("");
}

main();
