/* Keyboard shortcuts for the feed and discussions, and the "?" help dialog
   (#keys-help, also opened by any [data-keys-help] button, shown only with
   JavaScript). Every key has a visible equivalent, a link or a button, so
   the site never depends on this file.

   Items are the posts and comments (article[data-item]) in document order,
   which is reading order for posts and for nested comments. The current
   item is remembered per address in sessionStorage, so after Back (a page
   loaded again, or the feed's earlier page restored by htmx) j and k go on
   from where the reader was. */

const ITEM = "article[data-item]";
const reduceMotion = window.matchMedia?.("(prefers-reduced-motion: reduce)");
const announce = (text) => document.dispatchEvent(new CustomEvent("community:announce", { detail: { text } }));
let current = null;
const CURRENT_KEY = "community:current-item:";
const here = () => CURRENT_KEY + window.location.pathname + window.location.search;

function remember(item) {
  try {
    window.sessionStorage.setItem(here(), item.id);
  } catch {
    // Storage refused: the keys still work, from the top after Back.
  }
}

function recalled() {
  try {
    const id = window.sessionStorage.getItem(here());
    return id ? document.getElementById(id) : null;
  } catch {
    return null;
  }
}

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
  if (item?.id) remember(item);
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

// A form's field focused, with the whole form (its buttons too) brought into view.
function showForm(field) {
  field.focus({ preventScroll: true });
  field.form?.scrollIntoView({ block: "nearest", behavior: reduceMotion?.matches ? "auto" : "smooth" });
}

function reply(item) {
  if (!item) return;
  if (item.dataset.item === "post") {
    const field = document.getElementById("comment-content-top");
    // On the feed: the post's page, its comment box focused there (see the end of this file).
    if (field) showForm(field);
    else open(item, "#comment-form-top");
    return;
  }
  const opened = own(item, "[data-reply-slot] textarea");
  if (opened) {
    showForm(opened);
    return;
  }
  const link = own(item, "[data-reply]");
  if (link) link.click();
  else announce("Log in to reply.");
}

// A reply form loaded in place, by r or by its link, is focused and shown whole.
document.addEventListener("htmx:afterSettle", (event) => {
  const slot = event.detail.target;
  const field = slot?.matches?.("[data-reply-slot]") && slot.querySelector("textarea");
  if (field) showForm(field);
});

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
  // The close event comes a task after the dialog closed: by then a key
  // pressed at once (n, j) may have moved focus on, which stays where it went.
  dialog.addEventListener("close", () => {
    const lost = document.activeElement === document.body || dialog.contains(document.activeElement);
    if (lost && returnTo && returnTo !== document.body && document.contains(returnTo)) returnTo.focus();
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

// A link to one item (#comment-12) makes it the current one; a link to the
// comment form (#comment-form-top, where r on the feed leads) focuses its box;
// otherwise the item the reader was on here before, if any.
const linked = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
if (linked?.matches(ITEM)) markCurrent(linked);
else if (linked?.matches("form") && linked.querySelector("textarea")) {
  // After the browser's own move to the fragment, which focuses the page when the target is a form.
  const focusBox = () => setTimeout(() => showForm(linked.querySelector("textarea")));
  if (document.readyState === "complete") focusBox();
  else window.addEventListener("load", focusBox, { once: true });
}
else if (!linked) {
  const before = recalled();
  if (before?.matches(ITEM)) markCurrent(before);
}

// htmx put an earlier page back (Back after "Older posts"): the same, for that address.
document.addEventListener("htmx:historyRestore", () => {
  for (const marked of document.querySelectorAll(".current-item")) marked.classList.remove("current-item");
  current = null;
  const before = recalled();
  if (before?.matches(ITEM)) markCurrent(before);
});
