// Embeddable web chat: <script src="https://<portal>/static/webchat/widget.js" defer></script> on a page of the
// same site. Adds a "Chat with us" button that opens the portal's chat page in a frame. No third-party code.
(function () {
  var script = document.currentScript;
  var base = (script && script.getAttribute("data-base")) || new URL(script.src).origin;
  var label = (script && script.getAttribute("data-label")) || "Hỏi đáp trực tuyến";
  var open = false;
  var frame = document.createElement("iframe");
  frame.title = label;
  frame.style.cssText = "position:fixed;right:1rem;bottom:4.5rem;width:22rem;max-width:calc(100vw - 2rem);height:32rem;max-height:70vh;border:1px solid #ccc;border-radius:.5rem;background:#fff;display:none;z-index:2147483000";
  var button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.setAttribute("aria-expanded", "false");
  button.style.cssText = "position:fixed;right:1rem;bottom:1rem;padding:.7rem 1rem;border:0;border-radius:2rem;background:#0b5cad;color:#fff;font:inherit;cursor:pointer;z-index:2147483000";
  button.addEventListener("click", function () {
    open = !open;
    if (open && !frame.src) frame.src = base + "/chat/?embed=1";
    frame.style.display = open ? "block" : "none";
    button.setAttribute("aria-expanded", String(open));
  });
  document.body.appendChild(frame);
  document.body.appendChild(button);
})();
