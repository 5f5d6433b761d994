// Keeps the board's countdown to the cutoff live. The server's text is the fallback;
// the page's language decides the words.
(function () {
  var element = document.querySelector(".countdown[data-deadline]");
  if (!element) { return; }
  var deadline = new Date(element.dataset.deadline).getTime();
  var vietnamese = document.documentElement.lang !== "en";
  var units = vietnamese ? [["ngày", "ngày"], ["giờ", "giờ"], ["phút", "phút"], ["giây", "giây"]]
                         : [["day", "days"], ["hour", "hours"], ["minute", "minutes"], ["second", "seconds"]];
  function render() {
    var left = Math.floor((deadline - Date.now()) / 1000);
    if (left <= 0) { element.textContent = element.dataset.over; return; }
    var parts = [Math.floor(left / 86400), Math.floor(left % 86400 / 3600), Math.floor(left % 3600 / 60), left % 60];
    var first = parts.findIndex(function (n) { return n > 0; });
    var shown = [];
    for (var i = first; i < first + 2 && i < 4; i++) {
      if (parts[i]) { shown.push(parts[i] + " " + units[i][parts[i] === 1 ? 0 : 1]); }
    }
    element.textContent = (vietnamese ? "còn " : "") + shown.join(" ") + (vietnamese ? "" : " left");
  }
  render();
  setInterval(render, 1000);
})();
