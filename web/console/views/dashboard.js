// The supervisor's live dashboard: queues by group with the longest wait, and agents by status
// and load — polled every second from the reports API.

import { api, ApiError } from "../api.js";
import { h } from "../dom.js";
import { duration, t, when } from "../i18n.js";

const POLL_MS = 1000;

class Dashboard extends HTMLElement {
  connectedCallback() {
    this.replaceChildren(h("section", { class: "screen-body", "aria-labelledby": "dash-title" }, [
      h("h1", { id: "dash-title", text: t("dash.title") }),
      h("p", { class: "muted", id: "dash-updated", text: t("common.loading") }),
      h("div", { id: "dash-body" }),
    ]));
    this.poll();
  }

  disconnectedCallback() { clearTimeout(this.timer); this.gone = true; }

  async poll() {
    try {
      this.paint(await api("GET", "/api/reports/dashboard"));
      this.timer = setTimeout(() => this.poll(), POLL_MS);
    } catch (e) {
      const body = this.querySelector("#dash-body");
      const status = this.querySelector("#dash-updated");
      if (e instanceof ApiError && e.status === 404) {
        if (status) status.textContent = t("common.not_available");
        body?.replaceChildren();
        return;
      }
      if (status) status.textContent = t("net.offline", { seconds: 5 });
      if (!this.gone) this.timer = setTimeout(() => this.poll(), 5000);
    }
  }

  /** @param {any} d */
  paint(d) {
    const status = this.querySelector("#dash-updated");
    if (status) status.textContent = t("dash.updated", { time: when(new Date().toISOString()) });
    const cols = ["bot", "queued", "offered", "assigned", "pending"];
    /** @param {string[]} heads */
    const head = (heads) => h("thead", {}, [h("tr", {}, heads.map((x) => h("th", { scope: "col", text: t(x) })))]);
    const totals = d.totals || {};
    this.querySelector("#dash-body")?.replaceChildren(
      h("div", { class: "kpis" }, cols.map((c) => h("div", { class: "kpi", dataset: { kpi: c } }, [h("span", { class: "kpi-value", text: String(totals[c] ?? 0) }), h("span", { text: t(`dash.${c}`) })]))),
      h("h2", { text: t("dash.groups") }),
      h("table", { class: "grid", id: "dash-groups" }, [
        h("caption", { class: "visually-hidden", text: t("dash.groups") }),
        head(["dash.group", ...cols.map((c) => `dash.${c}`), "dash.longest"]),
        h("tbody", {}, d.groups.map((/** @type {any} */ g) => h("tr", { dataset: { group: String(g.group_id) } }, [
          h("th", { scope: "row", text: g.name }),
          ...cols.map((c) => h("td", { dataset: { col: c }, text: String(g[c] ?? 0) })),
          // A customer queued this very second has waited 0 s, which is not "nobody waiting".
          h("td", { dataset: { col: "longest" }, text: g.longest_wait_seconds === null || g.longest_wait_seconds === undefined ? "—" : duration(g.longest_wait_seconds) }),
        ]))),
      ]),
      h("h2", { text: t("dash.agents") }),
      h("table", { class: "grid", id: "dash-agents" }, [
        h("caption", { class: "visually-hidden", text: t("dash.agents") }),
        head(["dash.agent", "dash.status", "dash.load"]),
        h("tbody", {}, d.agents.map((/** @type {any} */ a) => h("tr", { dataset: { agent: String(a.user_id) } }, [
          h("th", { scope: "row", text: a.display_name }),
          h("td", {}, [h("span", { class: `dot ${a.status}`, "aria-hidden": "true" }), ` ${a.status === "paused" && a.pause_reason ? t("status.pause_with", { reason: a.pause_reason }) : t(`status.${a.status}`)}`]),
          h("td", { dataset: { col: "load" }, text: `${a.load}/${a.max_concurrent}` }),
        ]))),
      ]),
    );
  }
}

customElements.define("at-dashboard", Dashboard);
