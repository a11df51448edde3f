// The customer profile page and the contact attribute settings. Plain ES
// module; every change goes through the JSON API, then the page reloads
// to show the server's view of the result.

const csrf = document.querySelector('meta[name="csrf-token"]').content;
const root = document.getElementById('contact');
const contactId = root ? Number(root.dataset.contact) : 0;
const errorEl = document.getElementById('page-error');

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

function errorText(res) {
  const e = res.data && res.data.error;
  if (!e) return `Request failed (${res.status})`;
  const fields = e.fields ? Object.entries(e.fields).map(([k, v]) => `${k} ${v}`).join('; ') : '';
  return fields && !e.message.includes(fields) ? `${e.message} (${fields})` : e.message;
}

function showError(res) {
  errorEl.textContent = errorText(res);
  errorEl.hidden = false;
  errorEl.scrollIntoView({ block: 'nearest' });
}

// run sends one change; on success the page reloads, else the error shows.
async function run(method, path, body) {
  errorEl.hidden = true;
  const res = await api(method, path, body);
  if (!res.ok) { showError(res); return false; }
  location.reload();
  return true;
}

function attributeValue(el) {
  const v = el.value.trim();
  if (v === '') return null;
  switch (el.dataset.type) {
    case 'number': return Number(v);
    case 'boolean': return v === 'true';
    default: return v;
  }
}

function on(id, event, fn) {
  const el = document.getElementById(id);
  if (el) el.addEventListener(event, fn);
}

// ---- the profile page ----

on('profile-form', 'submit', (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const attributes = {};
  for (const el of f.querySelectorAll('[data-attr]')) attributes[el.dataset.attr] = attributeValue(el);
  run('PATCH', `/contacts/${contactId}`, {
    name: f.name.value, type: f.type.value, company: f.company.value,
    lifecycle_stage: f.lifecycle_stage.value, language: f.language.value, time_zone: f.time_zone.value,
    preferred_channel: f.preferred_channel.value, do_not_contact: f.do_not_contact.checked, attributes,
  });
});

// ---- erasure: a dialog that wants the word ERASE and a reason ----

const eraseDialog = document.getElementById('erase-dialog');
if (eraseDialog) {
  const form = document.getElementById('erase-form');
  const confirmBtn = document.getElementById('erase-confirm');
  const eraseError = document.getElementById('erase-error');
  const ready = () => { confirmBtn.disabled = !(form.confirm.value.trim() === 'ERASE' && form.reason.value.trim() !== ''); };
  form.addEventListener('input', ready);
  on('erase-open', 'click', () => { form.reset(); ready(); eraseError.hidden = true; eraseDialog.showModal(); });
  on('erase-cancel', 'click', () => eraseDialog.close());
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (form.confirm.value.trim() !== 'ERASE') return;
    confirmBtn.disabled = true;
    const res = await api('POST', `/contacts/${contactId}/erase`, { reason: form.reason.value });
    if (!res.ok) { eraseError.textContent = errorText(res); eraseError.hidden = false; ready(); return; }
    location.reload();
  });
}

document.addEventListener('click', (ev) => {
  const t = ev.target.closest('button');
  if (!t) return;
  if (t.classList.contains('clear-attr')) run('PATCH', `/contacts/${contactId}`, { attributes: { [t.dataset.key]: null } });
  else if (t.classList.contains('remove-identity')) run('DELETE', `/contacts/${contactId}/identities/${t.dataset.identity}`);
  else if (t.classList.contains('merge-contact')) run('POST', `/contacts/${contactId}/merge`, { other_id: Number(t.dataset.other) });
  else if (t.classList.contains('unmerge') || t.id === 'unmerge-self') run('POST', `/contacts/${t.dataset.other}/unmerge`);
  else if (t.classList.contains('delete-attr')) run('DELETE', `/contact-attributes/${t.dataset.id}`);
});

on('identity-form', 'submit', (ev) => {
  ev.preventDefault();
  run('POST', `/contacts/${contactId}/identities`, { kind: ev.target.kind.value, value: ev.target.value.value });
});

on('note-form', 'submit', (ev) => {
  ev.preventDefault();
  run('POST', `/contacts/${contactId}/notes`, { body: ev.target.body.value });
});

on('merge-form', 'submit', (ev) => {
  ev.preventDefault();
  run('POST', `/contacts/${contactId}/merge`, { other_id: Number(ev.target.other_id.value) });
});

on('journey-more', 'click', async (ev) => {
  const btn = ev.currentTarget;
  const res = await fetch(`/contacts/${contactId}/journey?cursor=${encodeURIComponent(btn.dataset.cursor)}`, { credentials: 'same-origin' });
  if (!res.ok) { showError({ status: res.status, data: null }); return; }
  document.getElementById('journey').insertAdjacentHTML('beforeend', await res.text());
  const next = res.headers.get('X-Next-Cursor');
  if (next) btn.dataset.cursor = next; else btn.remove();
});

// ---- contact attribute settings ----

on('attr-form', 'submit', (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const choices = f.choices.value.split(',').map((s) => s.trim()).filter(Boolean);
  run('POST', '/contact-attributes', { key: f.key.value.trim(), label: f.label.value, type: f.type.value, choices });
});
