// The open item's written contributions from Member States (Annex 1): each document's
// symbol and sender, and whether that Member State has presented it (spoken on the item).
// The server derives "presented" from the floor; the page shows the view as given.
// Kept in its own file, with its own few words, beside the shared card code.
import { el, show } from "./floorview.js";
import { language } from "./i18n.js";

const WORDS = {
  ar: { heading: "المساهمات", presented: "عُرضت" },
  zh: { heading: "文稿", presented: "已介绍" },
  en: { heading: "Contributions", presented: "presented" },
  fr: { heading: "Contributions", presented: "présentée" },
  ru: { heading: "Вклады", presented: "представлен" },
  es: { heading: "Contribuciones", presented: "presentada" },
};

function word(key) {
  return (WORDS[language()] || WORDS.en)[key];
}

/** Below the open item's flags: "Contributions: C21/75 China (presented), C21/81 Brazil". */
export function renderContributions(view, meeting) {
  const anchor = document.getElementById("item-flags");
  if (!anchor) return;
  let box = document.getElementById("contributions");
  if (!box) {
    box = el("div", "contributions");
    box.id = "contributions";
    anchor.after(box);
  }
  const item = view && view.current_item;
  const list = (item && Array.isArray(item.contributions) && item.contributions) || [];
  box.replaceChildren();
  show(box, list.length > 0);
  if (!list.length) return;
  box.append(el("span", "contributions-label", word("heading")));
  const ul = el("ul", "contributions-list");
  for (const c of list) {
    const li = el("li", c.presented ? "contribution presented" : "contribution");
    li.dataset.delegation = String(c.delegation || "");
    li.append(el("span", "contribution-symbol", c.symbol), " ");
    li.append(el("bdi", "name", meeting.name(c.delegation) || c.name || c.delegation));
    if (c.presented) li.append(" ", el("span", "contribution-presented", `✓ ${word("presented")}`));
    ul.append(li);
  }
  box.append(ul);
}
