/* Focus after an htmx swap lands where the person expects, and is announced:
   on the new post or comment (rendered with autofocus, which htmx follows),
   on the first older post, and on the first comment that "N more replies" or
   "Continue this thread" loaded in place of its link. */

const announce = (text) => document.dispatchEvent(new CustomEvent("community:announce", { detail: { text } }));

// New content that asks for focus must not sit in a collapsed thread.
document.addEventListener("htmx:afterSwap", (event) => {
  const root = event.target;
  const wanted = root.matches?.("article[autofocus]") ? root : root.querySelector?.("article[autofocus]");
  for (let d = wanted?.closest("details:not([open])"); d; d = d.parentElement.closest("details:not([open])")) {
    d.open = true;
  }
});

// Where a "more replies" or "continue this thread" item stood, to focus what replaces it.
let loadedInto = null;
document.addEventListener("htmx:beforeSwap", (event) => {
  const link = event.detail.target;
  if (event.detail.shouldSwap && link?.matches?.("li.more-replies, li.continue-thread")) {
    loadedInto = { list: link.parentElement, previous: link.previousElementSibling };
  }
});

document.addEventListener("htmx:afterSettle", (event) => {
  const focused = document.activeElement;
  if (focused?.matches("article[autofocus]")) {
    focused.removeAttribute("autofocus");
    if (event.detail.target?.id === "older-posts") {
      announce(`Older posts loaded; ${document.querySelectorAll("#post-list > article").length} posts shown.`);
    } else {
      announce(focused.dataset.item === "post" ? "Your post is up." : "Comment added.");
    }
    return;
  }
  if (!loadedInto) return;
  const { list, previous } = loadedInto;
  loadedInto = null;
  const first = previous ? previous.nextElementSibling : list.firstElementChild;
  const article = first?.querySelector("article[data-item]");
  if (article && (!document.activeElement || document.activeElement === document.body)) {
    article.setAttribute("tabindex", "-1");
    article.focus();
    announce("More comments loaded.");
  }
});
