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
const list = (s) => String(s || '').split(',').map((x) => x.trim()).filter(Boolean);
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const TARGETS = ['first_response', 'next_response', 'resolution'];

// Editing: "Edit" on a row loads the object from the API into the form,
// which then saves with PATCH; "Cancel editing" turns it back into "New".
function editMode(form, path, title, button) {
  form.dataset.path = path || '';
  const kind = form.id === 'hours-form' ? 'business hours' : 'policy';
  form.querySelector('h2').textContent = path ? title : `New ${kind === 'policy' ? 'SLA policy' : kind}`;
  form.querySelector('button.primary').textContent = path ? button : `Create ${kind}`;
  form.querySelector('.cancel-edit').hidden = !path;
}

// interval text "09:00-12:30, 13:30-17:00" → [{start, end}, …]; a piece
// without a dash is sent as it is, so the server names what is wrong.
function intervals(text) {
  return list(text).map((p) => {
    const [start, end] = p.split(/\s*[-–]\s*/);
    return { start: start || '', end: end || '' };
  });
}

const hoursForm = document.getElementById('hours-form');
hoursForm?.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const week = {};
  for (const day of DAYS) {
    const ivs = intervals(f.get(`week.${day}`));
    if (ivs.length) week[day] = ivs;
  }
  const holidays = String(f.get('holidays') || '').split(/\s+/).filter(Boolean);
  const body = {
    name: f.get('name'), time_zone: f.get('time_zone'), week, holidays,
    inbox_ids: ids(f, 'inbox'), team_ids: ids(f, 'team'),
  };
  const path = hoursForm.dataset.path;
  const res = await api(path ? 'PATCH' : 'POST', path || '/business-hours', body);
  if (!res.ok) return showError(res.data);
  location.reload();
});

function fillHours(h) {
  const el = hoursForm.elements;
  el.name.value = h.name;
  el.time_zone.value = h.time_zone;
  for (const day of DAYS) el[`week.${day}`].value = (h.week?.[day] || []).map((i) => `${i.start}-${i.end}`).join(', ');
  el.holidays.value = (h.holidays || []).join('\n');
  for (const box of hoursForm.querySelectorAll('input[name=inbox]')) box.checked = h.inbox_ids.includes(Number(box.value));
  for (const box of hoursForm.querySelectorAll('input[name=team]')) box.checked = h.team_ids.includes(Number(box.value));
}

// escalationAction reads one fieldset ("warning" or "breach") into the
// API's action, or undefined when nothing is chosen.
function escalationAction(f, key) {
  const a = {};
  if (f.get(`${key}_assignee`)) a.assignee_id = Number(f.get(`${key}_assignee`));
  if (f.get(`${key}_team`)) a.team_id = Number(f.get(`${key}_team`));
  if (f.get(`${key}_priority`)) a.priority = f.get(`${key}_priority`);
  const tags = list(f.get(`${key}_tags`));
  if (tags.length) a.tags = tags;
  if (f.has(`${key}_notify_assignee`)) a.notify_assignee = true;
  if (f.has(`${key}_notify_team`)) a.notify_team = true;
  const users = ids(f, `${key}_notify_users`);
  if (users.length) a.notify_user_ids = users;
  if (f.has(`${key}_email`)) a.email = true;
  return Object.keys(a).length ? a : undefined;
}

function fillAction(form, key, a) {
  const el = form.elements;
  a = a || {};
  el[`${key}_assignee`].value = a.assignee_id ?? '';
  el[`${key}_team`].value = a.team_id ?? '';
  el[`${key}_priority`].value = a.priority ?? '';
  el[`${key}_tags`].value = (a.tags || []).join(', ');
  el[`${key}_notify_assignee`].checked = !!a.notify_assignee;
  el[`${key}_notify_team`].checked = !!a.notify_team;
  for (const o of el[`${key}_notify_users`].options) o.selected = (a.notify_user_ids || []).includes(Number(o.value));
  el[`${key}_email`].checked = !!a.email;
}

const policyForm = document.getElementById('policy-form');
policyForm?.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const path = policyForm.dataset.path;
  const body = { name: f.get('name'), pause_on_pending: f.has('pause_on_pending'), pause_on_snooze: f.has('pause_on_snooze') };
  for (const t of TARGETS) {
    const byPriority = {};
    for (const p of PRIORITIES) if (f.get(`${t}.${p}`)) byPriority[p] = f.get(`${t}.${p}`);
    if (Object.keys(byPriority).length) body[t] = byPriority;
    else if (f.get(t)) body[t] = f.get(t);
    else if (path) body[t] = {}; // an emptied box removes the target
  }
  body.business_hours_id = f.get('business_hours_id') ? Number(f.get('business_hours_id')) : null;
  body.warn_before = f.get('warn_before') || '';
  if (f.get('position')) body.position = Number(f.get('position'));
  body.conditions = { inbox_ids: ids(f, 'inbox'), team_ids: ids(f, 'team'), channels: f.getAll('channel'), contact_types: f.getAll('contact_type'), tags: list(f.get('tags')) };
  body.escalation = { on_warning: escalationAction(f, 'warning'), on_breach: escalationAction(f, 'breach') };
  const res = await api(path ? 'PATCH' : 'POST', path || '/sla-policies', body);
  if (!res.ok) return showError(res.data);
  location.reload();
});

function fillPolicy(p) {
  const el = policyForm.elements;
  el.name.value = p.name;
  for (const t of TARGETS) {
    const v = p[t];
    el[t].value = typeof v === 'string' ? v : '';
    for (const pr of PRIORITIES) el[`${t}.${pr}`].value = v && typeof v === 'object' ? (v[pr] || '') : '';
  }
  el.business_hours_id.value = p.business_hours_id ?? '';
  el.pause_on_pending.checked = p.pause_on_pending;
  el.pause_on_snooze.checked = p.pause_on_snooze;
  el.warn_before.value = p.warn_before || '';
  el.position.value = p.position;
  const c = p.conditions || {};
  const has = (name, vals) => { for (const box of policyForm.querySelectorAll(`input[name=${name}]`)) box.checked = (vals || []).map(String).includes(box.value); };
  has('inbox', c.inbox_ids); has('team', c.team_ids); has('channel', c.channels); has('contact_type', c.contact_types);
  el.tags.value = (c.tags || []).join(', ');
  fillAction(policyForm, 'warning', p.escalation?.on_warning);
  fillAction(policyForm, 'breach', p.escalation?.on_breach);
}

document.addEventListener('click', async (ev) => {
  const edit = ev.target.closest('[data-edit]');
  if (edit) {
    const res = await api('GET', edit.dataset.edit);
    if (!res.ok) return showError(res.data);
    if (hoursForm) { fillHours(res.data); editMode(hoursForm, edit.dataset.edit, `Edit “${res.data.name}”`, 'Save business hours'); hoursForm.scrollIntoView(); }
    if (policyForm) { fillPolicy(res.data); editMode(policyForm, edit.dataset.edit, `Edit “${res.data.name}”`, 'Save policy'); policyForm.scrollIntoView(); }
    return;
  }
  const cancel = ev.target.closest('.cancel-edit');
  if (cancel) {
    const form = cancel.closest('form');
    form.reset();
    editMode(form, '');
  }
});

document.addEventListener('click', async (ev) => {
  const del = ev.target.closest('[data-delete]');
  if (!del || !confirm('Delete it?')) return;
  const res = await api('DELETE', del.dataset.delete);
  if (!res.ok) return showError(res.data);
  location.reload();
});
