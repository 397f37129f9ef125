/* The example shop's cookie banner, in the markup of OneTrust's (so DuckDuckGo's autoconsent,
 * and pixelhelper's `consent` steps, know how to answer it). The visitor's choice is kept for
 * the next pages. "Reject All" revokes the pixel's consent (ttq.revokeConsent): nothing is sent
 * after it. The shop's known mistake: the pixel does not wait for the choice (no
 * ttq.holdConsent()), so the home page's page view goes before the visitor has chosen. */
(function () {
  "use strict";
  var KEY = "example-shop-consent";
  var choice = null;
  try { choice = window.localStorage.getItem(KEY); } catch (e) { choice = null; }
  if (choice === "rejected") { ttq.revokeConsent(); }
  if (choice) { return; }

  // "Reject All" revokes before anything else hears of the click (the pixel's own click
  // collector listens on the document; the window hears a click first)
  window.addEventListener("click", function (e) {
    if (e.target && e.target.id === "onetrust-reject-all-handler") { ttq.revokeConsent(); }
  }, true);

  function choose(accepted) {
    try { window.localStorage.setItem(KEY, accepted ? "accepted" : "rejected"); } catch (e) {}
    document.cookie = "OptanonAlertBoxClosed=" + new Date().toISOString() + "; path=/";
    document.getElementById("onetrust-banner-sdk").style.display = "none";
    if (accepted) { ttq.grantConsent(); } else { ttq.revokeConsent(); }
  }

  function draw() {
    var holder = document.createElement("div");
    holder.id = "onetrust-consent-sdk";
    holder.innerHTML =
      '<div id="onetrust-banner-sdk" class="otFlat" role="region" aria-label="Cookie banner">' +
      '<div id="onetrust-policy"><p id="onetrust-policy-text">We use cookies to measure our ' +
      'advertising. You can accept or reject them.</p></div>' +
      '<div id="onetrust-button-group">' +
      '<button id="onetrust-reject-all-handler">Reject All</button>' +
      '<button id="onetrust-accept-btn-handler">Accept All Cookies</button></div></div>';
    document.body.appendChild(holder);
    document.getElementById("onetrust-reject-all-handler").onclick = function () { choose(false); };
    document.getElementById("onetrust-accept-btn-handler").onclick = function () { choose(true); };
  }

  if (document.body) { draw(); } else { document.addEventListener("DOMContentLoaded", draw); }
})();
