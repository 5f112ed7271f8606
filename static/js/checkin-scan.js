// The organiser's check-in page: read a member's QR code with the phone's
// camera and submit it like a typed code. Without a camera (or permission)
// the typed code still works: the button stays hidden or explains.
// The browser's own BarcodeDetector where there is one (Chrome on Android),
// else jsQR (vendored in static/vendor/jsqr-1.4.0, no eval: CSP-safe).
(function () {
  "use strict";
  var start = document.getElementById("scan-start");
  if (!start || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  var area = document.getElementById("scan-area");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var input = document.getElementById(start.getAttribute("data-scan-target"));
  var form = input && input.form;
  if (!area || !video || !status || !form) {
    return;
  }
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var detector = null;
  if ("BarcodeDetector" in window) {
    try {
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (error) {
      detector = null;
    }
  }
  var stream = null;
  var busy = false;
  var CODE = /^\s*\d{1,10}-?[A-Za-z0-9]{6}\s*$/;

  function stop() {
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    video.srcObject = null;
    start.textContent = "Scan with the camera";
    start.setAttribute("aria-pressed", "false");
  }

  function found(text) {
    if (!CODE.test(text)) {
      status.textContent = "That QR code isn't a check-in code. Keep looking.";
      return false;
    }
    stop();
    input.value = text.trim();
    status.textContent = "Code read: " + input.value + ". Checking in…";
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
    return true;
  }

  function readFrame() {
    if (!stream || busy) {
      return;
    }
    if (video.readyState < video.HAVE_ENOUGH_DATA) {
      window.requestAnimationFrame(readFrame);
      return;
    }
    if (detector) {
      busy = true;
      detector.detect(video).then(function (codes) {
        busy = false;
        if (!(codes.length && found(codes[0].rawValue))) {
          window.requestAnimationFrame(readFrame);
        }
      }, function () {
        busy = false;
        detector = null; // fall back to jsQR
        window.requestAnimationFrame(readFrame);
      });
      return;
    }
    if (typeof window.jsQR !== "function") {
      status.textContent = "The scanner didn't load: type the code instead.";
      stop();
      return;
    }
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR(image.data, image.width, image.height, {
      inversionAttempts: "dontInvert"
    });
    if (!(code && found(code.data))) {
      window.requestAnimationFrame(readFrame);
    }
  }

  start.classList.remove("d-none");
  start.setAttribute("aria-pressed", "false");
  start.addEventListener("click", function () {
    if (stream) {
      stop();
      area.classList.add("d-none");
      status.textContent = "";
      return;
    }
    area.classList.remove("d-none");
    status.textContent = "Starting the camera…";
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        start.textContent = "Stop the camera";
        start.setAttribute("aria-pressed", "true");
        status.textContent = "Point the camera at the member's QR code.";
        return video.play();
      })
      .then(function () { window.requestAnimationFrame(readFrame); })
      .catch(function (error) {
        stop();
        status.textContent =
          error && error.name === "NotAllowedError"
            ? "The camera is blocked for this site: allow it in the browser, or type the code."
            : "No camera could be started: type the code instead.";
      });
  });
})();
