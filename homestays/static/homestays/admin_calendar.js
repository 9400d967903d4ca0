/* 房态日历 (homestays/admin_calendar.py): tap a first night and a last night (or the same night
   again), then 可订 / 满房 / 不营业 in the bar at the bottom. The bar is a plain form; this script only
   fills in the two dates. Every text comes from the page (translated there), none is written here. */
(function () {
  "use strict";

  function init(root) {
    var bar = root.querySelector("[data-calendar-bar]");
    if (!bar) return;
    var startInput = bar.querySelector("[data-calendar-start]");
    var endInput = bar.querySelector("[data-calendar-end]");
    var range = bar.querySelector("[data-calendar-range]");
    var cancel = bar.querySelector("[data-calendar-cancel]");
    var hint = root.querySelector("[data-calendar-hint]");
    var days = Array.prototype.slice.call(root.querySelectorAll(".hc-day[data-date]:not([disabled])"));
    var start = null;
    var end = null;
    var sent = false;

    if (hint) hint.hidden = false;

    function label(date) {
      var button = root.querySelector('.hc-day[data-date="' + date + '"]');
      return button ? button.getAttribute("data-label") : date;
    }

    function nights(first, last) {
      return Math.round((Date.parse(last) - Date.parse(first)) / 86400000) + 1;
    }

    function render() {
      var last = end || start;
      days.forEach(function (day) {
        var date = day.getAttribute("data-date");
        var on = Boolean(start) && date >= start && date <= last;
        day.classList.toggle("hc-day--selected", on);
        day.classList.toggle("hc-day--edge", on && (date === start || date === last));
        day.setAttribute("aria-pressed", on ? "true" : "false");
      });
      if (!start) {
        bar.hidden = true;
        root.classList.remove("hc--selecting");
        return;
      }
      bar.hidden = false;
      root.classList.add("hc--selecting");
      startInput.value = start;
      endInput.value = last;
      var text = end
        ? bar.getAttribute("data-text-range").replace("{start}", label(start)).replace("{end}", label(end)).replace("{n}", String(nights(start, end)))
        : bar.getAttribute("data-text-start").replace("{start}", label(start));
      range.textContent = text;
    }

    days.forEach(function (day) {
      day.addEventListener("click", function () {
        var date = day.getAttribute("data-date");
        if (!start || end) {
          start = date; // a new selection
          end = null;
        } else if (date < start) {
          end = start;
          start = date;
        } else {
          end = date;
        }
        render();
      });
    });

    if (cancel) {
      cancel.addEventListener("click", function () {
        start = null;
        end = null;
        render();
      });
    }

    bar.addEventListener("submit", function (event) {
      if (sent || !start) {
        event.preventDefault(); // a second tap while the first is on its way
        return;
      }
      sent = true;
      bar.classList.add("hc-bar--sending");
    });

    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && start) {
        start = null;
        end = null;
        render();
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-calendar]"), init);
})();
