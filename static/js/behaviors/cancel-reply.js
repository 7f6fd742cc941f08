/* Cancel on a reply form opened in place ([data-reply-slot]) closes it and
   returns to the comment's Reply link. Elsewhere (the reply page) Cancel
   stays the link it is. */

document.addEventListener("click", (event) => {
  const slot = event.target.closest?.("[data-cancel-reply]")?.closest("[data-reply-slot]");
  if (!slot) return;
  event.preventDefault();
  slot.replaceChildren();
  slot.closest("article")?.querySelector("[data-reply]")?.focus();
});
