// The composer: Enter sends, Shift+Enter breaks the line; `/` opens the group's quick replies
// and `#` searches the FAQ articles (arrows choose, Enter or Tab inserts); emoji; files within
// the group's limits; a tab for internal notes. Sending while paused asks to resume first.
// What is typed is kept per conversation until it is sent (see `drafts`).

import { api, ApiError } from "../api.js";
import { disclosure, h, modal, size, toast } from "../dom.js";
import { t } from "../i18n.js";
import { store } from "../store.js";

const DRAFT = "atende.console.draft.";

/** What I typed in a conversation and have not sent, kept in the tab's session storage: the
 * conversation is redrawn on many changes (a favourite, pending, a change of state in the feed),
 * the agent moves between conversations and between the reply and the note tabs, and a session
 * that expires sends them to the login; none of these may throw away a half-written answer. */
export const drafts = {
  /** @param {number} conversation */
  key(conversation) { return `${DRAFT}${store.state.me?.user?.id ?? 0}.${conversation}`; },
  /** @param {number} conversation */
  get(conversation) {
    try { return sessionStorage.getItem(this.key(conversation)) || ""; } catch { return ""; }
  },
  /** @param {number} conversation @param {string} text */
  set(conversation, text) {
    try {
      if (text.trim()) sessionStorage.setItem(this.key(conversation), text);
      else sessionStorage.removeItem(this.key(conversation));
    } catch { /* storage full or refused: the text stays in the box */ }
  },
  /** Forgets every draft (an explicit logout: the next person at this tab must not see them). */
  clear() {
    try {
      for (const k of Object.keys(sessionStorage)) if (k.startsWith(DRAFT)) sessionStorage.removeItem(k);
    } catch { /* nothing kept */ }
  },
};

const EMOJI = ["😀", "😊", "😉", "🙂", "🙏", "👍", "👏", "🎉", "❤️", "✅", "⏳", "📦", "📞", "💳", "🚚", "⚠️"];

/** Which group flag allows a file of this type. @param {string} type */
function kindOf(type) {
  const main = type.split("/")[0];
  return main === "image" ? "image" : main === "audio" ? "audio" : main === "video" ? "video" : "documents";
}

/** @param {File} file @returns {Promise<string>} */
function base64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",")[1] || "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

class Composer extends HTMLElement {
  /** @param {any} conversation @param {any} options @param {(m: any) => void} onSent */
  setup(conversation, options, onSent) {
    this.conversation = conversation;
    this.options = options;
    this.onSent = onSent;
    this.mode = "reply";
    /** @type {{label: string, detail: string, text: string}[]} */ this.suggestions = [];
    this.active = 0;
    this.render();
  }

  render() {
    const note = this.mode === "note";
    const receiveOnly = this.options.receive_only && !note;
    /** @param {string} mode @param {string} label */
    const tab = (mode, label) => h("button", { type: "button", role: "tab", "aria-selected": String(this.mode === mode), class: "tab", text: t(label),
      onclick: () => { this.mode = mode; this.render(); this.input?.focus(); } });
    this.input = h("textarea", {
      id: "composer-input", rows: 2, "aria-label": t(note ? "compose.note" : "compose.label"),
      placeholder: t(note ? "compose.note_placeholder" : "compose.placeholder"),
      "aria-autocomplete": "list", "aria-controls": "composer-suggestions",
      disabled: receiveOnly,
      onkeydown: (/** @type {KeyboardEvent} */ ev) => this.key(ev),
      oninput: () => { this.keep(); this.fit(); this.suggest(); },
    });
    this.input.value = drafts.get(this.conversation.id);
    this.popup = h("ul", { id: "composer-suggestions", class: "suggestions", role: "listbox", hidden: true, "aria-label": t("compose.quick_replies") });
    const file = h("input", { type: "file", id: "composer-file", hidden: true, "aria-label": t("att.attach"), onchange: (/** @type {Event} */ ev) => {
      const f = /** @type {HTMLInputElement} */ (ev.target).files?.[0];
      if (f) this.upload(f);
      /** @type {HTMLInputElement} */ (ev.target).value = "";
    } });
    const emoji = disclosure("emoji", t("compose.emoji"), "☺",
      h("div", { class: "emoji-grid" }, EMOJI.map((e) => h("button", { type: "button", text: e, "aria-label": e, onclick: () => this.insert(e) }))));
    this.replaceChildren(h("div", { class: "composer" + (note ? " note-mode" : "") }, [
      h("div", { class: "tabs", role: "tablist" }, [tab("reply", "compose.reply"), tab("note", "compose.note")]),
      receiveOnly ? h("p", { class: "muted", text: t("compose.receive_only") }) : null,
      h("div", { class: "compose-box" }, [this.popup, this.input]),
      h("div", { class: "compose-bar" }, [
        emoji,
        note ? null : h("button", { type: "button", class: "icon-btn", title: t("att.attach"), "aria-label": t("att.attach"), onclick: () => file.click() },
          [h("span", { "aria-hidden": "true", text: "📎" })]),
        file,
        h("span", { class: "spacer" }),
        h("button", { type: "button", class: "primary", text: t("compose.send"), disabled: receiveOnly, onclick: () => this.send() }),
      ]),
    ]));
    this.fit();
  }

  /** Keeps what the box holds as this conversation's draft. */
  keep() {
    if (this.input) drafts.set(this.conversation.id, this.input.value);
  }

  /** The box grows with its lines (Shift+Enter, a pasted text) up to its CSS max-height, and
   * shrinks back after sending, instead of showing two lines and a scroll bar. */
  fit() {
    const box = this.input;
    if (!box) return;
    box.style.height = "auto";
    box.style.height = `${box.scrollHeight + 2}px`;
  }

  /** Empties the box and the draft after `text` went out. The conversation may have been redrawn
   * while it was sending, with a new composer that restored the same text from the draft.
   * @param {string} text */
  sent(text) {
    drafts.set(this.conversation.id, "");
    for (const box of [this.input, document.getElementById("composer-input")]) {
      if (box instanceof HTMLTextAreaElement && box.value.trim() === text) box.value = "";
    }
    this.fit();
  }

  /** @param {string} text */
  insert(text) {
    const input = /** @type {HTMLTextAreaElement} */ (this.input);
    const at = input.selectionStart ?? input.value.length;
    input.value = input.value.slice(0, at) + text + input.value.slice(input.selectionEnd ?? at);
    input.focus();
    input.selectionStart = input.selectionEnd = at + text.length;
    this.keep();
    this.fit();
    /** @type {any} */ (this.querySelector("div.emoji"))?.close();
  }

  /** @param {KeyboardEvent} ev */
  key(ev) {
    const open = !this.popup?.hidden && this.suggestions.length > 0;
    if (open && (ev.key === "ArrowDown" || ev.key === "ArrowUp")) {
      ev.preventDefault();
      this.active = (this.active + (ev.key === "ArrowDown" ? 1 : this.suggestions.length - 1)) % this.suggestions.length;
      this.paintSuggestions();
      return;
    }
    if (open && (ev.key === "Enter" || ev.key === "Tab")) {
      ev.preventDefault();
      this.choose(this.active);
      return;
    }
    if (open && ev.key === "Escape") { this.hideSuggestions(); return; }
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      this.send();
    }
  }

  /** `/short` lists quick replies; `#words` searches articles (debounced). */
  suggest() {
    const value = /** @type {HTMLTextAreaElement} */ (this.input).value;
    clearTimeout(this.searchTimer);
    if (value.startsWith("/") && !value.includes(" ") && this.mode === "reply") {
      const typed = value.slice(1).toLowerCase();
      this.suggestions = this.options.quick_replies
        .filter((/** @type {any} */ q) => q.shortcut.startsWith(typed))
        .map((/** @type {any} */ q) => ({ label: "/" + q.shortcut, detail: q.text, text: this.filled(q.text) }));
      this.active = 0;
      this.popup?.setAttribute("aria-label", t("compose.quick_replies"));
      this.paintSuggestions();
    } else if (value.startsWith("#") && this.mode === "reply") {
      const q = value.slice(1).trim();
      this.popup?.setAttribute("aria-label", t("compose.articles"));
      this.searchTimer = setTimeout(async () => {
        const found = await api("GET", `/api/admin/articles?status=active&limit=8${q ? "&q=" + encodeURIComponent(q) : ""}`).catch(() => /** @type {{items: any[]}} */ ({ items: [] }));
        if (!/** @type {HTMLTextAreaElement} */ (this.input).value.startsWith("#")) return;
        this.suggestions = found.items.map((/** @type {any} */ a) => ({ label: a.title, detail: a.body, text: `${a.title}\n\n${a.body}` }));
        this.active = 0;
        this.paintSuggestions();
      }, 200);
    } else {
      this.hideSuggestions();
    }
  }

  paintSuggestions() {
    const popup = /** @type {HTMLElement} */ (this.popup);
    const input = /** @type {HTMLTextAreaElement} */ (this.input);
    popup.hidden = false;
    if (!this.suggestions.length) {
      popup.replaceChildren(h("li", { class: "muted", text: t("compose.no_match") }));
      input.removeAttribute("aria-activedescendant");
      return;
    }
    popup.replaceChildren(...this.suggestions.map((s, i) => h("li", {
      id: `suggestion-${i}`, role: "option", "aria-selected": String(i === this.active), class: i === this.active ? "active" : "",
      onmousedown: (/** @type {MouseEvent} */ ev) => { ev.preventDefault(); this.choose(i); },
    }, [h("strong", { text: s.label }), h("span", { text: s.detail })])));
    input.setAttribute("aria-activedescendant", `suggestion-${this.active}`);
  }

  hideSuggestions() {
    if (this.popup) this.popup.hidden = true;
    this.input?.removeAttribute("aria-activedescendant");
    this.suggestions = [];
  }

  /** A quick reply with its placeholders filled in for this conversation: `{name}` and
   * `{first_name}` the customer's, `{protocol}` the conversation's, `{agent}` mine; each also
   * in Portuguese and Spanish (`{nome}`, `{primeiro_nome}`, `{protocolo}`, `{atendente}`;
   * `{nombre}`, `{primer_nombre}`, `{agente}`). Anything else in braces stays as written.
   * @param {string} text */
  filled(text) {
    const summary = store.state.conversations.find((x) => x.id === this.conversation.id);
    const name = String(summary?.client_name || "").trim();
    /** @type {Record<string, string>} */
    const values = {
      name, nome: name, nombre: name,
      first_name: name.split(/\s+/)[0], primeiro_nome: name.split(/\s+/)[0], primer_nombre: name.split(/\s+/)[0],
      protocol: this.conversation.protocol, protocolo: this.conversation.protocol,
      agent: store.state.me.user.display_name, atendente: store.state.me.user.display_name, agente: store.state.me.user.display_name,
    };
    return text.replace(/\{(\w+)\}/g, (whole, key) => (values[key] ? values[key] : whole));
  }

  /** @param {number} i */
  choose(i) {
    const s = this.suggestions[i];
    if (!s) return;
    /** @type {HTMLTextAreaElement} */ (this.input).value = s.text;
    this.keep();
    this.fit();
    this.hideSuggestions();
    this.input?.focus();
  }

  async send() {
    const input = /** @type {HTMLTextAreaElement} */ (this.input);
    const text = input.value.trim();
    // A second Enter while the first is on its way would send the text twice.
    if (!text || this.sending) return;
    this.sending = true;
    const path = `/api/inbox/conversations/${this.conversation.id}/${this.mode === "note" ? "notes" : "messages"}`;
    try {
      const m = await this.whileReady(() => api("POST", path, { text }));
      if (!m) return;
      this.sent(text);
      this.onSent?.(m);
    } catch (e) {
      toast(/** @type {Error} */ (e).message, "error");
    } finally {
      this.sending = false;
    }
  }

  /** Runs `call`; when it is refused because I am paused, asks whether to resume, and if so
   * goes ready and runs it again. @template T @param {() => Promise<T>} call @returns {Promise<T | null>} */
  async whileReady(call) {
    try {
      return await call();
    } catch (e) {
      if (!(e instanceof ApiError && e.code === "agent_paused")) throw e;
      const yes = await modal(t("paused.title"), [h("p", { text: t("paused.question") })], t("paused.resume"), t("common.no"));
      if (!yes) return null;
      store.set({ status: await api("PUT", "/api/inbox/status", { status: "ready" }) }, "status");
      return call();
    }
  }

  /** @param {File} file */
  async upload(file) {
    const limits = this.options.attachments;
    const kind = kindOf(file.type || "application/octet-stream");
    if (!limits[kind]) return toast(t("att.forbidden", { kind: t(`att.kind.${kind}`) }), "error");
    if (file.size > limits.max_bytes) return toast(t("att.too_big", { name: file.name, size: size(file.size), limit: size(limits.max_bytes) }), "error");
    const sending = toast(t("att.sending", { name: file.name }));
    try {
      const data = await base64(file);
      const caption = /** @type {HTMLTextAreaElement} */ (this.input).value.trim() || undefined;
      const m = await this.whileReady(() => api("POST", `/api/inbox/conversations/${this.conversation.id}/attachments`,
        { filename: file.name, content_type: file.type || "application/octet-stream", data, caption }));
      if (!m) return;
      if (caption) this.sent(caption);
      this.onSent?.(m);
    } catch (e) {
      toast(/** @type {Error} */ (e).message, "error");
    } finally {
      sending?.remove();
    }
  }
}

customElements.define("at-composer", Composer);
