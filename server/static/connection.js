// One WebSocket to the floor server (docs/protocol.md), kept alive by itself.
//
// It says hello with the last seq it applied, follows the server's seq (asks
// `sync` on a gap), takes the server's clock from `welcome.server_time`,
// reconnects with backoff after a loss or a server restart, and resends
// commands that got no answer with the same id. It never changes the floor
// itself: callers render the `view` that each snapshot and event carries.

export const FALLBACK_PROTOCOL = "vccsched.floor/3";

const BACKOFF_SECONDS = [0.5, 1, 2, 4, 8, 15, 30];
const WATCHDOG_SECONDS = 25;   // how often to check the server over HTTP while live
const WATCHDOG_TIMEOUT = 8;    // seconds before a /healthz check counts as failed
const SYNC_RETRY_SECONDS = 5;  // a sync unanswered this long may be sent again

function wsUrl(path) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path}`;
}

function randomTag() {
  const bytes = new Uint8Array(4);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("").slice(0, 6);
}

export class FloorConnection {
  /**
   * @param {object} options
   * @param {string} options.path        "/ws" or "/ws/public"
   * @param {string|null} options.token  sent in hello only (never in a URL)
   * @param {string} options.protocol    protocol version for hello
   * @param {object} options.on          callbacks: status(state, detail), welcome(msg),
   *   snapshot(state) with the full floor state (before view), view(view, event|null)
   *   for the snapshot and for every event applied, reply(msg, command) for accepted/refusal,
   *   fatal(code, message) when retrying cannot help (bad token, old page)
   */
  constructor({ path, token = null, protocol = FALLBACK_PROTOCOL, on = {} }) {
    this.path = path;
    this.token = token;
    this.protocol = protocol;
    this.on = on;
    this.ws = null;
    this.lastSeq = null;     // last seq applied; null before any snapshot
    this.view = null;
    this.head = null;        // the record's head (docs/protocol.md, "The record's chain")
    this.state = "connecting";
    this.welcome = null;
    this.clockOffset = 0;    // server clock minus ours, in ms
    this.pending = new Map(); // command id -> command, until accepted or refused
    this.counter = 0;
    this.tag = randomTag();
    this.attempt = 0;
    this.retryAt = null;
    this.stopped = false;
    this.syncSentAt = 0;
    this.timers = {};
    this._onOnline = () => this.reconnectNow();
    this._onOffline = () => this._drop();
    this._onVisible = () => {
      if (document.visibilityState === "visible") this._checkHealth();
    };
  }

  start() {
    window.addEventListener("online", this._onOnline);
    window.addEventListener("offline", this._onOffline);
    document.addEventListener("visibilitychange", this._onVisible);
    this._connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("online", this._onOnline);
    window.removeEventListener("offline", this._onOffline);
    document.removeEventListener("visibilitychange", this._onVisible);
    for (const id of Object.values(this.timers)) clearTimeout(id);
    if (this.ws) this.ws.close(1000);
    this.ws = null;
  }

  /** Server time now, in ms since the epoch (our clock corrected by welcome.server_time). */
  now() {
    return Date.now() + this.clockOffset;
  }

  get live() {
    return this.state === "live";
  }

  /** Send a command; returns its id. It is resent with the same id after a reconnect until answered. */
  send(command) {
    const prefix = (this.welcome && this.welcome.delegation) || "client";
    const id = `${prefix}-${this.tag}-${++this.counter}`;
    const full = { ...command, id };
    this.pending.set(id, full);
    if (this.live) this._sendJson({ type: "command", command: full });
    return id;
  }

  /** Kinds of request_floor / withdraw commands still waiting for an answer (to show "Sending…"). */
  pendingCommands() {
    return [...this.pending.values()];
  }

  /** Try again at once (the "Reconnect now" button, the browser coming back online). */
  reconnectNow() {
    if (this.stopped || this.live || this.state === "fatal") return;
    this.attempt = 0;
    this._clear("retry");
    this._drop(false);
    this._connect();
  }

  // --- internals -------------------------------------------------------------------------

  _setState(state, detail = {}) {
    if (this.state === "live" && state !== "live") this.lastLiveMs = this.now(); // for "last update at"
    this.state = state;
    if (this.on.status) this.on.status(state, detail);
  }

  _clear(name) {
    if (this.timers[name]) clearTimeout(this.timers[name]);
    delete this.timers[name];
  }

  _sendJson(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  _connect() {
    if (this.stopped) return;
    this.closeReason = "";
    this._clear("retry");
    this.retryAt = null;
    this.welcome = null;
    this._setState("connecting");
    let ws;
    try {
      ws = new WebSocket(wsUrl(this.path));
    } catch (_) {
      this._scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", () => {
      if (ws !== this.ws) return;
      this.helloSentAt = Date.now();
      this._sendJson({ type: "hello", protocol: this.protocol, last_seq: this.lastSeq, token: this.token });
    });
    ws.addEventListener("message", (e) => {
      if (ws !== this.ws) return;
      let message;
      try {
        message = JSON.parse(e.data);
      } catch (_) {
        return; // not ours to fix; the next snapshot or event brings us back in step
      }
      if (message && typeof message === "object") this._receive(message);
    });
    ws.addEventListener("close", (e) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this._clear("watchdog");
      if (this.state === "fatal" || this.stopped) return;
      this._scheduleRetry(e.code, e.reason);
    });
    // "error" is always followed by "close", which does the work.
  }

  /** Forget the socket and show the page as offline (network gone, or the watchdog failed). */
  _drop(schedule = true) {
    const ws = this.ws;
    this.ws = null;
    this._clear("watchdog");
    if (ws) {
      try {
        ws.close();
      } catch (_) {
        // already closing
      }
    }
    if (schedule && !this.stopped && this.state !== "fatal") this._scheduleRetry();
  }

  _scheduleRetry(code, reason = "") {
    const base = BACKOFF_SECONDS[Math.min(this.attempt, BACKOFF_SECONDS.length - 1)];
    this.attempt += 1;
    const delay = base * (0.8 + Math.random() * 0.4) * 1000;
    this.retryAt = Date.now() + delay;
    this.closeReason = reason || ""; // the server's words, e.g. "the server is full; try again in a moment"
    this._setState("offline", { retryAt: this.retryAt, code, reason: this.closeReason });
    this._clear("retry");
    this.timers.retry = setTimeout(() => this._connect(), delay);
  }

  _receive(m) {
    switch (m.type) {
      case "welcome":
        return this._welcome(m);
      case "snapshot":
        this.lastSeq = m.seq;
        this.resetExpected = false;
        this.view = m.view || null;
        this.head = m.head || null;
        if (this.on.snapshot) this.on.snapshot(m.state || null);
        if (this.on.view) this.on.view(this.view, null);
        return this._maybeLive();
      case "event":
        return this._event(m);
      case "accepted":
      case "refusal": {
        const command = m.command_id != null ? this.pending.get(m.command_id) : undefined;
        if (m.command_id != null) this.pending.delete(m.command_id);
        if (this.on.reply) this.on.reply(m, command);
        return;
      }
      case "status":
        // Whether the server can store commands (docs/protocol.md, "status").
        if (this.on.storage) this.on.storage(m.storage === "failing", m.message || "");
        return;
      case "error":
        if (m.code === "not_authenticated" || m.code === "unsupported_protocol") {
          this._setState("fatal", { code: m.code, message: m.message });
          if (this.on.fatal) this.on.fatal(m.code, m.message);
          this._drop(false);
        } else if (this.on.reply) {
          this.on.reply(m, undefined);
        }
        return;
      default:
        return; // a message type this page does not know: ignore it
    }
  }

  _welcome(m) {
    const received = Date.now();
    this.welcome = m;
    if (m.server_time) {
      const server = Date.parse(m.server_time);
      if (!Number.isNaN(server)) this.clockOffset = server - (this.helloSentAt + received) / 2;
    }
    this.caughtUpTo = m.seq;
    // A server whose log is behind ours was reset: it sends a snapshot that replaces what we had.
    this.resetExpected = this.lastSeq !== null && m.seq < this.lastSeq;
    if (this.on.welcome) this.on.welcome(m);
    for (const command of this.pending.values()) this._sendJson({ type: "command", command });
    this._maybeLive();
  }

  _event(m) {
    const event = m.event || {};
    const seq = event.seq;
    if (typeof seq !== "number" || this.lastSeq === null || this.resetExpected) return;
    if (seq <= this.lastSeq) return; // already applied (a repeat after a resume)
    if (seq !== this.lastSeq + 1) {
      // Missed frames (a slow link): ask for them; the reply brings this one too.
      if (Date.now() - this.syncSentAt > SYNC_RETRY_SECONDS * 1000) {
        this.syncSentAt = Date.now();
        this._sendJson({ type: "sync", last_seq: this.lastSeq });
      }
      return;
    }
    this.syncSentAt = 0;
    this.lastSeq = seq;
    if (m.view) this.view = m.view;
    if (m.head) this.head = m.head;
    if (this.on.view) this.on.view(this.view, event);
    this._maybeLive();
  }

  _maybeLive() {
    if (!this.welcome || this.resetExpected || this.lastSeq === null) return;
    if (this.lastSeq < this.caughtUpTo) return;
    if (this.state !== "live") {
      this.attempt = 0;
      this._setState("live");
      this._scheduleWatchdog();
    }
  }

  _scheduleWatchdog() {
    this._clear("watchdog");
    const delay = WATCHDOG_SECONDS * (0.8 + Math.random() * 0.4) * 1000;
    this.timers.watchdog = setTimeout(() => this._checkHealth(), delay);
  }

  // A connection can die without a close (a laptop lid, a mobile network switch):
  // ask the server over HTTP now and then; if it does not answer, the socket is not
  // to be trusted either. If the server is ahead of us, ask for what we missed.
  async _checkHealth() {
    if (this.state !== "live") return;
    const ws = this.ws;
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), WATCHDOG_TIMEOUT * 1000);
    let health = null;
    try {
      const response = await fetch("/healthz", { cache: "no-store", signal: controller.signal });
      if (response.ok) health = await response.json();
    } catch (_) {
      health = null;
    } finally {
      clearTimeout(timeout);
    }
    if (ws !== this.ws || this.state !== "live") return;
    if (health === null) {
      this._drop();
      return;
    }
    if (typeof health.seq === "number" && this.lastSeq !== null && health.seq > this.lastSeq) {
      if (this.seenBehind === this.lastSeq) {
        this.syncSentAt = Date.now();
        this._sendJson({ type: "sync", last_seq: this.lastSeq });
      }
      this.seenBehind = this.lastSeq; // behind twice in a row: not just an event in flight
    } else {
      this.seenBehind = null;
    }
    this._scheduleWatchdog();
  }
}
