// My conversations in arrival order: unread badge, channel icon, waiting time, last message;
// a favourites filter; and the queues of my groups, to pull the first customer.

import { api } from "../api.js";
import { h, toast } from "../dom.js";
import { duration, t, when } from "../i18n.js";
import { store } from "../store.js";

const ICONS = { whatsapp: "🟢", telegram: "✈️", email: "✉️", sms: "📱", webchat: "💬", messenger: "🔵", instagram: "📸" };

/** A channel's icon with its name for screen readers. @param {string} channel */
export function channelIcon(channel) {
  const key = `channel.${channel}`;
  return h("span", { class: `channel channel-${channel}`, role: "img", "aria-label": t(key), title: t(key),
    text: /** @type {Record<string, string>} */ (ICONS)[channel] || "•" });
}

class ConversationList extends HTMLElement {
  connectedCallback() {
    this.offs = [
      store.on("conversations", () => this.render()),
      store.on("selected", () => this.render()),
      store.on("queues", () => this.render()),
      store.on("status", () => this.render()),
    ];
    this.render();
    this.tick = setInterval(() => this.paintWaits(), 15000);
  }

  disconnectedCallback() {
    for (const off of this.offs || []) off();
    clearInterval(this.tick);
  }

  render() {
    // Re-drawing must not drop the keyboard user's place in the list.
    const focused = this.contains(document.activeElement) ? /** @type {HTMLElement} */ (document.activeElement).dataset.id : undefined;
    const s = store.state;
    const items = s.favouritesOnly ? s.conversations.filter((c) => s.favourites.has(c.id)) : s.conversations;
    /** @param {boolean} fav @param {string} label */
    const filter = (fav, label) => h("button", { type: "button", class: "chip", "aria-pressed": String(s.favouritesOnly === fav), text: t(label),
      onclick: () => { store.set({ favouritesOnly: fav }, "conversations"); } });
    const queues = s.queues.filter((q) => q.waiting > 0);
    this.replaceChildren(h("section", { class: "list-pane", "aria-labelledby": "list-title" }, [
      h("header", { class: "pane-head" }, [
        h("h2", { id: "list-title", text: t("list.title") }),
        h("p", { class: "shortcut-hint muted", text: t("list.shortcuts") }),
        h("div", { class: "chips", role: "group", "aria-label": t("list.filter") }, [filter(false, "list.all"), filter(true, "list.favourites")]),
      ]),
      queues.length ? h("div", { class: "queues", "aria-label": t("list.queues") }, queues.map((q) =>
        h("div", { class: "queue" }, [
          h("span", { text: `${q.name}: ${t("list.queue_waiting", { count: q.waiting })}` }),
          h("button", { type: "button", class: "secondary small", text: t("list.pull"), "aria-label": t("list.pull_from", { queue: q.name }),
            onclick: () => this.pull(q.group_id) }),
        ]))) : null,
      items.length
        ? h("ul", { class: "conv-list" }, items.map((c) => this.item(c)))
        : h("p", { class: "empty", text: t(this.emptyText()) }),
    ]));
    this.paintWaits();
    if (focused) /** @type {HTMLElement | null} */ (this.querySelector(`.conv-item[data-id="${focused}"]`))?.focus();
  }

  /** What an empty list tells me: to go ready only when I am not. */
  emptyText() {
    const s = store.state;
    if (s.favouritesOnly) return "list.no_favourites";
    return s.status.status === "ready" ? "list.empty_ready" : "list.empty";
  }

  /** @param {import("../store.js").Summary} c */
  item(c) {
    const selected = store.state.selected === c.id;
    return h("li", {}, [h("button", {
      type: "button", class: "conv-item" + (selected ? " selected" : "") + (c.unread ? " unread" : ""),
      "aria-current": selected ? "true" : null, dataset: { id: String(c.id) },
      onclick: () => store.set({ selected: c.id }, "selected"),
    }, [
      channelIcon(c.channel),
      h("span", { class: "conv-main" }, [
        h("span", { class: "conv-top" }, [
          h("span", { class: "conv-name", text: c.client_name }),
          h("span", { class: "conv-wait muted", dataset: { since: c.arrived_at } }),
        ]),
        h("span", { class: "conv-bottom" }, [
          h("span", { class: "conv-last", text: c.last_message || c.protocol }),
          c.status === "pending" ? h("span", { class: "pill pending", text: t("list.pending") }) : null,
          store.state.favourites.has(c.id) ? h("span", { class: "star", role: "img", "aria-label": t("list.favourites"), text: "★" }) : null,
          c.unread ? h("span", { class: "badge", "aria-label": t("list.unread", { count: c.unread }), text: String(c.unread) }) : null,
        ]),
      ]),
    ])]);
  }

  paintWaits() {
    const now = Date.now();
    for (const el of this.querySelectorAll(".conv-wait")) {
      const since = /** @type {HTMLElement} */ (el).dataset.since || "";
      el.textContent = t("list.waiting", { time: duration((now - Date.parse(since)) / 1000) });
      el.setAttribute("title", when(since, true));
    }
  }

  /** @param {number} group */
  async pull(group) {
    try {
      const c = await api("POST", `/api/inbox/queues/${group}/pull`, {});
      await Promise.all([store.refreshConversations(), store.refreshQueues()]);
      store.set({ selected: c.id }, "selected");
    } catch (e) {
      toast(/** @type {Error} */ (e).message, "error");
    }
  }
}

customElements.define("at-conversation-list", ConversationList);
