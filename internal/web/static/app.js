// Parley's agent workspace: partial page swaps, live updates over SSE,
// collision control, drafts and keyboard shortcuts. Plain ES module, no
// build step; every change goes through the JSON API.

const csrf = document.querySelector('meta[name="csrf-token"]').content;
const app = document.querySelector('.app');
const me = Number(app.dataset.me);
const listEl = document.getElementById('list');
const paneEl = document.getElementById('pane');
const sidebarEl = document.getElementById('sidebar');
const toastEl = document.getElementById('toast');

const state = {
  query: listEl.dataset.query,          // the list's filter, as API query keys
  openId: Number(paneEl.querySelector('.conversation')?.dataset.id || 0),
  cursor: -1,                           // index of the highlighted row
  selected: new Set(),
  lastToggled: -1,
  presence: new Map(),                  // userId → {name, state, at}
  // The newest message the agent had seen when they began the draft in the
  // composer: a reply is checked against it, so one that arrived while they
  // were writing (even if a live update already shows it) warns first.
  lastSeen: 0,
  reviewing: false,                     // a collision warning asked to review the news
  matching: null,                       // the list as a filter, with its count ("select all N matching")
  allMatching: false,                   // the bulk bar acts on every matching conversation
  splitting: false,                     // split mode: messages have checkboxes
  splitPicks: new Set(),
  found: 0,                             // the search result's message, highlighted
};

// ---- API and fragments ----

// keepalive lets a request outlive the page (presence on leaving); the
// browser refuses keepalive bodies over 64 KB, so only small ones use it.
export async function api(method, path, body, { headers: extraHeaders = {}, keepalive = false } = {}) {
  const headers = { 'X-CSRF-Token': csrf, ...extraHeaders };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch('/api/v1' + path, {
    method, headers, credentials: 'same-origin', keepalive,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  if (res.status !== 204) { try { data = await res.json(); } catch { data = null; } }
  return { ok: res.ok, status: res.status, data };
}

// upload sends a message with files as multipart/form-data: the same
// fields as the JSON request, and each file as "file".
async function upload(path, req, files) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(req)) if (k !== 'template_id' && v !== undefined && v !== null) fd.append(k, String(v));
  for (const f of files) fd.append('file', f);
  const res = await fetch('/api/v1' + path, { method: 'POST', headers: { 'X-CSRF-Token': csrf }, credentials: 'same-origin', body: fd });
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  return { ok: res.ok, status: res.status, data };
}

function showFileNames(form) {
  const names = [...(form.querySelector('#compose-files')?.files || [])].map(f => f.name).join(', ');
  const out = form.querySelector('#compose-file-names');
  if (out) out.textContent = names;
}

async function fragment(path) {
  const res = await fetch(path, { credentials: 'same-origin' });
  if (res.status === 401) { location.href = '/login?next=' + encodeURIComponent(location.pathname + location.search); return null; }
  if (!res.ok) return null;
  return res.text();
}

function toast(text, isError = false) {
  toastEl.textContent = text;
  toastEl.classList.toggle('error', isError);
  toastEl.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { toastEl.hidden = true; }, 4000);
}

function errorText(res) {
  const e = res.data && res.data.error;
  if (!e) return `Request failed (${res.status})`;
  const fields = e.fields ? Object.entries(e.fields).map(([k, v]) => `${k} ${v}`).join('; ') : '';
  return fields && !e.message.includes(fields) ? `${e.message} (${fields})` : e.message;
}

function pageURL() {
  const q = new URLSearchParams(state.query);
  if (state.openId) q.set('open', state.openId);
  return '/inbox?' + q.toString();
}

// ---- the list ----

function rows() { return [...listEl.querySelectorAll('.row')]; }

// Responses can come back out of order; only the newest request's answer
// is shown, so a slow old one never overwrites a fresh list.
let listSeq = 0, sidebarSeq = 0, openSeq = 0, paneSeq = 0;
// The last HTML put in place, to skip swaps that would change nothing (a
// swap loses hover, focus and the screen reader's place).
const shown = { list: null, sidebar: null, pane: null };

async function refreshList() {
  const seq = ++listSeq;
  const html = await fragment('/inbox/list?' + state.query);
  if (html === null || seq !== listSeq || html === shown.list) return;
  shown.list = html;
  const currentId = rows()[state.cursor]?.dataset.id;
  listEl.innerHTML = html;
  const rs = rows();
  rs.forEach(r => r.classList.toggle('open', Number(r.dataset.id) === state.openId));
  syncSelection();
  state.cursor = Math.max(-1, rs.findIndex(r => r.dataset.id === currentId));
  highlight();
}

// syncSelection shows the selection on the rows ("all matching" ticks all).
function syncSelection() {
  rows().forEach(r => {
    const on = state.allMatching || state.selected.has(Number(r.dataset.id));
    r.classList.toggle('selected', on);
    r.querySelector('.pick').checked = on;
  });
}

async function refreshSidebar() {
  const seq = ++sidebarSeq;
  const html = await fragment('/inbox/sidebar?' + state.query);
  if (html !== null && seq === sidebarSeq && html !== shown.sidebar) { shown.sidebar = html; sidebarEl.innerHTML = html; }
}

function setQuery(query, push = true) {
  state.query = query;
  listEl.dataset.query = query;
  state.cursor = -1;
  // A selection is of rows on screen; another list starts with none, so a
  // bulk change never reaches conversations the agent can no longer see.
  state.selected.clear();
  state.allMatching = false;
  state.lastToggled = -1;
  updateBulkbar();
  syncControls();
  if (push) history.pushState({}, '', pageURL());
  refreshList();
  refreshSidebar();
}

function highlight() {
  rows().forEach((r, i) => r.classList.toggle('cursor', i === state.cursor));
  const r = rows()[state.cursor];
  if (r) r.scrollIntoView({ block: 'nearest' });
}

function move(delta) {
  const rs = rows();
  if (!rs.length) return;
  state.cursor = Math.min(rs.length - 1, Math.max(0, state.cursor + delta));
  highlight();
}

// ---- the open conversation ----

function draftKey(id) { return 'parley:draft:' + id; }

function composer() { return paneEl.querySelector('#composer'); }

async function openConversation(id, push = true) {
  const seq = ++openSeq;
  const html = await fragment(`/inbox/conversations/${id}?` + state.query);
  if (seq !== openSeq) return; // another conversation was opened meanwhile
  if (html === null) { toast('That conversation is not there any more.', true); return; }
  if (state.openId && state.openId !== id) sendPresence(state.openId, 'left');
  state.openId = id;
  state.presence.clear();
  state.splitting = false;
  state.splitPicks.clear();
  state.found = 0;
  paneEl.innerHTML = html;
  shown.pane = html;
  document.body.classList.add('reading');
  state.lastSeen = Number(paneEl.querySelector('.conversation')?.dataset.lastMessage || 0);
  if (push) history.pushState({}, '', pageURL());
  rows().forEach(r => r.classList.toggle('open', Number(r.dataset.id) === id));
  const idx = rows().findIndex(r => Number(r.dataset.id) === id);
  if (idx >= 0) { state.cursor = idx; highlight(); }
  restoreDraft();
  scrollTimeline();
  sendPresence(id, 'viewing');
}

// refreshPane re-renders the conversation and profile but keeps the
// composer as it is, so a live update never disturbs what is being typed.
async function refreshPane() {
  const id = state.openId;
  if (!id) return;
  const seq = ++paneSeq, opening = openSeq;
  const html = await fragment(`/inbox/conversations/${id}?` + state.query);
  // Never put one conversation's content above another's composer, nor
  // an old rendering over a newer one.
  if (html === null || seq !== paneSeq || opening !== openSeq || id !== state.openId) return;
  const timeline = paneEl.querySelector('#timeline');
  const atBottom = !timeline || atTimelineEnd(timeline);
  const scrolled = timeline?.scrollTop || 0;
  // What is being typed in the header survives the swap.
  const typed = ['tag-input', 'merge-into'].map(f => paneEl.querySelector('#' + f)).filter(Boolean)
    .map(el => ({ id: el.id, value: el.value, focused: document.activeElement === el, shown: !el.closest('[hidden]') }));
  if (html !== shown.pane) {
    shown.pane = html;
    const tpl = document.createElement('template');
    tpl.innerHTML = html;
    for (const sel of ['.conversation', '.profile']) {
      const fresh = tpl.content.querySelector(sel);
      const old = paneEl.querySelector(sel);
      if (fresh && old) old.replaceWith(fresh);
    }
    // Merged away (read-only) meanwhile, or unmerged: the composer goes or comes.
    const freshComposer = tpl.content.querySelector('#composer');
    if (!freshComposer) composer()?.remove();
    else if (!composer()) paneEl.querySelector('.profile')?.before(freshComposer);
    for (const f of typed) {
      const el = paneEl.querySelector('#' + f.id);
      if (!el) continue;
      el.value = f.value;
      if (f.shown) el.closest('[hidden]')?.removeAttribute('hidden');
      if (f.focused) el.focus();
    }
    paneEl.querySelector('#merge-toggle')?.setAttribute('aria-expanded', String(!paneEl.querySelector('#merge-form')?.hidden));
  }
  // With an empty composer there is no draft to protect, and after a
  // collision warning what is on screen now is what was reviewed: either
  // way the agent has seen the newest message.
  if (state.reviewing || !composer()?.querySelector('textarea').value.trim()) {
    state.lastSeen = latestMessage();
    state.reviewing = false;
    saveDraft();
  }
  renderPresence();
  applySplitMode();
  // Someone reading further up stays where they were.
  if (atBottom) scrollTimeline();
  else if (paneEl.querySelector('#timeline')) paneEl.querySelector('#timeline').scrollTop = scrolled;
  markFound(false);
}

function latestMessage() {
  return Number(paneEl.querySelector('.conversation')?.dataset.lastMessage || 0);
}

// showMessage scrolls a search result's matching message into view and
// keeps it highlighted while the conversation stays open.
function showMessage(id) {
  state.found = Number(id) || 0;
  markFound(true);
}

function markFound(scroll) {
  const el = state.found && paneEl.querySelector(`#m-${state.found}`);
  if (!el) return;
  el.classList.add('found');
  if (scroll) el.scrollIntoView({ block: 'center' });
}

function openRow(r) {
  if (!r) return;
  const msg = r.querySelector('[data-message]')?.dataset.message;
  openConversation(Number(r.dataset.id)).then(() => showMessage(msg));
}

// On a phone the page scrolls, not the timeline, and the composer sits
// over the bottom of the screen.
function timelineScrolls(t) { return getComputedStyle(t).overflowY !== 'visible'; }

function atTimelineEnd(t) {
  if (timelineScrolls(t)) return t.scrollHeight - t.scrollTop - t.clientHeight < 40;
  return t.getBoundingClientRect().bottom - (innerHeight - (composer()?.offsetHeight || 0)) < 40;
}

// scrollTimeline brings the newest message into view.
function scrollTimeline() {
  const t = paneEl.querySelector('#timeline');
  if (!t) return;
  if (timelineScrolls(t)) { t.scrollTop = t.scrollHeight; return; }
  const bottom = t.getBoundingClientRect().bottom + scrollY;
  scrollTo(0, Math.max(0, bottom - innerHeight + (composer()?.offsetHeight || 0)));
}

function restoreDraft() {
  const form = composer();
  if (!form) return;
  const saved = JSON.parse(localStorage.getItem(draftKey(state.openId)) || 'null');
  if (saved) {
    form.querySelector('textarea').value = saved.body || '';
    setMode(saved.mode || 'reply');
    if (saved.seen) state.lastSeen = saved.seen;
  }
}

function saveDraft() {
  const form = composer();
  if (!form) return;
  const body = form.querySelector('textarea').value;
  if (body.trim() === '') localStorage.removeItem(draftKey(state.openId));
  else localStorage.setItem(draftKey(state.openId), JSON.stringify({ body, mode: form.dataset.mode || 'reply', seen: state.lastSeen }));
}

function setMode(mode) {
  const form = composer();
  if (!form) return;
  form.dataset.mode = mode;
  form.classList.toggle('is-note', mode === 'note');
  form.querySelectorAll('.mode').forEach(b => {
    const on = b.dataset.mode === mode;
    b.classList.toggle('active', on);
    b.setAttribute('aria-selected', on ? 'true' : 'false');
  });
  form.querySelector('textarea').placeholder = mode === 'note'
    ? 'Write an internal note… only agents see it' : 'Write a reply…';
}

function focusComposer(mode) {
  const form = composer();
  if (!form) return;
  setMode(mode);
  form.querySelector('textarea').focus();
}

async function send(then, force = false) {
  const form = composer();
  const body = form.querySelector('textarea').value;
  const files = form.querySelector('#compose-files')?.files;
  if (!body.trim() && !files?.length) { toast('Write something first.', true); return; }
  const id = state.openId;
  const req = { body, kind: form.dataset.mode === 'note' ? 'note' : 'reply' };
  if (then) req.status = then;
  if (form.dataset.templateId) req.template_id = Number(form.dataset.templateId); // counts the template's use
  if (!force && req.kind === 'reply') req.last_seen_message_id = state.lastSeen || latestMessage();
  const buttons = form.querySelectorAll('button[type=submit]');
  buttons.forEach(b => { b.disabled = true; });
  let res;
  try { res = files?.length ? await upload(`/conversations/${id}/messages`, req, files) : await api('POST', `/conversations/${id}/messages`, req); }
  finally { buttons.forEach(b => { b.disabled = false; }); }
  if (res.ok) localStorage.removeItem(draftKey(id));
  if (res.ok && files?.length) { form.querySelector('#compose-files').value = ''; showFileNames(form); }
  if (id !== state.openId) { // the agent moved on while it was sending
    toast(res.ok ? `Sent to #${id}` : `#${id}: ${errorText(res)}`, !res.ok);
    refreshList();
    return;
  }
  if (res.status === 409 && res.data?.error?.fields?.last_seen_message_id) {
    // The warning shows what arrived; sending again after reading it is
    // the agent's informed choice.
    state.reviewing = true;
    await refreshPane();
    const warn = form.querySelector('#collision');
    warn.hidden = false;
    warn.innerHTML = '';
    warn.append(document.createTextNode(res.data.error.message + ' '));
    const again = document.createElement('button');
    again.type = 'button';
    again.textContent = 'Send anyway';
    again.addEventListener('click', () => { warn.hidden = true; send(then, true); });
    warn.append(again);
    return;
  }
  if (!res.ok) { toast(errorText(res), true); return; }
  form.querySelector('textarea').value = '';
  delete form.dataset.templateId;
  form.querySelector('#collision').hidden = true;
  toast(req.kind === 'note' ? 'Note added' : 'Reply sent');
  await refreshPane();
  refreshList();
}

async function patch(fields) {
  if (!state.openId) return;
  const res = await api('PATCH', `/conversations/${state.openId}`, fields);
  if (!res.ok) { toast(errorText(res), true); await refreshPane(); return; }
  await refreshPane();
  refreshList();
  refreshSidebar();
}

function snoozeUntil(choice) {
  const d = new Date();
  if (choice === '1h') return new Date(d.getTime() + 3600e3);
  if (choice === 'tomorrow') { d.setDate(d.getDate() + 1); d.setHours(9, 0, 0, 0); return d; }
  if (choice === 'nextweek') { d.setDate(d.getDate() + ((8 - d.getDay()) % 7 || 7)); d.setHours(9, 0, 0, 0); return d; }
  return null;
}

async function addTag(name) {
  name = name.trim();
  if (!name || !state.openId) return;
  const res = await api('POST', `/conversations/${state.openId}/tags`, { tags: [name] });
  if (!res.ok) { toast(errorText(res), true); return; }
  await refreshPane();
  refreshList();
  paneEl.querySelector('#tag-input')?.focus();
}

// ---- presence (collision control) ----

let lastTyping = 0;
function sendPresence(id, presence) {
  if (!id) return;
  api('POST', `/conversations/${id}/presence`, { state: presence }, { keepalive: true });
}

// What this agent is doing in the open conversation.
function myPresence() { return Date.now() - lastTyping < 10000 ? 'typing' : 'viewing'; }

function renderPresence() {
  const el = paneEl.querySelector('#presence');
  if (!el) return;
  const now = Date.now();
  const parts = [];
  for (const [id, p] of state.presence) {
    if (p.state === 'left' || now - p.at > 20000) { state.presence.delete(id); continue; }
    parts.push(p.state === 'typing' ? `${p.name} is typing…` : `${p.name} is viewing`);
  }
  el.textContent = parts.join(' · ');
  el.classList.toggle('active', parts.length > 0);
}

setInterval(() => {
  if (state.openId && document.visibilityState === 'visible') sendPresence(state.openId, myPresence());
  renderPresence();
}, 10000);
addEventListener('pagehide', () => sendPresence(state.openId, 'left'));

// ---- live updates ----

let listTimer = 0, paneTimer = 0;
function onEvent(ev) {
  const e = JSON.parse(ev.data);
  // For notify.js (the bell), which shares this stream.
  document.dispatchEvent(new CustomEvent('parley:event', { detail: e }));
  clearTimeout(listTimer);
  listTimer = setTimeout(() => { refreshList(); refreshSidebar(); }, 100);
  if (e.conversation_id === state.openId) {
    clearTimeout(paneTimer);
    paneTimer = setTimeout(refreshPane, 50);
  }
}

function onPresence(ev) {
  const p = JSON.parse(ev.data);
  if (p.user_id === me || p.conversation_id !== state.openId) return;
  const known = state.presence.has(p.user_id);
  state.presence.set(p.user_id, { name: p.name, state: p.state, at: Date.now() });
  // Someone new arrived: tell them we are here too, instead of leaving
  // them unaware until our next heartbeat.
  if (!known && p.state !== 'left') sendPresence(state.openId, myPresence());
  renderPresence();
}

// The stream starts from "now". Whatever changed between rendering this
// page (or losing the connection) and the stream opening is caught up by
// refreshing once on every open.
const stream = new EventSource('/api/v1/events/stream');
stream.addEventListener('conversation', onEvent);
stream.addEventListener('presence', onPresence);
stream.addEventListener('open', () => {
  document.body.classList.remove('offline');
  document.body.classList.add('live');
  document.dispatchEvent(new CustomEvent('parley:live'));
  refreshList(); refreshSidebar(); refreshPane();
});
stream.addEventListener('error', () => { document.body.classList.add('offline'); document.body.classList.remove('live'); });

// ---- bulk selection ----

function toggleSelect(idx, on) {
  const r = rows()[idx];
  if (!r) return;
  // Picking rows by hand ends "all matching".
  if (state.allMatching) { state.allMatching = false; syncSelection(); }
  const id = Number(r.dataset.id);
  if (on === undefined) on = !state.selected.has(id);
  if (on) state.selected.add(id); else state.selected.delete(id);
  r.classList.toggle('selected', on);
  r.querySelector('.pick').checked = on;
  updateBulkbar();
}

function selectRange(to) {
  const from = state.lastToggled < 0 ? to : state.lastToggled;
  const [a, b] = from < to ? [from, to] : [to, from];
  for (let i = a; i <= b; i++) toggleSelect(i, true);
}

function updateBulkbar() {
  const n = state.selected.size;
  if (n === 0 && !state.allMatching) state.matching = null;
  else if (!state.matching) fetchMatching();
  document.getElementById('bulkbar').hidden = n === 0 && !state.allMatching;
  const m = state.matching;
  const total = m?.count === undefined ? '' : m.count + (m.capped ? '+' : '');
  document.getElementById('bulk-count').textContent = state.allMatching ? `All ${total} matching selected` : `${n} selected`;
  const all = document.getElementById('bulk-all');
  all.hidden = state.allMatching || !m?.filter || !(m.count > n);
  all.textContent = `Select all ${total} matching`;
}

// fetchMatching asks what the list is as a filter and how many match.
async function fetchMatching() {
  const query = state.query;
  state.matching = { pending: true };
  const spec = await listSpec(true);
  if (query === state.query && state.matching?.pending) { state.matching = spec; updateBulkbar(); }
}

async function listSpec(count) {
  const res = await fetch('/inbox/filter?' + state.query + (count ? '&count=1' : ''), { credentials: 'same-origin' });
  return res.ok ? res.json() : { error: `Request failed (${res.status})` };
}

function clearSelection() {
  state.selected.clear();
  state.allMatching = false;
  syncSelection();
  updateBulkbar();
}

async function applyBulk() {
  const set = {};
  const v = id => document.getElementById(id).value;
  if (v('bulk-status')) set.status = v('bulk-status');
  if (v('bulk-priority')) set.priority = v('bulk-priority');
  if (v('bulk-assignee')) set.assignee_id = v('bulk-assignee') === 'none' ? null : Number(v('bulk-assignee'));
  if (v('bulk-team')) set.team_id = v('bulk-team') === 'none' ? null : Number(v('bulk-team'));
  const req = state.allMatching ? { filter: state.matching.filter, set } : { ids: [...state.selected], set };
  if (v('bulk-tag').trim()) req.add_tags = [v('bulk-tag').trim()];
  if (!Object.keys(set).length && !req.add_tags) { toast('Choose a change to apply first.', true); return; }
  const res = await api('POST', '/conversations/bulk', req);
  if (!res.ok) { toast(errorText(res), true); return; }
  clearSelection();
  document.querySelectorAll('#bulkbar select').forEach(s => { s.value = ''; });
  document.getElementById('bulk-tag').value = '';
  showBulk(res.data);
}

// showBulk shows a bulk operation: a progress bar while its job runs
// (polled), then what changed and what was skipped and why, with Undo.
let bulkShown = 0;
function showBulk(op) {
  bulkShown = op.id;
  const el = document.getElementById('bulk-result');
  const undo = Boolean(op.undo_of);
  const p = document.createElement('p');
  el.hidden = false;
  el.replaceChildren(p);
  if (op.status === 'running') {
    p.textContent = `${undo ? 'Undoing' : 'Changing'} ${op.total} conversations… ${op.processed} done`;
    const bar = document.createElement('progress');
    bar.max = op.total;
    bar.value = op.processed;
    el.append(bar);
    setTimeout(() => pollBulk(op.id), 300);
    return;
  }
  const summary = `${op.updated.length} ${undo ? 'restored' : 'updated'}` + (op.skipped.length ? `, ${op.skipped.length} skipped` : '');
  p.textContent = `${undo ? 'Undo' : 'Bulk change'} done for ${op.total} conversations: ${summary}.`;
  const reasons = new Map();
  for (const s of op.skipped) reasons.set(s.message, [...(reasons.get(s.message) || []), s.id]);
  if (reasons.size) {
    const ul = document.createElement('ul');
    for (const [why, ids] of reasons) {
      const li = document.createElement('li');
      li.textContent = `${why}: ${ids.slice(0, 5).map(i => '#' + i).join(', ')}${ids.length > 5 ? ` and ${ids.length - 5} more` : ''}`;
      ul.append(li);
    }
    el.append(ul);
  }
  if (!undo && !op.undone && op.updated.length) el.append(button('Undo', 'bulk-undo'), ' ');
  el.append(button('Dismiss', 'bulk-dismiss', 'link'));
  toast(summary);
  refreshList();
  refreshSidebar();
  if (state.openId) refreshPane();
}

function button(text, id, cls = '') {
  const b = document.createElement('button');
  b.type = 'button';
  b.id = id;
  b.className = cls;
  b.textContent = text;
  return b;
}

async function pollBulk(id) {
  if (id !== bulkShown) return;
  const res = await api('GET', `/conversations/bulk/${id}`);
  if (id !== bulkShown) return;
  if (res.ok) showBulk(res.data);
  else { toast(errorText(res), true); setTimeout(() => pollBulk(id), 2000); }
}

async function undoBulk() {
  const res = await api('POST', `/conversations/bulk/${bulkShown}/undo`);
  if (!res.ok) { toast(errorText(res), true); return; }
  showBulk(res.data);
}

// ---- filters and saved views ----

const filtersEl = document.getElementById('filters');

// syncControls shows the list's query in the filter controls and the sort.
function syncControls() {
  const q = new URLSearchParams(state.query);
  let n = 0;
  document.querySelectorAll('#filters [data-key], #sort').forEach(el => {
    const v = q.getAll(el.dataset.key).join(',');
    if (el.type === 'checkbox') el.checked = v === 'true';
    else {
      if (el.options && v && ![...el.options].some(o => o.value === v)) el.add(new Option(v, v));
      el.value = v;
    }
    if (v && el.id !== 'sort') n++;
  });
  document.getElementById('filters-count').textContent = n ? ` · ${n}` : '';
}

function setFilter(key, value) {
  const q = new URLSearchParams(state.query);
  if ((q.getAll(key).join(',')) === value) return;
  if (value) q.set(key, value); else q.delete(key);
  q.delete('cursor');
  setQuery(q.toString());
}

function toggleFilters(show = filtersEl.hidden) {
  filtersEl.hidden = !show;
  document.getElementById('filters-toggle').setAttribute('aria-expanded', String(show));
  if (show) filtersEl.querySelector('select').focus();
}

async function saveView(form) {
  const spec = await listSpec(false);
  if (spec.error || !spec.filter) { toast(spec.error || 'This list cannot be saved as one view; clear a filter first.', true); return; }
  const [visibility, team] = form.elements.visibility.value.split(':');
  const req = { name: form.elements.name.value, filter: spec.filter, sort: spec.sort, visibility };
  if (team) req.team_id = Number(team);
  const res = await api('POST', '/views', req);
  if (!res.ok) { toast(errorText(res), true); return; }
  form.closest('dialog').close();
  form.reset();
  toast(`Saved the view “${res.data.name}”`);
  setQuery('view=' + res.data.id);
}

let editing = 0;
function editView(btn) {
  editing = Number(btn.dataset.view);
  const d = document.getElementById('edit-view');
  d.querySelector('[name=name]').value = btn.dataset.name;
  d.showModal();
}

async function viewChange(method, body) {
  const res = await api(method, `/views/${editing}`, body);
  if (!res.ok) toast(errorText(res), true);
  await refreshSidebar();
  return res.ok;
}

async function deleteView() {
  const name = document.querySelector('#edit-view [name=name]').value;
  if (!confirm(`Delete the view “${name}”? The conversations stay as they are.`)) return;
  if (!await viewChange('DELETE')) return;
  document.getElementById('edit-view').close();
  if (new URLSearchParams(state.query).get('view') === String(editing)) document.querySelector('a[data-folder="all"]')?.click();
}

// moveView swaps a view with its neighbour, numbering the positions anew.
async function moveView(delta) {
  const items = [...sidebarEl.querySelectorAll('.views li[data-view]')];
  const i = items.findIndex(li => Number(li.dataset.view) === editing);
  if (i < 0 || !items[i + delta]) return;
  [items[i], items[i + delta]] = [items[i + delta], items[i]];
  for (const [pos, li] of items.entries()) {
    if (li.hasAttribute('data-editable') && Number(li.dataset.position) !== pos) {
      const res = await api('PATCH', `/views/${li.dataset.view}`, { position: pos });
      if (!res.ok) { toast(errorText(res), true); break; }
    }
  }
  await refreshSidebar();
}

// ---- merge and split ----

async function merge(id, into, then) {
  if (!into) return;
  if (!confirm(`Merge #${id} into #${into}? Its messages move to #${into} and #${id} is closed. You can unmerge it later.`)) return;
  const res = await api('POST', `/conversations/${id}/merge`, { into_id: into });
  if (!res.ok) { toast(errorText(res), true); return; }
  toast(`Merged #${id} into #${into}`);
  await then();
  refreshList();
  refreshSidebar();
}

async function unmerge() {
  const id = state.openId;
  const res = await api('POST', `/conversations/${id}/unmerge`);
  if (!res.ok) { toast(errorText(res), true); return; }
  toast(`Unmerged #${id}`);
  await openConversation(id, false);
  refreshList();
  refreshSidebar();
}

function setSplitting(on) {
  state.splitting = on;
  state.splitPicks.clear();
  applySplitMode();
}

function applySplitMode() {
  const conv = paneEl.querySelector('.conversation');
  if (!conv) return;
  conv.classList.toggle('splitting', state.splitting);
  const bar = conv.querySelector('#split-bar');
  if (bar) bar.hidden = !state.splitting;
  conv.querySelector('#split-toggle')?.setAttribute('aria-pressed', String(state.splitting));
  conv.querySelectorAll('.split-pick').forEach(c => { c.checked = state.splitPicks.has(Number(c.value)); });
}

async function split() {
  const ids = [...state.splitPicks];
  if (!ids.length) { toast('Tick the messages to move first.', true); return; }
  const res = await api('POST', `/conversations/${state.openId}/split`, { message_ids: ids });
  if (!res.ok) { toast(errorText(res), true); return; }
  toast(`Split into #${res.data.id}`);
  await openConversation(res.data.id);
  refreshList();
  refreshSidebar();
}

// ---- events from the page ----

document.addEventListener('click', e => {
  const open = e.target.closest('[data-open]');
  if (open && !e.metaKey && !e.ctrlKey) {
    e.preventDefault();
    openConversation(Number(open.dataset.open)).then(() => showMessage(open.dataset.message));
    return;
  }
  const folderLink = e.target.closest('a[data-folder]');
  if (folderLink && !e.metaKey && !e.ctrlKey) {
    e.preventDefault();
    const q = new URLSearchParams(new URL(folderLink.href).search);
    q.delete('folder');
    setQuery(q.toString());
    document.querySelectorAll('a[data-folder]').forEach(a => a.classList.toggle('active', a === folderLink));
    return;
  }
  const more = e.target.closest('a.more');
  if (more) { e.preventDefault(); loadMore(more); return; }
  const pick = e.target.closest('.pick');
  if (pick) {
    const idx = rows().findIndex(r => r.dataset.id === pick.dataset.id);
    if (e.shiftKey) selectRange(idx); else { toggleSelect(idx, pick.checked); }
    state.lastToggled = idx;
    return;
  }
  const mode = e.target.closest('.mode');
  if (mode) { focusComposer(mode.dataset.mode); return; }
  const untag = e.target.closest('.untag');
  if (untag) {
    api('DELETE', `/conversations/${state.openId}/tags/${encodeURIComponent(untag.dataset.tag)}`).then(res => {
      if (!res.ok) toast(errorText(res), true);
      refreshPane(); refreshList();
    });
    return;
  }
  const edit = e.target.closest('.view-edit');
  if (edit) { editView(edit); return; }
  const mergeHere = e.target.closest('.merge-here');
  if (mergeHere) { merge(Number(mergeHere.dataset.id), state.openId, refreshPane); return; }
  const move = e.target.closest('[data-move]');
  if (move) { moveView(Number(move.dataset.move)); return; }
  if (e.target.closest('dialog .close')) { e.target.closest('dialog').close(); return; }
  const act = {
    'bulk-apply': applyBulk,
    'bulk-clear': clearSelection,
    'bulk-all': () => { state.allMatching = true; syncSelection(); updateBulkbar(); },
    'bulk-undo': undoBulk,
    'bulk-dismiss': () => { bulkShown = 0; document.getElementById('bulk-result').hidden = true; },
    'show-help': showHelp,
    'filters-toggle': () => toggleFilters(),
    'save-view-open': () => { document.getElementById('save-view').showModal(); },
    'delete-view': deleteView,
    'unmerge': unmerge,
    'merge-toggle': () => {
      const f = paneEl.querySelector('#merge-form');
      f.hidden = !f.hidden;
      paneEl.querySelector('#merge-toggle').setAttribute('aria-expanded', String(!f.hidden));
      if (!f.hidden) f.querySelector('input').focus();
    },
    'split-toggle': () => setSplitting(!state.splitting),
    'split-cancel': () => setSplitting(false),
    'split-apply': split,
  }[e.target.closest('button')?.id];
  if (act) { act(); return; }
  if (e.target.closest('.back')) { e.preventDefault(); closeConversation(); }
});

async function loadMore(link) {
  const q = new URLSearchParams(state.query);
  q.set('cursor', link.dataset.cursor);
  const html = await fragment('/inbox/list?' + q.toString());
  if (html === null) return;
  const tpl = document.createElement('template');
  tpl.innerHTML = html;
  listEl.querySelector('#rows').append(...tpl.content.querySelectorAll('.row'));
  const next = tpl.content.querySelector('a.more');
  if (next) link.replaceWith(next); else link.remove();
}

document.addEventListener('change', e => {
  const t = e.target;
  if (t.id === 'compose-files') { showFileNames(composer()); return; }
  if (t.matches('select[data-field]')) {
    const f = t.dataset.field;
    let v = t.value;
    if (f === 'assignee_id' || f === 'team_id') v = v === '' ? null : Number(v);
    patch({ [f]: v });
  } else if (t.id === 'snooze') {
    if (t.value === 'custom') { const c = paneEl.querySelector('#snooze-custom'); c.hidden = false; c.focus(); return; }
    if (t.value === 'clear') { patch({ snoozed_until: null }); return; }
    const until = snoozeUntil(t.value);
    if (until) patch({ snoozed_until: until.toISOString() });
  } else if (t.id === 'snooze-custom' && t.value) {
    patch({ snoozed_until: new Date(t.value).toISOString() });
  } else if (t.dataset.key) {
    setFilter(t.dataset.key, t.type === 'checkbox' ? (t.checked ? 'true' : '') : t.value.trim());
  } else if (t.matches('.split-pick')) {
    if (t.checked) state.splitPicks.add(Number(t.value)); else state.splitPicks.delete(Number(t.value));
  }
});

document.addEventListener('submit', e => {
  if (e.target.id === 'composer') {
    e.preventDefault();
    send(e.submitter?.dataset.then || '');
  } else if (e.target.id === 'save-view-form') {
    e.preventDefault();
    saveView(e.target);
  } else if (e.target.id === 'edit-view-form') {
    e.preventDefault();
    const name = e.target.elements.name.value;
    viewChange('PATCH', { name }).then(ok => { if (ok) e.target.closest('dialog').close(); });
  } else if (e.target.id === 'merge-form') {
    e.preventDefault();
    const into = Number(e.target.querySelector('input').value);
    merge(state.openId, into, () => openConversation(into));
  } else if (e.target.id === 'search-form') {
    e.preventDefault();
    const q = new URLSearchParams(state.query);
    const term = document.getElementById('search').value.trim();
    if (term) q.set('q', term); else q.delete('q');
    q.delete('cursor');
    setQuery(q.toString());
  }
});

document.addEventListener('input', e => {
  if (e.target.id === 'compose-body') {
    saveDraft();
    if (Date.now() - lastTyping > 3000) { lastTyping = Date.now(); sendPresence(state.openId, 'typing'); }
  }
});

document.addEventListener('keydown', e => {
  if (e.target.id === 'tag-input' && e.key === 'Enter') { e.preventDefault(); addTag(e.target.value); e.target.value = ''; }
  if (e.target.dataset.key === 'tag' && e.key === 'Enter') setFilter('tag', e.target.value.trim());
});

// ---- keyboard ----

function showHelp() {
  const help = document.getElementById('help');
  if (!help.open) help.showModal();
}

// closeConversation goes back to the list (on a phone the list and the
// conversation take turns on the screen).
function closeConversation(push = true) {
  if (state.openId) sendPresence(state.openId, 'left');
  openSeq++;
  state.openId = 0;
  state.presence.clear();
  document.body.classList.remove('reading');
  paneEl.innerHTML = '<div class="empty"><p>Open a conversation with <kbd>Enter</kbd>, or press <kbd>?</kbd> for shortcuts.</p></div>';
  if (push) history.pushState({}, '', pageURL());
  rows().forEach(r => r.classList.remove('open'));
  highlight();
}

let pending = '';   // the first key of a two-key shortcut (g …, a …)
let pendingTimer = 0;

const folderKeys = { i: 'all', m: 'mine', u: 'unassigned' };

document.addEventListener('keydown', e => {
  const t = e.target;
  const typing = t.matches('input, textarea, select') || t.isContentEditable;
  if (e.key === 'Escape') {
    if (typing) t.blur();
    else if (state.splitting) setSplitting(false);
    pending = '';
    return;
  }
  // The shortcut overlay (or any other modal) has the keyboard to itself.
  if (document.querySelector('dialog[open]')) return;
  if (typing) {
    if (t.id === 'compose-body' && e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); send(''); }
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return;

  if (pending) {
    const first = pending;
    pending = '';
    clearTimeout(pendingTimer);
    if (first === 'g' && folderKeys[e.key]) {
      e.preventDefault();
      document.querySelector(`a[data-folder="${folderKeys[e.key]}"]`)?.click();
      return;
    }
    if (first === 'a') {
      e.preventDefault();
      if (e.key === 'a') patch({ assignee_id: me });
      else paneEl.querySelector('select[data-field="assignee_id"]')?.focus();
      return;
    }
  }
  const key = e.key;
  const act = {
    j: () => move(1),
    k: () => move(-1),
    Enter: () => openRow(rows()[state.cursor]),
    o: () => openRow(rows()[state.cursor]),
    r: () => focusComposer('reply'),
    n: () => focusComposer('note'),
    e: () => patch({ status: 'resolved' }),
    p: () => patch({ status: 'pending' }),
    t: () => paneEl.querySelector('#tag-input')?.focus(),
    s: () => paneEl.querySelector('#snooze')?.focus(),
    '/': () => document.getElementById('search').focus(),
    f: () => toggleFilters(true),
    x: () => { if (state.cursor >= 0) { toggleSelect(state.cursor); state.lastToggled = state.cursor; } },
    X: () => { if (state.cursor >= 0) { selectRange(state.cursor); state.lastToggled = state.cursor; } },
    '?': showHelp,
    g: () => { pending = 'g'; },
    a: () => { pending = 'a'; },
  }[key];
  if (!act) return;
  e.preventDefault();
  act();
  if (pending) { clearTimeout(pendingTimer); pendingTimer = setTimeout(() => { pending = ''; }, 1500); }
});

addEventListener('popstate', () => {
  const q = new URLSearchParams(location.search);
  const open = Number(q.get('open') || 0);
  q.delete('open');
  q.delete('folder');
  // An empty query is the server's default list, as on first load.
  if (q.toString() !== state.query) setQuery(q.toString(), false);
  if (open && open !== state.openId) openConversation(open, false);
  else if (!open && state.openId) closeConversation(false);
});

syncControls();
if (state.openId) {
  document.body.classList.add('reading');
  state.lastSeen = latestMessage();
  restoreDraft();
  scrollTimeline();
  sendPresence(state.openId, 'viewing');
  showMessage(listEl.querySelector(`[data-open="${state.openId}"]`)?.dataset.message);
}
window.parley = { state, api };

// Email: each mail's HTML sits in a sandboxed frame that runs no script;
// it shares our origin, so the page sizes it to its content (again when a
// quote unfolds or an image loads). Remote images load only on request.
function fitFrame(frame) {
  const doc = frame.contentDocument;
  if (doc?.documentElement) frame.style.height = `${doc.documentElement.scrollHeight + 2}px`;
}
document.addEventListener('load', (e) => {
  const frame = e.target;
  if (!(frame instanceof HTMLIFrameElement) || !frame.matches('iframe.msg-html')) return;
  fitFrame(frame);
  const refit = () => fitFrame(frame);
  frame.contentDocument?.addEventListener('toggle', refit, true);
  frame.contentDocument?.addEventListener('load', refit, true);
}, true);
document.addEventListener('click', (e) => {
  const button = e.target.closest?.('button.show-remote');
  if (!button) return;
  const frame = document.querySelector(`iframe.msg-html[data-message="${button.dataset.message}"]`);
  if (frame) frame.src = `/inbox/messages/${button.dataset.message}/html?remote=1`;
  button.remove();
});
// For automation.js (templates and macros), loaded beside this module.
window.parley = { api, refreshPane };
