// Caravan tablet: records workshops offline (IndexedDB) and sends them when the network is back.
// No library. Every word shown comes from the page (data attributes translated by Django).
(function () {
  "use strict";
  const root = document.getElementById("tablet");
  if (!root) return;
  const S = document.getElementById("strings").dataset;
  const $ = (id) => document.getElementById(id);
  const form = $("report-form");
  const MAX = 200;

  // ---------------------------------------------------------------- IndexedDB
  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        const req = indexedDB.open("markaz-caravan", 1);
        req.onupgradeneeded = function () {
          const d = req.result;
          if (!d.objectStoreNames.contains("kv")) d.createObjectStore("kv");
          if (!d.objectStoreNames.contains("reports")) d.createObjectStore("reports", { keyPath: "client_id" });
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }
  async function tx(store, mode, fn) {
    const d = await db();
    return new Promise(function (resolve, reject) {
      const t = d.transaction(store, mode);
      const s = t.objectStore(store);
      let result;
      const r = fn(s);
      if (r) r.onsuccess = function () { result = r.result; };
      t.oncomplete = function () { resolve(result); };
      t.onerror = function () { reject(t.error); };
      t.onabort = function () { reject(t.error); };
    });
  }
  const kvGet = (key) => tx("kv", "readonly", (s) => s.get(key));
  const kvPut = (key, value) => tx("kv", "readwrite", (s) => s.put(value, key));
  const allReports = () => tx("reports", "readonly", (s) => s.getAll());
  const getReport = (id) => tx("reports", "readonly", (s) => s.get(id));
  const putReport = (r) => tx("reports", "readwrite", (s) => s.put(r));
  const deleteReport = (id) => tx("reports", "readwrite", (s) => s.delete(id));

  // ---------------------------------------------------------------- helpers
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children || []) if (c) node.append(c);
    return node;
  }
  function isoDay(d) {
    const p = (n) => String(n).padStart(2, "0");
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate());
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function csrfToken() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : root.dataset.csrf;
  }
  function say(id, text, kind) {
    const node = $(id);
    node.textContent = text || "";
    node.className = node.className.replace(/\btext-(muted|success|danger)\b/g, "").trim() + " text-" + (kind || "muted");
  }
  function formatDate(iso) {
    try {
      return new Date(iso + "T12:00:00").toLocaleDateString(root.dataset.lang === "ar" ? "ar-MA" : "fr-MA",
        { weekday: "short", day: "numeric", month: "short" });
    } catch (e) { return iso; }
  }

  // ---------------------------------------------------------------- state
  let data = null; // the week from the server: visits, schools, workshops, kit kinds, grades
  let reports = [];
  let syncing = false;
  const schoolByCode = () => Object.fromEntries((data ? data.schools : []).map((s) => [s.code, s]));
  const workshopByCode = () => Object.fromEntries((data ? data.workshops : []).map((w) => [w.code, w]));

  // ---------------------------------------------------------------- network badge
  function showNet() {
    const badge = $("net");
    const online = navigator.onLine;
    badge.textContent = online ? badge.dataset.online : badge.dataset.offline;
    badge.className = "badge rounded-pill " + (online ? "text-bg-success" : "text-bg-secondary");
  }

  // ---------------------------------------------------------------- visits
  async function loadVisits() {
    const url = root.dataset.apiVisits + "?week=" + isoDay(new Date());
    try {
      const resp = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (resp.status === 401 || resp.status === 403) { loginAgain(); throw new Error("auth"); }
      if (!resp.ok) throw new Error(String(resp.status));
      data = await resp.json();
      await kvPut("week", data);
      say("visits-status", S.loaded, "muted");
    } catch (e) {
      data = (await kvGet("week")) || data;
      say("visits-status", data ? S.offlineVisits : S.neverLoaded, "muted");
    }
    renderVisits();
    fillFormChoices();
  }

  function visitState(v) {
    if (reports.some((r) => r.visit === v.id)) return ["text-bg-info", S.recordedHere];
    if (v.status === "done") return ["text-bg-success", S.held];
    return ["text-bg-light border", S.planned];
  }

  function visitItem(v, withDay) {
    const [cls, label] = visitState(v);
    return el("button", {
      type: "button", class: "list-group-item list-group-item-action d-flex gap-2 align-items-start",
      "data-visit": v.id, onclick: function () { pickVisit(v.id); },
    }, [
      el("span", { class: "ltr small text-muted pt-1", text: (withDay ? formatDate(v.date) + " " : "") + v.start_time }),
      el("span", { class: "flex-grow-1" }, [
        el("span", { class: "d-block fw-semibold", dir: "auto", text: v.school.name }),
        el("span", { class: "d-block small text-muted", dir: "auto", text: v.workshop.title + " · " + v.school.commune }),
        el("span", { class: "badge mt-1 " + cls, text: label }),
      ]),
    ]);
  }

  function renderVisits() {
    const today = isoDay(new Date());
    const visits = data ? data.visits : [];
    const todays = visits.filter((v) => v.date === today);
    const others = visits.filter((v) => v.date !== today);
    $("visits-today").replaceChildren(...(todays.length ? todays.map((v) => visitItem(v, false))
      : [el("p", { class: "small text-muted mb-0", text: S.noVisitsToday })]));
    $("visits-week").replaceChildren(...(others.length ? others.map((v) => visitItem(v, true))
      : [el("p", { class: "small text-muted mb-0", text: visits.length ? "" : S.noVisits })]));
  }

  // ---------------------------------------------------------------- form
  function option(value, text, selected) {
    return el("option", { value: value, selected: selected }, [text]);
  }

  function fillFormChoices() {
    const visitSel = $("f-visit");
    const current = visitSel.value;
    visitSel.replaceChildren(option("", S.choose),
      ...(data ? data.visits : []).map((v) => option(String(v.id), formatDate(v.date) + " " + v.start_time + " · " + v.school.name)),
      option("unplanned", S.unplanned));
    visitSel.value = current;
    const schoolSel = $("f-school");
    const sc = schoolSel.value;
    schoolSel.replaceChildren(option("", S.choose), ...(data ? data.schools : []).map((s) => option(s.code, s.name + " · " + s.commune)));
    schoolSel.value = sc;
    const wSel = $("f-workshop");
    const wc = wSel.value;
    wSel.replaceChildren(option("", S.choose), ...(data ? data.workshops : []).map((w) => option(w.code, w.title)));
    wSel.value = wc;
    // Keep what the crew is typing: build the count tables only when they are still empty.
    if (!$("kit-rows").children.length) renderKits({}, {});
    if (!$("grade-rows").children.length) renderGrades({});
  }

  function selectedSchool() {
    const v = visitById($("f-visit").value);
    if (v) return v.school;
    return schoolByCode()[$("f-school").value] || null;
  }
  function visitById(id) {
    return (data ? data.visits : []).find((v) => String(v.id) === String(id)) || null;
  }

  function countInput(name, value, label) {
    return el("input", {
      class: "form-control form-control-sm count", type: "number", min: "0", max: String(MAX), step: "1",
      inputmode: "numeric", name: name, value: value ? String(value) : "", placeholder: "0", "aria-label": label,
    });
  }

  function renderGrades(byLevel) {
    const school = selectedSchool();
    const grades = school && data ? (data.grades[school.level] || []) : [];
    $("grade-rows").replaceChildren(...grades.map(function (g) {
      const row = byLevel[g] || {};
      return el("tr", {}, [
        el("th", { scope: "row", class: "ltr", text: g }),
        el("td", {}, [countInput("g-" + g + "-girls", row.girls, g + " · " + S.girls)]),
        el("td", {}, [countInput("g-" + g + "-boys", row.boys, g + " · " + S.boys)]),
      ]);
    }));
    updateTotals();
  }

  function renderKits(used, broken) {
    const kinds = data ? data.kit_kinds : [];
    $("kit-rows").replaceChildren(...kinds.map((k) => el("tr", {}, [
      el("th", { scope: "row", class: "fw-normal", text: k.label }),
      el("td", {}, [countInput("k-" + k.code + "-used", used[k.code], k.label + " · " + S.kitsUsed)]),
      el("td", {}, [countInput("k-" + k.code + "-broken", broken[k.code], k.label + " · " + S.kitsBroken)]),
    ])));
  }

  function num(input) {
    const raw = String(input.value || "").trim();
    if (raw === "") return 0;
    const n = Number(raw);
    return Number.isInteger(n) && n >= 0 && n <= MAX ? n : NaN;
  }

  function updateTotals() {
    let girls = 0, boys = 0;
    form.querySelectorAll("#grade-rows input").forEach(function (i) {
      const n = num(i) || 0;
      if (i.name.endsWith("-girls")) girls += n; else boys += n;
    });
    $("total-girls").textContent = girls;
    $("total-boys").textContent = boys;
    return { girls: girls, boys: boys };
  }

  function onVisitChange(keep) {
    const value = $("f-visit").value;
    $("unplanned-fields").hidden = value !== "unplanned";
    const v = visitById(value);
    if (v && !keep) $("f-date").value = v.date;
    renderGrades({});
  }

  function pickVisit(id) {
    resetForm();
    $("f-visit").value = String(id);
    onVisitChange(false);
    $("form-title").scrollIntoView({ behavior: "smooth", block: "start" });
  }

  function resetForm() {
    form.reset();
    form.client_id.value = "";
    $("f-date").value = isoDay(new Date());
    $("unplanned-fields").hidden = true;
    $("form-errors").hidden = true;
    renderGrades({});
    renderKits({}, {});
  }

  function readForm() {
    const errors = [];
    const visitValue = $("f-visit").value;
    const v = visitById(visitValue);
    const school = v ? v.school : schoolByCode()[$("f-school").value];
    const workshop = v ? v.workshop : workshopByCode()[$("f-workshop").value];
    if (!school || !workshop || visitValue === "") errors.push(S.needSchool);
    const byLevel = {};
    let bad = false;
    form.querySelectorAll("#grade-rows input").forEach(function (i) {
      const n = num(i);
      if (Number.isNaN(n)) { bad = true; i.classList.add("is-invalid"); return; }
      i.classList.remove("is-invalid");
      const [, grade, sex] = i.name.match(/^g-(.+)-(girls|boys)$/);
      if (n) { byLevel[grade] = byLevel[grade] || { girls: 0, boys: 0 }; byLevel[grade][sex] = n; }
    });
    const used = {}, broken = {};
    form.querySelectorAll("#kit-rows input").forEach(function (i) {
      const n = num(i);
      if (Number.isNaN(n)) { bad = true; i.classList.add("is-invalid"); return; }
      i.classList.remove("is-invalid");
      const [, kind, what] = i.name.match(/^k-(.+)-(used|broken)$/);
      if (n) (what === "used" ? used : broken)[kind] = n;
    });
    const totals = updateTotals();
    if (bad || totals.girls > MAX || totals.boys > MAX) errors.push(S.needCount);
    if (Object.keys(broken).some((k) => broken[k] > (used[k] || 0))) errors.push(S.brokenMore);
    const date = $("f-date").value;
    const tomorrow = new Date(); tomorrow.setDate(tomorrow.getDate() + 1);
    if (date && date > isoDay(tomorrow)) errors.push(S.future);
    if (!date) errors.push(S.needSchool);
    return {
      errors: errors,
      fields: {
        visit: v ? v.id : null,
        school: school ? school.code : "",
        workshop: workshop ? workshop.code : "",
        school_name: school ? school.name : "",
        workshop_title: workshop ? workshop.title : "",
        date: date,
        girls: totals.girls,
        boys: totals.boys,
        by_level: byLevel,
        kits_used: used,
        kits_broken: broken,
        notes: $("f-notes").value.trim(),
      },
    };
  }

  async function save(event) {
    event.preventDefault();
    const { errors, fields } = readForm();
    const box = $("form-errors");
    if (errors.length) {
      box.replaceChildren(...[...new Set(errors)].map((m) => el("div", { text: m })));
      box.hidden = false;
      return;
    }
    box.hidden = true;
    const existing = form.client_id.value ? await getReport(form.client_id.value) : null;
    const record = Object.assign(existing || { client_id: uuid(), base_version: 0, local_version: 0 }, fields, {
      local_version: (existing ? existing.local_version : 0) + 1,
      recorded_at: new Date().toISOString(),
      state: "pending",
      errors: null,
      server: null,
    });
    await putReport(record);
    resetForm();
    say("form-status", S.saved, "success");
    await refresh();
    if (navigator.onLine) sync();
  }

  function editRecord(r) {
    resetForm();
    form.client_id.value = r.client_id;
    if (r.visit && visitById(r.visit)) {
      $("f-visit").value = String(r.visit);
    } else {
      $("f-visit").value = "unplanned";
      $("f-school").value = r.school;
      $("f-workshop").value = r.workshop;
    }
    onVisitChange(true);
    $("f-date").value = r.date;
    renderGrades(r.by_level || {});
    renderKits(r.kits_used || {}, r.kits_broken || {});
    $("f-notes").value = r.notes || "";
    if (r.errors) {
      $("form-errors").replaceChildren(...Object.values(r.errors).flat().map((m) => el("div", { text: m })));
      $("form-errors").hidden = false;
    }
    $("form-title").scrollIntoView({ behavior: "smooth", block: "start" });
  }

  // ---------------------------------------------------------------- records and conflicts
  const STATE = {
    pending: ["text-bg-warning", () => S.statePending],
    sent: ["text-bg-success", () => S.stateSent],
    conflict: ["text-bg-danger", () => S.stateConflict],
    error: ["text-bg-danger", () => S.stateError],
  };

  // The school's name in the page's language (the record keeps the name it was saved with).
  function schoolName(r) {
    const s = schoolByCode()[r.school];
    return s ? s.name : r.school_name || r.school;
  }

  function summary(r) {
    return formatDate(r.date) + " · " + S.girls + " " + r.girls + " · " + S.boys + " " + r.boys;
  }

  function recordItem(r) {
    const [cls, label] = STATE[r.state] || STATE.pending;
    const actions = [];
    if (r.state !== "conflict") {
      actions.push(el("button", { type: "button", class: "btn btn-link btn-sm p-0 edit", text: S.edit, onclick: () => editRecord(r) }));
    }
    if ((r.state === "error" || r.state === "pending") && !r.base_version) {
      actions.push(el("button", {
        type: "button", class: "btn btn-link btn-sm p-0 text-danger", text: S.discard,
        onclick: async function () { if (window.confirm(S.discardConfirm)) { await deleteReport(r.client_id); refresh(); } },
      }));
    }
    const errorList = r.state === "error" && r.errors
      ? el("ul", { class: "small text-danger mb-0 ps-3" }, Object.values(r.errors).flat().map((m) => el("li", { text: m })))
      : null;
    return el("li", { class: "list-group-item px-0", "data-client-id": r.client_id, "data-state": r.state }, [
      el("div", { class: "d-flex gap-2 align-items-start" }, [
        el("span", { class: "flex-grow-1" }, [
          el("span", { class: "d-block fw-semibold", dir: "auto", text: schoolName(r) }),
          el("span", { class: "d-block small text-muted", text: summary(r) }),
        ]),
        el("span", { class: "badge " + cls, text: label() }),
      ]),
      errorList,
      actions.length ? el("div", { class: "d-flex gap-3 mt-1" }, actions) : null,
    ]);
  }

  function conflictItem(r) {
    const server = r.server || {};
    const side = (title, x) => el("div", { class: "col" }, [
      el("div", { class: "small fw-semibold", text: title }),
      el("div", { class: "small", text: summary(x) }),
      x.notes ? el("div", { class: "small text-muted", dir: "auto", text: x.notes }) : null,
    ]);
    return el("div", { class: "border-top pt-2 mt-2", "data-conflict": r.client_id }, [
      el("div", { class: "fw-semibold", dir: "auto", text: schoolName(r) }),
      el("div", { class: "row g-2 my-1" }, [side(S.mine, r), side(S.server, server)]),
      el("div", { class: "d-flex gap-2" }, [
        el("button", { type: "button", class: "btn btn-outline-primary btn-sm keep-mine", text: S.keepMine, onclick: () => keepMine(r) }),
        el("button", { type: "button", class: "btn btn-outline-secondary btn-sm keep-server", text: S.keepServer, onclick: () => keepServer(r) }),
      ]),
    ]);
  }

  async function keepMine(r) {
    r.base_version = r.server.version;
    r.server = null;
    r.state = "pending";
    r.local_version += 1;
    await putReport(r);
    await refresh();
    if (navigator.onLine) sync();
  }

  async function keepServer(r) {
    const s = r.server;
    for (const k of ["visit", "school", "workshop", "date", "girls", "boys", "by_level", "kits_used", "kits_broken", "notes", "recorded_at"]) r[k] = s[k];
    r.base_version = s.version;
    r.server = null;
    r.state = "sent";
    await putReport(r);
    await refresh();
  }

  async function refresh() {
    reports = (await allReports()).sort((a, b) => String(b.recorded_at).localeCompare(String(a.recorded_at)));
    $("pending-count").textContent = String(reports.filter((r) => r.state === "pending").length);
    $("records").replaceChildren(...(reports.length ? reports.map(recordItem)
      : [el("li", { class: "list-group-item px-0 small text-muted", text: S.noRecords })]));
    const conflicts = reports.filter((r) => r.state === "conflict");
    $("conflicts").hidden = conflicts.length === 0;
    $("conflict-list").replaceChildren(...conflicts.map(conflictItem));
    renderVisits();
  }

  // ---------------------------------------------------------------- sync
  function payload(r) {
    return {
      client_id: r.client_id, base_version: r.base_version, local_version: r.local_version,
      visit: r.visit, school: r.school, workshop: r.workshop, date: r.date,
      girls: r.girls, boys: r.boys, by_level: r.by_level, kits_used: r.kits_used, kits_broken: r.kits_broken,
      notes: r.notes, recorded_at: r.recorded_at,
    };
  }

  function loginAgain() {
    const node = $("sync-status");
    node.replaceChildren(el("a", { href: root.dataset.login, text: S.loginAgain }));
    node.className = "small text-danger mb-0 mt-2";
  }

  async function sync() {
    if (syncing) return;
    const pending = (await allReports()).filter((r) => r.state === "pending");
    if (!pending.length) { say("sync-status", S.sentAll, "success"); return; }
    syncing = true;
    $("send-now").disabled = true;
    say("sync-status", S.sending, "muted");
    try {
      const resp = await fetch(root.dataset.apiReports, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(pending.map(payload)),
      });
      if (resp.status === 401 || resp.status === 403) { loginAgain(); return; }
      if (!resp.ok) throw new Error(String(resp.status));
      const answer = await resp.json();
      const sent = Object.fromEntries(pending.map((r) => [r.client_id, r.local_version]));
      for (const result of answer.results) {
        const r = await getReport(result.client_id);
        // Edited again while this upload was on its way: keep it waiting for the next one.
        if (!r || r.local_version !== sent[result.client_id]) continue;
        if (result.status === "ok") {
          r.state = "sent"; r.base_version = result.version; r.errors = null; r.server = null;
        } else if (result.status === "conflict") {
          r.state = "conflict"; r.server = result.server;
        } else {
          r.state = "error"; r.errors = result.errors || {};
        }
        await putReport(r);
      }
      await kvPut("last-sync", new Date().toISOString());
      const left = (await allReports()).filter((r) => r.state !== "sent").length;
      say("sync-status", left ? "" : S.sentAll, "success");
    } catch (e) {
      say("sync-status", S.sendFailed, "danger");
    } finally {
      syncing = false;
      $("send-now").disabled = false;
      await refresh();
    }
  }

  // ---------------------------------------------------------------- start
  form.addEventListener("submit", save);
  $("clear").addEventListener("click", function () { resetForm(); say("form-status", ""); });
  form.addEventListener("input", function (e) { if (e.target.closest("#grade-rows")) updateTotals(); });
  $("f-visit").addEventListener("change", () => onVisitChange(false));
  $("f-school").addEventListener("change", () => renderGrades({}));
  $("send-now").addEventListener("click", sync);
  $("reload-visits").addEventListener("click", loadVisits);
  window.addEventListener("online", function () { showNet(); loadVisits(); sync(); });
  window.addEventListener("offline", showNet);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: root.dataset.apiVisits.replace(/api\/visits\/$/, "") })
      .catch(function () { /* the app works online without it */ });
  }

  (async function start() {
    showNet();
    resetForm();
    await refresh();
    await loadVisits();
    root.dataset.ready = "1";
    if (navigator.onLine) sync();
  })();
})();
