// Runs before the first paint (a blocking script in index.html), so a saved Dark or Light choice
// shows at once instead of flashing the other theme. Keep it in step with src/theme.ts.
(function () {
  var choice = "system";
  try {
    choice = window.localStorage.getItem("ccsync.theme") || "system";
  } catch (e) {
    // storage unavailable: follow the system
  }
  var dark =
    choice === "dark" ||
    (choice !== "light" && !!window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.setAttribute("data-theme", dark ? "dark" : "light");
  document.documentElement.setAttribute("data-theme-choice", choice === "light" || choice === "dark" ? choice : "system");
})();
