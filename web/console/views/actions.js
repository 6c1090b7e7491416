// The dialogs of a conversation's actions: tags, occurrence, transfer (one or all), close.

import { api, ApiError } from "../api.js";
import { h, modal, toast } from "../dom.js";
import { t } from "../i18n.js";

/** @param {unknown} e */
function fail(e) {
  toast(t("common.error", { message: /** @type {Error} */ (e).message }), "error");
}

/** Tags on or off, one checkbox each; returns the conversation's tags after the changes.
 * @param {number} id @param {any[]} all @param {{id: number, name: string, color: string}[]} current */
export async function chooseTags(id, all, current) {
  const on = new Set(current.map((x) => x.name));
  const form = await modal(t("tags.title"), [
    h("fieldset", { class: "checks" }, [
      h("legend", { class: "visually-hidden", text: t("tags.title") }),
      ...all.map((tag) => h("label", { class: "check" }, [
        h("input", { type: "checkbox", name: "tag", value: String(tag.id), checked: on.has(tag.name) }),
        h("span", { class: "tag", style: { "--tag": tag.color }, text: tag.name }),
      ])),
    ]),
  ], t("common.save"), t("common.cancel"));
  if (!form) return null;
  const wanted = new Set(form.getAll("tag").map(Number));
  let result = current;
  try {
    for (const tag of all) {
      const has = on.has(tag.name);
      if (wanted.has(tag.id) !== has) {
        result = await api(wanted.has(tag.id) ? "PUT" : "DELETE", `/api/inbox/conversations/${id}/tags/${tag.id}`);
      }
    }
  } catch (e) { fail(e); }
  return result;
}

/** @param {number} id @returns {Promise<boolean>} whether one was recorded */
export async function occurrenceDialog(id) {
  const types = await api("GET", "/api/admin/occurrence-types?status=active&limit=200").catch(() => /** @type {{items: any[]}} */ ({ items: [] }));
  const form = await modal(t("occ.title"), [
    h("label", {}, [t("occ.type"), h("select", { name: "type", required: true }, types.items.map((/** @type {any} */ o) => h("option", { value: String(o.id), text: o.name })))]),
    h("label", {}, [t("occ.comment"), h("textarea", { name: "comment", rows: 3 })]),
  ], t("common.save"), t("common.cancel"));
  if (!form) return false;
  try {
    const comment = String(form.get("comment") || "").trim();
    await api("POST", `/api/inbox/conversations/${id}/occurrences`, { occurrence_type_id: Number(form.get("type")), ...(comment ? { comment } : {}) });
    toast(t("occ.saved"));
    return true;
  } catch (e) { fail(e); return false; }
}

/** Who this conversation may go to: the inbox's transfer targets where the server has them,
 * else the console options. @param {number} id @param {any} options */
async function targets(id, options) {
  try {
    const found = await api("GET", `/api/inbox/conversations/${id}/transfer-targets`);
    return { agents: found.agents, groups: found.groups };
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
    return { agents: options.transfer_agents, groups: options.transfer_groups };
  }
}

/** @param {number} id @param {any} options @param {boolean} all every conversation of mine */
export async function transferDialog(id, options, all) {
  let found;
  try { found = await targets(id, options); } catch (e) { fail(e); return false; }
  const choices = [
    ...found.agents.map((/** @type {any} */ a) => h("option", { value: `agent:${a.id}`,
      text: t("transfer.agent_option", { name: a.display_name, status: t(`status.${a.status}`), load: a.load, max: a.max_concurrent }) })),
    ...found.groups.map((/** @type {any} */ g) => h("option", { value: `group:${g.id}`, text: g.name })),
  ];
  if (!choices.length) { toast(t("transfer.nobody"), "error"); return false; }
  const select = h("select", { name: "target", required: true }, [
    found.agents.length ? h("optgroup", { label: t("transfer.to_agent") }, choices.slice(0, found.agents.length)) : null,
    found.groups.length ? h("optgroup", { label: t("transfer.to_group") }, choices.slice(found.agents.length)) : null,
  ]);
  const form = await modal(t(all ? "transfer.all_title" : "transfer.title"), [
    h("label", {}, [t("transfer.target"), select]),
    h("label", {}, [t("transfer.message"), h("textarea", { name: "message", rows: 3 })]),
  ], t("conv.transfer"), t("common.cancel"));
  if (!form) return false;
  const [kind, target] = String(form.get("target")).split(":");
  const message = String(form.get("message") || "").trim();
  /** @type {Record<string, unknown>} */
  const body = kind === "agent" ? { to_agent_id: Number(target) } : { to_group_id: Number(target) };
  if (message) body.message = message;
  try {
    await api("POST", all ? "/api/inbox/transfer-all" : `/api/inbox/conversations/${id}/transfer`, body);
    return true;
  } catch (e) { fail(e); return false; }
}

/** The close dialog: the group's classification (reason, then sub-reason; required where the
 * group says), a comment and whether the problem was resolved. @param {number} id @param {any} options */
export async function closeDialog(id, options) {
  const tree = options.classification;
  const required = !!(tree && options.classification_mandatory);
  const resolvedRequired = !!options.resolution_mandatory;
  const sub = h("select", { name: "sub_reason_id", id: "close-sub" }, []);
  const subLabel = h("label", { hidden: true }, [t("close.sub_reason"), sub]);
  const reason = tree ? h("select", { name: "reason_id", id: "close-reason", "aria-required": required ? "true" : null,
    onchange: () => {
      const chosen = tree.reasons.find((/** @type {any} */ r) => String(r.id) === reason.value);
      const children = chosen?.children || [];
      sub.replaceChildren(h("option", { value: "", text: t("close.choose") }), ...children.map((/** @type {any} */ c) => h("option", { value: String(c.id), text: c.name })));
      subLabel.hidden = !children.length;
      const error = reason.closest("form")?.querySelector(".form-error");
      if (error) error.textContent = "";
    } }, [
    h("option", { value: "", text: t("close.choose") }),
    ...tree.reasons.map((/** @type {any} */ r) => h("option", { value: String(r.id), text: r.name })),
  ]) : null;
  const fields = [
    tree ? h("fieldset", {}, [
      h("legend", { text: `${t("close.classification")}: ${tree.name}${required ? ` (${t("close.required")})` : ""}` }),
      h("label", {}, [t("close.reason"), reason]),
      subLabel,
    ]) : null,
    h("label", {}, [t("close.comment"), h("textarea", { name: "comment", rows: 3 })]),
    h("fieldset", { class: "inline" }, [
      h("legend", { text: `${t("close.resolved")}${resolvedRequired ? ` (${t("close.required")})` : ""}` }),
      h("label", { class: "check" }, [h("input", { type: "radio", name: "resolved", value: "yes" }), t("common.yes")]),
      h("label", { class: "check" }, [h("input", { type: "radio", name: "resolved", value: "no" }), t("common.no")]),
    ]),
  ].filter((x) => x !== null);
  const form = await modal(t("close.title"), /** @type {HTMLElement[]} */ (fields), t("close.submit"), t("common.cancel"),
    (f) => {
      if (required && !(/** @type {HTMLSelectElement} */ (f.querySelector("#close-reason"))).value) return t("close.need_classification");
      if (resolvedRequired && !f.querySelector("input[name=resolved]:checked")) return t("close.need_resolved");
      return null;
    });
  if (!form) return false;
  /** @type {Record<string, unknown>} */
  const body = {};
  if (form.get("reason_id")) body.reason_id = Number(form.get("reason_id"));
  if (form.get("sub_reason_id")) body.sub_reason_id = Number(form.get("sub_reason_id"));
  const comment = String(form.get("comment") || "").trim();
  if (comment) body.comment = comment;
  if (tree && body.reason_id) body.classification_id = tree.id;
  if (form.get("resolved")) body.resolved = form.get("resolved") === "yes";
  try {
    await api("POST", `/api/inbox/conversations/${id}/close`, body);
    return true;
  } catch (e) {
    // Servers before the close dialog's `resolved` and `classification_id` refuse unknown
    // fields: close without them rather than not at all.
    if (e instanceof ApiError && e.status === 422 && /unknown field/.test(e.message)) {
      delete body.resolved;
      delete body.classification_id;
      try {
        await api("POST", `/api/inbox/conversations/${id}/close`, body);
        return true;
      } catch (again) { fail(again); return false; }
    }
    fail(e);
    return false;
  }
}
