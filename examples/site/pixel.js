/* A small stand-in for TikTok's pixel SDK, written for pixelhelper's tests and demos.
 * It sends the same payload shapes as the real SDK (see ../shared/captures) with
 * navigator.sendBeacon, i.e. POST text/plain;charset=UTF-8, to analytics.tiktok.com:
 *   /api/v2/pixel      Pageview and tracked events
 *   /api/v2/pixel/act  auto-collected "metadata & button clicks"
 * It is not TikTok's code and collects nothing by itself: every value comes from the page. */
(function () {
  "use strict";
  var script = document.currentScript;
  var CODE = (script && script.getAttribute("data-pixel")) || "CQ8PJ3RC77U4LT2MKR2G";
  var HOST = "https://analytics.tiktok.com";
  var counter = 0;
  var user = {};
  var consent = "granted";  /* as TikTok's SDK: holdConsent / grantConsent / revokeConsent */
  var held = [];

  function id(prefix) {
    counter += 1;
    return prefix + "-" + Date.now() + "-" + (4812039475610 + counter) + "-" + CODE;
  }

  function context() {
    return {
      ad: { sdk_env: "external", jsb_status: 2 },
      device: { platform: "pc" },
      user: Object.assign({ anonymous_id: "01JZGKKZ7YCQWRDASWKDH1J19Z_.tt.1" }, user),
      pixel: { code: CODE, runtime: "1" },
      page: { url: location.href, referrer: document.referrer, load_progress: "2" },
      library: { name: "pixel.js", version: "pixelhelper-test-1.0" },
      session_id: "ad5497f5-2444-11f0-8aa1-020017104972::ZUoDMc9pZAVFlEh-peNB",
      userAgent: navigator.userAgent,
      index: counter
    };
  }

  function send(path, body) {
    if (consent === "held") { held.push([path, body]); return; }
    if (consent === "revoked") { return; }
    var text = JSON.stringify(body);
    if (!navigator.sendBeacon || !navigator.sendBeacon(HOST + path, text)) {
      fetch(HOST + path, { method: "POST", body: text, keepalive: true, mode: "no-cors",
                           headers: { "Content-Type": "text/plain;charset=UTF-8" } });
    }
  }

  function track(event, properties, options) {
    send("/api/v2/pixel", {
      event: event,
      event_id: (options && options.event_id) || "",
      message_id: id("messageId"),
      is_onsite: false,
      timestamp: new Date().toISOString(),
      context: context(),
      properties: properties || {},
      _inspection: {},
      signal_diagnostic_labels: { raw_email: { label: user.email ? "valid" : "missing" } }
    });
  }

  function metadata() {
    var og = {};
    document.querySelectorAll("meta[property^='og:']").forEach(function (m) {
      og[m.getAttribute("property")] = m.getAttribute("content");
    });
    send("/api/v2/pixel/act", {
      event_id: "", message_id: id("messageId"), is_onsite: false,
      timestamp: new Date().toISOString(), context: context(), properties: {},
      action: "Metadata",
      auto_collected_properties: {
        page_trigger: "PageView",
        content_data: { open_graph: JSON.stringify(og), microdata: "[]", json_ld: "[]",
                        meta: JSON.stringify({ title: document.title }) }
      }
    });
  }

  function click(element) {
    send("/api/v2/pixel/act", {
      event_id: "", message_id: id("messageId"), is_onsite: false,
      timestamp: new Date().toISOString(), context: context(), properties: {},
      action: "Click",
      auto_collected_properties: {
        trigger_element: {
          tag: element.tagName, inner_text: (element.innerText || "").trim(),
          attributes: { id: element.id, class: element.className },
          xpath: "/HTML/body[1]//" + element.tagName + "[@id='" + element.id + "']",
          num_child_buttons: 0, timestamp: new Date().toISOString()
        }
      }
    });
  }

  window.ttq = {
    page: function () { track("Pageview", {}); metadata(); },
    track: track,
    identify: function (fields) { user = Object.assign(user, fields); },
    holdConsent: function () { if (consent === "granted") { consent = "held"; } },
    grantConsent: function () {
      var waiting = held;
      consent = "granted";
      held = [];
      waiting.forEach(function (item) { send(item[0], item[1]); });
    },
    revokeConsent: function () { consent = "revoked"; held = []; }
  };

  document.addEventListener("click", function (e) {
    var el = e.target.closest("button, a.button");
    if (el) { click(el); }
  }, true);
})();
