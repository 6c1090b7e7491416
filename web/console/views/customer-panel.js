// The customer beside the conversation: details and attributes (editable, with the active
// attribute definitions), a quick registration of name and phone for a customer the company
// cannot call back, the last 31 days of conversations with a "messages containing" search, and
// the timeline of every protocol.

import { api, ApiError } from "../api.js";
import { h, initials, modal, toast } from "../dom.js";
import { t, when } from "../i18n.js";
import { store } from "../store.js";
import { channelIcon } from "./conversation-list.js";
import { transcriptDialog } from "./conversation.js";

/** @typedef {{ name: string, label: string, value_type: "text" | "number" | "date" | "boolean" }} AttributeDef */

/** @type {Promise<AttributeDef[]> | null} */
let definitions = null;

/** The active client attribute definitions (fetched once; again before an edit, as an admin may
 * have changed them); none where the server does not have the route yet.
 * @param {boolean} [fresh] @returns {Promise<AttributeDef[]>} */
function attributeDefinitions(fresh) {
  if (!definitions || fresh) {
    definitions = api("GET", "/api/inbox/client-attributes").then((d) => /** @type {AttributeDef[]} */ (d.items).sort((a, b) => a.label.localeCompare(b.label)), (/** @type {unknown} */ e) => {
      if (e instanceof ApiError && e.status === 404) return /** @type {AttributeDef[]} */ ([]);
      definitions = null;
      throw e;
    });
  }
  return definitions;
}

/** How an attribute's stored value reads. @param {AttributeDef | undefined} def @param {string} value */
function shown(def, value) {
  if (def?.value_type === "boolean") return t(value === "true" ? "common.yes" : "common.no");
  return value;
}

class CustomerPanel extends HTMLElement {
  connectedCallback() {
    this.addEventListener("client", (ev) => this.load(/** @type {CustomEvent} */ (ev).detail));
    this.off = store.on("selected", () => { if (!store.state.selected) this.clear(); });
    // My conversation list is reloaded on every feed event and after each of my sends, so a
    // change of one of this customer's conversations there (a new last message, a new state)
    // means the counts and the last contact shown here are out of date.
    this.offList = store.on("conversations", () => this.follow());
    this.addEventListener("focusout", () => this.follow());
    this.clear();
  }

  disconnectedCallback() { this.off?.(); this.offList?.(); }

  /** What my conversation list says of this customer's open conversations. */
  signature() {
    return store.state.conversations
      .filter((c) => c.client_id === this.clientId)
      .map((c) => `${c.id}:${c.status}:${c.last_message_at}`)
      .join(",");
  }

  /** Reloads the panel when the customer's conversations changed since it was loaded; not while
   * someone types in its search box (a reload would take the box away), but once they leave it. */
  follow() {
    if (!this.clientId || !this.data || this.loading) return;
    if (this.signature() === this.seen) return;
    if (this.contains(document.activeElement) && document.activeElement?.matches("input, select, textarea")) return;
    this.load(this.clientId, this.q);
  }

  clear() {
    this.client = null;
    this.clientId = null;
    this.data = null;
    this.replaceChildren(h("aside", { class: "panel-pane", "aria-label": t("conv.panel") }));
  }

  /** @param {number} clientId @param {string} [q] */
  async load(clientId, q) {
    this.clientId = clientId;
    this.loading = true;
    // What the list said when this load began: a change after it loads the panel again.
    const seen = this.signature();
    try {
      const [data, defs] = await Promise.all([
        api("GET", `/api/inbox/clients/${clientId}?days=31${q ? "&q=" + encodeURIComponent(q) : ""}`),
        attributeDefinitions().catch(() => /** @type {AttributeDef[]} */ ([])),
      ]);
      if (this.clientId !== clientId) return;
      this.data = data;
      this.defs = defs;
      this.q = q || "";
      this.seen = seen;
      this.render();
    } catch (e) {
      this.replaceChildren(h("aside", { class: "panel-pane", "aria-label": t("conv.panel") }, [h("p", { class: "muted", text: /** @type {Error} */ (e).message })]));
    } finally {
      if (this.clientId === clientId) this.loading = false;
    }
    // The list may have moved on while this loaded.
    if (this.clientId === clientId) this.follow();
  }

  render() {
    const c = this.data.client;
    /** @param {string} label @param {string | null | undefined} value */
    const row = (label, value) => value ? [h("dt", { text: t(label) }), h("dd", { text: value })] : [];
    /** @type {AttributeDef[]} */
    const defs = this.defs || [];
    const attrs = Object.entries(c.attributes || {}).map(([k, v]) => {
      const def = defs.find((d) => d.name === k);
      return [def?.label ?? k, shown(def, v)];
    }).sort(([a], [b]) => a.localeCompare(b));
    const search = h("input", { type: "search", name: "q", value: this.q, "aria-label": t("panel.containing"), placeholder: t("panel.containing") });
    this.replaceChildren(h("aside", { class: "panel-pane", "aria-labelledby": "panel-title" }, [
      h("button", { type: "button", class: "icon-btn panel-close", title: t("common.close"), "aria-label": t("common.close"),
        onclick: () => this.classList.remove("open") }, [h("span", { "aria-hidden": "true", text: "×" })]),
      h("div", { class: "panel-who" }, [
        h("span", { class: "avatar big", "aria-hidden": "true", text: initials(c.display_name) }),
        h("h2", { id: "panel-title", text: c.display_name }),
      ]),
      c.phone ? null : this.quickRegistration(c),
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

  /** Name and phone in one step, for a customer known only by the channel they wrote from.
   * @param {any} c */
  quickRegistration(c) {
    const error = h("p", { class: "form-error", role: "alert" });
    const name = h("input", { name: "display_name", value: c.display_name, required: true, autocomplete: "off" });
    const phone = h("input", { name: "phone", type: "tel", inputmode: "tel", autocomplete: "off", placeholder: "+55 11 98765-4321" });
    /** @param {SubmitEvent} ev */
    const submit = async (ev) => {
      ev.preventDefault();
      if (!phone.value.trim()) { error.textContent = t("panel.phone_required"); phone.focus(); return; }
      try {
        await api("PATCH", `/api/inbox/clients/${c.id}`, { display_name: name.value.trim(), phone: phone.value.trim() });
        toast(t("panel.registered"));
        await this.load(c.id, this.q);
        store.refreshConversations().catch(() => {});
      } catch (e) {
        error.textContent = t("common.error", { message: /** @type {Error} */ (e).message });
      }
    };
    return h("section", { class: "quick-registration", "aria-labelledby": "quick-title" }, [
      h("h3", { id: "quick-title", text: t("panel.quick") }),
      h("p", { class: "muted", text: t("panel.quick_hint") }),
      h("form", { onsubmit: submit }, [
        h("label", {}, [t("panel.name"), name]),
        h("label", {}, [t("panel.phone"), phone]),
        error,
        h("button", { type: "submit", class: "primary small", text: t("panel.register") }),
      ]),
    ]);
  }

  /** @param {any} p @param {boolean} counts */
  past(p, counts) {
    return h("li", {}, [
      channelIcon(p.channel),
      h("div", {}, [
        h("strong", { text: p.protocol }),
        h("span", { class: "muted", text: ` ${when(p.arrived_at, true)} · ${t(`conv.state.${p.status}`)}` }),
        p.agent_name ? h("div", { class: "muted", text: t("panel.by", { agent: p.agent_name }) }) : null,
        counts ? h("div", { class: "muted counts", text: t("panel.messages_count", { count: p.messages }) + (this.q ? ` · ${t("panel.matching", { count: p.matching })}` : "") }) : null,
        counts && p.last_message_at
          ? h("div", { class: "muted last-contact", text: t("panel.last_contact", { when: when(p.last_message_at, true) }) }) : null,
        // A closed conversation of mine can be reopened as a new protocol (the server refuses
        // while the customer has an open one on that channel).
        counts && p.status === "closed" && p.agent_id === store.state.me?.user.id && !this.openOn(p.channel)
          ? h("button", { type: "button", class: "link", text: t("conv.new_protocol"), onclick: () => this.newProtocol(p.id) }) : null,
        // What was said before, without leaving the conversation on screen (the list holds only
        // conversations I may read: the same rule as the reports').
        counts && p.id !== store.state.selected
          ? h("button", { type: "button", class: "link", text: t("panel.read"), "aria-label": t("panel.read_protocol", { protocol: p.protocol }),
            onclick: () => transcriptDialog(p.id, p.protocol) }) : null,
      ]),
    ]);
  }

  /** Whether the customer has an open protocol on `channel` (then a new one would be refused).
   * @param {string} channel */
  openOn(channel) {
    return this.data.protocols.some((/** @type {any} */ p) => p.channel === channel && p.status !== "closed");
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
    /** @type {AttributeDef[]} */
    const defs = await attributeDefinitions(true).catch(() => this.defs || []);
    /** @type {Record<string, string>} */
    const current = c.attributes || {};
    const attrFields = defs.map((d) => {
      const name = `attr.${d.name}`;
      const value = current[d.name] ?? "";
      if (d.value_type === "boolean") {
        return h("label", {}, [d.label, h("select", { name }, [
          h("option", { value: "", text: "—" }),
          h("option", { value: "true", text: t("common.yes"), selected: value === "true" }),
          h("option", { value: "false", text: t("common.no"), selected: value === "false" }),
        ])]);
      }
      return h("label", {}, [d.label, h("input", {
        name, value, type: d.value_type === "date" ? "date" : "text",
        inputmode: d.value_type === "number" ? "decimal" : undefined,
      })]);
    });
    const form = await modal(t("panel.edit"), [
      h("label", {}, [t("panel.name"), h("input", { name: "display_name", value: c.display_name, required: true })]),
      h("label", {}, [t("panel.phone"), h("input", { name: "phone", value: c.phone || "", type: "tel" })]),
      h("label", {}, [t("panel.email"), h("input", { name: "email", value: c.email || "", type: "email" })]),
      h("label", {}, [t("panel.cpf"), h("input", { name: "cpf", value: c.cpf || "" })]),
      ...(attrFields.length ? [h("fieldset", { class: "attributes" }, [h("legend", { text: t("panel.attributes") }), ...attrFields])] : []),
    ], t("common.save"), t("common.cancel"));
    if (!form) return;
    /** @type {Record<string, any>} */
    const body = {};
    /** @type {Record<string, string>} */
    const attributes = {};
    for (const [k, raw] of form) {
      const v = String(raw).trim();
      if (k.startsWith("attr.")) { if (v) attributes[k.slice(5)] = v; } else if (v !== String(c[k] ?? "")) body[k] = v;
    }
    // The server keeps only what is sent, and only active attributes: send them all when one changed.
    const changed = defs.some((d) => (attributes[d.name] ?? "") !== (current[d.name] ?? ""));
    if (changed) body.attributes = attributes;
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
