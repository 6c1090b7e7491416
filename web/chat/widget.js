/*
 * Atende web chat widget. Embed on any page:
 *   <script src="https://<atende host>/chat/widget.js" data-channel="<channel id>" async></script>
 * Optional: data-base="https://<atende host>" (defaults to where this script came from),
 * data-title, data-language (pt-BR, es, en).
 */
(function () {
  "use strict";
  const script = document.currentScript;
  const channel = script && script.dataset.channel;
  if (!channel) { console.error("Atende widget: data-channel is required"); return; }
  const base = (script.dataset.base || new URL(script.src).origin).replace(/\/$/, "");
  // "es", "es-MX", "en-GB"…: the widget speaks the language, whatever the region.
  const requested = (script.dataset.language || navigator.language || "pt-BR").toLowerCase();
  const language = requested.startsWith("es") ? "es" : requested.startsWith("en") ? "en" : "pt-BR";
  const t = {
    "pt-BR": { title: "Fale conosco", start: "Iniciar conversa", name: "Seu nome", contact: "Telefone ou e-mail", send: "Enviar",
          placeholder: "Digite sua mensagem…", faq: "Dúvidas frequentes", search: "Buscar nas dúvidas…", you: "Você", attach: "Anexar", close: "Fechar" },
    es: { title: "Habla con nosotros", start: "Iniciar conversación", name: "Tu nombre", contact: "Teléfono o e-mail", send: "Enviar",
          placeholder: "Escribe tu mensaje…", faq: "Preguntas frecuentes", search: "Buscar en las preguntas…", you: "Tú", attach: "Adjuntar", close: "Cerrar" },
    en: { title: "Chat with us", start: "Start chatting", name: "Your name", contact: "Phone or e-mail", send: "Send",
          placeholder: "Type your message…", faq: "FAQ", search: "Search the FAQ…", you: "You", attach: "Attach", close: "Close" },
  }[language];
  const api = base + "/widget/" + encodeURIComponent(channel);
  const storeKey = "atende.widget." + channel;
  let state = JSON.parse(localStorage.getItem(storeKey) || "{}");
  // The timeout of the chat's next read (null: no chat).
  let polling = null;
  // Messages from the company that arrived while the panel was closed: shown on the button.
  let unread = 0;
  let loaded = false;
  let inFlight = null;

  const css = `
    .atd-btn{display:flex;align-items:center;justify-content:center;position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;background:#15803d;color:#fff;
      font-size:26px;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000}
    .atd-panel{position:fixed;right:20px;bottom:88px;width:340px;max-width:calc(100vw - 40px);height:480px;max-height:calc(100vh - 120px);
      background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:none;flex-direction:column;overflow:hidden;
      font:14px/1.4 system-ui,sans-serif;color:#1d2733;z-index:2147483000}
    .atd-panel.open{display:flex}.atd-head{background:#15803d;color:#fff;padding:12px 16px;font-weight:600;display:flex;align-items:center;justify-content:space-between}
    .atd-close{background:none;border:0;color:#fff;font-size:22px;line-height:1;cursor:pointer;padding:0 4px}
    .atd-faq-toggle{font-size:18px;margin-right:6px}.atd-body[hidden]{display:none}.atd-body.atd-faq{padding:12px}
    .atd-body{flex:1;overflow:auto;padding:12px;background:#f5f7fa}.atd-form{padding:12px;display:flex;flex-direction:column;gap:8px}
    .atd-form input,.atd-compose input[type=text]{padding:8px;border:1px solid #c8d0da;border-radius:6px;font:inherit}
    .atd-form button,.atd-compose button{padding:8px 12px;border:0;border-radius:6px;background:#15803d;color:#fff;font:inherit;cursor:pointer}
    .atd-msg{margin:6px 0;padding:8px 10px;border-radius:10px;max-width:80%;white-space:pre-wrap;word-wrap:break-word}
    .atd-msg.customer{background:#15803d;color:#fff;margin-left:auto}.atd-msg.agent,.atd-msg.bot{background:#fff;border:1px solid #e1e6ec}
    .atd-choices{display:flex;flex-direction:column;gap:4px;margin-top:6px}
    .atd-choice{border:1px solid #15803d;background:#fff;color:#15803d;border-radius:8px;padding:6px 8px;text-align:left;cursor:pointer;font:inherit}
    .atd-choice:hover:not(:disabled){background:#e9f7ef}.atd-choice:disabled{opacity:.55;cursor:default}
    .atd-choice[aria-pressed=true]{background:#15803d;color:#fff;opacity:1}
    .atd-scale{flex-direction:row;flex-wrap:wrap}.atd-scale .atd-choice{min-width:2.2em;text-align:center;padding:6px 4px}
    .atd-msg.system{background:#fff8e1;font-size:12px;margin:6px auto;text-align:center}.atd-who{font-size:11px;opacity:.7}
    .atd-compose{display:flex;gap:6px;padding:8px;border-top:1px solid #e1e6ec}.atd-compose input[type=text]{flex:1}
    .atd-faq{font-size:13px;padding:0 12px}.atd-faq input{display:block;width:100%;box-sizing:border-box;margin:6px 0;padding:8px;border:1px solid #c8d0da;border-radius:6px;font:inherit}.atd-faq details{background:#fff;border:1px solid #e1e6ec;border-radius:6px;margin:4px 0;padding:6px 8px}
    .atd-err{color:#c0392b;font-size:12px}.atd-msg a{color:inherit;text-decoration:underline}
    .atd-time{display:block;font-size:10px;text-align:right;margin-top:2px}
    .atd-badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;box-sizing:border-box;border-radius:10px;background:#b42318;color:#fff;
      font:600 12px/20px system-ui,sans-serif;text-align:center}`;
  const style = document.createElement("style");
  style.textContent = css;
  document.head.appendChild(style);

  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text) e.textContent = text; return e; };
  const button = el("button", "atd-btn");
  button.innerHTML = '<svg viewBox="0 0 24 24" width="28" height="28" fill="currentColor" aria-hidden="true">' +
    '<path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
  button.setAttribute("aria-label", t.title);
  const badge = el("span", "atd-badge");
  badge.hidden = true;
  badge.setAttribute("aria-hidden", "true");
  button.append(badge);
  const panel = el("div", "atd-panel");
  panel.setAttribute("role", "dialog");
  const head = el("div", "atd-head");
  const heading = el("span", null, script.dataset.title || t.title);
  heading.id = "atd-title-" + channel;
  panel.setAttribute("aria-labelledby", heading.id);
  const close = el("button", "atd-close", "×");
  close.type = "button";
  close.setAttribute("aria-label", t.close);
  close.addEventListener("click", () => { panel.classList.remove("open"); remember(); if (polling !== null) schedule(); button.focus(); });
  // In a chat, the FAQ is a button away (the start form shows it below the form).
  const faqToggle = el("button", "atd-close atd-faq-toggle", "?");
  faqToggle.type = "button";
  faqToggle.setAttribute("aria-label", t.faq);
  faqToggle.setAttribute("aria-expanded", "false");
  faqToggle.hidden = true;
  const tools = el("span");
  tools.append(faqToggle, close);
  head.append(heading, tools);
  const body = el("div", "atd-body");
  // It scrolls: keyboard users need to reach it.
  body.tabIndex = 0;
  const faqPane = el("div", "atd-body atd-faq");
  faqPane.hidden = true;
  faqToggle.addEventListener("click", () => showFaq(faqPane.hidden));
  panel.append(head, body, faqPane);
  document.body.append(button, panel);
  button.addEventListener("click", () => {
    panel.classList.toggle("open");
    remember();
    if (!panel.classList.contains("open")) return;
    // A chat already on screen (polling behind the closed panel) is shown as it is, at its end.
    if (!state.token || !list || !list.isConnected) render();
    else { body.scrollTop = body.scrollHeight; poll(); schedule(); }
    setUnread(0);
  });
  // Back to the site's tab: read the chat at once, then at the cadence of what is on screen.
  document.addEventListener("visibilitychange", () => {
    if (polling === null) return;
    if (!document.hidden) poll();
    schedule();
  });

  // Open or closed, as the visitor left it: the next page of the site (or a reload) shows the chat
  // as it was.
  function remember() {
    if (!state.token) return;
    state.open = panel.classList.contains("open");
    localStorage.setItem(storeKey, JSON.stringify(state));
  }

  function setUnread(n) {
    unread = n;
    badge.textContent = n > 9 ? "9+" : String(n);
    badge.hidden = n === 0;
    button.setAttribute("aria-label", n ? t.title + " (" + n + ")" : t.title);
  }

  async function call(method, path, payload) {
    // The widget's language, not only the browser's: FAQ articles and error messages follow it.
    const headers = { "Content-Type": "application/json", "Accept-Language": language };
    if (state.token) headers.Authorization = "Bearer " + state.token;
    const res = await fetch(api + path, { method, headers, body: payload ? JSON.stringify(payload) : undefined });
    const data = res.status === 204 ? null : await res.json();
    if (res.status === 401) { state = {}; localStorage.removeItem(storeKey); }
    if (!res.ok) throw new Error((data && data.error && data.error.message) || res.statusText);
    return data;
  }

  function render() { state.token ? renderChat() : renderStart(); }

  // The FAQ over the chat, or the chat again; the conversation goes on polling underneath.
  function showFaq(on) {
    faqPane.hidden = !on;
    body.hidden = on;
    faqToggle.setAttribute("aria-expanded", String(on));
    if (!on) { body.scrollTop = body.scrollHeight; return; }
    const search = el("input"); search.placeholder = t.search; search.type = "search";
    search.setAttribute("aria-label", t.search);
    const results = el("div");
    let timer;
    search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => loadFaq(search.value, results), 250); });
    faqPane.replaceChildren(el("strong", null, t.faq), search, results);
    loadFaq("", results);
    search.focus();
  }

  function renderStart() {
    showFaq(false);
    faqToggle.hidden = true;
    stopPolling();
    body.replaceChildren();
    const form = el("form", "atd-form");
    const name = el("input"); name.placeholder = t.name; name.required = true; name.autocomplete = "name";
    name.setAttribute("aria-label", t.name);
    const contact = el("input"); contact.placeholder = t.contact; contact.required = true;
    contact.setAttribute("aria-label", t.contact);
    const go = el("button", null, t.start); go.type = "submit";
    const err = el("div", "atd-err");
    form.append(name, contact, go, err);
    const faq = el("div", "atd-faq");
    const search = el("input"); search.placeholder = t.search; search.type = "search";
    search.setAttribute("aria-label", t.search);
    const results = el("div");
    faq.append(el("strong", null, t.faq), search, results);
    let timer;
    search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => loadFaq(search.value, results), 250); });
    loadFaq("", results);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const c = contact.value.trim();
      const payload = { name: name.value, language };
      if (c.includes("@")) payload.email = c; else payload.phone = c;
      try {
        const started = await call("POST", "/sessions", payload);
        state = { token: started.token, name: started.name, cursor: 0, open: true };
        localStorage.setItem(storeKey, JSON.stringify(state));
        renderChat();
      } catch (e) { err.textContent = e.message; }
    });
    body.append(form, faq);
  }

  async function loadFaq(q, into) {
    try {
      const found = await call("GET", "/articles" + (q ? "?q=" + encodeURIComponent(q) : ""));
      into.replaceChildren(...found.items.map((a) => {
        const d = el("details"); d.append(el("summary", null, a.title), el("div", null, a.body)); return d;
      }));
    } catch (_) { into.replaceChildren(); }
  }

  let list, input;
  function renderChat() {
    // Opened again: one poll timer, not one more per opening.
    clearTimeout(polling);
    loaded = false;
    faqToggle.hidden = false;
    body.replaceChildren();
    list = el("div");
    // New messages are read out as they arrive.
    list.setAttribute("role", "log");
    body.append(list);
    const compose = el("form", "atd-compose");
    input = el("input"); input.type = "text"; input.placeholder = t.placeholder;
    input.setAttribute("aria-label", t.placeholder);
    const file = el("input"); file.type = "file"; file.style.display = "none";
    const clip = el("button", null, "+"); clip.type = "button"; clip.title = t.attach;
    clip.addEventListener("click", () => file.click());
    file.addEventListener("change", () => sendFile(file.files[0]));
    const send = el("button", null, t.send); send.type = "submit";
    compose.append(clip, input, file, send);
    panel.querySelector(".atd-compose")?.remove();
    panel.append(compose);
    compose.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      await sendMessage({ text });
    });
    state.cursor = 0;
    poll();
    schedule();
  }

  // How often the chat is read. Every open widget reads it on the server (under Spin, a database
  // connection each time), and a returning visitor's chat is followed on every page of the site:
  // every 2 s while the visitor looks at it, every 15 s behind the closed panel (an answer shows
  // on the button), every minute in a tab in the background.
  function pollDelay() {
    if (document.hidden) return 60000;
    return panel.classList.contains("open") ? 2000 : 15000;
  }

  function schedule() {
    clearTimeout(polling);
    polling = setTimeout(async () => {
      await poll();
      if (polling !== null) schedule();
    }, pollDelay());
  }

  function stopPolling() { clearTimeout(polling); polling = null; panel.querySelector(".atd-compose")?.remove(); }

  async function sendMessage(payload) {
    payload.client_message_id = (crypto.randomUUID && crypto.randomUUID()) || String(Date.now()) + Math.random();
    for (let attempt = 0; attempt < 3; attempt++) {
      try { await call("POST", "/messages", payload); break; }
      catch (e) { if (!state.token) return render(); await new Promise((r) => setTimeout(r, 1000 * (attempt + 1))); }
    }
    poll();
  }

  function sendFile(f) {
    if (!f) return;
    const reader = new FileReader();
    reader.onload = () => sendMessage({ attachment: { filename: f.name, content_type: f.type || "application/octet-stream",
                                                      data: String(reader.result).split(",")[1] } });
    reader.readAsDataURL(f);
  }

  async function download(id, name) {
    const res = await fetch(api + "/attachments/" + id, { headers: { Authorization: "Bearer " + state.token } });
    if (!res.ok) return;
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement("a");
    a.href = url; a.download = name || "arquivo";
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // When a message was written, in the visitor's clock: the time, and the date too when it was not
  // today (a visitor back days later reads the old conversation above the new one).
  function stamp(iso) {
    const d = new Date(iso);
    const time = d.toLocaleTimeString(language, { hour: "2-digit", minute: "2-digit" });
    return d.toDateString() === new Date().toDateString()
      ? time
      : d.toLocaleDateString(language, { day: "2-digit", month: "2-digit" }) + " " + time;
  }

  // Web addresses in a message open in a new tab (http and https only); the rest stays text.
  function linkified(text) {
    const out = [];
    let at = 0;
    for (const match of text.matchAll(/\bhttps?:\/\/[^\s<>"]+/gi)) {
      let url = match[0];
      while (/[.,;:!?)\]'}]$/.test(url) && !(url.endsWith(")") && url.includes("("))) url = url.slice(0, -1);
      if (match.index > at) out.push(document.createTextNode(text.slice(at, match.index)));
      const a = el("a", null, url);
      a.href = url; a.target = "_blank"; a.rel = "noopener noreferrer nofollow";
      out.push(a);
      at = match.index + url.length;
    }
    if (at < text.length) out.push(document.createTextNode(text.slice(at)));
    return out;
  }

  function retireChoices() {
    for (const b of list.querySelectorAll(".atd-choice")) b.disabled = true;
  }

  // One poll at a time: a send's poll racing the timer's would read the same cursor and show
  // the same messages twice.
  function poll() {
    if (!inFlight) inFlight = pollOnce().finally(() => { inFlight = null; });
    return inFlight;
  }

  async function pollOnce() {
    if (!state.token) return render();
    try {
      const got = await call("GET", "/messages?after=" + (state.cursor || 0));
      for (const m of got.messages) {
        // Options answer only the question they came with: once anything follows them, pressing
        // one again would answer the next question (a menu's "4" read as a survey's score).
        retireChoices();
        const bubble = el("div", "atd-msg " + m.role);
        if (m.role !== "customer" && m.role !== "system" && m.sender_name) bubble.append(el("div", "atd-who", m.sender_name));
        if (m.attachment_id) {
          const link = el("a", null, "📄 " + (m.body || "arquivo"));
          link.href = "#";
          link.style.color = "inherit";
          link.addEventListener("click", (ev) => { ev.preventDefault(); download(m.attachment_id, m.body); });
          bubble.append(link);
        } else if (Array.isArray(m.choices) && m.choices.length) {
          // A bot's question: its prompt, and its options as buttons (the body lists them too:
          // a line each, or a scale of numbers on one line).
          const scale = m.choices.every((/** @type {{title: string}} */ c) => /^\d+$/.test(c.title));
          const lines = (m.body || "").split("\n");
          const listed = scale ? 1 : m.choices.length;
          bubble.append(document.createTextNode(lines.slice(0, Math.max(1, lines.length - listed)).join("\n")));
          const options = el("div", scale ? "atd-choices atd-scale" : "atd-choices");
          for (const c of m.choices) {
            const button = el("button", "atd-choice", c.title);
            button.type = "button";
            button.addEventListener("click", () => {
              retireChoices();
              button.setAttribute("aria-pressed", "true");
              sendMessage({ text: c.title, choice: c.id });
            });
            options.append(button);
          }
          bubble.append(options);
        } else {
          bubble.append(...linkified(m.body || ""));
        }
        if (m.created_at) bubble.append(el("time", "atd-time", stamp(m.created_at)));
        list.append(bubble);
        if (loaded && m.role !== "customer" && !panel.classList.contains("open")) setUnread(unread + 1);
      }
      loaded = true;
      if (got.messages.length) body.scrollTop = body.scrollHeight;
      state.cursor = got.cursor;
    } catch (_) { if (!state.token) render(); }
  }

  // A returning visitor's chat is followed behind the closed panel, so an answer that arrives
  // while they browse the site shows on the button.
  if (state.token) {
    if (state.open) panel.classList.add("open");
    renderChat();
  }
})();
