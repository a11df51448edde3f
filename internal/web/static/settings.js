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
  status.scrollIntoView({ block: 'nearest' });
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

// Editing: "Edit" loads the object from the API into its form, which then
// saves with PATCH; "Cancel editing" turns it back into a "New" form.
function editing(form, path) {
  form.dataset.path = path || '';
  const h = form.querySelector('h3');
  h.dataset.title ??= h.textContent;
  h.textContent = path ? 'Edit' : h.dataset.title;
  form.querySelector('.cancel-edit').hidden = !path;
  if (path) form.scrollIntoView({ block: 'nearest' });
}

document.addEventListener('click', e => {
  const b = e.target.closest('.cancel-edit');
  if (!b) return;
  b.form.reset();
  editing(b.form, '');
});

async function save(form, path, body, done) {
  const edit = form.dataset.path;
  const res = await api(edit ? 'PATCH' : 'POST', edit || path, body);
  say(res, done);
  if (res.ok) { form.reset(); editing(form, ''); load(); }
}

function removeButton(tr, path, what, fill) {
  const td = document.createElement('td');
  if (fill) {
    const e = document.createElement('button');
    e.type = 'button';
    e.textContent = 'Edit';
    e.setAttribute('aria-label', 'Edit ' + what);
    e.addEventListener('click', async () => {
      const r = await api('GET', path);
      if (!r.ok) { say(r); return; }
      fill(r.data);
    });
    td.appendChild(e);
    td.append(' ');
  }
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
    removeButton(tr, `/templates/${x.id}`, x.name, fillTemplate);
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
    removeButton(tr, `/macros/${x.id}`, x.name, fillMacro);
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
    removeButton(tr, `/automation-rules/${x.id}`, x.name, fillRule);
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
  body.team_id = f.team_id.value ? Number(f.team_id.value) : null;
  await save(f, '/templates', body, 'Template saved');
});

function fillTemplate(t) {
  const f = document.getElementById('template-form');
  f.name.value = t.name; f.folder.value = t.folder || ''; f.scope.value = t.scope;
  f.team_id.value = t.team_id ?? ''; f.body.value = t.body;
  editing(f, `/templates/${t.id}`);
}

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
  body.template_id = f.template_id.value ? Number(f.template_id.value) : null;
  await save(f, '/macros', body, 'Macro saved');
});

function fillMacro(m) {
  const f = document.getElementById('macro-form');
  const a = m.actions || {};
  f.name.value = m.name; f.template_id.value = m.template_id ?? '';
  f.status.value = a.status || ''; f.priority.value = a.priority || '';
  f.assignee_id.value = a.assignee_id ?? ''; f.team_id.value = a.team_id ?? '';
  f.add_tags.value = (a.add_tags || []).join(', '); f.remove_tags.value = (a.remove_tags || []).join(', ');
  f.snooze_for.value = a.snooze_for || '';
  editing(f, `/macros/${m.id}`);
}

document.getElementById('rule-form').addEventListener('submit', async e => {
  e.preventDefault();
  const f = e.target;
  let cond, then;
  try { cond = JSON.parse(f.if.value || '{}'); } catch (err) { say({ ok: false, status: 400, data: { error: { message: 'If is not valid JSON: ' + err.message } } }); return; }
  try { then = JSON.parse(f.then.value || '[]'); } catch (err) { say({ ok: false, status: 400, data: { error: { message: 'Then is not valid JSON: ' + err.message } } }); return; }
  const body = { name: f.name.value, when: f.when.value, if: cond, then, enabled: f.enabled.checked };
  if (f.after.value || f.dataset.path) body.after = f.after.value.trim();
  if (f.position.value) body.position = Number(f.position.value);
  const edit = f.dataset.path;
  const res = await api(edit ? 'PATCH' : 'POST', edit || '/automation-rules', body);
  say(res, 'Rule saved');
  if (res.ok) { f.name.value = ''; editing(f, ''); load(); }
});

function fillRule(r) {
  const f = document.getElementById('rule-form');
  f.name.value = r.name; f.when.value = r.when; f.after.value = r.after || '';
  f.position.value = r.position; f.enabled.checked = r.enabled;
  f.if.value = JSON.stringify(r.if ?? {}, null, 2);
  f.then.value = JSON.stringify(r.then ?? [], null, 2);
  editing(f, `/automation-rules/${r.id}`);
}

document.addEventListener('click', async e => {
  const b = e.target.closest('.save-user');
  if (!b) return;
  const row = b.closest('tr');
  const body = { available: row.querySelector('[name=available]').checked };
  // Only admins set capacity; anyone may set their own availability.
  if (document.querySelector('main.settings').dataset.role === 'admin') body.capacity = Number(row.querySelector('[name=capacity]').value || 0);
  const res = await api('PATCH', `/users/${row.dataset.user}`, body);
  say(res, 'Agent saved');
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
