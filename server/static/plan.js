// Today's time-management plan (issue 9), on both pages. The plan is the one the
// chair or the secretariat published on the floor: the snapshot's `state.plan`,
// then each `plan_published` event (docs/protocol.md, "The published plan").
// It is shown for the meeting day of the server's clock in Geneva time and the
// delegate's own, with what the floor has done to its items (open, closed) and
// what the latest revision changed. Text only, as everywhere on these pages.

import { $, LOCAL_ZONE, dayOf, el, formatTime, show, weekday, zoneName, zonedInstant } from "./floorview.js";
import { language, locale, t } from "./i18n.js";

// Word joiners keep a range on one line: "19:00–22:00", never "19:00–" and "22:00".
const DASH = "\u2060–\u2060";

/**
 * The published plan and what the floor did to its items, kept from the snapshot
 * and every event after it (the page needs no fold of the whole floor for this).
 */
export class PlanTracker {
  constructor() {
    this.published = null; // {revision, at, by, plan, changes} or null before any plan
    this.status = new Map(); // item number -> "pending" | "open" | "closed"
    this.deferred = new Map(); // item number -> deferral target, for items deferred whole
    this.version = 0; // bumped on every change, so that the card redraws only then
  }

  /** Start again from a snapshot's `state`: what a fresh connection or a server reset brings. */
  fromSnapshot(state) {
    this.published = (state && state.plan) || null;
    this.status = new Map();
    this.deferred = new Map();
    for (const item of Object.values((state && state.items) || {})) {
      this.status.set(item.number, item.status);
      const outcome = item.outcome;
      if (outcome && outcome.kind === "deferred" && outcome.scope === "item") this.deferred.set(item.number, outcome.target);
    }
    this.version += 1;
  }

  /** Take one floor event (in seq order); true when it is a new revision of the plan. */
  onEvent(event) {
    switch (event.type) {
      case "plan_published":
        this.published = {
          revision: event.revision, at: event.at, by: event.actor, plan: event.plan, changes: event.changes || [],
        };
        break;
      case "item_opened":
        this.status.set(event.item, "open");
        break;
      case "item_closed":
        this.status.set(event.item, "closed");
        break;
      case "en_bloc_concluded":
        for (const number of event.items || []) this.status.set(number, "closed");
        break;
      case "item_deferred":
        if (event.scope === "item") this.deferred.set(event.item, event.target);
        else this.deferred.delete(event.item);
        break;
      case "conclusion_recorded":
        this.deferred.delete(event.item); // a new conclusion replaces the deferral
        break;
      default:
        return false;
    }
    this.version += 1;
    return event.type === "plan_published";
  }
}

// --- words and times ------------------------------------------------------------------------

function dateLabel(ms, zone, long = false) {
  return new Intl.DateTimeFormat(locale(), { weekday: long ? "long" : "short", day: "numeric", month: "long", timeZone: zone }).format(ms);
}

function dateTimeLabel(ms, zone) {
  return new Intl.DateTimeFormat(locale(), {
    weekday: "short", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone,
  }).format(ms);
}

/** Start–end in `zone`, with the weekday where the date is not `date` (a delegate far east or west). */
function range(startMs, endMs, zone, date) {
  const text = `${formatTime(startMs, zone, false)}${DASH}${formatTime(endMs, zone, false)}`;
  return dayOf(startMs, zone) !== date ? `${weekday(startMs, zone)} ${text}` : text;
}

/** A time on the `date` shown as the time alone, on another day with its date. */
function when(ms, zone, date) {
  return dayOf(ms, zone) === date ? formatTime(ms, zone, false) : dateTimeLabel(ms, zone);
}

function times(text, className, label) {
  const span = el("span", `${className} range`);
  span.append(el("span", "sr-only", `${label} `), text);
  return span;
}

function mark(className, text) {
  return el("span", `mark ${className}`, text);
}

function codeOf(meeting, item) {
  return item.code || meeting.items.get(item.number)?.code || "";
}

/** The item's title in an element of its own language and direction (English titles on an Arabic page). */
function titleOf(meeting, number, tag, className) {
  const title = el(tag, className, meeting.itemTitle(number, ""));
  title.lang = meeting.titleLang();
  title.dir = "auto";
  return title;
}

// --- the card -------------------------------------------------------------------------------

/**
 * Fill the plan card for server time `nowMs`: the meeting day in the plan's zone
 * (or the next one with items, labelled as such), its items with Geneva and local
 * times and minutes, the open item, the closed ones, and what the latest revision
 * moved, added or took off the day; the other days under "Whole plan". Redrawn
 * only when something it shows changes, so a reader's place in it holds.
 */
export function renderPlan(tracker, meeting, nowMs, view) {
  const card = $("plan-card");
  const published = tracker.published;
  const plan = published && published.plan;
  if (!plan || !Array.isArray(plan.days)) {
    show(card, false);
    card.dataset.key = "";
    return;
  }
  const zone = plan.timezone || meeting.timezone;
  const today = dayOf(nowMs, zone);
  const shown = plan.days.find((d) => d.date >= today && d.items.length) || null;
  const current = view && view.current_item ? view.current_item.number : null;
  const key = [published.revision, today, tracker.version, current, language(), meeting.items.size].join("|");
  if (card.dataset.key === key) return;
  card.dataset.key = key;
  show(card, true);

  const changes = new Map((published.changes || []).map((c) => [c.item, c]));
  const state = { tracker, meeting, zone, current, changes };

  $("plan-heading").textContent = t(!shown ? "plan_heading_all" : shown.date === today ? "plan_heading" : "plan_heading_next");
  const day = $("plan-day");
  day.textContent = shown ? dateLabel(zonedInstant(shown.date, "12:00", zone), zone, true) : t("plan_no_more");
  day.className = shown ? "plan-day" : "plan-day muted";
  const at = Date.parse(published.at);
  $("plan-meta").textContent = t("plan_revision", {
    n: published.revision,
    when: Number.isNaN(at) ? published.at : dateTimeLabel(at, zone),
  });

  const items = shown ? shown.items : [];
  // The delegate's own time only where it differs from Geneva's (a delegate in Paris needs it once, in the header).
  const local = items.some((i) => formatTime(Date.parse(i.start), LOCAL_ZONE, false) !== formatTime(Date.parse(i.start), zone, false));
  show($("plan-legend"), items.length > 0);
  show($("plan-legend-local"), local);
  $("plan-legend-zone").textContent = zoneName();

  const list = $("plan-today");
  list.replaceChildren(...items.map((item) => todayRow(state, item, shown.date, local)));
  show(list, items.length > 0);
  renderTakenOff(state, shown ? shown.date : null);
  renderWhole(state, plan.days, shown ? shown.date : null, today);
}

function statusMarks(state, number) {
  const marks = [];
  const status = state.tracker.status.get(number);
  // An item deferred whole is done with even while it stays open until the chair closes it:
  // it is marked deferred at once, never as still to come.
  const target = state.tracker.deferred.get(number);
  if (number === state.current) marks.push(mark("mark-open", t("plan_open")));
  if (target) marks.push(mark("mark-deferred", t("plan_deferred", { target })));
  else if (status === "closed" && number !== state.current) marks.push(mark("mark-closed", t("plan_closed")));
  return marks;
}

function changeMarks(state, item, date, withWas) {
  const change = state.changes.get(item.number);
  if (!change) return [];
  if (change.announced_start === null || change.announced_start === undefined) return [mark("mark-new", t("plan_new"))];
  const marks = [mark("mark-moved", t("plan_moved"))];
  if (withWas) {
    const was = el("span", "was", t("plan_was", { when: when(Date.parse(change.announced_start), state.zone, date) }));
    marks.push(was);
  }
  return marks;
}

function rowClass(state, number, base) {
  const classes = [base];
  if (number === state.current) classes.push("is-open");
  else if (state.tracker.status.get(number) === "closed") classes.push("is-closed");
  if (state.changes.has(number)) classes.push("is-changed");
  return classes.join(" ");
}

function todayRow(state, item, date, local) {
  const { meeting, zone } = state;
  const start = Date.parse(item.start);
  const end = Date.parse(item.end);
  const li = el("li", rowClass(state, item.number, "plan-row"));
  li.dataset.item = String(item.number);
  if (item.number === state.current) li.setAttribute("aria-current", "true");

  const whenBox = el("div", "plan-when");
  whenBox.append(times(range(start, end, zone, date), "plan-geneva", t("geneva_time")));
  if (local) whenBox.append(times(range(start, end, LOCAL_ZONE, date), "plan-local", t("your_time")));
  whenBox.append(el("span", "plan-min", t("plan_minutes", { n: item.minutes })));

  const what = el("div", "plan-what");
  const head = el("p", "plan-item");
  head.append(el("span", "plan-number", t("item_label", { n: item.number })), " ", el("span", "item-code", codeOf(meeting, item)));
  for (const m of [...statusMarks(state, item.number), ...changeMarks(state, item, date, true)]) head.append(" ", m);
  what.append(head, titleOf(meeting, item.number, "p", "plan-title"));
  li.append(whenBox, what);
  return li;
}

/** Items the latest revision took off the day shown: moved to another day, or out of the plan. */
function renderTakenOff(state, date) {
  const { meeting, zone } = state;
  const off = [];
  if (date) {
    for (const change of state.changes.values()) {
      if (!change.announced_start || dayOf(Date.parse(change.announced_start), zone) !== date) continue;
      if (change.new_start && dayOf(Date.parse(change.new_start), zone) === date) continue;
      off.push(change);
    }
  }
  const list = $("plan-off-list");
  list.replaceChildren();
  for (const change of off) {
    const li = el("li", "plan-off-row");
    li.dataset.item = String(change.item);
    const head = el("p", "plan-item");
    head.append(
      el("span", "plan-number", t("item_label", { n: change.item })), " ",
      el("span", "item-code", meeting.items.get(change.item)?.code || ""));
    const marks = el("p", "plan-marks");
    marks.append(
      el("span", "was", t("plan_was", { when: formatTime(Date.parse(change.announced_start), zone, false) })), " ",
      el("span", "now", change.new_start
        ? t("plan_now_at", { when: dateTimeLabel(Date.parse(change.new_start), zone) })
        : state.tracker.deferred.has(change.item)
          ? t("plan_deferred", { target: state.tracker.deferred.get(change.item) })
          : t("plan_dropped")));
    li.append(head, titleOf(meeting, change.item, "p", "plan-title"), marks);
    list.append(li);
  }
  show($("plan-off"), off.length > 0);
}

/** Every day of the plan, compactly: Geneva start, code and title, and the same marks. */
function renderWhole(state, days, shownDate, today) {
  const { meeting, zone } = state;
  const box = $("plan-days");
  box.replaceChildren();
  for (const day of days) {
    if (!day.items.length) continue;
    const block = el("section", day.date === shownDate ? "plan-block is-shown" : "plan-block");
    const heading = el("h3", "plan-block-h", dateLabel(zonedInstant(day.date, "12:00", zone), zone));
    if (day.date === today) heading.append(" ", el("span", "mark mark-today", t("plan_today_tag")));
    const first = Date.parse(day.items[0].start);
    const last = Date.parse(day.items[day.items.length - 1].end);
    const span = el("p", "plan-block-span");
    span.append(times(range(first, last, zone, day.date), "plan-geneva", t("geneva_time")));
    const local = range(first, last, LOCAL_ZONE, day.date);
    if (local !== range(first, last, zone, day.date)) span.append(" · ", times(local, "plan-local", t("your_time")));
    block.append(heading, span);
    const list = el("ol", "plan-compact");
    for (const item of day.items) {
      const li = el("li", rowClass(state, item.number, "plan-line"));
      li.dataset.item = String(item.number);
      const text = el("span", "plan-line-text");
      // The number, code and marks on one line; the title on the next, cut to one line,
      // as a block of its own direction (an English title on an Arabic page).
      const head = el("span", "plan-line-head");
      head.append(el("span", "plan-number", String(item.number)), " ", el("span", "item-code", codeOf(meeting, item)));
      for (const m of [...statusMarks(state, item.number), ...changeMarks(state, item, day.date, false)]) head.append(" ", m);
      text.append(head, titleOf(meeting, item.number, "span", "plan-line-title"));
      li.append(el("span", "plan-start range", formatTime(Date.parse(item.start), zone, false)), text);
      list.append(li);
    }
    block.append(list);
    box.append(block);
  }
}
