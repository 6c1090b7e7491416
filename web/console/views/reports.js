// The supervisor's period reports: service level by group, productivity by agent and the
// surveys (CSAT and NPS), each from its reports route — and "not available" where the server
// has none yet.

import { api, ApiError } from "../api.js";
import { h } from "../dom.js";
import { duration, t, when } from "../i18n.js";

/** @param {Date} d */
const day = (d) => d.toISOString().slice(0, 10);
/** @param {number | null | undefined} s */
const secs = (s) => (s === null || s === undefined ? "—" : duration(s));
/** @param {number | null | undefined} p */
const pct = (p) => (p === null || p === undefined ? "—" : `${Math.round(p)}%`);

/** A table with a caption, column headers and rows of cells. @param {string} caption @param {string[]} heads @param {(string | number)[][]} rows */
function grid(caption, heads, rows) {
  return h("table", { class: "grid" }, [
    h("caption", { class: "visually-hidden", text: caption }),
    h("thead", {}, [h("tr", {}, heads.map((x) => h("th", { scope: "col", text: t(x) })))]),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => h(i === 0 ? "th" : "td", i === 0 ? { scope: "row", text: String(c) } : { text: String(c) }))))),
  ]);
}

class Reports extends HTMLElement {
  connectedCallback() {
    const today = new Date();
    const from = new Date(today.getTime() - 7 * 86400000);
    this.form = h("form", { class: "filters", onsubmit: (/** @type {SubmitEvent} */ ev) => { ev.preventDefault(); this.load(); } }, [
      h("label", {}, [t("hist.from"), h("input", { type: "date", name: "from", value: day(from) })]),
      h("label", {}, [t("hist.to"), h("input", { type: "date", name: "to", value: day(today) })]),
      h("div", { class: "filter-actions" }, [h("button", { type: "submit", class: "primary", text: t("hist.search") })]),
    ]);
    this.replaceChildren(h("section", { class: "screen-body", "aria-labelledby": "rep-title" }, [
      h("h1", { id: "rep-title", text: t("rep.title") }),
      this.form,
      h("h2", { text: t("rep.service_level") }), h("div", { id: "rep-sl" }),
      h("h2", { text: t("rep.productivity") }), h("div", { id: "rep-prod" }),
      h("h2", { text: t("rep.surveys") }), h("div", { id: "rep-surveys" }),
    ]));
    this.load();
  }

  load() {
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(/** @type {HTMLFormElement} */ (this.form))) if (String(v)) q.set(k, String(v));
    this.section("#rep-sl", `/api/reports/service-level?${q}`, (d) => d.groups.length ? grid(t("rep.service_level"),
      ["dash.group", "rep.volume", "rep.answered", "rep.abandoned", "rep.avg_wait", "rep.avg_first", "rep.avg_handling", "rep.within_sla", "rep.transfers"],
      d.groups.map((/** @type {any} */ g) => [g.group_name || g.group_id, g.volume, g.answered, g.abandoned, secs(g.avg_wait_seconds),
        secs(g.avg_first_response_seconds), secs(g.avg_handling_seconds), pct(g.within_sla_percent), g.transfers])) : null);
    this.section("#rep-prod", `/api/reports/productivity?${q}`, (d) => d.agents.length ? grid(t("rep.productivity"),
      ["dash.agent", "rep.handled", "rep.avg_handling", "rep.transfers", "status.ready", "status.paused", "status.offline"],
      d.agents.map((/** @type {any} */ a) => [a.display_name, a.handled, secs(a.avg_handling_seconds), a.transfers,
        secs(a.ready_seconds), secs(a.paused_seconds), secs(a.offline_seconds)])) : null);
    this.section("#rep-surveys", `/api/reports/surveys?${q}`, (d) => h("div", {}, [
      h("div", { class: "kpis" }, [
        h("div", { class: "kpi" }, [h("span", { class: "kpi-value", text: pct(d.csat?.score) }), h("span", { text: `${t("rep.csat")} · ${t("rep.answers", { count: d.csat?.answers ?? 0 })}` })]),
        h("div", { class: "kpi" }, [h("span", { class: "kpi-value", text: d.nps?.score ?? "—" }), h("span", { text: `${t("rep.nps")} · ${t("rep.answers", { count: d.nps?.answers ?? 0 })}` })]),
        h("div", { class: "kpi" }, [h("span", { class: "kpi-value", text: `${d.nps?.promoters ?? 0} / ${d.nps?.passives ?? 0} / ${d.nps?.detractors ?? 0}` }), h("span", { text: t("rep.nps_split") })]),
      ]),
      // What customers wrote is what a supervisor reads first; the scores only say how many.
      h("h3", { text: t("rep.comments") }),
      d.open_answers?.length
        ? grid(t("rep.comments"), ["hist.protocol", "rep.answered_at", "rep.comment"],
          d.open_answers.map((/** @type {any} */ a) => [a.protocol, when(a.answered_at, true), a.text || ""]))
        : h("p", { class: "muted", text: t("rep.no_comments") }),
    ]));
  }

  /** @param {string} where @param {string} path @param {(data: any) => HTMLElement | null} draw */
  async section(where, path, draw) {
    const box = this.querySelector(where);
    if (!box) return;
    box.replaceChildren(h("p", { class: "muted", text: t("common.loading") }));
    try {
      box.replaceChildren(draw(await api("GET", path)) || h("p", { class: "muted", text: t("hist.empty") }));
    } catch (e) {
      box.replaceChildren(h("p", { class: "muted", text: e instanceof ApiError && e.status === 404 ? t("common.not_available") : /** @type {Error} */ (e).message }));
    }
  }
}

customElements.define("at-reports", Reports);
