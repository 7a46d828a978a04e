// The parts both pages show, built once at start: the header (meeting, connection,
// language, clocks), the offline banner, and the cards of the open item, the
// speaker and the list of speakers. Built from code so that the delegates' page
// and the webcast view cannot drift apart. Texts are our own (data-i18n keys);
// setLanguage() fills them in.

/** An element: `props` are attributes (true for a bare one), the rest children (strings become text). */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name === "className" ? "class" : name, value === true ? "" : String(value));
  }
  for (const child of children) node.append(child);
  return node;
}

const text = (key, props = {}) => h("span", { ...props, "data-i18n": key });

function header({ webcast }) {
  return [
    h("div", { class: "top-row" },
      h("div", { class: "brand" },
        h("h1", { id: "meeting-title", dir: "auto" }, "\u00a0"),
        webcast
          ? h("p", { class: "muted" }, h("span", { id: "meeting-id" }), " · ", text("webcast"))
          : h("p", { id: "meeting-id", class: "muted" })),
      h("div", { class: "tools" },
        h("span", { id: "conn", class: "pill", role: "status" }),
        h("label", { class: "lang" }, text("language"), " ", h("select", { id: "lang" })))),
    h("dl", { class: "clocks" },
      h("div", { class: "clock" }, h("dt", { "data-i18n": "geneva_time" }), h("dd", { id: "clock-geneva" }, "--:--:--")),
      h("div", { class: "clock" },
        h("dt", {}, text("your_time"), " ", h("span", { id: "clock-local-zone", class: "zone" })),
        h("dd", { id: "clock-local" }, "--:--"))),
    h("p", { id: "session", class: "session" }),
  ];
}

function banners() {
  return [
    // Not a live region: its countdown changes every second; the status pill says "Offline" once.
    h("div", { id: "offline", class: "banner banner-offline", hidden: true },
      h("p", {},
        h("strong", { id: "offline-title" }), " ",
        h("span", { id: "offline-said", class: "said" }), " ",
        h("span", { id: "offline-retry" }), " ",
        h("span", { id: "offline-reason", class: "reason", lang: "en", dir: "auto" }), " ",
        h("span", { id: "offline-since" })),
      h("button", { id: "reconnect", type: "button", "data-i18n": "reconnect_now" })),
    h("div", { id: "fatal", class: "banner banner-fatal", role: "alert", hidden: true }),
    // The server's own word that it cannot store commands: nothing asked for is carried out.
    h("div", { id: "storage", class: "banner banner-fatal", role: "alert", hidden: true },
      h("p", {}, h("strong", { "data-i18n": "storage_failing" }))),
  ];
}

function card(id, headingKey, ...body) {
  return h("section", { id, class: "card live-data", "aria-labelledby": `${id}-heading` },
    h("h2", { id: `${id}-heading`, class: "card-h" }, text(headingKey)),
    ...body);
}

function itemCard() {
  return card("item-card", "open_item",
    h("p", { id: "suspended", class: "suspended", "data-i18n": "suspended", hidden: true }),
    h("p", { id: "item-none", class: "muted" }),
    h("div", { id: "item", hidden: true },
      h("p", { class: "item-head" },
        h("span", { id: "item-number", class: "item-number" }), " ", h("span", { id: "item-code", class: "item-code" })),
      h("p", { id: "item-title", class: "item-title" }),
      h("p", { id: "item-flags", class: "flags" }),
      h("div", { id: "outcome", class: "outcome", hidden: true })),
    h("div", { id: "last", class: "last", hidden: true },
      h("p", { class: "outcome-line" },
        h("span", { id: "last-label", class: "outcome-label" }), " ", h("span", { id: "last-what", dir: "auto" })),
      h("div", { id: "last-outcome", class: "outcome", hidden: true })));
}

function speakerCard() {
  return card("speaker-card", "floor_heading",
    h("p", { id: "speaker-none", class: "muted" }),
    h("div", { id: "speaker", class: "speaker", hidden: true },
      h("p", { id: "speaker-who", class: "who" }),
      h("p", { class: "speaker-meta" },
        h("span", { id: "speaker-kind", class: "chip", hidden: true }), " ",
        h("span", { id: "speaker-ooo", class: "muted", hidden: true })),
      h("p", { class: "countdown-row" },
        h("span", { id: "countdown", class: "countdown", role: "timer" }), " ",
        h("span", { id: "countdown-label", class: "countdown-label" }), " ",
        h("span", { id: "paused", class: "paused-badge", "data-i18n": "clock_paused", hidden: true })),
      h("div", { class: "bar", "aria-hidden": "true" }, h("div", { id: "bar-fill", class: "bar-fill" }))));
}

function queueCard() {
  const section = card("queue-card", "queue_heading",
    h("p", { id: "queue-empty", class: "muted" }),
    h("ol", { id: "queue", class: "queue" }));
  section.querySelector("h2").append(" ", h("span", { id: "queue-count" }));
  return section;
}

// Today's time-management plan (issue 9), filled by plan.js; hidden until a plan is published.
function planCard() {
  return h("section", { id: "plan-card", class: "card live-data plan-card", "aria-labelledby": "plan-heading", hidden: true },
    h("h2", { id: "plan-heading", class: "card-h" }),
    h("p", { id: "plan-day", class: "plan-day" }),
    h("p", { id: "plan-meta", class: "plan-meta" }),
    h("p", { id: "plan-legend", class: "plan-legend", "aria-hidden": "true" },
      h("span", { class: "plan-geneva", "data-i18n": "geneva_time" }), " ",
      h("span", { id: "plan-legend-local", class: "plan-local" }, text("your_time"), " ", h("span", { id: "plan-legend-zone" }))),
    h("ol", { id: "plan-today", class: "plan-list" }),
    h("div", { id: "plan-off", class: "plan-off", hidden: true },
      h("h3", { class: "plan-off-h", "data-i18n": "plan_off_heading" }),
      h("ul", { id: "plan-off-list", class: "plan-off-list" })),
    h("details", { id: "plan-whole", class: "plan-whole" },
      h("summary", { "data-i18n": "plan_whole" }),
      h("div", { id: "plan-days", class: "plan-days" })));
}

/**
 * Fill the page's frame: `#top` gets the header, the banners go after it, the item
 * and speaker cards start `#col-main`, the list of speakers and the plan fill `#col-side`.
 */
export function buildLayout({ webcast = false } = {}) {
  buildFrame({ webcast });
  document.getElementById("col-main").prepend(itemCard(), speakerCard());
  document.getElementById("col-side").append(queueCard(), planCard());
}

/** Only the header and the banners (the ballot page has cards of its own). */
export function buildFrame({ webcast = false } = {}) {
  const top = document.getElementById("top");
  top.replaceChildren(...header({ webcast })); // the server's first screen (meeting, "connecting") goes
  top.after(...banners());
}
