// The inbox thread: a canned reply goes into the answer box; the thread stays scrolled to its newest message.
(function () {
  function scrollThread() {
    var thread = document.getElementById("thread");
    if (thread) thread.scrollTop = thread.scrollHeight;
  }
  document.addEventListener("DOMContentLoaded", function () {
    scrollThread();
    var picker = document.getElementById("canned-picker");
    if (picker) {
      picker.addEventListener("change", function () {
        var option = picker.options[picker.selectedIndex];
        var box = document.getElementById(picker.dataset.target);
        if (!option || !option.dataset.text || !box) return;
        box.value = box.value ? box.value + "\n" + option.dataset.text : option.dataset.text;
        box.focus();
        picker.selectedIndex = 0;
      });
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "live") scrollThread();
  });
})();
