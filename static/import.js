// The listings import form: a progress bar while the file uploads, then while the rows are
// checked; the answer replaces the page. Without XHR the form posts as usual.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("import-form");
  var bar = document.getElementById("import-progress");
  var status = document.getElementById("import-status");
  var button = document.getElementById("import-submit");
  if (!form || !bar || !window.FormData || !window.XMLHttpRequest) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
    };
    xhr.upload.onload = function () {
      bar.removeAttribute("value"); // indeterminate while the server checks the rows
      status.textContent = bar.dataset.checking;
    };
    xhr.onload = function () {
      if (xhr.responseURL) history.replaceState(null, "", xhr.responseURL);
      document.open();
      document.write(xhr.responseText);
      document.close();
    };
    xhr.onerror = function () {
      bar.hidden = true;
      status.textContent = "";
      button.disabled = false;
    };
    bar.value = 0;
    bar.hidden = false;
    status.textContent = bar.dataset.uploading;
    button.disabled = true;
    xhr.send(new FormData(form));
  });
});
