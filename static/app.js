// The portal's one page script, loaded by every page (the Content-Security-Policy allows no
// inline script). Print buttons carry `data-print`; a closed report group would not print, so
// every group opens before printing (the button or Ctrl+P).
document.addEventListener("click", function (e) {
  var b = e.target.closest && e.target.closest("[data-print]");
  if (b) { window.print(); }
});
addEventListener("beforeprint", function () {
  document.querySelectorAll("details.report-group").forEach(function (d) { d.open = true; });
});
