// The top bar: offers, my status (ready / pause with a reason / offline), language, profile.

import { api } from "../api.js";
import { h, initials, modal, toast } from "../dom.js";
import { LANG_NAMES, LANGS, lang, setLang, t } from "../i18n.js";
import { askPermissionOnce } from "../notify.js";
import { store } from "../store.js";

const COLOUR = "atende.console.avatar";

/** The reasons an agent may pause with (configured by the admins). @returns {Promise<string[]>} */
async function pauseReasons() {
  const data = await api("GET", "/api/admin/pause-reasons?status=active&limit=200");
  return data.items.map((/** @type {any} */ r) => r.name);
}

class Topbar extends HTMLElement {
  connectedCallback() {
    this.render();
    this.off = store.on("status", () => this.render());
  }

  disconnectedCallback() { this.off?.(); }

  render() {
    const me = store.state.me;
    const answers = this.hasAttribute("answers");
    const st = store.state.status;
    const colour = localStorage.getItem(COLOUR) || "#3b5bdb";
    const statusLabel = st.status === "paused" && st.pause_reason ? t("status.pause_with", { reason: st.pause_reason }) : t(`status.${st.status}`);
    const status = answers
      ? h("div", { class: "status-switch" }, [
        h("label", { for: "status-select", class: "visually-hidden", text: t("status.label") }),
        h("span", { class: `dot ${st.status}`, "aria-hidden": "true" }),
        h("select", { id: "status-select", onchange: (/** @type {Event} */ ev) => this.change(/** @type {HTMLSelectElement} */ (ev.target).value) }, [
          h("option", { value: "ready", selected: st.status === "ready", text: t("status.ready") }),
          h("option", { value: "paused", selected: st.status === "paused", text: st.status === "paused" ? statusLabel : t("status.paused") + "…" }),
          h("option", { value: "offline", selected: st.status === "offline", text: t("status.offline") }),
        ]),
      ])
      : null;
    const langSelect = h("select", { id: "lang-select", onchange: (/** @type {Event} */ ev) => setLang(/** @type {any} */ (/** @type {HTMLSelectElement} */ (ev.target).value)) },
      LANGS.map((l) => h("option", { value: l, selected: l === lang(), text: LANG_NAMES[l] })));
    this.replaceChildren(h("header", { class: "topbar" }, [
      h("span", { class: "company", text: me.tenant.name }),
      answers ? h("at-offers") : h("div", { class: "spacer" }),
      h("div", { class: "topbar-right" }, [
        status,
        h("label", { for: "lang-select", class: "visually-hidden", text: t("lang.label") }),
        langSelect,
        h("button", { type: "button", class: "avatar", style: { background: colour }, title: me.user.display_name, onclick: () => this.profile() }, [
          h("span", { "aria-hidden": "true", text: initials(me.user.display_name) }),
          h("span", { class: "visually-hidden", text: `${t("profile.title")}: ${me.user.display_name}` }),
        ]),
        h("button", { type: "button", class: "secondary small", text: t("login.logout"), onclick: () => this.dispatchEvent(new CustomEvent("logout", { bubbles: true })) }),
      ]),
    ]));
  }

  /** @param {string} next */
  async change(next) {
    try {
      if (next === "paused") {
        const reasons = await pauseReasons();
        const form = await modal(t("pause.title"), [
          h("label", {}, [t("pause.reason"), h("select", { name: "reason", required: true }, reasons.map((r) => h("option", { value: r, text: r })))]),
        ], t("pause.submit"), t("common.cancel"));
        if (!form) return this.render();
        store.set({ status: await api("PUT", "/api/inbox/status", { status: "paused", reason: form.get("reason") }) }, "status");
      } else {
        store.set({ status: await api("PUT", "/api/inbox/status", { status: next }) }, "status");
        if (next === "ready") askPermissionOnce();
      }
      store.pollNow();
    } catch (e) {
      toast(t("common.error", { message: /** @type {Error} */ (e).message }), "error");
      this.render();
    }
  }

  async profile() {
    const me = store.state.me;
    const colour = localStorage.getItem(COLOUR) || "#3b5bdb";
    const notifications = "Notification" in window && Notification.permission === "granted";
    const form = await modal(t("profile.title"), [
      h("p", { class: "profile-name", text: `${me.user.username} — ${me.tenant.name}` }),
      h("label", {}, [t("profile.name"), h("input", { name: "display_name", value: me.user.display_name, required: true, autocomplete: "name" })]),
      h("label", {}, [t("lang.label"), h("select", { name: "lang" }, LANGS.map((l) => h("option", { value: l, selected: l === lang(), text: LANG_NAMES[l] })))]),
      h("label", {}, [t("profile.colour"), h("input", { type: "color", name: "colour", value: colour })]),
      h("p", {}, [t("profile.notify") + ": ", notifications ? t("profile.notify_on")
        : h("button", { type: "button", class: "secondary small", text: t("profile.notify_ask"), onclick: () => Notification.requestPermission() })]),
    ], t("common.save"), t("common.cancel"));
    if (!form) return;
    localStorage.setItem(COLOUR, String(form.get("colour")));
    const language = /** @type {any} */ (form.get("lang"));
    try {
      const saved = await api("PATCH", "/api/auth/me", { display_name: String(form.get("display_name")).trim(), language });
      store.set({ me: saved });
    } catch (e) {
      toast(t("common.error", { message: /** @type {Error} */ (e).message }), "error");
    }
    setLang(language);
    this.render();
  }
}

customElements.define("at-topbar", Topbar);
