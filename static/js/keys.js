/* Keyboard shortcuts for the feed and discussions. Plain JavaScript, no
   build. Every key has a visible equivalent (a link or a button), so the
   site never depends on this file; the keys are listed in #keys-help.

   Items are the <article class="feed-item"> elements in document order,
   which is reading order for posts and for nested comments. */
(function () {
  "use strict";

  var ITEM = "article.feed-item";
  var current = null;
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");

  function announce(text) {
    if (window.communityAnnounce) window.communityAnnounce(text);
  }

  // Not hidden, and not inside a collapsed thread (a closed <details> keeps
  // its content laid out, merely invisible, in current browsers).
  function isShown(el) {
    if (!el.getClientRects().length) return false;
    for (var d = el.closest("details"); d; d = d.parentElement.closest("details")) {
      if (!d.open && !el.closest("summary")) return false;
    }
    return true;
  }

  // Items a reader can see: not inside a collapsed thread.
  function items() {
    return Array.prototype.filter.call(document.querySelectorAll(ITEM), isShown);
  }

  function markCurrent(item) {
    if (current && current !== item) current.classList.remove("current-item");
    current = item;
    if (item) item.classList.add("current-item");
  }

  function select(item) {
    if (!item) return;
    markCurrent(item);
    if (!item.hasAttribute("tabindex")) item.setAttribute("tabindex", "-1");
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "nearest", behavior: reduceMotion && reduceMotion.matches ? "auto" : "smooth" });
  }

  // The item the reader is on: the one chosen with the keys, or the one
  // holding focus (after Tab, a click or an htmx swap).
  function currentItem() {
    var focused = document.activeElement && document.activeElement.closest && document.activeElement.closest(ITEM);
    if (focused) return focused;
    if (current && document.contains(current) && isShown(current)) return current;
    return null;
  }

  // The first item at least partly in view, where reading would start.
  function firstInView(list) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].getBoundingClientRect().bottom > 0) return list[i];
    }
    return list[list.length - 1];
  }

  function move(step) {
    var list = items();
    if (!list.length) return;
    var here = currentItem();
    var index = here ? list.indexOf(here) : -1;
    if (index === -1) {
      select(firstInView(list));
      return;
    }
    var next = list[index + step];
    if (next) {
      select(next);
    } else if (step > 0) {
      // At the end: offer what leads on, if anything.
      var more = document.querySelector("#older-posts a");
      if (more) {
        more.focus();
        announce("Last item. Press Enter for older posts.");
      } else {
        announce("Last item.");
      }
    } else {
      announce("First item.");
    }
  }

  function parentOf(item) {
    var id = item.getAttribute("data-parent");
    return id ? document.getElementById(id) : null;
  }

  function goParent(item) {
    if (!item || item.getAttribute("data-item") !== "comment") return;
    var parent = parentOf(item);
    if (parent && isShown(parent)) {
      select(parent);
      return;
    }
    var link = own(item, "[data-parent-link]");
    if (link) {
      link.click();
    } else {
      announce("This is a top-level comment.");
    }
  }

  function goTop(item) {
    if (!item || item.getAttribute("data-item") !== "comment") return;
    var top = item;
    var up = parentOf(top);
    while (up) {
      top = up;
      up = parentOf(top);
    }
    if (top === item) {
      announce("Already at the top of this thread.");
      return;
    }
    select(top);
  }

  // The first match inside `item` that belongs to it, not to a nested item.
  function own(item, selector) {
    var found = item.querySelectorAll(selector);
    for (var i = 0; i < found.length; i++) {
      if (found[i].closest(ITEM) === item) return found[i];
    }
    return null;
  }

  function toggleReplies(item) {
    if (!item || item.getAttribute("data-item") !== "comment") return;
    var li = item.parentElement;
    var details = li && li.querySelector(":scope > details.replies");
    if (!details) {
      announce("No replies to collapse.");
      return;
    }
    details.open = !details.open;
    announce(details.open ? "Replies expanded." : "Replies collapsed.");
  }

  function like(item) {
    var button = item && own(item, "form[data-like] button");
    if (!button) {
      if (item) announce(item.querySelector("[data-like-count]") ? "You can't like your own posts or comments." : "Log in to like.");
      return;
    }
    // Focus moves to the button so htmx puts it back on the new button after the swap.
    button.focus();
    button.click();
  }

  function reply(item) {
    if (!item) return;
    if (item.getAttribute("data-item") === "post") {
      var field = document.getElementById("comment-content-top");
      if (field) {
        field.focus();
      } else {
        open(item, "#comments");
      }
      return;
    }
    var link = own(item, "[data-reply]");
    if (link) {
      link.click();
    } else {
      announce("Log in to reply.");
    }
  }

  function open(item, hash) {
    if (!item) return;
    var url = item.getAttribute("data-url");
    if (!url) return;
    var target = new URL(url, window.location.href);
    if (target.pathname === window.location.pathname && !hash) return;
    window.location.assign(target.pathname + (hash || ""));
  }

  function focusNewForm() {
    var field = document.querySelector("[data-new-form], #comment-content-top");
    if (field) {
      field.focus();
      field.scrollIntoView({ block: "nearest" });
    } else {
      announce("Log in to write a post or comment.");
    }
  }

  function showHelp() {
    var dialog = document.getElementById("keys-help");
    if (!dialog || dialog.open) return;
    var returnTo = document.activeElement;
    dialog.addEventListener("close", function () {
      if (returnTo && returnTo !== document.body && document.contains(returnTo)) returnTo.focus();
    }, { once: true });
    dialog.showModal();
  }

  function typing(el) {
    if (!el || !el.closest) return false;
    return !!el.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])");
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    if (document.querySelector("dialog[open]")) return;

    var key = event.key;
    if (key === "Enter") {
      // Only on an item itself: on a link or button Enter keeps its own meaning.
      if (event.target.matches && event.target.matches(ITEM)) {
        event.preventDefault();
        open(event.target);
      }
      return;
    }
    // Shift is needed to type "?"; with any other key it is a modifier.
    if (event.shiftKey && key !== "?") return;

    var item = currentItem();
    var actions = {
      j: function () { move(1); },
      k: function () { move(-1); },
      p: function () { goParent(item); },
      t: function () { goTop(item); },
      c: function () { toggleReplies(item); },
      l: function () { like(item); },
      r: function () { reply(item); },
      o: function () { open(item); },
      n: focusNewForm,
      "?": showHelp
    };
    var action = actions[key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  // The current item follows keyboard focus (Tab, or focus moved after an
  // htmx swap); a mouse click does not draw the outline.
  document.addEventListener("focusin", function (event) {
    var item = event.target.closest && event.target.closest(ITEM);
    if (item && event.target.matches(":focus-visible")) markCurrent(item);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-keys-help]");
    if (button) showHelp();
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-keys-help]").forEach(function (button) {
      button.hidden = false;
    });
    // A link to one item (#comment-12) makes it the current one.
    var linked = window.location.hash && document.getElementById(window.location.hash.slice(1));
    if (linked && linked.matches(ITEM)) markCurrent(linked);
  });
})();
