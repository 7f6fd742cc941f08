/* Keyboard shortcuts for the feed and discussions, and the "?" help dialog
   (#keys-help, also opened by any [data-keys-help] button, shown only with
   JavaScript). Every key has a visible equivalent, a link or a button, so
   the site never depends on this file.

   Items are the posts and comments (article[data-item]) in document order,
   which is reading order for posts and for nested comments. */

const ITEM = "article[data-item]";
const reduceMotion = window.matchMedia?.("(prefers-reduced-motion: reduce)");
const announce = (text) => document.dispatchEvent(new CustomEvent("community:announce", { detail: { text } }));
let current = null;

// Not hidden, and not inside a collapsed thread (a closed <details> keeps
// its content laid out, merely invisible, in current browsers).
function isShown(el) {
  if (!el.getClientRects().length) return false;
  for (let d = el.closest("details"); d; d = d.parentElement.closest("details")) {
    if (!d.open && !el.closest("summary")) return false;
  }
  return true;
}

const items = () => Array.from(document.querySelectorAll(ITEM)).filter(isShown);
const isComment = (item) => item?.dataset.item === "comment";
const parentOf = (item) => (item.dataset.parent ? document.getElementById(item.dataset.parent) : null);
// The first match inside `item` that belongs to it, not to a nested item.
const own = (item, selector) => Array.from(item.querySelectorAll(selector)).find((el) => el.closest(ITEM) === item);

function markCurrent(item) {
  current?.classList.remove("current-item");
  current = item;
  item?.classList.add("current-item");
}

function select(item) {
  if (!item) return;
  markCurrent(item);
  if (!item.hasAttribute("tabindex")) item.setAttribute("tabindex", "-1");
  item.focus({ preventScroll: true });
  item.scrollIntoView({ block: "nearest", behavior: reduceMotion?.matches ? "auto" : "smooth" });
}

// The item the reader is on: the one holding focus (after Tab, a click or
// an htmx swap), else the one last chosen with the keys.
function currentItem() {
  const focused = document.activeElement?.closest?.(ITEM);
  if (focused) return focused;
  return current && document.contains(current) && isShown(current) ? current : null;
}

function move(step) {
  const list = items();
  if (!list.length) return;
  const index = list.indexOf(currentItem());
  if (index === -1) {
    // Start from the first item at least partly in view, where reading would.
    select(list.find((item) => item.getBoundingClientRect().bottom > 0) || list[list.length - 1]);
  } else if (list[index + step]) {
    select(list[index + step]);
  } else if (step < 0) {
    announce("First item.");
  } else {
    // At the end: offer what leads on, if anything.
    const more = document.querySelector("#older-posts a");
    more?.focus();
    announce(more ? "Last item. Press Enter for older posts." : "Last item.");
  }
}

function goParent(item) {
  if (!isComment(item)) return;
  const parent = parentOf(item);
  if (parent && isShown(parent)) {
    select(parent);
    return;
  }
  const link = own(item, "[data-parent-link]");
  if (link) link.click();
  else announce("This is a top-level comment.");
}

function goTop(item) {
  if (!isComment(item)) return;
  let top = item;
  for (let up = parentOf(top); up; up = parentOf(top)) top = up;
  if (top === item) announce("Already at the top of this thread.");
  else select(top);
}

function toggleReplies(item) {
  if (!isComment(item)) return;
  const details = item.parentElement?.querySelector(":scope > details.replies");
  if (!details) {
    announce("No replies to collapse.");
    return;
  }
  details.open = !details.open;
  announce(details.open ? "Replies expanded." : "Replies collapsed.");
}

function like(item) {
  if (!item) return;
  const button = own(item, "form[data-like] button");
  if (!button) {
    announce(item.querySelector("[data-like-count]") ? "You can't like your own posts or comments." : "Log in to like.");
    return;
  }
  // Focus moves to the button so htmx puts it back on the new button after the swap.
  button.focus();
  button.click();
}

function open(item, hash = "") {
  const url = item?.dataset.url;
  if (!url) return;
  const target = new URL(url, window.location.href);
  if (target.pathname === window.location.pathname && !hash) return;
  window.location.assign(target.pathname + hash);
}

function reply(item) {
  if (!item) return;
  if (item.dataset.item === "post") {
    const field = document.getElementById("comment-content-top");
    if (field) field.focus();
    else open(item, "#comments");
    return;
  }
  const link = own(item, "[data-reply]");
  if (link) link.click();
  else announce("Log in to reply.");
}

function focusNewForm() {
  const field = document.querySelector("[data-new-form], #comment-content-top");
  if (!field) {
    announce("Log in to write a post or comment.");
    return;
  }
  field.focus();
  field.scrollIntoView({ block: "nearest" });
}

function showHelp() {
  const dialog = document.getElementById("keys-help");
  if (!dialog || dialog.open) return;
  const returnTo = document.activeElement;
  dialog.addEventListener("close", () => {
    if (returnTo && returnTo !== document.body && document.contains(returnTo)) returnTo.focus();
  }, { once: true });
  dialog.showModal();
}

const typing = (el) => !!el?.closest?.("input, textarea, select, [contenteditable]:not([contenteditable='false'])");

// Each action gets the current item.
const ACTIONS = new Map([
  ["j", () => move(1)],
  ["k", () => move(-1)],
  ["p", goParent],
  ["t", goTop],
  ["c", toggleReplies],
  ["l", like],
  ["r", reply],
  ["o", (item) => open(item)],
  ["n", focusNewForm],
  ["?", showHelp],
]);

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.isComposing) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (typing(event.target) || document.querySelector("dialog[open]")) return;
  if (event.key === "Enter") {
    // Only on an item itself: on a link or button Enter keeps its own meaning.
    if (event.target.matches?.(ITEM)) {
      event.preventDefault();
      open(event.target);
    }
    return;
  }
  // Shift is needed to type "?"; with any other key it is a modifier.
  if (event.shiftKey && event.key !== "?") return;
  const action = ACTIONS.get(event.key);
  if (!action) return;
  event.preventDefault();
  action(currentItem());
});

// The current item follows keyboard focus (Tab, or focus moved after an
// htmx swap); a mouse click does not draw the outline.
document.addEventListener("focusin", (event) => {
  const item = event.target.closest?.(ITEM);
  if (item && event.target.matches(":focus-visible")) markCurrent(item);
});

document.addEventListener("click", (event) => {
  if (event.target.closest?.("[data-keys-help]")) showHelp();
});

for (const button of document.querySelectorAll("[data-keys-help]")) button.hidden = false;

// A link to one item (#comment-12) makes it the current one.
const linked = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
if (linked?.matches(ITEM)) markCurrent(linked);
