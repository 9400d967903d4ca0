/* Title suggestions under the search box, from /search/autocomplete/?q= (portal/search/views.py).
 * Progressive enhancement: without this script the box is a plain search form.
 * The input names its endpoint in data-autocomplete-url (language prefix included) and its
 * listbox in aria-controls. Suggestions are built with textContent, never innerHTML. */
(function () {
  "use strict";

  var DELAY_MS = 180;

  function setup(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var endpoint = input.getAttribute("data-autocomplete-url");
    if (!list || !endpoint || !window.fetch) return;

    var timer = null;
    var controller = null;
    var lastQuery = "";
    var active = -1;
    var pausedUntil = 0;
    var composing = false;

    function options() {
      return list.querySelectorAll("[role=option]");
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function render(results) {
      list.textContent = "";
      active = -1;
      if (!results.length) return close();
      results.forEach(function (result, i) {
        var li = document.createElement("li");
        li.id = "search-suggestion-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var a = document.createElement("a");
        a.href = result.url;
        a.textContent = result.title;
        a.tabIndex = -1;
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      var items = options();
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) {
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
    }

    function fetchSuggestions() {
      var query = input.value.trim();
      if (query === lastQuery) return;
      lastQuery = query;
      if (!query || Date.now() < pausedUntil) return close();
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      var url = endpoint + "?q=" + encodeURIComponent(query);
      fetch(url, { headers: { Accept: "application/json" }, signal: controller ? controller.signal : undefined })
        .then(function (response) {
          if (response.status === 429) {
            pausedUntil = Date.now() + 60000; // rate-limited: stay quiet for a minute
            return { results: [] };
          }
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          if (input.value.trim() === query) render(data.results || []);
        })
        .catch(function () { /* aborted or offline: the form still works */ });
    }

    input.addEventListener("compositionstart", function () { composing = true; });
    input.addEventListener("compositionend", function () {
      composing = false;
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DELAY_MS);
    });
    input.addEventListener("input", function () {
      if (composing) return; // wait for the IME (pinyin) to commit characters
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Escape") { event.preventDefault(); close(); } // a second Escape clears the box
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.href = options()[active].querySelector("a").href;
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(close, 150); // let a tap on a suggestion land first
    });
  }

  document.querySelectorAll("input[data-autocomplete-url]").forEach(setup);
})();
