/* Where htmx morphs a region in place (hx-ext="morph", the vendored
   idiomorph), every <details> keeps the state its reader gave it: the server
   renders them closed, and a refresh must not close the row being read.
   Set on Idiomorph's defaults because the CSP forbids per-swap options
   (they are read with Function()). */

if (window.Idiomorph) {
  Idiomorph.defaults.callbacks.beforeAttributeUpdated = (name, element) =>
    !(name === "open" && element.localName === "details");
}
