// Offers waiting for me: channel, phone, queue, subject, waiting time and a countdown, with
// accept and reject.

import { api } from "../api.js";
import { h, toast } from "../dom.js";
import { duration, t } from "../i18n.js";
import { store } from "../store.js";
import { channelIcon } from "./conversation-list.js";

class Offers extends HTMLElement {
  connectedCallback() {
    this.off = store.on("offers", () => this.render());
    this.render();
    this.tick = setInterval(() => this.paintClocks(), 1000);
  }

  disconnectedCallback() {
    this.off?.();
    clearInterval(this.tick);
  }

  render() {
    const offers = store.state.offers;
    this.replaceChildren(...(offers.length ? [h("section", { class: "offers", "aria-label": t("offers.title") }, offers.map((o) =>
      h("article", { class: "offer", dataset: { id: String(o.conversation_id) } }, [
        h("div", { class: "offer-who" }, [
          channelIcon(o.channel),
          h("strong", { text: o.client_name }),
          o.phone ? h("span", { class: "muted", text: o.phone }) : null,
        ]),
        h("div", { class: "offer-meta" }, [
          h("span", { text: t("offers.queue", { queue: o.queue }) }),
          o.subject ? h("span", { text: t("offers.subject", { subject: o.subject }) }) : null,
          h("span", { class: "offer-wait", dataset: { since: String(o.received_at - o.waiting_seconds * 1000) } }),
          o.expires_at ? h("span", { class: "offer-countdown", role: "timer", dataset: { until: String(Date.parse(o.expires_at)) } }) : null,
        ]),
        h("div", { class: "offer-actions" }, [
          h("button", { type: "button", class: "primary small", text: t("offers.accept"), onclick: () => this.accept(o.conversation_id) }),
          h("button", { type: "button", class: "secondary small", text: t("offers.reject"), onclick: () => this.reject(o.conversation_id) }),
        ]),
      ])))] : []));
    this.paintClocks();
  }

  paintClocks() {
    const now = Date.now();
    for (const el of this.querySelectorAll(".offer-wait")) {
      el.textContent = t("offers.waiting", { time: duration((now - Number(/** @type {HTMLElement} */ (el).dataset.since)) / 1000) });
    }
    for (const el of this.querySelectorAll(".offer-countdown")) {
      const left = Math.max(0, Math.ceil((Number(/** @type {HTMLElement} */ (el).dataset.until) - now) / 1000));
      el.textContent = t("offers.expires", { seconds: left });
      el.classList.toggle("urgent", left <= 10);
    }
  }

  /** @param {number} id */
  async accept(id) {
    try {
      await api("POST", `/api/inbox/offers/${id}/accept`);
      await Promise.all([store.refreshOffers(), store.refreshConversations()]);
      store.set({ selected: id }, "selected");
    } catch (e) {
      toast(/** @type {Error} */ (e).message, "error");
      store.refreshOffers().catch(() => {});
    }
  }

  /** @param {number} id */
  async reject(id) {
    try {
      await api("POST", `/api/inbox/offers/${id}/reject`);
    } catch (e) {
      toast(/** @type {Error} */ (e).message, "error");
    }
    store.refreshOffers().catch(() => {});
  }
}

customElements.define("at-offers", Offers);
