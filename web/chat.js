/*
 * The web chat: mounts the rasa-webchat widget (socket.io to Rasa), shows a banner while the
 * connection to the server is lost, and sends the browser's position on "Bagikan lokasi saya"
 * as /share_location{"lat": …, "lon": …}.
 */
(function () {
  "use strict";

  var config = window.BOT_CONFIG || {};
  // Without config.js (another static server), Rasa is assumed on port 5005 of the same host.
  var socketUrl = config.socketUrl || (location.protocol + "//" + location.hostname + ":5005");

  var banner = document.getElementById("connection-banner");
  var locationButton = document.getElementById("share-location");
  var locationStatus = document.getElementById("location-status");
  var widget = null;  // the widget's handle: sendMessage(payload, textShownToUser)

  function setConnected(connected) {
    banner.hidden = connected;
    locationButton.disabled = !connected;
  }

  window.WebChat.default({
    socketUrl: socketUrl,
    socketPath: "/socket.io/",
    initPayload: "/greet",
    title: "Asisten BPJS Ketenagakerjaan",
    subtitle: "Kalimantan Barat",
    inputTextFieldHint: "Ketik pertanyaan Anda…",
    connectingText: "Menghubungkan ke server…",
    embedded: true,
    withRules: false,
    hideWhenNotConnected: false,
    showMessageDate: false,
    params: { storage: "local" },
    customMessageDelay: function () { return 300; },
    onSocketEvent: {
      connect: function () { setConnected(true); },
      disconnect: function () { setConnected(false); },
      connect_error: function () { setConnected(false); }
    },
    innerRef: function (handle) { widget = handle; }
  }, document.getElementById("chat"));

  function round(value) {
    return Math.round(value * 100000) / 100000;
  }

  locationButton.addEventListener("click", function () {
    if (!navigator.geolocation) {
      locationStatus.textContent = "Browser ini tidak dapat membagikan lokasi.";
      return;
    }
    locationStatus.textContent = "Mengambil lokasi…";
    navigator.geolocation.getCurrentPosition(function (position) {
      var payload = "/share_location" + JSON.stringify({
        lat: round(position.coords.latitude),
        lon: round(position.coords.longitude)
      });
      locationStatus.textContent = "";
      if (widget) {
        widget.sendMessage(payload, "Lokasi saya");
      }
    }, function (error) {
      locationStatus.textContent = error.code === error.PERMISSION_DENIED
        ? "Izin lokasi ditolak. Sebutkan kecamatan atau desa Anda di kolom chat."
        : "Lokasi tidak dapat diambil. Sebutkan kecamatan atau desa Anda di kolom chat.";
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 });
  });
})();
