// The only script on hutong pages: copy buttons, and "back to safety" going back where there is a page
// to go back to. Without it the link stays selectable text and "back" opens a page that says nothing opened.
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
document.querySelectorAll("a[data-back]").forEach(function (link) {
  link.addEventListener("click", function (event) {
    // a page that sent the visitor here (it says so in the referrer) is there to go back to
    if (window.history.length > 1 && document.referrer) {
      event.preventDefault();
      window.history.back();
    }
  });
});
