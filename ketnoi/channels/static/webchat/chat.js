// The chat page: a fresh message id per send (so a resubmitted form is stored once), clear the box after sending
// (or say why it was not sent),
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
  // A refused send (too large) says why under the form and keeps what was typed; a good one clears it.
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.target.closest && e.target.closest("[data-webchat-form]");
    if (!form) return;
    var status = form.querySelector("[data-webchat-status]");
    if (e.detail.successful) {
      form.reset();
      if (status) status.textContent = "";
      document.body.dispatchEvent(new Event("kn-sent"));
    } else if (status) {
      var xhr = e.detail.xhr;
      var plain = xhr && (xhr.getResponseHeader("Content-Type") || "").indexOf("text/plain") === 0;
      status.textContent = plain ? xhr.responseText : status.dataset.failed;
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
