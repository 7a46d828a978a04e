// The interpreters' view (protocol 4): a connection whose welcome says "interpreter"
// follows the floor read-only. The speaker card shows the floor language beside the
// name; this card shows the next three in line with theirs, each change of language
// marked ("→ French"), so that a booth knows when to switch, or to take relay.

import { $, el, kindLabel, languageChip, languageName, show, who } from "./floorview.js";
import { t } from "./i18n.js";
import { h } from "./layout.js";

/** How many of the list of speakers the interpreters see. */
export const NEXT_COUNT = 3;

/** The card, in the side column in place of the whole list of speakers (built once). */
export function buildInterpCard() {
  if ($("interp-card")) return;
  const section = h("section", { id: "interp-card", class: "card live-data interp-card", "aria-labelledby": "interp-heading" },
    h("h2", { id: "interp-heading", class: "card-h", "data-i18n": "interp_next" }, t("interp_next")),
    h("p", { id: "interp-empty", class: "muted" }),
    h("ol", { id: "interp-next", class: "queue interp-next" }),
    h("p", { id: "interp-note", class: "muted interp-note", "data-i18n": "interp_read_only" }, t("interp_read_only")));
  $("col-side").prepend(section);
}

/**
 * The next three in line with their languages. A change is marked against the language
 * heard before: the current speaker's for the first, then the one before each; an
 * unknown language neither marks a change nor hides the next one.
 */
export function renderInterp(view, meeting) {
  const queue = (view && view.current_item && view.queue) || [];
  const list = $("interp-next");
  list.replaceChildren();
  let before = view && view.speaker ? view.speaker.language || null : null;
  for (const request of queue.slice(0, NEXT_COUNT)) {
    const li = el("li", "interp-entry");
    const entry = el("span", "entry");
    entry.append(who(meeting, request.delegation, false, request.person));
    if (request.kind !== "speech") entry.append(el("span", `chip chip-${request.kind}`, kindLabel(request.kind)));
    li.append(entry);
    const line = el("span", "interp-lang");
    const chip = languageChip(request.language, true);
    if (request.language && before && request.language !== before) {
      // A change: the language with the arrow, highlighted ("→ French"; "← الفرنسية" right to left).
      chip.textContent = t("language_change", { language: languageName(request.language) });
      chip.classList.add("lang-change");
      chip.title = t("language_change_said", { language: languageName(request.language) });
      // Screen readers hear the sentence, not the arrow: aria-label is not allowed on a plain
      // span (axe-core's aria-prohibited-attr), so the sentence is hidden text beside the chip.
      chip.setAttribute("aria-hidden", "true");
      line.append(el("span", "sr-only", chip.title));
      li.classList.add("changes");
    }
    line.prepend(chip);
    li.append(line);
    if (request.language) before = request.language;
    list.append(li);
  }
  show($("interp-empty"), queue.length === 0);
  $("interp-empty").textContent = view && view.current_item ? t("queue_empty") : t("no_item");
  return queue;
}
