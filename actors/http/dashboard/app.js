'use strict';
// troupe dashboard: POST /v1/session, then a WebSocket that streams a
// snapshot followed by JSON Patch deltas; the page renders the state and
// computes everything that moves with the clock (uptime, ages) itself.
(() => {
  const DASH = '–', MAX_RECENT = 20, BACKOFF_MIN = 1000, BACKOFF_MAX = 30000;

  let state = {}, lastSeq = null, bytes = 0, messages = 0, lastMessageAt = 0;
  let ws = null, retryTimer = 0, backoff = BACKOFF_MIN, lastQuickRetry = 0;
  let ageCells = [], renderPending = false;

  const $ = (id) => document.getElementById(id);
  const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  const obj = (v) => (isObj(v) ? v : {});

  // ---- JSON Patch (RFC 6902: add, replace, remove) over JSON Pointers (RFC 6901)
  function parsePointer(path) {
    if (path === '') return [];
    if (typeof path !== 'string' || path[0] !== '/') throw new Error('bad pointer ' + path);
    // ~1 before ~0, so that "~01" becomes "~1" and not "/".
    return path.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  }

  function arrayIndex(arr, tok, allowEnd) {
    if (allowEnd && tok === '-') return arr.length;
    if (!/^(0|[1-9][0-9]*)$/.test(tok)) throw new Error('bad array index ' + tok);
    const i = Number(tok);
    if (i > arr.length || (i === arr.length && !allowEnd)) throw new Error('index out of range ' + tok);
    return i;
  }

  function child(node, tok) {
    if (Array.isArray(node)) return node[arrayIndex(node, tok, false)];
    if (isObj(node) && hasOwn(node, tok)) return node[tok];
    throw new Error('no such path element ' + tok);
  }

  // defineProperty instead of assignment: keys come from the network and
  // "__proto__" must stay a plain key rather than swap the prototype.
  const setKey = (o, key, value) =>
    Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });

  // Returns the new document (a root "add"/"replace" replaces it). Object
  // members are lenient (replace of a missing key adds it, remove of a
  // missing key is a no-op): the seq check, not patch strictness, is what
  // detects a stream out of step.
  function applyOp(doc, op) {
    if (!isObj(op)) throw new Error('bad op');
    const kind = op.op;
    if ((kind === 'add' || kind === 'replace') && !hasOwn(op, 'value')) throw new Error(kind + ' without value');
    if (kind !== 'add' && kind !== 'replace' && kind !== 'remove') throw new Error('unsupported op ' + kind);
    const toks = parsePointer(op.path);
    if (toks.length === 0) {
      if (kind === 'remove') throw new Error('cannot remove the root');
      return op.value;
    }
    let parent = doc;
    for (let i = 0; i < toks.length - 1; i++) parent = child(parent, toks[i]);
    const key = toks[toks.length - 1];
    if (Array.isArray(parent)) {
      if (kind === 'add') parent.splice(arrayIndex(parent, key, true), 0, op.value);
      else if (kind === 'replace') parent[arrayIndex(parent, key, false)] = op.value;
      else parent.splice(arrayIndex(parent, key, false), 1);
    } else if (isObj(parent)) {
      if (kind === 'remove') delete parent[key];
      else setKey(parent, key, op.value);
    } else {
      throw new Error('not a container at ' + op.path);
    }
    return doc;
  }

  function applyPatch(doc, ops) {
    if (!Array.isArray(ops)) throw new Error('ops is not an array');
    for (const op of ops) doc = applyOp(doc, op);
    return doc;
  }

  // ---- connection
  function setConn(s, detail = '') {
    const c = $('conn');
    c.textContent = c.className = s;
    c.title = detail;
    $('conn-detail').textContent = detail;
    document.body.classList.toggle('stale', s !== 'live');
  }

  function nextBackoff() {
    const d = backoff;
    backoff = Math.min(backoff * 2, BACKOFF_MAX);
    return d;
  }

  // Retry at once the first time, with backoff if it keeps happening, so a
  // server that misbehaves in a loop is not hammered.
  function quickOrBackoff() {
    const now = Date.now(), quick = now - lastQuickRetry > 5000;
    lastQuickRetry = now;
    return quick ? 0 : nextBackoff();
  }

  function schedule(fn, delay, why) {
    clearTimeout(retryTimer);
    if (delay > 0) setConn('offline', `${why} — retry in ${Math.round(delay / 1000)} s`);
    else setConn('connecting', why);
    retryTimer = setTimeout(fn, delay);
  }

  function postSession(authorization) {
    const init = { method: 'POST', credentials: 'same-origin', cache: 'no-store' };
    if (authorization) init.headers = { Authorization: authorization };
    return fetch('/v1/session', init);
  }

  async function errorMessage(res) {
    try {
      const body = await res.json();
      if (body && typeof body.message === 'string' && body.message) return body.message;
    } catch (_) { /* not JSON: fall through */ }
    return `HTTP ${res.status}`;
  }

  async function startSession() {
    clearTimeout(retryTimer);
    setConn('connecting');
    let res;
    try { res = await postSession(); } catch (e) { return schedule(startSession, nextBackoff(), 'network error'); }
    if (res.status === 204) connect();
    else if (res.status === 401) showLogin();
    else schedule(startSession, nextBackoff(), `session: HTTP ${res.status}`);
  }

  function showLogin() {
    clearTimeout(retryTimer);
    setConn('login');
    $('login').hidden = false;
    $('token').focus();
  }

  async function onLoginSubmit(ev) {
    ev.preventDefault();
    const input = $('token'), button = $('login-submit'), error = $('login-error');
    if (!input.value.trim()) return void (error.textContent = 'enter a token');
    error.textContent = '';
    button.disabled = true;
    // The field is cleared as soon as the request holds the token: it is
    // kept nowhere else, and a rejected token has to be typed again anyway.
    const pending = postSession('Bearer ' + input.value.trim());
    input.value = '';
    try {
      const res = await pending;
      if (res.status === 204) {
        $('login').hidden = true;
        connect();
      } else {
        error.textContent = await errorMessage(res);
      }
    } catch (e) {
      error.textContent = 'network error: ' + e.message;
    }
    button.disabled = false;
  }

  function dropSocket() {
    const s = ws;
    ws = null;
    if (!s) return;
    s.onopen = s.onmessage = s.onclose = null;
    try { s.close(4000, 'resync'); } catch (_) { /* already closing */ }
  }

  function connect() {
    clearTimeout(retryTimer);
    dropSocket();
    setConn('connecting');
    const proto = location.protocol === 'https:' ? 'wss://' : 'ws://';
    const s = new WebSocket(proto + location.host + '/v1/dashboard');
    s.binaryType = 'arraybuffer';
    ws = s;
    let opened = false;
    s.onopen = () => { opened = true; };
    s.onmessage = (ev) => { if (ws === s) onMessage(ev.data); };
    s.onclose = (ev) => {
      if (ws !== s) return;
      ws = null;
      if (ev.code === 4401) return schedule(startSession, quickOrBackoff(), 'session expired');
      // A handshake that failed may be a refused cookie, which only the
      // session endpoint can tell; a socket that was up just reconnects.
      const why = `socket closed (${ev.code}${ev.reason ? ': ' + ev.reason : ''})`;
      schedule(opened ? connect : startSession, nextBackoff(), why);
    };
  }

  // A new connection starts with a snapshot, which is how the page gets
  // back in step with the server.
  function resync(why) {
    dropSocket();
    schedule(connect, quickOrBackoff(), why);
  }

  const encoder = new TextEncoder(), decoder = new TextDecoder();

  function onMessage(data) {
    const text = typeof data === 'string' ? data : decoder.decode(data);
    bytes += typeof data === 'string' ? encoder.encode(data).length : data.byteLength;
    messages++;
    lastMessageAt = Date.now();
    scheduleRender();
    let msg;
    try { msg = JSON.parse(text); } catch (_) { return resync('unparsable message'); }
    if (!isObj(msg)) return resync('unexpected message');
    if (msg.type === 'snapshot') {
      state = obj(msg.state);
      lastSeq = isNum(msg.seq) ? msg.seq : null;
      backoff = BACKOFF_MIN;
      setConn('live');
    } else if (msg.type === 'delta') {
      if (lastSeq === null || msg.seq !== lastSeq + 1) return resync(`seq ${msg.seq} after ${lastSeq}`);
      try { state = obj(applyPatch(state, msg.ops)); } catch (e) { return resync('bad delta: ' + e.message); }
      lastSeq = msg.seq;
    } else if (msg.type === 'keepalive') {
      if (lastSeq !== null && msg.seq !== lastSeq) resync(`keepalive seq ${msg.seq} after ${lastSeq}`);
    }
    // Other types are ignored, so that a newer server can add some.
  }

  // ---- formatting
  const txt = (v) => (v === undefined || v === null || v === '' ? DASH : String(v));
  const int = (v) => (isNum(v) ? String(Math.round(v)) : DASH);
  const fixed = (v, digits) => (isNum(v) ? v.toFixed(digits) : DASH);
  const num = (v) => (isNum(v) ? (Number.isInteger(v) ? String(v) : v.toFixed(1)) : DASH);
  const pct = (v) => (isNum(v) ? v.toFixed(1) + ' %' : DASH);
  const pair = (busy, total) => (isNum(busy) || isNum(total) ? `${int(busy)}/${int(total)}` : DASH);
  const pad2 = (n) => String(n).padStart(2, '0');
  // Jobs of a few microseconds are common: below 0.1 ms, microseconds.
  const fmtMs = (v) => (!isNum(v) ? DASH
    : v > 0 && v < 0.1 ? (v * 1000).toFixed(0) + ' µs'
    : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0));

  function fmtBytes(b) {
    if (!isNum(b)) return DASH;
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
    return (i === 0 ? String(b) : b.toFixed(b < 10 ? 2 : 1)) + ' ' + units[i];
  }

  function fmtDuration(ms) {
    if (!isNum(ms)) return DASH;
    // Clock skew between browser and node can make a start look future.
    const s = Math.max(0, Math.floor(ms / 1000)), m = Math.floor(s / 60), h = Math.floor(m / 60), d = Math.floor(h / 24);
    if (s < 60) return `${s}s`;
    if (m < 60) return `${m}m ${pad2(s % 60)}s`;
    if (h < 24) return `${h}h ${pad2(m % 60)}m`;
    return `${d}d ${pad2(h % 24)}h`;
  }

  const fmtClock = (ms) => (isNum(ms) ? new Date(ms).toTimeString().slice(0, 8) : DASH);


  const healthLevel = (h) => (!isNum(h) ? '' : h >= 80 ? 'ok' : h >= 50 ? 'warn' : 'bad');

  // Only tokens that are safe as class names: values come from the network.
  const stClass = (prefix, v) => (typeof v === 'string' && /^[A-Za-z0-9_-]+$/.test(v) ? prefix + v : '');

  // ---- rendering
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function row(cls, attr, key, cells) {
    const tr = el('tr', cls);
    tr.setAttribute(attr, key);
    for (const c of cells) tr.append(Array.isArray(c) ? el('td', c[0], c[1]) : c);
    return tr;
  }

  function fillTable(id, rows, emptyText) {
    const table = $(id), count = $(id + '-count');
    table.tBodies[0].replaceChildren(...rows);
    // The empty note lives in tfoot so that tbody holds data rows only.
    table.tFoot.hidden = rows.length > 0;
    table.tFoot.rows[0].cells[0].textContent = rows.length ? '' : emptyText;
    if (count) count.textContent = rows.length ? String(rows.length) : '';
  }

  function healthCell(h) {
    const td = el('td', ('health ' + healthLevel(h)).trim(), num(h));
    if (isNum(h)) td.append(Object.assign(el('meter'), { min: 0, max: 100, low: 50, high: 80, optimum: 100, value: h }));
    return td;
  }

  // "FAILED 3 · TIMEOUT 1": one unbreakable span per status, so that a
  // narrow column wraps between statuses only.
  function errorsCell(e) {
    const td = el('td', 'errors');
    const keys = isObj(e) ? Object.keys(e).sort().filter((k) => isNum(e[k]) && e[k] > 0) : [];
    keys.forEach((k, i) => td.append(...(i ? [' · '] : []), el('span', '', `${k} ${e[k]}`)));
    if (keys.length) td.classList.add('bad');
    else td.textContent = isObj(e) ? '0' : DASH;
    return td;
  }

  function renderNode() {
    const n = obj(state.node);
    const fields = { name: txt(n.name), version: txt(n.version), address: txt(n.address),
      'cluster-address': txt(n.cluster_address), 'in-flight': int(n.in_flight) };
    for (const [k, text] of Object.entries(fields)) $('node-' + k).textContent = text;
    const health = $('node-health');
    health.textContent = num(n.health);
    health.className = healthLevel(n.health);
    $('node-draining').hidden = n.draining !== true;
    document.title = typeof n.name === 'string' && n.name ? `troupe · ${n.name}` : 'troupe';
  }

  function renderMembers() {
    const m = obj(state.members);
    const rows = Object.keys(m).sort().map((name) => {
      const v = obj(m[name]);
      const tr = row(stClass('st-', v.status), 'data-member', name, [
        ['name', name], ['address', txt(v.address)], ['status', txt(v.status)],
        healthCell(v.health), ['jps', fixed(v.jobs_per_second, 1)], ['incarnation', int(v.incarnation)],
      ]);
      if (v.self === true) tr.classList.add('self');
      return tr;
    });
    fillTable('members', rows, 'not in a cluster');
  }

  const SEVERITY_ORDER = { CRITICAL: 0, WARNING: 1, INFO: 2 };
  function renderAlerts() {
    const a = obj(state.alerts);
    const rank = (k) => SEVERITY_ORDER[obj(a[k]).severity] ?? 3;
    const since = (k) => (isNum(obj(a[k]).since_unix_ms) ? a[k].since_unix_ms : Infinity);
    ageCells = [];
    const rows = Object.keys(a)
      .sort((x, y) => rank(x) - rank(y) || since(x) - since(y) || (x < y ? -1 : x > y ? 1 : 0))
      .map((key) => {
        const v = obj(a[key]);
        const age = el('td', 'age');
        ageCells.push([age, v.since_unix_ms]);
        return row(stClass('sev-', v.severity), 'data-alert', key, [
          ['severity', txt(v.severity)], ['rule', txt(v.rule)], ['subject', txt(v.subject)],
          ['message', txt(v.message)], age,
        ]);
      });
    fillTable('alerts', rows, 'no alerts');
  }

  function renderSkills() {
    const s = obj(state.skills);
    const rows = Object.keys(s).sort().map((name) => {
      const v = obj(s[name]);
      const queued = el('td', 'queued', int(v.queued));
      queued.title = `capacity ${int(v.queue_capacity)} · cluster queued ${int(v.cluster_queued)}`;
      if (isNum(v.queued) && v.queued > 0) {
        queued.classList.add(isNum(v.queue_capacity) && v.queued >= 0.9 * v.queue_capacity ? 'bad' : 'warn');
      }
      const errors = errorsCell(v.errors);
      const workers = el('td', 'workers', pair(v.busy, v.workers));
      if (isNum(v.busy) && isNum(v.workers) && v.workers > 0 && v.busy >= v.workers) workers.classList.add('warn');
      return row('', 'data-skill', name, [
        ['name', name], ['kind', txt(v.kind)], workers, ['cluster', pair(v.cluster_busy, v.cluster_workers)],
        queued, ['jps', fixed(v.jobs_per_second, 1)], ['p50', fmtMs(v.p50_ms)], ['p99', fmtMs(v.p99_ms)],
        ['done', int(v.done)], errors,
      ]);
    });
    fillTable('skills', rows, 'no skills');
  }

  function renderBreakers() {
    const b = obj(state.breakers);
    const rows = Object.keys(b).sort().map((skill) => {
      const v = obj(b[skill]);
      const next = v.state === 'OPEN' && isNum(v.until_half_open_ms) ? (v.until_half_open_ms / 1000).toFixed(1) + ' s' : DASH;
      return row(stClass('st-', v.state), 'data-breaker', skill, [
        ['skill', skill], ['state', txt(v.state)], ['failure_rate', pct(v.failure_rate)],
        ['calls', int(v.calls)], ['failures', int(v.failures)], ['next', next],
        ['trips', int(v.trips)], ['rejected', int(v.rejected)],
      ]);
    });
    fillTable('breakers', rows, 'no circuit breakers');
  }

  function renderCache() {
    const c = obj(state.cache);
    const off = c.enabled === false;
    $('cache-off').hidden = !off;
    $('cache-off').textContent = off ? 'no result cache' : '';
    $('cache-stats').hidden = off;
    const v = off ? {} : c;
    const fields = { entries: int(v.entries), bytes: fmtBytes(v.bytes), budget: fmtBytes(v.budget),
      'hit-rate': pct(v.hit_rate), hits: int(v.hits), misses: int(v.misses), evicted: int(v.evicted) };
    for (const [k, text] of Object.entries(fields)) $('cache-' + k).textContent = text;
    $('cache-fill').value = isNum(v.bytes) && isNum(v.budget) && v.budget > 0 ? Math.min(1, v.bytes / v.budget) : 0;
  }

  function renderRecent() {
    const r = obj(state.recent);
    // Keys are zero-padded sequence numbers; length first in case one
    // ever outgrows its padding.
    const keys = Object.keys(r).sort((x, y) => y.length - x.length || (x < y ? 1 : x > y ? -1 : 0));
    const rows = keys.slice(0, MAX_RECENT).map((key) => {
      const v = obj(r[key]);
      const ok = v.status === 'OK' ? 'ok' : v.status === 'CANCELLED' ? 'warn' : 'bad';
      const id = el('td', 'id', txt(v.id));
      id.title = v.node ? `${txt(v.id)} on ${v.node}` : txt(v.id);
      return row(`${stClass('st-', v.status)} ${ok}`.trim(), 'data-job', typeof v.id === 'string' ? v.id : key, [
        id, ['skill', txt(v.skill)], ['status', txt(v.status)], ['ms', fmtMs(v.ms)], ['at', fmtClock(v.at_unix_ms)],
      ]);
    });
    fillTable('recent', rows, 'no jobs yet');
  }

  function renderStream() {
    $('stream-seq').textContent = lastSeq === null ? DASH : String(lastSeq);
    $('stream-bytes').textContent = String(bytes);
    $('stream-msgs').textContent = String(messages);
  }

  // Things that move with the clock alone: the server never sends them.
  function tick() {
    const now = Date.now(), started = obj(state.node).started_unix_ms;
    $('node-uptime').textContent = isNum(started) ? fmtDuration(now - started) : DASH;
    for (const [td, since] of ageCells) td.textContent = isNum(since) ? fmtDuration(now - since) : DASH;
    $('stream-age').textContent = lastMessageAt ? fmtDuration(now - lastMessageAt) + ' ago' : DASH;
  }

  function render() {
    renderPending = false;
    for (const f of [renderNode, renderMembers, renderAlerts, renderSkills, renderBreakers, renderCache, renderRecent, renderStream, tick]) f();
  }

  // Bursts of deltas cost one render per frame.
  function scheduleRender() {
    if (renderPending) return;
    renderPending = true;
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(render);
    else setTimeout(render, 16);
  }

  // applyPatch is exposed so that tests can check the patch logic alone.
  window.troupeDashboard = { state: () => state, seq: () => lastSeq, bytes: () => bytes, applyPatch };

  function init() {
    $('login').addEventListener('submit', onLoginSubmit);
    setInterval(tick, 1000);
    render();
    startSession();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
