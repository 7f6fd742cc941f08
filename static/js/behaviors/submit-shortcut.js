/* Ctrl+Enter (⌘+Enter on a Mac) in a text box sends the form it is in, as
   its submit button would: requestSubmit() fires the submit event, so htmx
   sends it in place where the form is an hx-post one, and the browser posts
   it otherwise. */

document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.altKey || event.isComposing) return;
  const form = event.target.closest?.("textarea")?.form;
  if (!form) return;
  event.preventDefault();
  form.requestSubmit();
});
