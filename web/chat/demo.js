// The demo page: shows the embed snippet and loads the widget for ?channel=<id>. In a file,
// not inline, so the page's Content-Security-Policy can forbid inline script.
const params = new URLSearchParams(location.search);
const channel = params.get("channel");
// ?language=es (or en, pt-BR) shows the widget in that language whatever the browser's.
const language = params.get("language");
const src = location.origin + "/chat/widget.js";
document.getElementById("snippet").textContent =
  `<script src="${src}" data-channel="${channel || "<channel id>"}" async></script>`;
if (channel) {
  const s = document.createElement("script");
  s.src = src;
  s.dataset.channel = channel;
  s.dataset.title = "Loja Demo";
  if (language) s.dataset.language = language;
  document.body.appendChild(s);
} else {
  document.getElementById("missing").hidden = false;
}
