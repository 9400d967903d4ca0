/* Homestay listing page: give the inquiry form its tokens just before they are needed, and send
 * it once.
 *
 * The listing page is cached and shared by every visitor, so it cannot carry per-visitor tokens.
 * The form asks its own endpoint (data-token-url, which also sets the CSRF cookie) for a CSRF token
 * and a form token when the visitor starts typing, and at the latest when they submit. The form
 * token lets the server store a double submit once; the button is also disabled while the form is
 * on its way, and enabled again when it could not be sent or the visitor comes back to the page.
 */
(function () {
  "use strict";

  function fetchToken(form) {
    if (form._tokenPromise) return form._tokenPromise;
    form._tokenPromise = fetch(form.dataset.tokenUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (r) {
        if (!r.ok) throw new Error("token " + r.status);
        return r.json();
      })
      .then(function (data) {
        var input = form.querySelector("input[name=csrfmiddlewaretoken]");
        if (!input) {
          input = document.createElement("input");
          input.type = "hidden";
          input.name = "csrfmiddlewaretoken";
          form.appendChild(input);
        }
        input.value = data.csrfToken;
        var formToken = form.querySelector("input[name=form_token]");
        if (formToken && !formToken.value && data.formToken) formToken.value = data.formToken;
        return data.csrfToken;
      })
      .catch(function (err) {
        form._tokenPromise = null;
        throw err;
      });
    return form._tokenPromise;
  }

  function setSending(form, sending) {
    form._sending = sending;
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = sending;
    if (sending) form.setAttribute("aria-busy", "true");
    else form.removeAttribute("aria-busy");
  }

  function setup(form) {
    var offline = form.querySelector("[data-inquiry-offline]");
    form.addEventListener("focusin", function () {
      fetchToken(form).catch(function () {});
    }, { once: true });
    form.addEventListener("submit", function (event) {
      // A second click or Enter while the first submit is on its way sends nothing more.
      if (form._sending) {
        event.preventDefault();
        return;
      }
      setSending(form, true);
      if (offline) offline.hidden = true;
      if (form.querySelector("input[name=csrfmiddlewaretoken]")) return; // the browser posts it
      event.preventDefault();
      fetchToken(form)
        .then(function () { form.submit(); })
        .catch(function () {
          // The network failed: keep what the visitor typed, let them try again or use the form page.
          setSending(form, false);
          if (offline) offline.hidden = false;
        });
    });
    // Back from the thank-you page (the page is restored as it was left): the button works again,
    // and a new form token is fetched, so an inquiry changed and sent again is a new one, not
    // silently taken for the first.
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) return;
      setSending(form, false);
      var formToken = form.querySelector("input[name=form_token]");
      if (formToken) formToken.value = "";
      var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
      if (csrf) csrf.remove();
      form._tokenPromise = null;
    });
  }

  document.querySelectorAll("form[data-inquiry-form][data-token-url]").forEach(setup);

  // Warn while the visitor picks dates that no room type (or not the chosen one) has free, from
  // the nights the page carries (homestay-availability: each room's taken nights).
  var data = document.getElementById("homestay-availability");
  var warning = document.querySelector("[data-stay-warning]");
  var form = document.querySelector("form[data-inquiry-form]");
  if (!data || !warning || !form) return;
  var info = JSON.parse(data.textContent);
  // Shown where the visitor is looking: under the dates they just picked.
  var departureField = form.elements.departure && form.elements.departure.closest(".field");
  if (departureField) departureField.after(warning);
  function iso(date) { return date.toISOString().slice(0, 10); }
  function check() {
    var a = form.elements.arrival && form.elements.arrival.value;
    var d = form.elements.departure && form.elements.departure.value;
    var room = form.elements.room ? form.elements.room.value : "";
    if (!a || !d || d <= a || a < info.from || d > info.to) { warning.hidden = true; return; }
    var nights = [];
    for (var t = new Date(a + "T00:00:00Z"); iso(t) < d; t.setUTCDate(t.getUTCDate() + 1)) nights.push(iso(t));
    var rooms = Object.keys(info.rooms).filter(function (id) { return !room || id === room; });
    var free = rooms.some(function (id) {
      return nights.every(function (n) { return info.rooms[id].indexOf(n) < 0; });
    });
    warning.hidden = free || !rooms.length;
  }
  form.addEventListener("change", check);
  check();
})();
