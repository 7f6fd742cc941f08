/* The live leaderboard: a [data-leaderboard-panel] around the polling
   [data-leaderboard] element. Its poll waits while the reader has paused it
   ([data-leaderboard-pause], shown only with JavaScript), while the tab is
   hidden, and while focus is inside the list, so rows do not move under the
   reader. A change of ranking is said in the panel's own live region,
   [data-leaderboard-announcer]. Open rows stay open through the morph swap
   (hx-ext="morph", and keep-open.js). */

const isLive = (element) => element?.matches?.("[data-leaderboard]");
const pauseButton = (element) =>
  element.closest("[data-leaderboard-panel]")?.querySelector("[data-leaderboard-pause]");

for (const button of document.querySelectorAll("[data-leaderboard-pause]")) {
  button.hidden = false;
  button.addEventListener("click", () => {
    const paused = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", String(paused));
    button.textContent = paused ? "Resume live updates" : "Pause live updates";
  });
}

document.addEventListener("htmx:beforeRequest", (event) => {
  const live = event.detail.elt;
  if (!isLive(live)) return;
  if (pauseButton(live)?.getAttribute("aria-pressed") === "true" ||
      document.visibilityState !== "visible" || live.contains(document.activeElement)) {
    event.preventDefault();
  }
});

const rows = (live) => Array.from(live.querySelectorAll("[data-username]"));
const ranking = (live) => rows(live).map((row) => `${row.dataset.username}:${row.dataset.karma}`).join(",");
const rankingBefore = new WeakMap();

document.addEventListener("htmx:beforeSwap", (event) => {
  if (isLive(event.detail.target)) rankingBefore.set(event.detail.target, ranking(event.detail.target));
});

document.addEventListener("htmx:afterSwap", (event) => {
  const live = event.detail.target;
  if (!isLive(live) || !rankingBefore.has(live)) return;
  const changed = rankingBefore.get(live) !== ranking(live);
  rankingBefore.delete(live);
  const region = live.closest("[data-leaderboard-panel]")?.querySelector("[data-leaderboard-announcer]");
  if (!changed || !region) return;
  const ranked = rows(live).map((row, i) => `${i + 1}. ${row.dataset.username}, ${row.dataset.karma} karma`);
  // With no rows, the server's own words for it.
  const empty = live.querySelector("[data-leaderboard-empty]")?.textContent.trim();
  region.textContent = ranked.length ? `Leaderboard updated: ${ranked.join("; ")}.` : `Leaderboard: ${empty || "empty."}`;
});

// A poll whose answer has not changed is a 304: the browser hands htmx the
// copy it keeps, with the time of its first computation. The 304's
// Leaderboard-Computed-At header, merged into that copy's headers, says
// when the answer was last confirmed: show that.
document.addEventListener("htmx:afterSettle", (event) => {
  const live = event.detail.elt;
  const stamp = isLive(live) && event.detail.xhr?.getResponseHeader("Leaderboard-Computed-At");
  const answer = stamp && live.querySelector("[data-computed-at]");
  if (!answer || answer.dataset.computedAt === stamp) return;
  const computed = new Date(stamp);
  if (Number.isNaN(computed.getTime())) return;
  answer.dataset.computedAt = stamp;
  const shown = answer.querySelector("[data-leaderboard-as-of]");
  if (shown) {
    shown.setAttribute("datetime", stamp);
    shown.textContent = computed.toISOString().slice(11, 19);
  }
});
