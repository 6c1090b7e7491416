// The console's state, and the change feed that keeps it current: one poll of
// `GET /api/inbox/events?after=<cursor>` at a time; when the server cannot be reached the poll
// backs off (1 s, 2 s, 4 s… up to 30 s), says so, and resumes from the same cursor.

import { api, ApiError, Unreachable } from "./api.js";

/** @typedef {{id: number, protocol: string, status: string, channel: string, group_id: number | null, client_id: number,
 *   client_name: string, arrived_at: string, unread: number, last_message: string | null, last_message_at: string | null,
 *   favourite?: boolean}} Summary */
/** @typedef {{conversation_id: number, protocol: string, channel: string, phone: string | null, client_name: string,
 *   queue: string, subject: string | null, waiting_seconds: number, expires_at: string | null, received_at: number}} Offer */
/** @typedef {{id: number, kind: string, conversation_id: number | null, data: any, at: string}} FeedEvent */

export const POLL_MS = 1000;
export const MAX_BACKOFF_MS = 30000;

class Store extends EventTarget {
  constructor() {
    super();
    this.state = {
      /** @type {any} */ me: null,
      /** @type {{status: string, pause_reason: string | null}} */ status: { status: "offline", pause_reason: null },
      /** @type {Summary[]} */ conversations: [],
      /** @type {Offer[]} */ offers: [],
      /** @type {{group_id: number, name: string, waiting: number, oldest_arrival: string | null}[]} */ queues: [],
      /** @type {number | null} */ selected: null,
      favouritesOnly: false,
      /** @type {Set<number>} */ favourites: new Set(),
      /** @type {{offline: boolean, retryAt: number}} */ connection: { offline: false, retryAt: 0 },
      cursor: 0,
      view: "inbox",
    };
    this.running = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */ this.timer = undefined;
    this.backoff = 0;
    this.polling = false;
    /** @type {Promise<void> | undefined} */ this.listLoad = undefined;
    /** @type {Promise<void> | undefined} */ this.listAgain = undefined;
  }

  /** @param {Partial<Store["state"]>} patch @param {string} [what] which part changed */
  set(patch, what = "all") {
    Object.assign(this.state, patch);
    this.dispatchEvent(new CustomEvent("change", { detail: what }));
  }

  /** @param {string} what @param {(detail: string) => void} fn */
  on(what, fn) {
    const listener = (/** @type {Event} */ ev) => {
      const detail = /** @type {CustomEvent} */ (ev).detail;
      if (what === "*" || detail === what || detail === "all") fn(detail);
    };
    this.addEventListener("change", listener);
    return () => this.removeEventListener("change", listener);
  }

  /** Reloads my conversations; calls while one is in flight share a single reload after it
   * (a burst of feed events and sends costs two requests, not one each). */
  refreshConversations() {
    if (this.listLoad) {
      this.listAgain ??= this.listLoad.catch(() => {}).then(() => { this.listAgain = undefined; return this.refreshConversations(); });
      return this.listAgain;
    }
    this.listLoad = api("GET", "/api/inbox/conversations").then((data) => {
      /** @type {Summary[]} */
      const items = data.items;
      for (const c of items) {
        if (c.favourite === true) this.state.favourites.add(c.id);
        else if (c.favourite === false) this.state.favourites.delete(c.id);
      }
      this.set({ conversations: items }, "conversations");
    }).finally(() => { this.listLoad = undefined; });
    return this.listLoad;
  }

  async refreshOffers() {
    const data = await api("GET", "/api/inbox/offers");
    const now = Date.now();
    this.set({ offers: data.items.map((/** @type {Offer} */ o) => ({ ...o, received_at: now })) }, "offers");
  }

  async refreshQueues() {
    const data = await api("GET", "/api/inbox/queues");
    this.set({ queues: data.items }, "queues");
  }

  async refreshStatus() {
    this.set({ status: await api("GET", "/api/inbox/status") }, "status");
  }

  /** Starts polling the feed from the current cursor. */
  start() {
    if (this.running) return;
    this.running = true;
    this.poll();
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** Polls now (after an action of mine, or when the user asks to retry). */
  pollNow() {
    if (!this.running) return;
    clearTimeout(this.timer);
    this.poll();
  }

  async poll() {
    if (this.polling) return;
    this.polling = true;
    let delay = POLL_MS;
    try {
      const data = await api("GET", `/api/inbox/events?after=${this.state.cursor}`);
      const events = /** @type {FeedEvent[]} */ (data.events);
      this.state.cursor = data.cursor;
      if (this.state.connection.offline) this.set({ connection: { offline: false, retryAt: 0 } }, "connection");
      this.backoff = 0;
      if (events.length) this.dispatchEvent(new CustomEvent("events", { detail: events }));
      // A full page means more waits: fetch it straight away.
      if (events.length >= 200) delay = 0;
    } catch (e) {
      if (e instanceof Unreachable) {
        this.backoff = Math.min(this.backoff ? this.backoff * 2 : 1000, MAX_BACKOFF_MS);
        delay = this.backoff;
        this.set({ connection: { offline: true, retryAt: Date.now() + delay } }, "connection");
      } else if (e instanceof ApiError && e.status === 401) {
        this.running = false;
      }
    } finally {
      this.polling = false;
    }
    if (this.running) this.timer = setTimeout(() => this.poll(), delay);
  }
}

export const store = new Store();
