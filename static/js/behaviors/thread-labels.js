/* A comment added in place: its earlier siblings' "reply i of n" labels
   ([data-sibling-label]) and the reply counts above it ([data-reply-count])
   were rendered before it existed. The server numbered the new comment; the
   rest follows from that. */

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
  for (let li = list.closest("li.comment-item"); li; li = li.parentElement.closest("li.comment-item")) {
    const summary = li.querySelector(":scope > details > summary[data-reply-count]");
    if (!summary) continue;
    const count = Number(summary.dataset.replyCount) + 1;
    summary.dataset.replyCount = count;
    summary.textContent = `${count} ${count === 1 ? "reply" : "replies"}`;
  }
});
