// The notifications bell: the unread count, kept live from the event
// stream app.js holds (a "notification.sent" event naming this user makes
// it re-read the list), the newest notifications, and marking them read.
// Every read and change goes through the JSON API.
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const me = Number(document.querySelector('.app')?.dataset.me);
const bell = document.getElementById('bell');
const panel = document.getElementById('bell-panel');
const countEl = document.getElementById('bell-count');
const listEl = document.getElementById('bell-list');

async function api(method, path, body) {
  const headers = { 'X-CSRF-Token': csrf };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch('/api/v1' + path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try { data = await res.json(); } catch { /* empty */ }
  return { ok: res.ok, data };
}

function showCount(n) {
  countEl.textContent = n === 0 ? '' : n > 99 ? '99+' : String(n);
  countEl.hidden = n === 0;
  bell.setAttribute('aria-label', n ? `Notifications, ${n} unread` : 'Notifications');
}

function when(iso) {
  const s = (Date.now() - Date.parse(iso)) / 1000;
  if (s < 60) return 'now';
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

async function load() {
  const res = await api('GET', '/notifications');
  if (!res.ok) return;
  showCount(res.data.unread);
  listEl.replaceChildren();
  if (!res.data.items.length) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = 'Nothing yet.';
    listEl.appendChild(li);
  }
  for (const n of res.data.items) {
    const li = document.createElement('li');
    li.className = n.read_at ? 'read' : 'unread';
    li.dataset.id = n.id;
    const a = document.createElement('a');
    a.href = n.conversation_id ? `/inbox?open=${n.conversation_id}` : '#';
    const title = document.createElement('span');
    title.className = 'bell-title';
    title.textContent = n.title;
    const body = document.createElement('span');
    body.className = 'bell-body';
    body.textContent = n.body;
    const time = document.createElement('time');
    time.dateTime = n.created_at;
    time.textContent = when(n.created_at);
    a.append(title, body, time);
    li.appendChild(a);
    if (!n.read_at) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'link bell-read';
      b.textContent = 'Mark read';
      b.setAttribute('aria-label', `Mark read: ${n.title}`);
      li.appendChild(b);
    }
    listEl.appendChild(li);
  }
}

async function markRead(body) {
  const res = await api('POST', '/notifications/read', body);
  if (res.ok) await load();
  return res.ok;
}

if (bell) {
  bell.addEventListener('click', () => {
    const open = panel.hidden;
    panel.hidden = !open;
    bell.setAttribute('aria-expanded', String(open));
    if (open) load();
  });
  document.getElementById('bell-all').addEventListener('click', () => markRead({ all: true }));
  listEl.addEventListener('click', async (ev) => {
    const li = ev.target.closest('li[data-id]');
    if (!li) return;
    if (ev.target.closest('.bell-read')) { markRead({ ids: [Number(li.dataset.id)] }); return; }
    const a = ev.target.closest('a');
    if (!a) return;
    ev.preventDefault();
    if (li.classList.contains('unread')) await markRead({ ids: [Number(li.dataset.id)] });
    if (a.getAttribute('href') !== '#') location.href = a.href;
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && !panel.hidden) { panel.hidden = true; bell.setAttribute('aria-expanded', 'false'); bell.focus(); }
  });
  document.addEventListener('parley:event', (ev) => {
    const e = ev.detail;
    if (e.action !== 'notification.sent') return;
    if ((e.after?.user_ids || []).includes(me)) load();
  });
  document.addEventListener('parley:live', load);
  load();
}
