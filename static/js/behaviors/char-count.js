/* A text box with a limit (textarea[maxlength], the limit the server
   enforces too) shows how many characters are left below it. The count is
   spoken only near the limit, in a polite live region of its own, once the
   typing pauses: a screen reader would otherwise read every keystroke. */

const SPEAK_BELOW = 0.1; // of the limit, left
const PAUSE_MS = 700;
const counted = new WeakSet();
const words = (left) => `${left.toLocaleString("en")} character${left === 1 ? "" : "s"} left`;

function attach(field) {
  if (counted.has(field)) return;
  counted.add(field);
  const limit = Number(field.getAttribute("maxlength"));
  if (!limit) return;
  const shown = document.createElement("p");
  shown.className = "mt-1 text-xs text-stone-600";
  shown.dataset.charCount = "";
  const spoken = document.createElement("div");
  spoken.className = "sr-only";
  spoken.setAttribute("aria-live", "polite");
  spoken.dataset.charCountLive = "";
  field.after(shown, spoken);
  let timer = null;
  const update = () => {
    const left = limit - field.value.length;
    shown.textContent = words(left);
    clearTimeout(timer);
    if (left > limit * SPEAK_BELOW) {
      spoken.textContent = "";
      return;
    }
    timer = setTimeout(() => { spoken.textContent = words(left); }, PAUSE_MS);
  };
  field.addEventListener("input", update);
  // A form reset, or its htmx replacement's new empty box, starts again.
  field.form?.addEventListener("reset", () => setTimeout(update));
  shown.textContent = words(limit - field.value.length);
}

const attachAll = (root) => {
  if (root.matches?.("textarea[maxlength]")) attach(root);
  for (const field of root.querySelectorAll?.("textarea[maxlength]") ?? []) attach(field);
};

attachAll(document);
document.addEventListener("htmx:load", (event) => attachAll(event.target));
