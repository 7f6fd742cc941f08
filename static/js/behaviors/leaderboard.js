/* The live leaderboard: a [data-leaderboard-panel] around the polling
   [data-leaderboard] element. Its poll waits while the reader has paused it
   ([data-leaderboard-pause], shown only with JavaScript; the choice is kept
   across pages in localStorage), while the tab is hidden, and while focus is
   inside the list, so rows do not move under the reader. A new leader, or
   someone entering or leaving the list, is said in the panel's own live
   region, [data-leaderboard-announcer]; a change of karma alone is not, so
   the region stays quiet through the steady trickle of likes. Open rows stay
   open through the morph swap (hx-ext="morph", and keep-open.js). */

const isLive = (element) => element?.matches?.("[data-leaderboard]");
const pauseButton = (element) =>
  element.closest("[data-leaderboard-panel]")?.querySelector("[data-leaderboard-pause]");
const PAUSED_KEY = "community:leaderboard-paused";

function remembered() {
  try {
    return window.localStorage.getItem(PAUSED_KEY) === "true";
  } catch {
    return false; // storage refused (private mode, policy): start live
  }
}

function showPaused(button, paused) {
  button.setAttribute("aria-pressed", String(paused));
  button.textContent = paused ? "Resume live updates" : "Pause live updates";
}

for (const button of document.querySelectorAll("[data-leaderboard-pause]")) {
  button.hidden = false;
  showPaused(button, remembered());
  button.addEventListener("click", () => {
    const paused = button.getAttribute("aria-pressed") !== "true";
    showPaused(button, paused);
    try {
      if (paused) window.localStorage.setItem(PAUSED_KEY, "true");
      else window.localStorage.removeItem(PAUSED_KEY);
    } catch {
      // Not remembered; this page still pauses.
    }
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
const names = (live) => rows(live).map((row) => row.dataset.username);
const namesBefore = new WeakMap();

document.addEventListener("htmx:beforeSwap", (event) => {
  const live = event.detail.target;
  // The feed's first load replaces a link, not a list: nothing to compare with, nothing to say.
  if (isLive(live)) namesBefore.set(live, live.querySelector("[data-leaderboard-answer]") ? names(live) : null);
});

// What changed in who is listed, in words; empty when only karma moved.
function news(before, after) {
  const said = [];
  if (after[0] && after[0] !== before[0]) said.push(`${after[0]} now leads.`);
  for (const name of after) if (!before.includes(name) && name !== after[0]) said.push(`${name} joined the leaderboard.`);
  for (const name of before) if (!after.includes(name)) said.push(`${name} left the leaderboard.`);
  return said;
}

document.addEventListener("htmx:afterSwap", (event) => {
  const live = event.detail.target;
  if (!isLive(live) || !namesBefore.has(live)) return;
  const before = namesBefore.get(live);
  namesBefore.delete(live);
  if (!before) return;
  const said = news(before, names(live));
  const region = live.closest("[data-leaderboard-panel]")?.querySelector("[data-leaderboard-announcer]");
  if (!said.length || !region) return;
  const ranked = rows(live).map((row, i) => `${i + 1}. ${row.dataset.username}, ${row.dataset.karma} karma`);
  // With no rows, the server's own words for it.
  const empty = live.querySelector("[data-leaderboard-empty]")?.textContent.trim();
  region.textContent = ranked.length
    ? `Leaderboard: ${said.join(" ")} ${ranked.join("; ")}.`
    : `Leaderboard: ${empty || "empty."}`;
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
