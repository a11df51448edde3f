// Templates and macros in the conversation pane: typing "/" and a few
// letters in the composer offers templates (arrow keys and Enter pick one);
// the picked template is previewed with this conversation's values and
// inserted, with any blank variable shown before sending. The "Apply
// macro" menu (shortcut: m) applies a macro in one step.
const api = (...args) => window.parley.api(...args);
const refreshPane = () => window.parley.refreshPane();

let templates = null;
let picker = null; // { list, items, index, start }

async function loadTemplates() {
  if (!templates) {
    const res = await api('GET', '/templates');
    templates = res.ok ? res.data.items : [];
  }
  return templates;
}

// slashQuery is the "/word" being typed at the caret, or null.
function slashQuery(ta) {
  const upto = ta.value.slice(0, ta.selectionStart);
  const m = upto.match(/(^|\s)\/([\w-]*)$/);
  return m ? { query: m[2].toLowerCase(), start: upto.length - m[2].length - 1 } : null;
}

function closePicker() {
  if (picker) picker.list.remove();
  picker = null;
}

function highlight(i) {
  picker.index = i;
  picker.list.querySelectorAll('li').forEach((li, j) => li.setAttribute('aria-selected', String(j === i)));
  const ta = document.getElementById('compose-body');
  const li = picker.list.children[i];
  if (ta && li) ta.setAttribute('aria-activedescendant', li.id);
}

async function updatePicker(ta) {
  if (!slashQuery(ta)) { closePicker(); return; }
  const all = await loadTemplates();
  // Read the query after the wait: a later keystroke may have changed it.
  const q = slashQuery(ta);
  if (!q) { closePicker(); return; }
  const items = all.filter(t => t.name.toLowerCase().includes(q.query) || (t.folder || '').toLowerCase().includes(q.query)).slice(0, 8);
  closePicker();
  if (!items.length) return;
  const list = document.createElement('ul');
  list.id = 'template-picker';
  list.className = 'template-picker';
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', 'Templates');
  items.forEach((t, i) => {
    const li = document.createElement('li');
    li.id = `tpl-opt-${t.id}`;
    li.setAttribute('role', 'option');
    li.dataset.id = t.id;
    li.textContent = (t.folder ? t.folder + ' / ' : '') + t.name;
    li.addEventListener('mousedown', e => { e.preventDefault(); choose(ta, i); });
    list.appendChild(li);
  });
  ta.insertAdjacentElement('afterend', list);
  picker = { list, items, index: 0, start: q.start };
  highlight(0);
}

async function choose(ta, i) {
  const t = picker.items[i];
  const start = picker.start;
  closePicker();
  const form = ta.closest('form');
  const res = await api('POST', `/templates/${t.id}/preview`, { conversation_id: Number(form.dataset.conversation) });
  if (!res.ok) return;
  const end = ta.selectionStart;
  ta.value = ta.value.slice(0, start) + res.data.body + ta.value.slice(end);
  ta.selectionStart = ta.selectionEnd = start + res.data.body.length;
  form.dataset.templateId = t.id;
  let warn = form.querySelector('#template-missing');
  if (!warn) {
    warn = document.createElement('div');
    warn.id = 'template-missing';
    warn.className = 'collision';
    warn.setAttribute('role', 'alert');
    ta.insertAdjacentElement('beforebegin', warn);
  }
  const missing = res.data.missing || [];
  warn.hidden = missing.length === 0;
  warn.textContent = missing.length ? `No value for: ${missing.join(', ')}. Fill them in before sending.` : '';
  ta.focus();
}

document.addEventListener('input', e => {
  if (e.target.id === 'compose-body') updatePicker(e.target);
});

document.addEventListener('keydown', e => {
  if (!picker || e.target.id !== 'compose-body') return;
  const n = picker.items.length;
  if (e.key === 'ArrowDown') highlight((picker.index + 1) % n);
  else if (e.key === 'ArrowUp') highlight((picker.index + n - 1) % n);
  else if (e.key === 'Enter' || e.key === 'Tab') choose(e.target, picker.index);
  else if (e.key === 'Escape') closePicker();
  else return;
  e.preventDefault();
  e.stopImmediatePropagation();
}, true);

// The macro menu fills itself the first time it is used.
async function fillMacros(sel) {
  if (sel.dataset.filled) return;
  sel.dataset.filled = '1';
  const res = await api('GET', '/macros');
  for (const m of res.ok ? res.data.items : []) {
    const o = document.createElement('option');
    o.value = m.id;
    o.textContent = m.name;
    sel.appendChild(o);
  }
}

document.addEventListener('focusin', e => {
  if (e.target.id === 'macro-select') fillMacros(e.target);
});

document.addEventListener('change', async e => {
  if (e.target.id !== 'macro-select' || !e.target.value) return;
  const sel = e.target;
  const id = sel.closest('[data-conversation-id]')?.dataset.conversationId || document.getElementById('composer')?.dataset.conversation;
  const res = await api('POST', `/conversations/${id}/macros/${sel.value}`);
  const status = document.getElementById('macro-status');
  if (status) status.textContent = res.ok ? `Applied “${sel.selectedOptions[0].textContent}”` : (res.data?.error?.message || 'The macro could not be applied');
  sel.value = '';
  if (res.ok) await refreshPane();
});

document.addEventListener('keydown', e => {
  const tag = e.target.tagName;
  if (e.key !== 'm' || e.ctrlKey || e.metaKey || e.altKey || tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
  const sel = document.getElementById('macro-select');
  if (!sel) return;
  e.preventDefault();
  sel.focus();
});
