// The composer: only the areas and official accounts of the unit chosen in "On behalf of" stay on offer (an area
// inside the unit; an account of the unit, above it or inside it), so an alert cannot go to another ward by a slip.
// The service checks the same rule when the draft is saved. Choosing "emergency alert" unticks "only subscribers of
// the topic": an alert goes to everyone in the area unless the official ticks it again.
(function () {
  function within(path, unitPath) {
    return path.indexOf(unitPath) === 0;
  }
  function related(path, unitPath) {
    return within(path, unitPath) || within(unitPath, path);
  }
  function narrow(form) {
    var unit = form.querySelector("#id_unit");
    var chosen = unit && unit.options[unit.selectedIndex];
    var unitPath = chosen && chosen.dataset.path;
    if (!unitPath) return;
    ["id_area", "id_exclude_area"].forEach(function (id) {
      var select = document.getElementById(id);
      if (!select) return;
      Array.prototype.forEach.call(select.querySelectorAll("option[data-path]"), function (option) {
        var keep = within(option.dataset.path, unitPath);
        option.hidden = !keep;
        option.disabled = !keep;
        if (!keep && option.selected) select.value = "";
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
    });
    Array.prototype.forEach.call(form.querySelectorAll("#channel-choices input[data-path]"), function (box) {
      var keep = related(box.dataset.path, unitPath);
      var row = box.closest("label") || box;
      row.style.display = keep ? "" : "none"; // not `hidden`: the checklist's display: flex would win over it
      if (!keep) box.checked = false;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("broadcast-form");
    if (!form) return;
    narrow(form);
    form.querySelector("#id_unit").addEventListener("change", function () {
      narrow(form);
    });
    var topic = form.querySelector("#id_topic");
    var subscribersOnly = form.querySelector("#id_subscribers_only");
    if (topic && subscribersOnly) {
      topic.addEventListener("change", function () {
        subscribersOnly.checked = topic.value !== "emergency";
      });
    }
  });
})();
