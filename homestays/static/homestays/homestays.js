/* Homestay listing page: give the inquiry form a CSRF token just before it is needed.
 *
 * The listing page is cached and shared by every visitor, so it cannot carry a per-visitor token.
 * The form asks its own endpoint (data-token-url, which also sets the CSRF cookie) for one when
 * the visitor starts typing, and at the latest when they submit.
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
        return data.csrfToken;
      })
      .catch(function (err) {
        form._tokenPromise = null;
        throw err;
      });
    return form._tokenPromise;
  }

  function setup(form) {
    form.addEventListener("focusin", function () {
      fetchToken(form).catch(function () {});
    }, { once: true });
    form.addEventListener("submit", function (event) {
      if (form.querySelector("input[name=csrfmiddlewaretoken]")) return;
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      fetchToken(form)
        .then(function () { form.submit(); })
        .catch(function () {
          // Without a token the form page itself still works: send the visitor there.
          window.location.href = form.action;
        });
    });
  }

  document.querySelectorAll("form[data-inquiry-form][data-token-url]").forEach(setup);
})();
