/* A comment added in place: its earlier siblings' "reply i of n" labels
   ([data-sibling-label]) and the reply counts above it ([data-reply-count])
   were rendered before it existed. The server numbered the new comment; the
   rest follows from that. A first reply also gets the "N replies" toggle
   the server gives every comment with replies. */

// A first reply lands in a bare list; the server puts replies in a
// <details class="replies"> with an "N replies" summary (what c toggles):
// give the list the same, counting from zero (the loop below adds this one).
function collapsible(list) {
  if (!list.matches("ol[id^='replies-']") || list.parentElement.matches("details")) return;
  const details = document.createElement("details");
  details.open = true;
  details.className = "replies ml-2 border-l-2 border-stone-500 pl-2 sm:ml-3 sm:pl-3";
  const summary = document.createElement("summary");
  summary.className = "cursor-pointer select-none py-1 text-xs text-stone-600 hover:text-stone-900";
  summary.dataset.collapse = "";
  summary.dataset.replyCount = "0";
  // Moving the list out of the page and back would drop the new reply's focus.
  const focused = list.contains(document.activeElement) ? document.activeElement : null;
  list.replaceWith(details);
  list.className = "space-y-1";
  details.append(summary, list);
  focused?.focus({ preventScroll: true });
}

const labelOf = (li) => li.querySelector(":scope > article [data-sibling-label]");

document.addEventListener("htmx:afterSwap", (event) => {
  const list = event.detail.target;
  // htmx fires afterSwap on every element a response swapped, out-of-band
  // ones included, each time with the same target: count once.
  if (event.target !== list || !list.matches("#comments-root, ol[id^='replies-']")) return;
  const items = Array.from(list.children).filter((li) => li.matches("li.comment-item"));
  const total = items.length && labelOf(items[items.length - 1])?.textContent.match(/of (\d+):/);
  if (!total) return;
  for (const label of items.map(labelOf)) {
    if (label) label.textContent = label.textContent.replace(/of \d+:/, `of ${total[1]}:`);
  }
  collapsible(list);
  for (let li = list.closest("li.comment-item"); li; li = li.parentElement.closest("li.comment-item")) {
    const summary = li.querySelector(":scope > details > summary[data-reply-count]");
    if (!summary) continue;
    const count = Number(summary.dataset.replyCount) + 1;
    summary.dataset.replyCount = count;
    summary.textContent = `${count} ${count === 1 ? "reply" : "replies"}`;
  }
});
