// SLA in the web app: live countdowns to due times, the escalate / handoff
// dialog, and the admin forms for business hours and SLA policies. Every
// change goes through the JSON API.

const csrf = document.querySelector('meta[name="csrf-token"]').content;

async function api(method, path, body) {
  const headers = { 'X-CSRF-Token': csrf };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch('/api/v1' + path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  if (res.status !== 204) { try { data = await res.json(); } catch { data = null; } }
  return { ok: res.ok, status: res.status, data };
}

// errorText turns the API's error shape into one readable line.
function errorText(data) {
  const e = data?.error;
  if (!e) return 'Something went wrong.';
  const fields = Object.entries(e.fields || {}).map(([k, v]) => `${k}: ${v}`);
  return fields.length ? fields.join('; ') : e.message;
}

// ---- Countdowns ----

function span(ms) {
  const s = Math.floor(ms / 1000), m = Math.floor(s / 60), h = Math.floor(m / 60), d = Math.floor(h / 24);
  if (s < 60) return `${s}s`;
  if (m < 60) return `${m}m ${s % 60}s`;
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${d}d ${h % 24}h`;
}

function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll('[data-sla-due]')) {
    const due = Date.parse(el.dataset.slaDue);
    if (Number.isNaN(due)) continue;
    const left = due - now;
    const text = left >= 0 ? `due in ${span(left)}` : `overdue ${span(-left)}`;
    el.textContent = (el.id === 'sla-countdown' ? 'SLA ' : '') + text;
    el.classList.toggle('breached', left < 0);
    el.classList.toggle('soon', left >= 0 && left < 15 * 60 * 1000);
  }
}
tick();
setInterval(tick, 1000);

// ---- Escalate and hand off ----

const escalateDialog = document.getElementById('escalate');
if (escalateDialog) {
  const form = document.getElementById('escalate-form');
  const errorEl = document.getElementById('escalate-error');
  let conversation = 0;
  document.addEventListener('click', (ev) => {
    const open = ev.target.closest('#escalate-open');
    if (!open) return;
    conversation = Number(open.dataset.conversation);
    form.reset();
    errorEl.hidden = true;
    escalateDialog.showModal();
  });
  escalateDialog.querySelector('.close').addEventListener('click', () => escalateDialog.close());
  const send = async (kind) => {
    const f = new FormData(form);
    const id = (k) => (f.get(k) ? Number(f.get(k)) : undefined);
    const body = {
      note: f.get('note'), priority: f.get('priority') || undefined,
      to_user_id: id('to_user_id'), to_team_id: id('to_team_id'),
      handoff: { what_customer_needs: f.get('what_customer_needs'), what_was_tried: f.get('what_was_tried'), next_step: f.get('next_step') },
    };
    const res = await api('POST', `/conversations/${conversation}/${kind}`, body);
    if (!res.ok) {
      errorEl.textContent = errorText(res.data);
      errorEl.hidden = false;
      return;
    }
    escalateDialog.close();
    const url = new URL(location.href);
    url.searchParams.set('open', conversation);
    location.href = url.toString();
  };
  form.addEventListener('submit', (ev) => { ev.preventDefault(); send('escalate'); });
  document.getElementById('handoff-submit').addEventListener('click', () => send('handoff'));
}

// ---- Settings ----

const settingsError = document.getElementById('settings-error');
function showError(data) {
  settingsError.textContent = errorText(data);
  settingsError.hidden = false;
  settingsError.scrollIntoView({ block: 'nearest' });
}

const ids = (f, name) => f.getAll(name).map(Number);

document.getElementById('hours-form')?.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const intervals = [{ start: f.get('start'), end: f.get('end') }];
  if (f.get('start2') && f.get('end2')) intervals.push({ start: f.get('start2'), end: f.get('end2') });
  const week = {};
  for (const day of f.getAll('day')) week[day] = intervals;
  const holidays = String(f.get('holidays') || '').split(/\s+/).filter(Boolean);
  const res = await api('POST', '/business-hours', {
    name: f.get('name'), time_zone: f.get('time_zone'), week, holidays,
    inbox_ids: ids(f, 'inbox'), team_ids: ids(f, 'team'),
  });
  if (!res.ok) return showError(res.data);
  location.reload();
});

document.getElementById('policy-form')?.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const body = { name: f.get('name'), pause_on_pending: f.has('pause_on_pending'), pause_on_snooze: f.has('pause_on_snooze') };
  for (const t of ['first_response', 'next_response', 'resolution']) {
    const byPriority = {};
    for (const p of ['low', 'normal', 'high', 'urgent']) if (f.get(`${t}.${p}`)) byPriority[p] = f.get(`${t}.${p}`);
    if (Object.keys(byPriority).length) body[t] = byPriority;
    else if (f.get(t)) body[t] = f.get(t);
  }
  if (f.get('business_hours_id')) body.business_hours_id = Number(f.get('business_hours_id'));
  if (f.get('warn_before')) body.warn_before = f.get('warn_before');
  if (f.get('position')) body.position = Number(f.get('position'));
  const tags = String(f.get('tags') || '').split(',').map((s) => s.trim()).filter(Boolean);
  body.conditions = { inbox_ids: ids(f, 'inbox'), team_ids: ids(f, 'team'), channels: f.getAll('channel'), contact_types: f.getAll('contact_type'), tags };
  const onBreach = {};
  if (f.get('breach_team')) onBreach.team_id = Number(f.get('breach_team'));
  if (f.has('breach_raise')) onBreach.priority = 'raise';
  if (f.get('breach_tag')) onBreach.tags = [f.get('breach_tag')];
  if (f.has('breach_notify')) Object.assign(onBreach, { notify_assignee: true, notify_team: true, email: true });
  if (Object.keys(onBreach).length) body.escalation = { on_breach: onBreach };
  const res = await api('POST', '/sla-policies', body);
  if (!res.ok) return showError(res.data);
  location.reload();
});

document.addEventListener('click', async (ev) => {
  const del = ev.target.closest('[data-delete]');
  if (!del || !confirm('Delete it?')) return;
  const res = await api('DELETE', del.dataset.delete);
  if (!res.ok) return showError(res.data);
  location.reload();
});
