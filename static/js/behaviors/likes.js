/* A like or unlike made in place ([data-like] forms, swapped outerHTML) is
   announced: the new button is focused, but its new state would go unsaid. */

document.addEventListener("htmx:afterSwap", (event) => {
  // An outerHTML swap fires this on the new element; detail.target is the old one.
  const button = event.target.matches?.("form[data-like]") && event.target.querySelector("button");
  if (!button) return;
  const label = button.getAttribute("aria-label");
  const text = button.getAttribute("aria-pressed") === "true" ? `Liked. ${label}` : `Like removed. ${label}`;
  document.dispatchEvent(new CustomEvent("community:announce", { detail: { text } }));
});
