// The customer beside the conversation: details and attributes (editable: quick registration),
// the last 31 days of conversations with a "messages containing" search, and the timeline of
// every protocol.

import { api } from "../api.js";
import { h, initials, modal, toast } from "../dom.js";
import { t, when } from "../i18n.js";
import { store } from "../store.js";
import { channelIcon } from "./conversation-list.js";

class CustomerPanel extends HTMLElement {
  connectedCallback() {
    this.addEventListener("client", (ev) => this.load(/** @type {CustomEvent} */ (ev).detail));
    this.off = store.on("selected", () => { if (!store.state.selected) this.clear(); });
    this.clear();
  }

  disconnectedCallback() { this.off?.(); }

  clear() {
    this.client = null;
    this.replaceChildren(h("aside", { class: "panel-pane", "aria-label": t("conv.panel") }));
  }

  /** @param {number} clientId @param {string} [q] */
  async load(clientId, q) {
    this.clientId = clientId;
    try {
      const data = await api("GET", `/api/inbox/clients/${clientId}?days=31${q ? "&q=" + encodeURIComponent(q) : ""}`);
      if (this.clientId !== clientId) return;
      this.data = data;
      this.q = q || "";
      this.render();
    } catch (e) {
      this.replaceChildren(h("aside", { class: "panel-pane", "aria-label": t("conv.panel") }, [h("p", { class: "muted", text: /** @type {Error} */ (e).message })]));
    }
  }

  render() {
    const c = this.data.client;
    /** @param {string} label @param {string | null | undefined} value */
    const row = (label, value) => value ? [h("dt", { text: t(label) }), h("dd", { text: value })] : [];
    const attrs = Object.entries(c.attributes || {});
    const search = h("input", { type: "search", name: "q", value: this.q, "aria-label": t("panel.containing"), placeholder: t("panel.containing") });
    this.replaceChildren(h("aside", { class: "panel-pane", "aria-labelledby": "panel-title" }, [
      h("button", { type: "button", class: "icon-btn panel-close", title: t("common.close"), "aria-label": t("common.close"),
        onclick: () => this.classList.remove("open") }, [h("span", { "aria-hidden": "true", text: "×" })]),
      h("div", { class: "panel-who" }, [
        h("span", { class: "avatar big", "aria-hidden": "true", text: initials(c.display_name) }),
        h("h2", { id: "panel-title", text: c.display_name }),
      ]),
      h("section", { "aria-label": t("panel.details") }, [
        h("h3", { text: t("panel.details") }),
        h("dl", { class: "details" }, [
          ...row("panel.phone", c.phone),
          ...row("panel.email", c.email),
          ...row("panel.cpf", c.cpf),
          ...attrs.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })]),
        ]),
        h("button", { type: "button", class: "secondary small", text: t("panel.edit"), onclick: () => this.edit() }),
      ]),
      h("section", {}, [
        h("h3", { text: t("panel.history") }),
        h("form", { class: "inline-search", role: "search", onsubmit: (/** @type {SubmitEvent} */ ev) => { ev.preventDefault(); this.load(c.id, search.value.trim()); } }, [
          search,
          h("button", { type: "submit", class: "secondary small", text: t("common.search") }),
        ]),
        this.data.history.length
          ? h("ul", { class: "history" }, this.data.history.map((/** @type {any} */ p) => this.past(p, true)))
          : h("p", { class: "muted", text: t("panel.no_history") }),
      ]),
      h("section", {}, [
        h("h3", { text: t("panel.protocols") }),
        h("ol", { class: "timeline" }, this.data.protocols.map((/** @type {any} */ p) => this.past(p, false))),
      ]),
    ]));
  }

  /** @param {any} p @param {boolean} counts */
  past(p, counts) {
    return h("li", {}, [
      channelIcon(p.channel),
      h("div", {}, [
        h("strong", { text: p.protocol }),
        h("span", { class: "muted", text: ` ${when(p.arrived_at, true)} · ${t(`conv.state.${p.status}`)}` }),
        p.agent_name ? h("div", { class: "muted", text: t("panel.by", { agent: p.agent_name }) }) : null,
        counts ? h("div", { class: "muted", text: t("panel.messages_count", { count: p.messages }) + (this.q ? ` · ${t("panel.matching", { count: p.matching })}` : "") }) : null,
        // A closed conversation of mine can be reopened as a new protocol (the server refuses
        // while the customer has an open one on that channel).
        counts && p.status === "closed" && p.agent_id === store.state.me?.user.id
          ? h("button", { type: "button", class: "link", text: t("conv.new_protocol"), onclick: () => this.newProtocol(p.id) }) : null,
      ]),
    ]);
  }

  /** @param {number} from a closed conversation of mine */
  async newProtocol(from) {
    try {
      const c = await api("POST", `/api/inbox/conversations/${from}/new-protocol`);
      await store.refreshConversations();
      store.set({ selected: c.id }, "selected");
    } catch (e) {
      toast(t("common.error", { message: /** @type {Error} */ (e).message }), "error");
    }
  }

  async edit() {
    const c = this.data.client;
    const form = await modal(t("panel.edit"), [
      h("label", {}, [t("panel.name"), h("input", { name: "display_name", value: c.display_name, required: true })]),
      h("label", {}, [t("panel.phone"), h("input", { name: "phone", value: c.phone || "", type: "tel" })]),
      h("label", {}, [t("panel.email"), h("input", { name: "email", value: c.email || "", type: "email" })]),
      h("label", {}, [t("panel.cpf"), h("input", { name: "cpf", value: c.cpf || "" })]),
    ], t("common.save"), t("common.cancel"));
    if (!form) return;
    /** @type {Record<string, string>} */
    const body = {};
    for (const [k, v] of form) if (String(v).trim() !== String(c[k] ?? "")) body[k] = String(v).trim();
    try {
      await api("PATCH", `/api/inbox/clients/${c.id}`, body);
      toast(t("panel.saved"));
      await this.load(c.id, this.q);
      store.refreshConversations().catch(() => {});
    } catch (e) {
      toast(t("common.error", { message: /** @type {Error} */ (e).message }), "error");
    }
  }
}

customElements.define("at-customer-panel", CustomerPanel);
