/* Screen-reader announcements. Any behaviour asks for one with
     document.dispatchEvent(new CustomEvent("community:announce", {detail: {text}}))
   and the page's polite live region, [data-announcer], says it. */

document.addEventListener("community:announce", (event) => {
  const region = document.querySelector("[data-announcer]");
  if (!region) return;
  // Emptied first and filled a moment later, so the same words twice are said twice.
  region.textContent = "";
  setTimeout(() => { region.textContent = event.detail.text; }, 50);
});
