// The console's shell: login, then the three panes of the inbox (list, conversation,
// customer) and, for supervisors and admins, the dashboard and history screens.

import { api, saveSession, session } from "./api.js";
import { h } from "./dom.js";
import { lang, setLang, t, translate } from "./i18n.js";
import { notify } from "./notify.js";
import { store } from "./store.js";
import "./views/login.js";
import "./views/topbar.js";
import "./views/offers.js";
import "./views/conversation-list.js";
import "./views/conversation.js";
import "./views/customer-panel.js";
import "./views/dashboard.js";
import "./views/history.js";
import "./views/reports.js";
import { drafts } from "./views/composer.js";

const ANSWERS = ["agent", "supervisor_agent"];
const SUPERVISES = ["supervisor", "supervisor_agent", "admin"];
const HEARTBEAT_MS = 30000;
// Nobody tells me when a customer starts waiting in one of my groups' queues (the feed carries
// my own conversations), so the counts are asked for on their own, slower clock.
const QUEUES_MS = 5000;

class App extends HTMLElement {
  connectedCallback() {
    setLang(lang());
    window.addEventListener("unauthorized", () => this.logout(false));
    window.addEventListener("langchange", () => this.render());
    store.addEventListener("events", (ev) => this.onEvents(/** @type {CustomEvent} */ (ev).detail));
    this.addEventListener("login", () => this.boot());
    this.addEventListener("logout", () => this.logout(true));
    document.addEventListener("keydown", (ev) => this.shortcut(ev));
    store.on("selected", () => this.querySelector(".panes")?.classList.toggle("has-selection", !!store.state.selected));
    store.on("conversations", () => this.showCount());
    store.on("offers", () => this.showCount());
    window.addEventListener("langchange", () => this.showCount());
    this.boot();
  }

  async boot() {
    if (!session()) return this.showLogin();
    try {
      const me = await api("GET", "/api/auth/me");
      if (me.user.must_change_password) return this.showLogin(true);
      store.set({ me });
      const preferred = /** @type {any} */ (me.user.language);
      if (!localStorage.getItem("atende.console.lang") && ["pt-BR", "es", "en"].includes(preferred)) setLang(preferred);
      const answers = ANSWERS.includes(me.user.profile);
      store.set({ view: answers ? "inbox" : "dashboard" });
      this.render();
      if (answers) {
        await Promise.all([store.refreshStatus(), store.refreshConversations(), store.refreshOffers(), store.refreshQueues()]);
        this.heartbeat = setInterval(() => api("POST", "/api/inbox/heartbeat").catch(() => {}), HEARTBEAT_MS);
        this.queues = setInterval(() => { if (!document.hidden) store.refreshQueues().catch(() => {}); }, QUEUES_MS);
        api("POST", "/api/inbox/heartbeat").catch(() => {});
        // Start from now: what happened before is already in the lists just loaded.
        for (;;) {
          const page = await api("GET", `/api/inbox/events?after=${store.state.cursor}`);
          store.state.cursor = page.cursor;
          if (page.events.length < 200) break;
        }
        store.start();
      }
      document.body.dataset.ready = "true";
      performance.mark("atende:ready");
    } catch (e) {
      // Refused (401): `logout` has shown the login already.
      if (!session()) { if (!this.querySelector("at-login")) this.showLogin(); }
      else this.replaceChildren(h("p", { class: "fatal", role: "alert", text: t("common.error", { message: String(/** @type {Error} */ (e).message) }) }));
    }
  }

  /** @param {boolean} [mustChange] @param {string} [expiredIn] the company of a session that expired */
  showLogin(mustChange, expiredIn) {
    store.stop();
    clearInterval(this.heartbeat);
    clearInterval(this.queues);
    const login = document.createElement("at-login");
    if (mustChange) login.setAttribute("change", "");
    if (expiredIn !== undefined) {
      login.setAttribute("expired", "");
      login.setAttribute("tenant", expiredIn);
    }
    this.replaceChildren(login);
    performance.mark("atende:login");
  }

  /** Signs out: by my choice (`callServer`), or because the server no longer knows my session
   * (it expired, or an admin ended it), which the login then says.
   * @param {boolean} callServer */
  async logout(callServer) {
    if (callServer) {
      await api("POST", "/api/auth/logout").catch(() => {});
      drafts.clear();
    }
    const tenant = session()?.tenant || "";
    saveSession(null);
    // Several requests in flight may each be refused: one login screen is enough.
    if (!callServer && this.querySelector("at-login")) return;
    // The views go first: they read the state they are subscribed to while it is emptied.
    this.showLogin(false, callServer ? undefined : tenant);
    store.set({ me: null, conversations: [], offers: [], queues: [], selected: null, cursor: 0 });
    store.state.favourites.clear();
  }

  render() {
    const me = store.state.me;
    if (!me) return;
    const profile = me.user.profile;
    const answers = ANSWERS.includes(profile);
    const supervises = SUPERVISES.includes(profile);
    const view = store.state.view;
    /** @param {string} name @param {string} label @param {string} icon */
    const tab = (name, label, icon) => h("button", {
      class: "rail-btn", type: "button", "aria-current": view === name ? "page" : null, title: t(label), "aria-label": t(label),
      dataset: { view: name }, onclick: () => { store.set({ view: name }); this.render(); },
    }, [h("span", { class: "rail-icon", "aria-hidden": "true", text: icon })]);
    const rail = h("nav", { class: "rail", "aria-label": t("nav.main") }, [
      h("div", { class: "brand", "aria-hidden": "true", text: "A" }),
      answers ? tab("inbox", "nav.inbox", "💬") : null,
      supervises ? tab("dashboard", "nav.dashboard", "📊") : null,
      supervises ? tab("history", "nav.history", "🗂") : null,
      supervises ? tab("reports", "nav.reports", "📈") : null,
      profile === "admin" ? h("a", { class: "rail-btn", href: "/api/docs", title: t("nav.api"), "aria-label": t("nav.api") },
        [h("span", { class: "rail-icon", "aria-hidden": "true", text: "{}" })]) : null,
    ]);
    const main = h("div", { class: "main" }, [
      h("at-topbar", { answers: answers ? "" : null }),
      h("div", { id: "net-banner", hidden: true }, [
        h("span", { id: "net-text", role: "status" }),
        h("button", { type: "button", class: "secondary small", text: t("net.retry"), onclick: () => store.pollNow() }),
      ]),
    ]);
    if (view === "inbox" && answers) {
      main.append(h("div", { class: "panes" + (store.state.selected ? " has-selection" : "") }, [
        h("at-conversation-list"),
        h("at-conversation", { id: "conversation", tabindex: "-1" }),
        h("at-customer-panel"),
      ]));
    } else if (view === "history" && supervises) {
      main.append(h("at-history", { class: "screen", id: "content", tabindex: "-1" }));
    } else if (view === "reports" && supervises) {
      main.append(h("at-reports", { class: "screen", id: "content", tabindex: "-1" }));
    } else {
      main.append(h("at-dashboard", { class: "screen", id: "content", tabindex: "-1" }));
    }
    // The skip link goes to what this view has: the conversation, or the screen.
    const skip = document.querySelector("a.skip");
    if (skip) {
      const inbox = main.querySelector("#conversation") !== null;
      skip.setAttribute("href", inbox ? "#conversation" : "#content");
      skip.setAttribute("data-i18n", inbox ? "app.skip" : "app.skip_content");
      skip.textContent = t(inbox ? "app.skip" : "app.skip_content");
    }
    this.replaceChildren(h("div", { class: "shell" }, [rail, main]));
    translate(this);
    this.showConnection();
    if (!this.unwatch) this.unwatch = store.on("connection", () => this.showConnection());
  }

  /** Unread messages and waiting offers in the tab's title, as "(3) Atende — Console": an agent
   * working in another tab sees that someone is waiting without switching back. */
  showCount() {
    const s = store.state;
    const count = s.me ? s.conversations.reduce((n, c) => n + (c.unread || 0), 0) + s.offers.length : 0;
    document.title = count ? `(${count}) ${t("app.title")}` : t("app.title");
  }

  showConnection() {
    const banner = document.getElementById("net-banner");
    if (!banner) return;
    clearInterval(this.countdown);
    const c = store.state.connection;
    banner.hidden = !c.offline;
    if (!c.offline) return;
    const text = /** @type {HTMLElement} */ (banner.querySelector("#net-text"));
    const paint = () => {
      text.textContent = t("net.offline", { seconds: Math.max(0, Math.ceil((c.retryAt - Date.now()) / 1000)) });
    };
    paint();
    this.countdown = setInterval(paint, 1000);
  }

  /** @param {import("./store.js").FeedEvent[]} events */
  onEvents(events) {
    const kinds = new Set(events.map((e) => e.kind));
    const refreshList = events.some((e) => e.kind !== "status");
    const listed = refreshList ? store.refreshConversations().catch(() => {}) : Promise.resolve();
    if (kinds.has("offered") || kinds.has("offer_withdrawn") || kinds.has("withdrawn") || kinds.has("assigned")) store.refreshOffers().catch(() => {});
    if (kinds.has("status")) store.refreshStatus().catch(() => {});
    store.refreshQueues().catch(() => {});
    for (const e of events) {
      if (e.kind === "offered") notify(t("offers.title"), t("offers.new", { name: e.data?.protocol || "" }));
      if (e.kind === "message" && (e.conversation_id !== store.state.selected || document.hidden)) {
        const c = store.state.conversations.find((x) => x.id === e.conversation_id);
        notify(t("list.new_message", { name: c?.client_name || "" }), e.data?.body || "");
      }
      if (e.kind === "assigned") notify(t("nav.inbox"), e.data?.protocol || "");
      // A transfer names neither the customer nor the protocol: the list, once reloaded, does.
      if (e.kind === "transferred_in") {
        listed.then(() => {
          const c = store.state.conversations.find((x) => x.id === e.conversation_id);
          notify(t("notify.transferred"), [c?.client_name, e.data?.message].filter(Boolean).join(" — "));
        });
      }
    }
    this.querySelector("at-conversation")?.dispatchEvent(new CustomEvent("feed", { detail: events }));
  }

  /** Alt+↑ / Alt+↓ switch conversations; Alt+1..9 open the n-th. @param {KeyboardEvent} ev */
  shortcut(ev) {
    if (!ev.altKey || store.state.view !== "inbox") return;
    const list = store.state.conversations;
    if (!list.length) return;
    const at = list.findIndex((c) => c.id === store.state.selected);
    let next = -1;
    if (ev.key === "ArrowDown") next = Math.min(list.length - 1, at + 1);
    else if (ev.key === "ArrowUp") next = Math.max(0, at - 1);
    else if (/^[1-9]$/.test(ev.key)) next = Number(ev.key) - 1;
    if (next >= 0 && list[next]) {
      ev.preventDefault();
      store.set({ selected: list[next].id }, "selected");
    }
  }
}

customElements.define("at-app", App);
