// The automation settings page: lists and forms over the JSON API.
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const status = document.getElementById('settings-status');

async function api(method, path, body) {
  const headers = { 'X-CSRF-Token': csrf };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch('/api/v1' + path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try { data = await res.json(); } catch { /* 204 */ }
  return { ok: res.ok, status: res.status, data };
}

function say(res, done) {
  if (res.ok) { status.textContent = done; status.className = ''; return; }
  const e = res.data?.error;
  status.textContent = (e?.message || `Error ${res.status}`) + (e?.fields ? ' — ' + Object.entries(e.fields).map(([k, v]) => `${k}: ${v}`).join('; ') : '');
  status.className = 'err';
}

function cell(tr, text) {
  const td = document.createElement('td');
  td.textContent = text;
  tr.appendChild(td);
  return td;
}

function removeButton(tr, path, what) {
  const td = document.createElement('td');
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = 'Delete';
  b.setAttribute('aria-label', 'Delete ' + what);
  b.addEventListener('click', async () => { const r = await api('DELETE', path); say(r, 'Deleted ' + what); load(); });
  td.appendChild(b);
  tr.appendChild(td);
}

let templates = [];

async function load() {
  const [t, m, r] = await Promise.all([api('GET', '/templates'), api('GET', '/macros'), api('GET', '/automation-rules')]);
  templates = t.ok ? t.data.items : [];
  const tb = document.getElementById('templates');
  tb.replaceChildren();
  for (const x of templates) {
    const tr = document.createElement('tr');
    cell(tr, x.name); cell(tr, x.folder); cell(tr, x.scope); cell(tr, String(x.usage_count));
    removeButton(tr, `/templates/${x.id}`, x.name);
    tb.appendChild(tr);
  }
  for (const sel of document.querySelectorAll('.template-choices')) {
    const keep = sel.value;
    sel.querySelectorAll('option:not([value=""])').forEach(o => o.remove());
    for (const x of templates.filter(x => x.scope !== 'personal')) {
      const o = document.createElement('option');
      o.value = x.id; o.textContent = x.name;
      sel.appendChild(o);
    }
    sel.value = keep;
  }
  const mb = document.getElementById('macros');
  mb.replaceChildren();
  for (const x of m.ok ? m.data.items : []) {
    const tr = document.createElement('tr');
    cell(tr, x.name);
    cell(tr, templates.find(t => t.id === x.template_id)?.name || '');
    cell(tr, JSON.stringify(x.actions));
    cell(tr, String(x.usage_count));
    removeButton(tr, `/macros/${x.id}`, x.name);
    mb.appendChild(tr);
  }
  const rb = document.getElementById('rules');
  rb.replaceChildren();
  if (!r.ok) {
    rb.closest('section').querySelector('form').hidden = true;
  }
  for (const x of r.ok ? r.data.items : []) {
    const tr = document.createElement('tr');
    cell(tr, String(x.position)); cell(tr, x.name); cell(tr, x.when + (x.after ? ' ' + x.after : ''));
    const td = cell(tr, '');
    const box = document.createElement('input');
    box.type = 'checkbox'; box.checked = x.enabled; box.setAttribute('aria-label', 'Enabled: ' + x.name);
    box.addEventListener('change', async () => { const res = await api('PATCH', `/automation-rules/${x.id}`, { enabled: box.checked }); say(res, 'Saved'); if (!res.ok) box.checked = !box.checked; });
    td.appendChild(box);
    removeButton(tr, `/automation-rules/${x.id}`, x.name);
    rb.appendChild(tr);
  }
  // Inbox rows are filled once: a later reload must not undo unsaved edits.
  for (const row of document.querySelectorAll('tr[data-inbox]:not([data-loaded])')) {
    const res = await api('GET', `/inboxes/${row.dataset.inbox}/automation`);
    row.dataset.loaded = '1';
    if (!res.ok) continue;
    row.querySelector('[name=assign_mode]').value = res.data.assign_mode;
    row.querySelector('[name=reassign_after]').value = res.data.reassign_after;
    row.querySelector('[name=ack_template_id]').value = res.data.ack_template_id ?? '';
    row.querySelector('[name=csat_enabled]').checked = res.data.csat_enabled;
  }
}

const tags = s => s.split(',').map(x => x.trim()).filter(Boolean);

document.getElementById('template-form').addEventListener('submit', async e => {
  e.preventDefault();
  const f = e.target;
  const body = { name: f.name.value, folder: f.folder.value, scope: f.scope.value, body: f.body.value };
  if (f.team_id.value) body.team_id = Number(f.team_id.value);
  const res = await api('POST', '/templates', body);
  say(res, 'Template saved');
  if (res.ok) { f.reset(); load(); }
});

document.getElementById('macro-form').addEventListener('submit', async e => {
  e.preventDefault();
  const f = e.target;
  const actions = {};
  if (f.status.value) actions.status = f.status.value;
  if (f.priority.value) actions.priority = f.priority.value;
  if (f.assignee_id.value) actions.assignee_id = Number(f.assignee_id.value);
  if (f.team_id.value) actions.team_id = Number(f.team_id.value);
  if (tags(f.add_tags.value).length) actions.add_tags = tags(f.add_tags.value);
  if (tags(f.remove_tags.value).length) actions.remove_tags = tags(f.remove_tags.value);
  if (f.snooze_for.value) actions.snooze_for = f.snooze_for.value.trim();
  const body = { name: f.name.value, actions };
  if (f.template_id.value) body.template_id = Number(f.template_id.value);
  const res = await api('POST', '/macros', body);
  say(res, 'Macro saved');
  if (res.ok) { f.reset(); load(); }
});

document.getElementById('rule-form').addEventListener('submit', async e => {
  e.preventDefault();
  const f = e.target;
  let cond, then;
  try { cond = JSON.parse(f.if.value || '{}'); then = JSON.parse(f.then.value); } catch (err) { say({ ok: false, status: 400, data: { error: { message: 'If and Then must be JSON: ' + err.message } } }); return; }
  const body = { name: f.name.value, when: f.when.value, if: cond, then };
  if (f.after.value) body.after = f.after.value.trim();
  const res = await api('POST', '/automation-rules', body);
  say(res, 'Rule saved');
  if (res.ok) { f.name.value = ''; load(); }
});

document.addEventListener('click', async e => {
  const b = e.target.closest('.save-inbox');
  if (!b) return;
  const row = b.closest('tr');
  const id = row.dataset.inbox;
  const ack = row.querySelector('[name=ack_template_id]').value;
  const auto = await api('PATCH', `/inboxes/${id}/automation`, {
    assign_mode: row.querySelector('[name=assign_mode]').value,
    reassign_after: row.querySelector('[name=reassign_after]').value.trim() || '0s',
    ack_template_id: ack ? Number(ack) : null,
    csat_enabled: row.querySelector('[name=csat_enabled]').checked,
  });
  if (!auto.ok) { say(auto); return; }
  const times = await api('PATCH', `/inboxes/${id}`, {
    auto_resolve_after: row.querySelector('[name=auto_resolve_after]').value.trim(),
    auto_close_after: row.querySelector('[name=auto_close_after]').value.trim(),
  });
  say(times, 'Inbox settings saved');
});

load();
