/* The header's count of unread replies ([data-unread-count], polled by htmx
   from the partial unread_count.html): its poll waits while the tab is
   hidden, and the count is asked for again as soon as the tab is shown. */

const isCount = (element) => element?.matches?.("[data-unread-count]");

document.addEventListener("htmx:beforeRequest", (event) => {
  if (isCount(event.detail.elt) && document.visibilityState !== "visible") event.preventDefault();
});

document.addEventListener("visibilitychange", () => {
  const count = document.querySelector("[data-unread-count]");
  if (count && document.visibilityState === "visible") htmx.trigger(count, "refresh");
});
