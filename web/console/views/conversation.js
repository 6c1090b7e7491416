// One conversation: its header and actions, its messages (opened at the end, paged back 50 at
// a time so a long conversation opens at once), and the composer.

import { api, ApiError, download, saveBlob } from "../api.js";
import { disclosure, h, linkified, modal, toast } from "../dom.js";
import { lang, t, when } from "../i18n.js";
import { store } from "../store.js";
import { chooseTags, closeDialog, occurrenceDialog, transferDialog } from "./actions.js";
import { channelIcon } from "./conversation-list.js";
import "./composer.js";

const PAGE = 50;
const DELIVERY_REFRESH_MS = 5000;

/** Object URLs of attachments already fetched, by attachment id. @type {Map<number, string>} */
const blobs = new Map();

/** @param {number} id */
async function attachmentUrl(id) {
  let url = blobs.get(id);
  if (!url) {
    url = URL.createObjectURL(await download(`/api/inbox/attachments/${id}`));
    blobs.set(id, url);
  }
  return url;
}

/** The file part of a message: an image preview, an audio player, or a download button.
 * @param {any} m */
function attachment(m) {
  const name = m.payload?.filename || m.body || "file";
  const box = h("div", { class: "attachment" });
  const save = h("button", { type: "button", class: "link", text: t("att.download", { name }),
    onclick: async () => {
      try { saveBlob(await download(`/api/inbox/attachments/${m.attachment_id}`), name); } catch (e) { toast(/** @type {Error} */ (e).message, "error"); }
    } });
  if (m.kind === "image" || m.kind === "audio" || m.kind === "video") {
    const media = m.kind === "image"
      ? h("img", { alt: name, loading: "lazy", class: "preview" })
      : h(m.kind, { controls: true, preload: "none", "aria-label": name });
    attachmentUrl(m.attachment_id).then((url) => { /** @type {HTMLImageElement} */ (media).src = url; }).catch(() => media.remove());
    box.append(media);
  }
  box.append(save);
  return box;
}

/** One message, coloured by who wrote it, with its delivery state. @param {any} m @param {Map<number, string>} names */
export function messageView(m, names) {
  const role = m.role;
  const who = role === "agent" || role === "note" ? (m.sender_name || names.get(m.sender_id) || t(`role.${role}`)) : t(`role.${role}`);
  const body = m.attachment_id ? attachment(m) : h("div", { class: "msg-text" }, linkified(m.body ?? ""));
  // A file's body is its caption, or its name when it came without one (the widget's files have
  // no payload at all): the name is on the download button already.
  const caption = m.attachment_id && m.body && m.payload?.filename && m.body !== m.payload.filename ? h("div", { class: "msg-text" }, linkified(m.body)) : null;
  const delivery = m.delivery
    ? h("span", { class: `delivery ${m.delivery}`, title: m.delivery === "failed" ? t("delivery.failed", { reason: m.delivery_error || "" }) : t(`delivery.${m.delivery}`) }, [
      h("span", { "aria-hidden": "true", text: { queued: "🕓", sent: "✓", delivered: "✓✓", read: "✓✓", failed: "⚠" }[/** @type {"sent"} */ (m.delivery)] || "" }),
      h("span", { class: m.delivery === "failed" ? "" : "visually-hidden", text: m.delivery === "failed" ? t("delivery.failed", { reason: m.delivery_error || "" }) : t(`delivery.${m.delivery}`) }),
    ])
    : null;
  if (role === "system") return h("li", { class: "msg system", dataset: { id: String(m.id), at: m.created_at } }, [h("span", { text: m.body ?? "" }), h("time", { text: when(m.created_at) })]);
  return h("li", { class: `msg ${role}`, dataset: { id: String(m.id), at: m.created_at } }, [
    h("div", { class: "msg-who" }, [h("span", { text: who }), h("time", { datetime: m.created_at, text: when(m.created_at) })]),
    body,
    caption,
    delivery ? h("div", { class: "msg-foot" }, [delivery]) : null,
  ]);
}

/** The day a list item belongs to, in the reader's time zone. @param {Element} li */
const dayOf = (li) => {
  const at = /** @type {HTMLElement} */ (li).dataset.at;
  return at ? new Date(at).toDateString() : "";
};

/** Puts a line with the date before the first message of each day, as chat apps do: the
 * messages show only their time, and a customer who comes back days later (or a transcript read
 * a month on) would otherwise read "10:02" with no day. Runs again after every change of the list.
 * @param {HTMLElement} list */
export function paintDays(list) {
  for (const old of list.querySelectorAll(":scope > li.day")) old.remove();
  const today = new Date();
  const yesterday = new Date(today.getTime() - 86400000);
  let last = "";
  for (const li of [...list.children]) {
    const d = dayOf(li);
    if (!d || d === last) continue;
    last = d;
    const date = new Date(/** @type {string} */ (/** @type {HTMLElement} */ (li).dataset.at));
    const label = d === today.toDateString() ? t("conv.today")
      : d === yesterday.toDateString() ? t("conv.yesterday")
        : date.toLocaleDateString(lang(), { day: "numeric", month: "long", year: "numeric" });
    li.before(h("li", { class: "day" }, [h("span", { text: label })]));
  }
}

/** One conversation's messages in a dialog, with its PDF to download: the history's transcript,
 * and an earlier conversation of the customer in the panel. @param {number} id @param {string} protocol */
export async function transcriptDialog(id, protocol) {
  try {
    const data = await api("GET", `/api/reports/conversations/${id}`);
    /** @type {Map<number, string>} */
    const names = new Map();
    // The dialog's one action is the PDF a supervisor files or sends on; closing needs none.
    const list = h("ol", { class: "messages transcript" }, data.messages.map((/** @type {any} */ m) => messageView({ ...m, attachment_id: null }, names)));
    paintDays(list);
    const pdf = await modal(`${t("hist.transcript")} — ${protocol}`, [list], t("hist.pdf"), t("common.close"));
    if (pdf) saveBlob(await download(`/api/reports/conversations/${id}/transcript.pdf`), `${protocol}.pdf`);
  } catch (e) {
    toast(e instanceof ApiError && e.status === 404 ? t("common.not_available") : /** @type {Error} */ (e).message, "error");
  }
}

/** The changes of hands and state a reader of the conversation needs beside its messages. */
const ACTIVITY = ["assigned", "transferred", "pending", "resumed"];

/** One line of the timeline among the messages ("Alice Agente transferred to Bruno Agente").
 * @param {any} e a timeline event @param {Map<number, string>} names @param {Map<number, string>} groups */
export function activityView(e, names, groups) {
  const d = e.data || {};
  const who = (/** @type {number | null | undefined} */ id) => (id && names.get(id)) || t("activity.someone");
  let text;
  if (e.kind === "assigned") text = t("activity.assigned", { name: who(d.agent_id ?? e.actor_id) });
  else if (e.kind === "transferred") {
    text = d.to_agent_id
      ? t("activity.transferred", { from: who(d.from_agent_id ?? e.actor_id), to: who(d.to_agent_id) })
      : t("activity.transferred_group", { from: who(d.from_agent_id ?? e.actor_id), group: groups.get(d.to_group_id) || t("activity.another_group") });
  } else if (e.kind === "resumed" && e.actor !== "user") text = t("activity.resumed_auto");
  else if (e.kind === "pending" && e.actor !== "user") text = t("activity.pending_auto");
  else text = t(`activity.${e.kind}`, { name: who(e.actor_id) });
  return h("li", { class: "msg system activity", dataset: { kind: e.kind, at: e.at } }, [h("span", { text }), h("time", { datetime: e.at, text: when(e.at) })]);
}

class Conversation extends HTMLElement {
  connectedCallback() {
    this.off = store.on("selected", () => this.open(store.state.selected));
    this.addEventListener("feed", (ev) => this.onFeed(/** @type {CustomEvent} */ (ev).detail));
    this.refresher = setInterval(() => this.refreshDelivery(), DELIVERY_REFRESH_MS);
    this.open(store.state.selected);
  }

  disconnectedCallback() {
    this.off?.();
    clearInterval(this.refresher);
  }

  /** @param {number | null} id */
  async open(id) {
    this.convId = id;
    this.options = null;
    /** @type {any[]} */ this.messages = [];
    this.earliestLoaded = false;
    if (!id) {
      this.replaceChildren(h("section", { class: "conv-pane empty-pane" }, [h("p", { class: "empty", text: t("conv.empty") })]));
      return;
    }
    this.replaceChildren(h("section", { class: "conv-pane" }, [h("p", { class: "empty", text: t("common.loading") })]));
    try {
      const [detail, options, page, tags] = await Promise.all([
        api("GET", `/api/inbox/conversations/${id}`),
        api("GET", `/api/inbox/conversations/${id}/options`),
        api("GET", `/api/inbox/conversations/${id}/messages?latest=true&limit=${PAGE}`),
        api("GET", "/api/admin/tags?status=active&limit=200").catch(() => /** @type {{items: any[]}} */ ({ items: [] })),
      ]);
      if (this.convId !== id) return;
      this.detail = detail;
      this.options = options;
      // Servers that say whether it is a favourite of mine.
      if (detail.favourite === true) store.state.favourites.add(id);
      /** @type {any[]} */ this.allTags = tags.items;
      /** @type {{id: number, name: string, color: string}[]} */
      this.tags = (detail.tags || []).map((/** @type {any} */ x) => typeof x === "string" ? this.allTags.find((tg) => tg.name === x) || { id: 0, name: x, color: "#607d8b" } : x);
      this.messages = page.items;
      this.earliestLoaded = page.items.length < PAGE;
      this.render();
      this.markRead();
      this.dispatchEvent(new CustomEvent("opened", { bubbles: true, detail: { conversation: detail.conversation } }));
      document.querySelector("at-customer-panel")?.dispatchEvent(new CustomEvent("client", { detail: detail.conversation.client_id }));
    } catch (e) {
      this.replaceChildren(h("section", { class: "conv-pane" }, [h("p", { class: "empty", role: "alert", text: /** @type {Error} */ (e).message })]));
    }
  }

  /** Names of the people who wrote, for the message headers. */
  names() {
    /** @type {Map<number, string>} */
    const names = new Map();
    for (const a of this.options?.transfer_agents || []) names.set(a.id, a.display_name);
    const me = store.state.me.user;
    names.set(me.id, me.display_name);
    return names;
  }

  /** Group names for the activity lines. */
  groupNames() {
    /** @type {Map<number, string>} */
    const groups = new Map();
    for (const g of this.options?.transfer_groups || []) groups.set(g.id, g.name);
    if (this.options?.group) groups.set(this.options.group.id, this.options.group.name);
    return groups;
  }

  /** Messages with the timeline's activity lines among them, in time order, from `since` (ms)
   * up to before `until` (ms). @param {any[]} messages @param {number} since @param {number} until */
  lines(messages, since, until) {
    const names = this.names();
    const groups = this.groupNames();
    const events = (this.detail?.timeline || [])
      .filter((/** @type {any} */ e) => ACTIVITY.includes(e.kind))
      .map((/** @type {any} */ e) => ({ at: Date.parse(e.at), e }))
      .filter((/** @type {{at: number}} */ x) => x.at >= since && x.at < until);
    /** @type {HTMLElement[]} */
    const out = [];
    let i = 0;
    for (const m of messages) {
      const at = Date.parse(m.created_at);
      while (i < events.length && events[i].at < at) out.push(activityView(events[i++].e, names, groups));
      out.push(messageView(m, names));
    }
    while (i < events.length) out.push(activityView(events[i++].e, names, groups));
    return out;
  }

  render() {
    const c = this.detail.conversation;
    const summary = store.state.conversations.find((x) => x.id === c.id);
    const name = summary?.client_name || c.protocol;
    const fav = store.state.favourites.has(c.id);
    const open = c.status !== "closed";
    // Offered to me but not yet mine: answering (or tagging, moving, closing) waits for Accept,
    // or the offer could expire and hand a customer I already answered to someone else.
    const offered = c.status === "offered";
    const acts = open && !offered;
    /** @param {string} label @param {string} icon @param {() => void} fn @param {string} [cls] */
    const action = (label, icon, fn, cls = "") => h("button", { type: "button", class: `icon-btn ${cls}`, title: t(label), "aria-label": t(label), onclick: fn },
      [h("span", { "aria-hidden": "true", text: icon }), h("span", { class: "btn-label", text: t(label) })]);
    const more = disclosure("more", t("conv.more"), "⋯", h("div", { class: "menu" }, [
      h("button", { type: "button", text: t("conv.occurrence"), onclick: () => this.occurrence() }),
      h("button", { type: "button", text: t("conv.transcript"), onclick: () => this.transcript() }),
      h("button", { type: "button", text: t("conv.transfer_all"), onclick: () => this.transferAll() }),
    ]));
    // An empty list says so through CSS, so the first message needs no extra bookkeeping.
    // Activity before the first loaded message belongs to the earlier pages.
    const since = this.earliestLoaded || !this.messages.length ? -Infinity : Date.parse(this.messages[0].created_at);
    // With no message yet the list stays empty, so it says so (a lone "took the conversation"
    // line would hide that).
    this.list = h("ol", { class: "messages", "aria-label": t("conv.messages"), "data-empty": t("conv.no_messages") },
      this.messages.length ? this.lines(this.messages, since, Infinity) : []);
    paintDays(this.list);
    this.unseen = 0;
    this.jump = h("button", { type: "button", class: "primary small jump", hidden: true, onclick: () => { this.scrollToEnd(); this.markRead(); } });
    this.scroller = h("div", { class: "scroller", tabindex: "0", "aria-label": t("conv.messages"), onscroll: () => this.onScroll() }, [
      this.earliestLoaded ? null : h("button", { type: "button", class: "secondary small earlier", text: t("conv.earlier"), onclick: () => this.loadEarlier() }),
      this.list,
      this.jump,
    ]);
    this.replaceChildren(h("section", { class: "conv-pane", "aria-labelledby": "conv-title" }, [
      h("header", { class: "conv-head" }, [
        h("button", { type: "button", class: "icon-btn back", title: t("conv.back"), "aria-label": t("conv.back"), onclick: () => store.set({ selected: null }, "selected") }, [h("span", { "aria-hidden": "true", text: "←" })]),
        channelIcon(c.channel_type),
        h("div", { class: "conv-title" }, [
          h("h2", { id: "conv-title", text: name }),
          h("span", { class: "muted", text: `${t("conv.protocol", { protocol: c.protocol })} · ${t(`conv.state.${c.status}`)} · ${this.options.group.name}` }),
        ]),
        h("div", { class: "conv-actions" }, [
          action(fav ? "conv.unfavourite" : "conv.favourite", fav ? "★" : "☆", () => this.favourite(!fav), fav ? "on" : ""),
          acts ? action("conv.tags", "🏷", () => this.editTags()) : null,
          acts ? action("conv.transfer", "⇄", () => this.transfer()) : null,
          acts && c.status === "assigned" ? action("conv.pending", "⏸", () => this.move("pending")) : null,
          acts && c.status === "pending" ? action("conv.resume", "▶", () => this.move("resume")) : null,
          acts ? action("conv.close", "✔", () => this.close(), "danger") : null,
          more,
          h("button", { type: "button", class: "icon-btn panel-toggle", title: t("conv.panel"), "aria-label": t("conv.panel"),
            onclick: () => document.querySelector("at-customer-panel")?.classList.toggle("open") }, [h("span", { "aria-hidden": "true", text: "👤" })]),
        ]),
      ]),
      this.tags.length ? h("div", { class: "tag-row", "aria-label": t("tags.title") }, this.tags.map((tg) =>
        h("span", { class: "tag", style: { "--tag": tg.color } }, [tg.name]))) : null,
      // Servers that list the conversation's occurrences in its details.
      this.detail.occurrences?.length ? h("ul", { class: "occurrence-row", "aria-label": t("occ.list") }, this.detail.occurrences.map((/** @type {any} */ o) =>
        h("li", { class: "occurrence", title: o.comment || "" }, [`⚑ ${o.name || ""}${o.comment ? ` — ${o.comment}` : ""}`]))) : null,
      this.scroller,
      offered
        ? h("div", { class: "offer-gate", role: "group", "aria-label": t("conv.offered_hint") }, [
          h("p", { text: t("conv.offered_hint") }),
          h("button", { type: "button", class: "primary small", text: t("offers.accept"), onclick: () => this.answerOffer(true) }),
          h("button", { type: "button", class: "secondary small", text: t("offers.reject"), onclick: () => this.answerOffer(false) }),
        ])
        : open ? h("at-composer") : h("p", { class: "closed-note", text: t("conv.closed") }),
    ]));
    const composer = /** @type {any} */ (this.querySelector("at-composer"));
    if (composer) composer.setup(c, this.options, (/** @type {any} */ m) => this.appended(m, true));
    this.scrollToEnd();
  }

  /** Goes to the last message. Messages off screen are laid out only when they come into view
   * (`content-visibility: auto`), so the height grows as the end is approached: follow it for
   * a few frames until it stops growing. */
  scrollToEnd() {
    this.unseen = 0;
    if (this.jump) this.jump.hidden = true;
    let frames = 0;
    let height = -1;
    const step = () => {
      const s = this.scroller;
      if (!s || (s.scrollHeight === height && frames > 1) || frames > 10) return;
      height = s.scrollHeight;
      s.scrollTop = s.scrollHeight;
      frames++;
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  }

  /** Whether the last messages are on screen (within a line of the end). */
  atEnd() {
    const s = this.scroller;
    return !s || s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  }

  onScroll() {
    if (this.scroller && this.scroller.scrollTop < 40 && !this.earliestLoaded && !this.loading) this.loadEarlier();
    if (this.unseen && this.atEnd()) {
      this.unseen = 0;
      if (this.jump) this.jump.hidden = true;
      this.markRead();
    }
  }

  /** The page before the oldest shown, kept in place on screen. */
  async loadEarlier() {
    if (!this.messages.length || !this.scroller || !this.list) return;
    this.loading = true;
    try {
      const page = await api("GET", `/api/inbox/conversations/${this.convId}/messages?before=${this.messages[0].id}&limit=${PAGE}`);
      const before = this.scroller.scrollHeight;
      const until = Date.parse(this.messages[0].created_at);
      this.messages = [...page.items, ...this.messages];
      const since = page.items.length < PAGE || !page.items.length ? -Infinity : Date.parse(page.items[0].created_at);
      this.list.prepend(...this.lines(page.items, since, until));
      paintDays(this.list);
      if (page.items.length < PAGE) {
        this.earliestLoaded = true;
        this.scroller.querySelector(".earlier")?.remove();
      }
      this.scroller.scrollTop += this.scroller.scrollHeight - before;
    } catch (e) {
      toast(/** @type {Error} */ (e).message, "error");
    } finally {
      this.loading = false;
    }
  }

  /** A message that arrived, or one I just sent or wrote (`mine`). Someone reading earlier
   * messages stays where they are and is told that new ones are below; otherwise, and after my
   * own, the list follows the end. @param {any} m @param {boolean} [mine] */
  appended(m, mine = false) {
    if (!this.list || this.messages.some((x) => x.id === m.id)) return;
    const follow = mine || this.atEnd();
    this.messages.push(m);
    this.list.append(messageView(m, this.names()));
    paintDays(this.list);
    if (follow) this.scrollToEnd();
    else if (this.jump) {
      this.unseen = (this.unseen || 0) + 1;
      this.jump.textContent = t("conv.new_below", { count: this.unseen });
      this.jump.hidden = false;
    }
    // The list shows the last message.
    store.refreshConversations().catch(() => {});
  }

  /** @param {import("../store.js").FeedEvent[]} events */
  async onFeed(events) {
    const mine = events.filter((e) => e.conversation_id === this.convId);
    // Still opening: what it loads is at least as new as these events.
    if (!mine.length || !this.convId || !this.options) return;
    if (mine.some((e) => e.kind !== "message")) {
      const still = await api("GET", `/api/inbox/conversations/${this.convId}`).catch(() => /** @type {any} */ (null));
      if (!still || still.conversation.agent_id !== store.state.me.user.id) {
        store.set({ selected: null }, "selected");
        return;
      }
      this.detail = still;
      this.render();
    }
    // A message may come in the same batch as a change of state.
    await this.fetchNew();
  }

  async fetchNew() {
    const last = this.messages.length ? this.messages[this.messages.length - 1].id : 0;
    const page = await api("GET", `/api/inbox/conversations/${this.convId}/messages?after=${last}&limit=200`).catch(() => /** @type {any} */ (null));
    if (!page) return;
    for (const m of page.items) this.appended(m);
    // Read once the agent has seen it: not while they are reading earlier messages (the
    // "new messages below" button waits for them, and the list keeps counting it).
    if (!this.unseen) this.markRead();
  }

  markRead() {
    const last = this.messages[this.messages.length - 1];
    if (!last || !this.convId) return;
    api("POST", `/api/inbox/conversations/${this.convId}/read`, { up_to: last.id })
      .then(() => store.refreshConversations())
      .catch(() => {});
  }

  /** Delivery states change outside the feed (the provider's receipts): refresh the last page. */
  async refreshDelivery() {
    if (!this.convId || !this.list || document.hidden) return;
    const pending = this.messages.slice(-PAGE).some((m) => m.role === "agent" && m.delivery && m.delivery !== "read" && m.delivery !== "failed");
    if (!pending) return;
    const page = await api("GET", `/api/inbox/conversations/${this.convId}/messages?latest=true&limit=${PAGE}`).catch(() => /** @type {any} */ (null));
    if (!page) return;
    for (const m of page.items) {
      const at = this.messages.findIndex((x) => x.id === m.id);
      if (at >= 0 && this.messages[at].delivery !== m.delivery) {
        this.messages[at] = m;
        this.list.querySelector(`[data-id="${m.id}"]`)?.replaceWith(messageView(m, this.names()));
      }
    }
  }

  /** @param {boolean} on */
  async favourite(on) {
    try {
      await api(on ? "PUT" : "DELETE", `/api/inbox/conversations/${this.convId}/favourite`);
      if (on) store.state.favourites.add(/** @type {number} */ (this.convId)); else store.state.favourites.delete(/** @type {number} */ (this.convId));
      store.set({}, "conversations");
      this.render();
    } catch (e) { toast(/** @type {Error} */ (e).message, "error"); }
  }

  async editTags() {
    const result = await chooseTags(/** @type {number} */ (this.convId), this.allTags, this.tags);
    if (result) { this.tags = result; this.render(); }
  }

  async transfer() {
    if (await transferDialog(/** @type {number} */ (this.convId), this.options, false)) {
      toast(t("transfer.done"));
      store.set({ selected: null }, "selected");
      store.refreshConversations().catch(() => {});
    }
  }

  async transferAll() {
    /** @type {any} */ (this.querySelector("div.more"))?.close();
    if (await transferDialog(/** @type {number} */ (this.convId), this.options, true)) {
      store.set({ selected: null }, "selected");
      store.refreshConversations().catch(() => {});
    }
  }

  async occurrence() {
    /** @type {any} */ (this.querySelector("div.more"))?.close();
    if (!(await occurrenceDialog(/** @type {number} */ (this.convId)))) return;
    const fresh = await api("GET", `/api/inbox/conversations/${this.convId}`).catch(() => /** @type {any} */ (null));
    if (fresh && this.detail && fresh.conversation.id === this.convId) {
      this.detail = fresh;
      this.render();
    }
  }

  /** Accepts or rejects the offer of the conversation on screen. @param {boolean} accept */
  async answerOffer(accept) {
    const id = /** @type {number} */ (this.convId);
    try {
      await api("POST", `/api/inbox/offers/${id}/${accept ? "accept" : "reject"}`);
    } catch (e) { toast(/** @type {Error} */ (e).message, "error"); }
    await Promise.all([store.refreshOffers(), store.refreshConversations()]).catch(() => {});
    if (accept && store.state.conversations.some((x) => x.id === id)) this.open(id);
    else store.set({ selected: null }, "selected");
  }

  /** @param {"pending" | "resume"} what */
  async move(what) {
    try {
      this.detail.conversation = await api("POST", `/api/inbox/conversations/${this.convId}/${what}`);
      // The detail again, for the line the change wrote in the timeline.
      const fresh = await api("GET", `/api/inbox/conversations/${this.convId}`).catch(() => /** @type {any} */ (null));
      if (fresh && fresh.conversation.id === this.convId) this.detail = fresh;
      await store.refreshConversations();
      this.render();
    } catch (e) { toast(/** @type {Error} */ (e).message, "error"); }
  }

  async close() {
    const closed = await closeDialog(/** @type {number} */ (this.convId), this.options);
    if (!closed) return;
    toast(t("conv.closed"));
    store.set({ selected: null }, "selected");
    store.refreshConversations().catch(() => {});
  }

  async transcript() {
    /** @type {any} */ (this.querySelector("div.more"))?.close();
    try {
      saveBlob(await download(`/api/reports/conversations/${this.convId}/transcript.pdf`), `${this.detail.conversation.protocol}.pdf`);
    } catch (e) {
      const err = /** @type {any} */ (e);
      toast(err.status === 404 ? t("common.not_available") : err.message, "error");
    }
  }
}

customElements.define("at-conversation", Conversation);
