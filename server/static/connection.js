// One WebSocket to the floor server (docs/protocol.md), kept alive by itself.
//
// It says hello with the last seq it applied, follows the server's seq (asks
// `sync` on a gap), keeps the server's clock from `welcome`, every `tick` and
// every live event on the monotonic clock (a computer clock set forward or back
// changes nothing), takes a connection that has said nothing for twice the
// server's heartbeat for dead, reconnects with backoff after a loss or a server
// restart, and resends commands that got no answer with the same id. It never
// changes the floor itself: callers render the `view` that each snapshot and
// event carries. A refusal at the door that will not go away by itself (too
// many connections for the delegation, a revoked link) stops the retries.

export const FALLBACK_PROTOCOL = "vccsched.floor/4";

const BACKOFF_SECONDS = [0.5, 1, 2, 4, 8, 15, 30];
const HEARTBEAT_SECONDS = 5;    // the server sends at least a tick this often (docs/protocol.md)
export const SILENCE_SECONDS = 2 * HEARTBEAT_SECONDS; // heard nothing this long: the connection is dead
const MIN_HEARTBEAT_SECONDS = 0.5; // a welcome's heartbeat_seconds below this is taken as this

/** Twice the heartbeat the server's welcome states (docs/protocol.md, `welcome`), else 2 × 5 s. */
export function silenceFor(beat) {
  const known = typeof beat === "number" && Number.isFinite(beat) && beat > 0;
  return known ? 2 * Math.max(MIN_HEARTBEAT_SECONDS, beat) : SILENCE_SECONDS;
}
const CONNECT_SECONDS = 10;     // a connection not welcomed by then is given up and tried again
const SYNC_RETRY_SECONDS = 5;   // a sync unanswered this long may be sent again
const OFFSET_WINDOW_MS = 30000; // clock estimates kept this long; the largest (least delayed) counts

/** Refusals at the door (error codes) that retrying on its own cannot cure: wait for the reader. */
export const STOPPING_ERRORS = new Set(["too_many_connections"]);
/** Refusals after which this link or this page cannot work at all. */
export const FATAL_ERRORS = new Set(["not_authenticated", "token_revoked", "unsupported_protocol"]);

/** The monotonic clock, in ms: unmoved when the computer's clock is set. */
export function monotonic() {
  return performance.now();
}

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
    this.silenceSeconds = SILENCE_SECONDS; // until a welcome states the server's heartbeat
    // Server time minus the monotonic clock, in ms; until the server says, the computer's clock.
    this.clockOffset = Date.now() - monotonic();
    this.offsets = [];       // [received (monotonic ms), estimate] of the last OFFSET_WINDOW_MS
    this.heardAt = null;     // monotonic ms of the last frame received on this connection
    this.refusal = null;     // {code, message}: the server's reason for refusing us at the door
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
    // A hidden tab's timers are slowed down: look again as soon as it is seen.
    this._onVisible = () => {
      if (document.visibilityState === "visible") this._checkSilence();
    };
  }

  start() {
    window.addEventListener("online", this._onOnline);
    window.addEventListener("offline", this._onOffline);
    document.addEventListener("visibilitychange", this._onVisible);
    this.timers.silence = setInterval(() => this._checkSilence(), 500);
    this._connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("online", this._onOnline);
    window.removeEventListener("offline", this._onOffline);
    document.removeEventListener("visibilitychange", this._onVisible);
    for (const id of Object.values(this.timers)) clearTimeout(id);
    clearInterval(this.timers.silence);
    if (this.ws) this.ws.close(1000);
    this.ws = null;
  }

  /** Server time now, in ms since the epoch: the monotonic clock plus the server's offset. */
  now() {
    return monotonic() + this.clockOffset;
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
    this.refusal = null;
    this._clear("retry");
    this._drop(false);
    this._connect();
  }

  // --- internals -------------------------------------------------------------------------

  _setState(state, detail = {}) {
    if (this.state === "live" && state !== "live") {
      // "Last update at": when the server was last heard, not when its silence was noticed.
      this.lastLiveMs = this.heardAt !== null ? this.heardAt + this.clockOffset : this.now();
    }
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
    this.refusal = null;
    this.heardAt = null;
    this.connectedAt = monotonic();
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
      this.helloSentAt = monotonic();
      this._sendJson({ type: "hello", protocol: this.protocol, last_seq: this.lastSeq, token: this.token });
    });
    ws.addEventListener("message", (e) => {
      if (ws !== this.ws) return;
      this.heardAt = monotonic();
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
      if (this.state === "fatal" || this.stopped) return;
      if (this.refusal && STOPPING_ERRORS.has(this.refusal.code)) {
        this._setState("refused", { code: this.refusal.code, message: this.refusal.message });
        return; // until the reader presses Reconnect, having closed another page
      }
      // 1013 "try again later" is the full server's close, whether or not it said so first.
      if (e.code === 1013 && !this.refusal) this.refusal = { code: "server_full", message: e.reason };
      this._scheduleRetry(e.code, e.reason);
    });
    // "error" is always followed by "close", which does the work.
  }

  /** Forget the socket and show the page as offline (network gone, or the connection went silent). */
  _drop(schedule = true, reason = "") {
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      try {
        ws.close();
      } catch (_) {
        // already closing
      }
    }
    if (schedule && !this.stopped && this.state !== "fatal") this._scheduleRetry(undefined, reason);
  }

  // Nothing heard for twice the heartbeat, or no welcome in time: the connection is dead
  // even if the socket does not know it yet (no FIN or RST came). Retry at once: the
  // previous attempt already waited.
  _checkSilence() {
    if (this.stopped || !this.ws) return;
    const now = monotonic();
    if (this.state === "live" && this.heardAt !== null && now - this.heardAt > this.silenceSeconds * 1000) {
      this.attempt = 0;
      this._drop(true, "silent");
    } else if (this.state === "connecting" && now - Math.max(this.connectedAt, this.heardAt || 0) > CONNECT_SECONDS * 1000) {
      // (a catch-up still arriving over a slow link is not silence)
      this.attempt = Math.min(this.attempt, 1);
      this._drop(true, "silent");
    }
  }

  /** One estimate of the server's clock offset: its time `serverMs` when we got a frame at `at`. */
  _offsetSample(serverMs, at) {
    if (Number.isNaN(serverMs)) return;
    // Too low by the frame's one-way delay: the largest of the recent estimates is the best.
    const estimate = serverMs - at;
    this.offsets = this.offsets.filter(([when]) => at - when < OFFSET_WINDOW_MS);
    this.offsets.push([at, estimate]);
    this.clockOffset = Math.max(...this.offsets.map(([, value]) => value));
  }

  _scheduleRetry(code, reason = "") {
    const base = BACKOFF_SECONDS[Math.min(this.attempt, BACKOFF_SECONDS.length - 1)];
    this.attempt += 1;
    const delay = base * (0.8 + Math.random() * 0.4) * 1000;
    this.retryAt = monotonic() + delay;
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
      case "tick":
        return this._tick(m);
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
        if (FATAL_ERRORS.has(m.code)) {
          this.refusal = { code: m.code, message: m.message };
          this._setState("fatal", { code: m.code, message: m.message });
          if (this.on.fatal) this.on.fatal(m.code, m.message);
          this._drop(false);
        } else if (!this.welcome || m.code === "server_full" || m.code === "rate_limited_closed") {
          // Refused at the door (or closed for flooding): the close follows; remember why.
          this.refusal = { code: m.code, message: m.message };
        } else if (this.on.reply) {
          this.on.reply(m, undefined);
        }
        return;
      default:
        return; // a message type this page does not know: ignore it
    }
  }

  _welcome(m) {
    const received = monotonic();
    this.welcome = m;
    this.silenceSeconds = silenceFor(m.heartbeat_seconds);
    this.offsets = []; // perhaps another server, another clock
    // The server stamped its time between our hello and this welcome: the midpoint.
    if (m.server_time) this._offsetSample(Date.parse(m.server_time), (this.helloSentAt + received) / 2);
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
      this._syncBehind();
      return;
    }
    this.syncSentAt = 0;
    this.lastSeq = seq;
    if (this.live && event.at) this._offsetSample(Date.parse(event.at), this.heardAt);
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
    }
  }

  // The server's heartbeat: its clock, and its last seq (beyond ours: an event was lost).
  _tick(m) {
    if (typeof m.server_time === "string") this._offsetSample(Date.parse(m.server_time), this.heardAt);
    if (this.live && typeof m.seq === "number" && this.lastSeq !== null && m.seq > this.lastSeq) this._syncBehind();
    if (this.on.tick) this.on.tick(m);
  }

  _syncBehind() {
    if (monotonic() - this.syncSentAt > SYNC_RETRY_SECONDS * 1000 || !this.syncSentAt) {
      this.syncSentAt = monotonic();
      this._sendJson({ type: "sync", last_seq: this.lastSeq });
    }
  }
}
