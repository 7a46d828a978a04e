// The webcast view: read-only, no token. It follows /ws/public and shows the open
// item, who has the floor with the countdown, the list of speakers and today's plan.

import { FALLBACK_PROTOCOL, FloorConnection } from "./connection.js";
import {
  $, Meeting, el, loadMeeting, rememberLast, renderClocks, renderConnection, renderItem, renderMeeting,
  renderQueue, renderSpeaker, show, tickConnection, tickSpeaker, wireCommon,
} from "./floorview.js";
import { chooseLanguage, setLanguage, t } from "./i18n.js";
import { buildLayout } from "./layout.js";
import { renderContributions } from "./contributions.js";
import { PlanTracker, renderPlan } from "./plan.js";

const page = { meeting: new Meeting(), conn: null, view: null, last: null, plan: new PlanTracker() };

function render() {
  renderConnection(page.conn, page.meeting, page.view !== null);
  renderMeeting(page.meeting, t("public_title"));
  renderItem(page.view, page.meeting, page.last);
  renderContributions(page.view, page.meeting);
  renderSpeaker(page.view, page.meeting, null);
  renderQueue(page.view, page.meeting, null);
  tick();
}

function tick() {
  const conn = page.conn;
  const now = conn ? conn.now() : Date.now();
  renderClocks(now, page.meeting);
  renderPlan(page.plan, page.meeting, now, page.view);
  tickSpeaker(page.view, now, !!(conn && conn.live));
  tickConnection(conn);
}

function onView(view, event) {
  if (event) page.plan.onEvent(event);
  page.last = rememberLast(page.view, view, event, page.last);
  page.view = view;
  render();
}

function onFatal(code, message) {
  const box = $("fatal");
  box.replaceChildren(el("strong", "", t("err_protocol")), " ", el("span", "muted", message));
  show(box, true);
}

async function main() {
  buildLayout({ webcast: true });
  setLanguage(chooseLanguage());
  wireCommon(() => page.conn, render);
  page.meeting = await loadMeeting((late) => {
    page.meeting = late;
    render();
  });
  page.conn = new FloorConnection({
    path: "/ws/public",
    token: null,
    protocol: page.meeting.protocol || FALLBACK_PROTOCOL,
    on: {
      status: render, snapshot: (state) => page.plan.fromSnapshot(state), view: onView, fatal: onFatal,
      storage: (failing) => show(document.getElementById("storage"), failing),
    },
  });
  page.conn.start();
  render();
  setInterval(tick, 250);
}

main();
