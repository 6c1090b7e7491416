// Log in with the company, and change the password where the first login requires it.

import { api, ApiError, saveSession, session } from "../api.js";
import { h } from "../dom.js";
import { LANG_NAMES, LANGS, lang, setLang, t } from "../i18n.js";

class Login extends HTMLElement {
  connectedCallback() {
    this.render();
    this.onLang = () => this.render();
    window.addEventListener("langchange", this.onLang);
  }

  disconnectedCallback() {
    window.removeEventListener("langchange", this.onLang);
  }

  render() {
    const change = this.hasAttribute("change");
    const error = h("p", { class: "form-error", role: "alert" });
    const langSelect = h("select", { id: "login-lang", onchange: (/** @type {Event} */ ev) => setLang(/** @type {any} */ (/** @type {HTMLSelectElement} */ (ev.target).value)) },
      LANGS.map((l) => h("option", { value: l, selected: l === lang(), text: LANG_NAMES[l] })));
    const form = change
      ? h("form", { class: "card login", onsubmit: (/** @type {SubmitEvent} */ ev) => this.change(ev, error) }, [
        h("h1", { text: t("login.change_title") }),
        h("p", { class: "hint", text: t("login.change_hint") }),
        h("label", {}, [t("login.current"), h("input", { name: "current_password", type: "password", autocomplete: "current-password", required: true })]),
        h("label", {}, [t("login.new"), h("input", { name: "new_password", type: "password", autocomplete: "new-password", required: true })]),
        error,
        h("button", { class: "primary", type: "submit", text: t("login.change_submit") }),
      ])
      : h("form", { class: "card login", onsubmit: (/** @type {SubmitEvent} */ ev) => this.login(ev, error) }, [
        h("h1", { text: t("login.title") }),
        this.hasAttribute("expired") ? h("p", { class: "hint expired", role: "status", text: t("login.expired") }) : null,
        h("label", {}, [t("login.company"), h("input", { name: "tenant", autocomplete: "organization", placeholder: "demo", value: session()?.tenant || this.getAttribute("tenant") || "" })]),
        h("label", {}, [t("login.username"), h("input", { name: "username", autocomplete: "username", required: true })]),
        h("label", {}, [t("login.password"), h("input", { name: "password", type: "password", autocomplete: "current-password", required: true })]),
        error,
        h("button", { class: "primary", type: "submit", text: t("login.submit") }),
      ]);
    this.replaceChildren(h("main", { class: "login-page" }, [
      h("div", { class: "login-brand", "aria-hidden": "true", text: "Atende" }),
      form,
      h("label", { class: "login-lang" }, [t("lang.label"), langSelect]),
    ]));
  }

  /** @param {SubmitEvent} ev @param {HTMLElement} error */
  async login(ev, error) {
    ev.preventDefault();
    const f = new FormData(/** @type {HTMLFormElement} */ (ev.target));
    const tenant = String(f.get("tenant") || "").trim();
    try {
      const res = await api("POST", "/api/auth/login", { username: f.get("username"), password: f.get("password") }, { tenant });
      saveSession({ tenant, token: res.token });
      if (res.must_change_password) { this.setAttribute("change", ""); this.render(); return; }
      this.dispatchEvent(new CustomEvent("login", { bubbles: true }));
    } catch (e) {
      error.textContent = e instanceof ApiError ? e.message : t("net.offline", { seconds: 0 });
    }
  }

  /** @param {SubmitEvent} ev @param {HTMLElement} error */
  async change(ev, error) {
    ev.preventDefault();
    const f = new FormData(/** @type {HTMLFormElement} */ (ev.target));
    try {
      const res = await api("POST", "/api/auth/password", Object.fromEntries(f));
      saveSession({ tenant: session()?.tenant || "", token: res.token });
      this.removeAttribute("change");
      this.dispatchEvent(new CustomEvent("login", { bubbles: true }));
    } catch (e) {
      error.textContent = /** @type {Error} */ (e).message;
    }
  }
}

customElements.define("at-login", Login);
