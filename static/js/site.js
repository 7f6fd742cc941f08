/* Progressive enhancements for htmx pages. Everything here has a plain
   HTML fallback: the site works without this file. */
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }
  window.communityAnnounce = announce;

  // --- Leaderboard: live updates that pause in hidden tabs and on request.
  var paused = false;

  function rankingOf(root) {
    return Array.prototype.map.call(root.querySelectorAll("[data-username]"), function (row) {
      return row.getAttribute("data-username") + ":" + row.getAttribute("data-karma");
    }).join(",");
  }

  function describeRanking(root) {
    var rows = root.querySelectorAll("[data-username]");
    if (!rows.length) return "Leaderboard: no karma earned in the last 24 hours yet.";
    return "Leaderboard updated: " + Array.prototype.map.call(rows, function (row, i) {
      return (i + 1) + ". " + row.getAttribute("data-username") + ", " + row.getAttribute("data-karma") + " karma";
    }).join("; ") + ".";
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-leaderboard-pause]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        paused = !paused;
        button.setAttribute("aria-pressed", paused ? "true" : "false");
        button.textContent = paused ? "Resume live updates" : "Pause live updates";
      });
    });
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    // Also wait while focus is inside the list: a swap would throw it away.
    if (elt && elt.id === "leaderboard" &&
        (paused || document.visibilityState !== "visible" || elt.contains(document.activeElement))) {
      event.preventDefault();
    }
  });

  var before = null;
  // Where "N more replies" / "Continue this thread" stood, to focus what replaces it.
  var loadedInto = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var swapped = event.detail.target;
    if (swapped && swapped.matches && swapped.matches("li.more-replies, li.continue-thread") && event.detail.shouldSwap) {
      loadedInto = { list: swapped.parentElement, previous: swapped.previousElementSibling };
    }
    if (event.detail.target && event.detail.target.id === "leaderboard") {
      before = rankingOf(event.detail.target);
      // Keep open receipts open across refreshes.
      event.detail.target._openRows = Array.prototype.map.call(
        event.detail.target.querySelectorAll("details[open]"),
        function (d) { return d.closest("[data-username]").getAttribute("data-username"); });
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target) return;
    if (target.id === "leaderboard") {
      (target._openRows || []).forEach(function (name) {
        var row = target.querySelector('[data-username="' + CSS.escape(name) + '"] details');
        if (row) row.open = true;
      });
      var after = rankingOf(target);
      var panel = target.closest("[data-leaderboard-panel]");
      var region = panel && panel.querySelector("[data-leaderboard-announcer]");
      if (region && before !== null && before !== after) region.textContent = describeRanking(target);
      before = null;
      return;
    }
    // An outerHTML swap fires this on the new element; detail.target is the old one.
    var liked = event.target.matches && event.target.matches("form[data-like]") ? event.target : null;
    if (liked) {
      var button = liked.querySelector("button");
      if (button) announce(button.getAttribute("aria-pressed") === "true" ? "Liked. " + button.getAttribute("aria-label") : "Like removed. " + button.getAttribute("aria-label"));
    }
  });

  // A comment added in place: its earlier siblings' "reply i of n" and the
  // reply counts above it were rendered before it existed. The server
  // numbered the new comment; the rest follows from that.
  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.detail.target;
    // htmx fires afterSwap on every element a response swapped, out-of-band
    // ones included, each time with the same target: count once.
    if (event.target !== list || !list.matches("#comments-root, ol[id^='replies-']")) return;
    var items = Array.prototype.filter.call(list.children, function (li) { return li.matches("li.comment-item"); });
    var added = items[items.length - 1];
    var label = added && added.querySelector(":scope > article [data-sibling-label]");
    var total = label && label.textContent.match(/of (\d+):/);
    if (!total) return;
    items.forEach(function (li) {
      var sibling = li.querySelector(":scope > article [data-sibling-label]");
      if (sibling) sibling.textContent = sibling.textContent.replace(/of \d+:/, "of " + total[1] + ":");
    });
    for (var li = list.closest("li.comment-item"); li; li = li.parentElement.closest("li.comment-item")) {
      var summary = li.querySelector(":scope > details > summary[data-reply-count]");
      if (!summary) continue;
      var count = Number(summary.getAttribute("data-reply-count")) + 1;
      summary.setAttribute("data-reply-count", count);
      summary.textContent = count + (count === 1 ? " reply" : " replies");
    }
  });

  // New content that asks for focus must not sit in a collapsed thread.
  document.addEventListener("htmx:afterSwap", function (event) {
    var root = event.target;
    var wanted = root.matches && (root.matches("article[autofocus]") ? root : root.querySelector("article[autofocus]"));
    for (var d = wanted && wanted.closest("details:not([open])"); d; d = d.parentElement.closest("details:not([open])")) {
      d.open = true;
    }
  });

  // Replies, new posts and older posts land where the person expects and are announced.
  document.addEventListener("htmx:afterSettle", function (event) {
    var focused = document.activeElement;
    if (focused && focused.matches && focused.matches("article[autofocus]")) {
      focused.removeAttribute("autofocus");
      var from = event.detail.target;
      if (from && from.id === "older-posts") {
        var count = document.querySelectorAll("#post-list > article").length;
        announce("Older posts loaded; " + count + " posts shown.");
      } else {
        announce(focused.getAttribute("data-item") === "post" ? "Your post is up." : "Comment added.");
      }
      return;
    }
    if (loadedInto) {
      var first = loadedInto.previous ? loadedInto.previous.nextElementSibling : loadedInto.list.firstElementChild;
      var article = first && first.querySelector("article.feed-item");
      loadedInto = null;
      if (article && (!document.activeElement || document.activeElement === document.body)) {
        article.setAttribute("tabindex", "-1");
        article.focus();
        announce("More comments loaded.");
      }
    }
  });

  // htmx swaps no 5xx answer (the htmx-config meta tag: a proxy's error page
  // must not replace a button) and a network failure has no answer at all,
  // so such a click would fail in silence. Show the site's own message when
  // the answer is one (a 503 while the database is away), else say plainly
  // what happened. A failed leaderboard refresh stays quiet: the next one
  // follows in seconds.
  var MESSAGES = "#htmx-messages";
  function showError(elt, html, text) {
    var region = document.querySelector(MESSAGES);
    if (!region || (elt && elt.id === "leaderboard")) return;
    if (html) {
      htmx.swap(region, html, { swapStyle: "innerHTML" });
      return;
    }
    var box = document.createElement("div");
    box.className = "mt-4 rounded border border-red-300 bg-red-50 px-4 py-2 text-sm text-red-900";
    box.setAttribute("data-error-status", "");
    box.textContent = text;
    region.replaceChildren(box);
  }
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status < 500) return;  // swapped by htmx: the site retargets them itself
    if (xhr.getResponseHeader("HX-Retarget") === MESSAGES) {
      showError(event.detail.elt, xhr.responseText);
    } else {
      showError(event.detail.elt, null, "The site could not answer (error " + xhr.status + "). Try again in a moment.");
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    showError(event.detail.elt, null, "The site could not be reached. Check your connection and try again.");
  });

  // Cancel an inline reply form without leaving the page.
  document.addEventListener("click", function (event) {
    var cancel = event.target.closest && event.target.closest("[data-cancel-reply]");
    if (!cancel) return;
    var form = cancel.closest("form");
    if (form && form.parentElement && form.parentElement.id.indexOf("reply-slot-") === 0) {
      event.preventDefault();
      var slot = form.parentElement;
      slot.innerHTML = "";
      var article = slot.closest("article");
      var reply = article && article.querySelector("[data-reply]");
      if (reply) reply.focus();
    }
  });
})();
