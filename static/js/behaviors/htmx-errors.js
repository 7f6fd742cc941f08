/* htmx swaps no 5xx answer (the htmx-config meta tag: a proxy's error page
   must not replace a button) and a network failure has no answer at all, so
   such a click would fail in silence. Show the site's own message when the
   answer is one (the server names #htmx-messages in HX-Retarget, as for a 503
   while the database is away), else say plainly what happened. Requests from
   inside [data-quiet-errors] say nothing: the leaderboard polls again in
   seconds. 4xx answers are swapped by htmx itself, where the server points. */

const MESSAGES = "#htmx-messages";

function showError(elt, { html, text }) {
  const region = document.querySelector(MESSAGES);
  if (!region || elt?.closest?.("[data-quiet-errors]")) return;
  if (html) {
    htmx.swap(region, html, { swapStyle: "innerHTML" });
    return;
  }
  const box = document.createElement("div");
  box.className = "mt-4 rounded border border-red-300 bg-red-50 px-4 py-2 text-sm text-red-900";
  box.setAttribute("data-error-status", "");
  box.textContent = text;
  region.replaceChildren(box);
}

document.addEventListener("htmx:responseError", (event) => {
  const { xhr, elt } = event.detail;
  if (xhr.status < 500) return;
  if (xhr.getResponseHeader("HX-Retarget") === MESSAGES) {
    showError(elt, { html: xhr.responseText });
  } else {
    showError(elt, { text: `The site could not answer (error ${xhr.status}). Try again in a moment.` });
  }
});

document.addEventListener("htmx:sendError", (event) => {
  showError(event.detail.elt, { text: "The site could not be reached. Check your connection and try again." });
});
