// The chat page: a fresh message id per send (so a resubmitted form is stored once), clear the box after sending,
// and let quick-reply buttons send their payload (the transcript shows their title).
(function () {
  function newId() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
  }
  document.addEventListener("submit", function (e) {
    var form = e.target.closest("[data-webchat-form]");
    if (!form) return;
    form.querySelector("[name=client_id]").value = newId();
    if (form.dataset.fromButton) delete form.dataset.fromButton;
    else form.querySelector("[name=label]").value = "";
  }, true);
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.target.closest && e.target.closest("[data-webchat-form]");
    if (form && e.detail.successful) {
      form.reset();
      document.body.dispatchEvent(new Event("kn-sent"));
    }
  });
  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-webchat-say]");
    if (!button) return;
    var form = document.querySelector("[data-webchat-form]");
    form.querySelector("[name=text]").value = button.getAttribute("data-webchat-say");
    form.querySelector("[name=label]").value = button.textContent.trim();
    form.dataset.fromButton = "1";
    form.requestSubmit();
  });
})();
