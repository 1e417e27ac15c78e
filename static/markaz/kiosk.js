// Kiosk: read badges with the device camera through the browser's barcode detection when it
// exists; otherwise the typed code form does the same job. No library, works offline.
(function () {
  "use strict";
  // A refused kiosk token (the page was open too long) answers 403 with a message to show.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 403 && event.detail.target.id === "scan-result") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // After each scan: an empty field, ready for the next badge.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    const scanForm = document.getElementById("scan-form");
    if (scanForm && event.detail.elt === scanForm) {
      scanForm.reset();
      scanForm.code.focus();
    }
  });
  const video = document.getElementById("camera");
  const status = document.getElementById("camera-status");
  const form = document.getElementById("scan-form");
  if (!video || !form) return;
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) {
    status.textContent = status.dataset.unsupported;
    return;
  }
  let last = "", lastAt = 0, busy = false;
  const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" } }).then(function (stream) {
    video.srcObject = stream;
    video.classList.remove("d-none");
    video.play();
    setInterval(async function () {
      if (busy || video.readyState < 2) return;
      try {
        const codes = await detector.detect(video);
        if (!codes.length) return;
        const value = codes[0].rawValue;
        const now = Date.now();
        if (value === last && now - lastAt < 5000) return; // the server also merges repeats
        last = value; lastAt = now; busy = true;
        form.code.value = value;
        form.requestSubmit();
        setTimeout(function () { busy = false; }, 1500);
      } catch (e) { /* a frame that could not be read */ }
    }, 300);
  }).catch(function () { status.textContent = status.dataset.denied; });
})();
