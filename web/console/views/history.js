// The supervisor's history: the report filters, the results page by page, a conversation's
// transcript, and CSV / XLSX exports of the same filters.

import { api, ApiError, download, saveBlob } from "../api.js";
import { h, toast } from "../dom.js";
import { t, when } from "../i18n.js";
import { transferDialog } from "./actions.js";
import { transcriptDialog } from "./conversation.js";
import { store } from "../store.js";

/** @param {Date} d */
const day = (d) => d.toISOString().slice(0, 10);

class History extends HTMLElement {
  connectedCallback() {
    const today = new Date();
    const from = new Date(today.getTime() - 7 * 86400000);
    /** @param {string} name @param {string} label @param {Record<string, any>} [props] */
    const field = (name, label, props = {}) => h("label", {}, [t(label), h("input", { name, ...props })]);
    this.form = h("form", { class: "filters", onsubmit: (/** @type {SubmitEvent} */ ev) => { ev.preventDefault(); this.search(false); } }, [
      field("from", "hist.from", { type: "date", value: day(from) }),
      field("to", "hist.to", { type: "date", value: day(today) }),
      field("protocol", "hist.protocol"),
      field("client", "hist.client"),
      field("phone", "hist.phone", { type: "tel" }),
      field("text", "hist.text"),
      h("label", {}, [t("hist.channel"), h("select", { name: "channel" }, [
        h("option", { value: "", text: "—" }),
        ...["whatsapp", "telegram", "messenger", "instagram", "email", "sms", "webchat"].map((c) => h("option", { value: c, text: t(`channel.${c}`) })),
      ])]),
      h("label", {}, [t("hist.agent"), h("select", { name: "agent_id", id: "hist-agent" }, [h("option", { value: "", text: "—" })])]),
      h("label", {}, [t("hist.group"), h("select", { name: "group_id", id: "hist-group" }, [h("option", { value: "", text: "—" })])]),
      h("label", {}, [t("hist.tag"), h("select", { name: "tag", id: "hist-tag" }, [h("option", { value: "", text: "—" })])]),
      h("label", {}, [t("hist.resolved"), h("select", { name: "resolved" }, [
        h("option", { value: "", text: "—" }), h("option", { value: "true", text: t("common.yes") }), h("option", { value: "false", text: t("common.no") }),
      ])]),
      h("label", { class: "check" }, [h("input", { type: "checkbox", name: "include_open", value: "true" }), t("hist.include_open")]),
      h("div", { class: "filter-actions" }, [
        h("button", { type: "submit", class: "primary", text: t("hist.search") }),
        h("button", { type: "button", class: "secondary", text: t("hist.csv"), onclick: () => this.export("csv") }),
        h("button", { type: "button", class: "secondary", text: t("hist.xlsx"), onclick: () => this.export("xlsx") }),
      ]),
    ]);
    this.results = h("div", { class: "results", role: "region", "aria-live": "polite", "aria-label": t("hist.title") });
    this.replaceChildren(h("section", { class: "screen-body", "aria-labelledby": "hist-title" }, [
      h("h1", { id: "hist-title", text: t("hist.title") }), this.form, this.results,
    ]));
    this.fillChoices();
    // The last week straight away: a supervisor opening the screen wants to see something.
    this.search(false);
  }

  /** The agents, groups and tags the filters choose from (what this user may read). */
  async fillChoices() {
    /** @param {string} select @param {string} path @param {(x: any) => boolean} keep @param {(x: any) => [string, string]} pair */
    const fill = async (select, path, keep, pair) => {
      const data = await api("GET", path).catch(() => /** @type {{items: any[]}} */ ({ items: [] }));
      this.querySelector(select)?.append(...data.items.filter(keep).map((/** @type {any} */ x) => {
        const [value, text] = pair(x);
        return h("option", { value, text });
      }));
    };
    await Promise.all([
      fill("#hist-agent", "/api/admin/users?limit=200&status=active", (u) => u.profile === "agent" || u.profile === "supervisor_agent", (u) => [String(u.id), u.display_name]),
      fill("#hist-group", "/api/admin/groups?limit=200&status=active", () => true, (g) => [String(g.id), g.name]),
      fill("#hist-tag", "/api/admin/tags?limit=200&status=active", () => true, (tg) => [tg.name, tg.name]),
    ]);
  }

  query() {
    const params = new URLSearchParams();
    for (const [k, v] of new FormData(/** @type {HTMLFormElement} */ (this.form))) if (String(v).trim()) params.set(k, String(v).trim());
    return params;
  }

  /** @param {boolean} more the next page of the same search */
  async search(more) {
    const params = this.query();
    if (more && this.next) params.set("cursor", this.next);
    // Only the latest search draws: an earlier one answering late must not replace it.
    const seq = this.seq = (this.seq || 0) + 1;
    try {
      const data = await api("GET", `/api/reports/history?${params}`);
      if (seq !== this.seq) return;
      this.next = data.next;
      this.paint(data.items, more);
    } catch (e) {
      if (seq !== this.seq) return;
      /** @type {HTMLElement} */ (this.results).replaceChildren(h("p", { class: "muted", role: "alert",
        text: e instanceof ApiError && e.status === 404 ? t("common.not_available") : /** @type {Error} */ (e).message }));
    }
  }

  /** @param {any[]} items @param {boolean} append */
  paint(items, append) {
    // Admins see these screens read-only.
    const moves = store.state.me?.user.profile !== "admin";
    const results = /** @type {HTMLElement} */ (this.results);
    let body = results.querySelector("tbody");
    if (!append || !body) {
      if (!items.length) { results.replaceChildren(h("p", { class: "muted", text: t("hist.empty") })); return; }
      body = h("tbody");
      const heads = ["hist.protocol", "hist.client", "hist.channel", "hist.agent", "hist.group", "hist.status", "hist.started", "hist.closed", "hist.classification", "hist.resolved", "hist.actions"];
      results.replaceChildren(h("table", { class: "grid" }, [
        h("thead", {}, [h("tr", {}, heads.map((x) => h("th", { scope: "col", text: t(x) })))]), body,
      ]));
    }
    for (const r of items) {
      body.append(h("tr", {}, [
        h("th", { scope: "row", text: r.protocol }),
        h("td", { text: r.client_name || "" }),
        h("td", { text: t(`channel.${r.channel}`) }),
        h("td", { text: r.agent_name || "—" }),
        h("td", { text: r.group_name || "—" }),
        h("td", { text: r.status ? t(`conv.state.${r.status}`) : "—" }),
        h("td", { text: when(r.started_at, true) }),
        h("td", { text: when(r.closed_at, true) }),
        h("td", { text: Array.isArray(r.classification) ? r.classification.join(" › ") : (r.classification || "—") }),
        h("td", { text: r.resolved === true ? t("common.yes") : r.resolved === false ? t("common.no") : "—" }),
        h("td", {}, [
          h("button", { type: "button", class: "link", text: t("hist.transcript"), onclick: () => this.transcript(r) }),
          moves && r.status !== "closed" && r.status !== undefined ? " · " : null,
          moves && r.status !== "closed" && r.status !== undefined
            ? h("button", { type: "button", class: "link", text: t("conv.transfer"), onclick: () => this.transfer(r) }) : null,
        ]),
      ]));
    }
    results.querySelector(".more-results")?.remove();
    if (this.next) results.append(h("button", { type: "button", class: "secondary more-results", text: t("hist.more"), onclick: () => this.search(true) }));
  }

  /** @param {any} row */
  async transcript(row) {
    await transcriptDialog(row.id, row.protocol);
  }

  /** A supervisor moves an open conversation of their operations. @param {any} row */
  async transfer(row) {
    try {
      const options = await api("GET", `/api/inbox/conversations/${row.id}/options`);
      if (await transferDialog(row.id, options, false)) {
        toast(t("transfer.done"));
        this.search(false);
      }
    } catch (e) {
      toast(/** @type {Error} */ (e).message, "error");
    }
  }

  /** @param {"csv" | "xlsx"} kind */
  async export(kind) {
    try {
      const q = this.query();
      // Named for its period: a supervisor's downloads folder holds several.
      const period = [q.get("from"), q.get("to")].filter(Boolean).join("_");
      saveBlob(await download(`/api/reports/history.${kind}?${q}`), `history${period ? "_" + period : ""}.${kind}`);
    } catch (e) {
      toast(e instanceof ApiError && e.status === 404 ? t("common.not_available") : /** @type {Error} */ (e).message, "error");
    }
  }
}

customElements.define("at-history", History);
