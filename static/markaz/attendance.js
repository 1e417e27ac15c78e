// Attendance: a tap on a learner cycles their status (present, late, absent, excused); the
// counts follow. Without JavaScript the selects do the same job.
(function () {
  var form = document.getElementById("attendance-form");
  if (!form) return;
  var labels = JSON.parse(document.getElementById("mark-labels").textContent);
  var cycle = JSON.parse(document.getElementById("mark-cycle").textContent);
  var rows = form.querySelectorAll(".mark-row");
  form.classList.add("js");
  function count() {
    var n = {present: 0, late: 0, absent: 0, excused: 0};
    rows.forEach(function (row) { n[row.dataset.status] += 1; });
    Object.keys(n).forEach(function (k) { document.getElementById("count-" + k).textContent = n[k]; });
  }
  rows.forEach(function (row) {
    var select = row.querySelector("select");
    var pill = row.querySelector(".mark-pill");
    function paint() { row.dataset.status = select.value; pill.textContent = labels[select.value]; count(); }
    row.querySelector(".mark-btn").addEventListener("click", function () {
      var i = cycle.indexOf(select.value);
      select.value = cycle[(i + 1) % cycle.length];
      var door = row.querySelector(".mark-door");
      if (door) door.remove();
      paint();
    });
    select.addEventListener("change", paint);
  });
  count();
})();
