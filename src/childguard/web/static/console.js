// childguard console: reveal one item at a time, blur steps, note drafts, upload progress.
// No framework, no network request outside this origin.
(function () {
  "use strict";
  var csrfField = document.querySelector('input[name="csrf"]');
  var csrf = csrfField ? csrfField.value : "";

  function previewUrl(fig, level, grey) {
    return "/cases/" + fig.dataset.case + "/media/" + fig.dataset.media +
      "/preview?level=" + level + "&grey=" + grey + "&draw=" + (level > 0 || grey ? 1 : 0) +
      "&t=" + Date.now();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    var fig = button.closest("figure.viewer");
    var action = button.dataset.action;
    if (action === "reveal" && fig) {
      button.disabled = true;
      fetch(button.dataset.url, {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }
      }).then(function (r) { return r.json().then(function (b) { return [r, b]; }); })
        .then(function (rb) {
          var r = rb[0], body = rb[1];
          if (r.status === 401) { window.location = "/login?next=" + encodeURIComponent(location.pathname); return; }
          if (!r.ok) {
            var p = document.getElementById("break-prompt");
            p.textContent = body.error ? body.error.message : "";
            p.hidden = false;
            return;
          }
          fig.dataset.level = fig.dataset.baseLevel;
          fig.dataset.grey = "1";
          fig.dataset.revealed = "1";
          fig.querySelector(".steps").hidden = false;
          fig.querySelector("img").classList.add("revealed");
          button.hidden = true;
          if (body["break"]) {
            var prompt = document.getElementById("break-prompt");
            prompt.textContent = body["break"];
            prompt.hidden = false;
          }
        })
        .catch(function () { button.disabled = false; });
      return;
    }
    if (!fig || fig.dataset.revealed !== "1") return;
    var img = fig.querySelector("img");
    var level = parseInt(fig.dataset.level || "0", 10);
    var grey = parseInt(fig.dataset.grey || "1", 10);
    if (action === "less-blur") level = Math.max(0, level - 1);
    if (action === "more-blur") level = Math.min(5, level + 1);
    if (action === "colour") grey = grey ? 0 : 1;
    if (action === "play") {
      var video = document.createElement("video");
      video.controls = true; video.muted = true; video.autoplay = false; video.preload = "none";
      video.src = "/cases/" + fig.dataset.case + "/media/" + fig.dataset.media + "/video";
      fig.insertBefore(video, fig.firstChild);
      button.hidden = true;
      return;
    }
    fig.dataset.level = String(level);
    fig.dataset.grey = String(grey);
    img.src = previewUrl(fig, level, grey);
  });

  // Keep an unsaved decision note across an expired session (this tab only).
  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    var key = "cg-draft-" + form.dataset.draft;
    var note = form.querySelector("textarea[name=note]");
    if (!note) return;
    var saved = window.sessionStorage.getItem(key);
    if (saved && !note.value) note.value = saved;
    note.addEventListener("input", function () { window.sessionStorage.setItem(key, note.value); });
    form.addEventListener("submit", function () {
      var submit = form.querySelector("button[type=submit]");
      window.setTimeout(function () { if (submit) submit.disabled = true; }, 0);
    });
  });
  if (/[?&]decided=1/.test(location.search)) {
    Object.keys(window.sessionStorage).forEach(function (k) {
      if (k.indexOf("cg-draft-note-") === 0) window.sessionStorage.removeItem(k);
    });
  }

  // Import with a progress bar.
  document.querySelectorAll("form[data-progress]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var bar = document.getElementById(form.dataset.progress);
      if (!bar || !window.XMLHttpRequest) return;
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      bar.hidden = false;
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
      xhr.onload = function () {
        if (xhr.responseURL) { window.location = xhr.responseURL; } else { document.open(); document.write(xhr.responseText); document.close(); }
      };
      xhr.send(new FormData(form));
    });
  });
})();
