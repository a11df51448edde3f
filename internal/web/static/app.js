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
  rs.forEach(r => {
    const id = Number(r.dataset.id);
    r.classList.toggle('open', id === state.openId);
    r.classList.toggle('selected', state.selected.has(id));
    r.querySelector('.pick').checked = state.selected.has(id);
  });
  state.cursor = Math.max(-1, rs.findIndex(r => r.dataset.id === currentId));
  highlight();
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
  state.lastToggled = -1;
  updateBulkbar();
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
  if (html !== shown.pane) {
    shown.pane = html;
    const tpl = document.createElement('template');
    tpl.innerHTML = html;
    for (const sel of ['.conversation', '.profile']) {
      const fresh = tpl.content.querySelector(sel);
      const old = paneEl.querySelector(sel);
      if (fresh && old) old.replaceWith(fresh);
    }
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
  if (atBottom) scrollTimeline();
}

function latestMessage() {
  return Number(paneEl.querySelector('.conversation')?.dataset.lastMessage || 0);
}

// showMessage scrolls a search result's matching message into view.
function showMessage(id) {
  const el = id && paneEl.querySelector(`#m-${id}`);
  if (!el) return;
  el.scrollIntoView({ block: 'center' });
  el.classList.add('found');
  setTimeout(() => el.classList.remove('found'), 2500);
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
  if (!body.trim()) { toast('Write something first.', true); return; }
  const id = state.openId;
  const req = { body, kind: form.dataset.mode === 'note' ? 'note' : 'reply' };
  if (then) req.status = then;
  if (!force && req.kind === 'reply') req.last_seen_message_id = state.lastSeen || latestMessage();
  const buttons = form.querySelectorAll('button[type=submit]');
  buttons.forEach(b => { b.disabled = true; });
  let res;
  try { res = await api('POST', `/conversations/${id}/messages`, req); }
  finally { buttons.forEach(b => { b.disabled = false; }); }
  if (res.ok) localStorage.removeItem(draftKey(id));
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
  refreshList(); refreshSidebar(); refreshPane();
});
stream.addEventListener('error', () => { document.body.classList.add('offline'); document.body.classList.remove('live'); });

// ---- bulk selection ----

function toggleSelect(idx, on) {
  const r = rows()[idx];
  if (!r) return;
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
  const bar = document.getElementById('bulkbar');
  bar.hidden = state.selected.size === 0;
  document.getElementById('bulk-count').textContent = `${state.selected.size} selected`;
}

async function applyBulk() {
  const set = {};
  const v = id => document.getElementById(id).value;
  if (v('bulk-status')) set.status = v('bulk-status');
  if (v('bulk-priority')) set.priority = v('bulk-priority');
  if (v('bulk-assignee')) set.assignee_id = v('bulk-assignee') === 'none' ? null : Number(v('bulk-assignee'));
  if (v('bulk-team')) set.team_id = v('bulk-team') === 'none' ? null : Number(v('bulk-team'));
  const req = { ids: [...state.selected], set };
  if (v('bulk-tag').trim()) req.add_tags = [v('bulk-tag').trim()];
  if (!Object.keys(set).length && !req.add_tags) { toast('Choose a change to apply first.', true); return; }
  const res = await api('POST', '/conversations/bulk', req);
  if (!res.ok) { toast(errorText(res), true); return; }
  const skipped = res.data.skipped.map(s => `#${s.id}: ${s.message}`).join('; ');
  toast(`${res.data.updated.length} updated` + (skipped ? `, ${res.data.skipped.length} skipped (${skipped})` : ''), res.data.skipped.length > 0);
  state.selected.clear();
  updateBulkbar();
  document.querySelectorAll('#bulkbar select').forEach(s => { s.value = ''; });
  document.getElementById('bulk-tag').value = '';
  refreshList();
  refreshSidebar();
  if (state.openId) refreshPane();
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
  if (e.target.id === 'bulk-apply') { applyBulk(); return; }
  if (e.target.id === 'bulk-clear') { state.selected.clear(); rows().forEach((r, i) => toggleSelect(i, false)); return; }
  if (e.target.id === 'show-help') { showHelp(); return; }
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
  } else if (t.id === 'sort') {
    const q = new URLSearchParams(state.query);
    q.set('sort', t.value);
    q.delete('cursor');
    setQuery(q.toString());
  }
});

document.addEventListener('submit', e => {
  if (e.target.id === 'composer') {
    e.preventDefault();
    send(e.submitter?.dataset.then || '');
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
    Enter: () => { const r = rows()[state.cursor]; if (r) openConversation(Number(r.dataset.id)); },
    o: () => { const r = rows()[state.cursor]; if (r) openConversation(Number(r.dataset.id)); },
    r: () => focusComposer('reply'),
    n: () => focusComposer('note'),
    e: () => patch({ status: 'resolved' }),
    p: () => patch({ status: 'pending' }),
    t: () => paneEl.querySelector('#tag-input')?.focus(),
    s: () => paneEl.querySelector('#snooze')?.focus(),
    '/': () => document.getElementById('search').focus(),
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

if (state.openId) {
  document.body.classList.add('reading');
  state.lastSeen = latestMessage();
  restoreDraft();
  scrollTimeline();
  sendPresence(state.openId, 'viewing');
}
window.parley = { state, api };
