// Follow-up form: "could not be reached" hides the outcome questions that then do not apply.
(function () {
  var form = document.getElementById("followup-form");
  if (!form) return;
  function sync() {
    var checked = form.querySelector("input[name=outcome]:checked");
    form.classList.toggle("js-unreached", !!checked && checked.value === "unreached");
  }
  form.querySelectorAll("input[name=outcome]").forEach(function (r) { r.addEventListener("change", sync); });
  sync();
})();
