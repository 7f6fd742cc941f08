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
