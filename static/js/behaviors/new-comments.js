/* "New since your last visit": g moves to the next comment the server
   marked new (article[data-new]) after the one the reader is on, round to
   the first after the last, opening any collapsed thread around it. The
   page's "read the first" link ([data-next-new]) is its visible
   equivalent; the hint naming the key ([data-next-new-key]) shows only with
   JavaScript. */

const ITEM = "article[data-item]";
const announce = (text) => document.dispatchEvent(new CustomEvent("community:announce", { detail: { text } }));
const typing = (el) => !!el?.closest?.("input, textarea, select, [contenteditable]:not([contenteditable='false'])");

for (const hint of document.querySelectorAll("[data-next-new-key]")) hint.hidden = false;

function nextNew() {
  const fresh = Array.from(document.querySelectorAll(`${ITEM}[data-new]`));
  if (!fresh.length) {
    announce("No new comments on this page.");
    return;
  }
  const at = document.activeElement?.closest?.(ITEM);
  const after = at ? fresh.find((item) => at.compareDocumentPosition(item) & Node.DOCUMENT_POSITION_FOLLOWING) : null;
  const next = after || fresh[0];
  for (let d = next.closest("details"); d; d = d.parentElement.closest("details")) d.open = true;
  if (!next.hasAttribute("tabindex")) next.setAttribute("tabindex", "-1");
  next.focus({ preventScroll: true });
  next.scrollIntoView({ block: "nearest" });
  announce(`New comment ${fresh.indexOf(next) + 1} of ${fresh.length}.`);
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "g" || event.defaultPrevented || event.isComposing) return;
  if (event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return;
  if (typing(event.target) || document.querySelector("dialog[open]")) return;
  event.preventDefault();
  nextNew();
});
