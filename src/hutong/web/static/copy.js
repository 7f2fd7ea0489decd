// Copy buttons: the only script on hutong pages. Without it the link stays selectable text.
document.querySelectorAll("button.copy").forEach(function (button) {
  var box = document.getElementById(button.dataset.copy);
  if (!box) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var done = function () { button.textContent = button.dataset.done; };
    box.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(box.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
});
