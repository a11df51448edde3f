// Parley live chat. Add to any page:
//   <script src="https://parley.example.com/widget.js" data-inbox-key="KEY" async></script>
// Optional, to link the chat to a signed-in user of the website:
//   data-user-id="42" data-user-hash="HMAC-SHA256(user id, inbox secret), hex"
//   data-user-name="Jo Doe" data-user-email="jo@example.com"
// Plain script, no dependencies. Everything lives in a shadow root styled
// by a constructed stylesheet, so the host page's CSS cannot break it and
// it needs no inline styles (it works under a strict Content-Security-Policy
// that allows this script's origin in script-src and connect-src).
(() => {
  const script = document.currentScript;
  if (!script || window.__parleyChat) return;
  window.__parleyChat = true;
  const base = new URL(script.src).origin;
  const data = script.dataset;
  const key = data.inboxKey || '';
  const user = data.userId ? { id: data.userId, hash: data.userHash || '', name: data.userName || '', email: data.userEmail || '' } : null;
  const storeKey = 'parley:' + key + (user ? ':u:' + user.id : '');

  const css = `
    :host { all: initial; }
    * { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
    .launcher { position: fixed; right: 20px; bottom: 20px; width: 56px; height: 56px; border-radius: 50%; border: 0;
      background: #3454d1; color: #fff; font-size: 26px; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25); z-index: 2147483646; }
    .panel { position: fixed; right: 20px; bottom: 88px; width: 340px; max-width: calc(100vw - 40px); height: 480px;
      max-height: calc(100vh - 110px); background: #fff; color: #222; border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.3);
      display: flex; flex-direction: column; overflow: hidden; z-index: 2147483647; font-size: 14px; }
    .panel[hidden] { display: none; }
    header { background: #3454d1; color: #fff; padding: 12px 14px; }
    header strong { display: block; font-size: 15px; }
    header span { font-size: 12px; opacity: .9; }
    .notice { background: #fff6d6; padding: 8px 12px; font-size: 13px; border-bottom: 1px solid #eee; }
    .notice[hidden] { display: none; }
    .notice form { display: flex; gap: 6px; margin-top: 6px; }
    .log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; }
    .msg { max-width: 80%; padding: 8px 10px; border-radius: 10px; white-space: pre-wrap; word-wrap: break-word; }
    .msg.visitor { align-self: flex-end; background: #3454d1; color: #fff; }
    .msg.agent { align-self: flex-start; background: #f0f2f7; }
    .author { display: block; font-size: 11px; opacity: .7; margin-bottom: 2px; }
    .greeting { color: #555; }
    .typing { font-size: 12px; color: #777; padding: 0 12px 6px; min-height: 18px; }
    form.prechat { padding: 12px; display: flex; flex-direction: column; gap: 8px; }
    form.prechat[hidden], form.compose[hidden] { display: none; }
    label { font-size: 12px; color: #555; display: flex; flex-direction: column; gap: 3px; }
    input, textarea { font: inherit; border: 1px solid #ccd; border-radius: 6px; padding: 7px 8px; width: 100%; }
    button.send, form.prechat button, .notice button { background: #3454d1; color: #fff; border: 0; border-radius: 6px; padding: 8px 12px; cursor: pointer; font: inherit; }
    form.compose { display: flex; gap: 6px; padding: 8px; border-top: 1px solid #eee; }
    form.compose textarea { resize: none; height: 40px; }
    .attach { display: flex; align-items: center; cursor: pointer; font-size: 18px; padding: 0 2px; }
    .attach input { position: absolute; width: 1px; height: 1px; opacity: 0; }
    .chosen { font-size: 12px; color: #555; padding: 0 12px; }
    .chosen:empty { display: none; }
    .files { display: flex; flex-direction: column; gap: 2px; margin-top: 4px; }
    a.file { color: inherit; text-decoration: underline; cursor: pointer; font-size: 13px; }
    a.file small { opacity: .7; }
    .error { color: #b00020; font-size: 12px; padding: 0 12px; }
    .survey { align-self: flex-start; display: flex; flex-direction: column; gap: 6px; max-width: 90%; }
    .survey .stars { display: flex; gap: 4px; }
    .survey .stars button { border: 1px solid #ccd; background: #fff; border-radius: 6px; padding: 6px 8px; cursor: pointer; font: inherit; }
    .survey .stars button[aria-pressed=true] { background: #3454d1; color: #fff; border-color: #3454d1; }
    .survey small { color: #555; }
    .survey form { display: flex; gap: 6px; }
    .survey form button { background: #3454d1; color: #fff; border: 0; border-radius: 6px; padding: 6px 10px; cursor: pointer; font: inherit; }
  `;

  const host = document.createElement('div');
  host.id = 'parley-chat';
  const root = host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  root.adoptedStyleSheets = [sheet];

  const el = (tag, props = {}, ...children) => {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'class') n.className = v; else if (k in n) n[k] = v; else n.setAttribute(k, v);
    }
    for (const c of children) n.append(c);
    return n;
  };

  const launcher = el('button', { class: 'launcher', type: 'button', 'aria-label': 'Chat with us', title: 'Chat with us' }, '💬');
  const title = el('strong', {}, 'Chat');
  const status = el('span', {}, '');
  const notice = el('div', { class: 'notice', hidden: true, role: 'status' });
  const log = el('div', { class: 'log', role: 'log', 'aria-live': 'polite' });
  const typing = el('div', { class: 'typing', 'aria-live': 'polite' });
  const errorLine = el('div', { class: 'error', role: 'alert' });
  const prechat = el('form', { class: 'prechat', hidden: true });
  const input = el('textarea', { name: 'body', placeholder: 'Write a message…', 'aria-label': 'Message' });
  const fileInput = el('input', { type: 'file', name: 'file', 'aria-label': 'Attach a file' });
  const chosen = el('div', { class: 'chosen', 'aria-live': 'polite' });
  const compose = el('form', { class: 'compose', hidden: true }, el('label', { class: 'attach', title: 'Attach a file' }, '📎', fileInput), input,
    el('button', { class: 'send', type: 'submit' }, 'Send'));
  const panel = el('div', { class: 'panel', hidden: true, role: 'dialog', 'aria-label': 'Chat' },
    el('header', {}, title, status), notice, log, typing, errorLine, chosen, prechat, compose);
  root.append(launcher, panel);

  let config = null;
  let token = null;
  let email = user?.email || '';
  const shown = new Set();
  let typingTimer = 0;

  try { token = localStorage.getItem(storeKey); } catch { token = null; }

  async function call(method, path, body) {
    const headers = {};
    if (token) headers['X-Parley-Visitor'] = token;
    const form = body instanceof FormData;
    if (body !== undefined && !form) headers['Content-Type'] = 'application/json';
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : form ? body : JSON.stringify(body) });
    const json = await res.json().catch(() => null);
    if (!res.ok) {
      const err = new Error(json?.error?.message || 'Something went wrong.');
      err.status = res.status;
      throw err;
    }
    return json;
  }

  function show(m) {
    if (shown.has(m.id)) return;
    shown.add(m.id);
    const author = m.from === 'agent' ? el('span', { class: 'author' }, m.author) : '';
    const files = (m.attachments || []).map(fileLink);
    log.append(el('div', { class: 'msg ' + m.from, 'data-id': String(m.id) }, author, m.body, files.length ? el('div', { class: 'files' }, ...files) : ''));
    if (m.survey) log.append(surveyBlock(m.survey));
    log.scrollTop = log.scrollHeight;
    if (m.from === 'agent') { typing.textContent = ''; }
  }

  // The rating buttons under a survey message: one click records the
  // rating; a comment may follow, and both may change for a few minutes.
  const LABELS = { 1: 'Bad', 2: 'Not good', 3: 'OK', 4: 'Good', 5: 'Great' };
  function surveyBlock(sv) {
    const box = el('div', { class: 'survey', role: 'group', 'aria-label': 'Rate this conversation' });
    const render = (s, error) => {
      box.replaceChildren();
      const stars = el('div', { class: 'stars' });
      for (let n = 1; n <= 5; n++) {
        const b = el('button', { type: 'button', title: LABELS[n], 'aria-label': `${n} out of 5, ${LABELS[n]}`,
          'aria-pressed': String(s.rating === n), disabled: !s.changeable, 'data-rating': String(n) }, String(n));
        b.addEventListener('click', () => rate(s, n, ''));
        stars.append(b);
      }
      box.append(stars);
      if (s.rating) {
        box.append(el('small', { class: 'thanks' }, `Thank you! You rated this ${s.rating} out of 5.` + (s.comment ? ` Your comment: “${s.comment}”` : '')));
        if (s.changeable) {
          const field = el('input', { name: 'comment', placeholder: 'Add a comment (optional)', 'aria-label': 'Comment', maxLength: 2000 });
          field.value = s.comment || '';
          const form = el('form', {}, field, el('button', { type: 'submit' }, 'Send'));
          form.addEventListener('submit', e => { e.preventDefault(); rate(s, s.rating, field.value); });
          box.append(form);
        }
      }
      if (error) box.append(el('small', { class: 'error', role: 'alert' }, error));
    };
    const rate = async (s, rating, comment) => {
      try {
        render(await call('POST', '/widget/csat', { conversation_id: s.conversation_id, rating, comment }));
      } catch (err) { render(s, err.message); }
    };
    render(sv);
    return box;
  }

  const sizeText = n => n >= 1048576 ? (n / 1048576).toFixed(1) + ' MB' : n >= 1024 ? Math.round(n / 1024) + ' KB' : n + ' B';

  // A file downloads with the visitor's token in a header, never in a URL:
  // fetched, then saved from a blob: URL under its own name.
  function fileLink(f) {
    const a = el('a', { class: 'file', href: '#', 'data-file': String(f.id) }, '📎 ' + f.filename + ' ', el('small', {}, sizeText(f.size)));
    a.addEventListener('click', async e => {
      e.preventDefault();
      try {
        const res = await fetch(base + f.url, { headers: { 'X-Parley-Visitor': token } });
        if (!res.ok) throw new Error('The file could not be downloaded.');
        const url = URL.createObjectURL(await res.blob());
        const save = el('a', { href: url, download: f.filename });
        root.append(save);
        save.click();
        save.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
        a.dataset.saved = 'true';
      } catch (err) { errorLine.textContent = err.message; }
    });
    return a;
  }

  function setAvailable(available) {
    status.textContent = available ? 'We typically reply in a few minutes' : 'We are away right now';
    notice.replaceChildren();
    if (available) { notice.hidden = true; return; }
    notice.hidden = false;
    if (email) {
      notice.append(`Nobody is available right now. We will answer by email to ${email}.`);
      return;
    }
    const field = el('input', { type: 'email', name: 'email', placeholder: 'you@example.com', required: true, 'aria-label': 'Your email' });
    const form = el('form', {}, field, el('button', { type: 'submit' }, 'Save'));
    form.addEventListener('submit', async e => {
      e.preventDefault();
      try {
        if (!token) await start({ email: field.value });
        else await call('POST', '/widget/email', { email: field.value });
        email = field.value;
        setAvailable(false);
      } catch (err) { errorLine.textContent = err.message; }
    });
    notice.append('Nobody is available right now. Leave your email and we will answer there.', form);
  }

  function buildPrechat() {
    prechat.replaceChildren();
    const labels = { name: 'Your name', email: 'Email', phone: 'Phone' };
    for (const f of config.prechat_fields) {
      prechat.append(el('label', {}, labels[f], el('input', { name: f, type: f === 'email' ? 'email' : f === 'phone' ? 'tel' : 'text', required: f === 'email' })));
    }
    prechat.append(el('button', { type: 'submit' }, 'Start chat'));
  }

  async function start(fields) {
    const body = { key, ...fields };
    if (user) Object.assign(body, { user_id: user.id, user_hash: user.hash, name: body.name || user.name, email: body.email || user.email });
    const s = await call('POST', '/widget/sessions', body);
    token = s.token;
    email = s.email || email;
    try { localStorage.setItem(storeKey, token); } catch { /* private mode: the chat lasts this page */ }
    setAvailable(s.available);
    enterChat();
  }

  function enterChat() {
    prechat.hidden = true;
    compose.hidden = false;
    listen();
  }

  async function loadHistory() {
    const h = await call('GET', '/widget/messages');
    email = h.email || email;
    setAvailable(h.available);
    for (const m of h.items) show(m);
  }

  // The stream is read with fetch, not EventSource, so the token travels
  // in a header instead of the URL.
  let listening = false;
  async function listen() {
    if (listening) return;
    listening = true;
    while (token) {
      try {
        const res = await fetch(base + '/widget/stream', { headers: { 'X-Parley-Visitor': token } });
        if (res.status === 401) { forget(); break; }
        if (!res.ok || !res.body) throw new Error('stream ' + res.status);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const chunk = buf.slice(0, i);
            buf = buf.slice(i + 2);
            await onEvent(chunk);
          }
        }
      } catch { /* reconnect below */ }
      await new Promise(r => setTimeout(r, 2000));
    }
    listening = false;
  }

  async function onEvent(chunk) {
    let event = 'message', payload = '';
    for (const line of chunk.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) payload += line.slice(6);
    }
    if (!payload) return;
    const d = JSON.parse(payload);
    if (event === 'ready') await loadHistory().catch(() => {});
    else if (event === 'message') show(d);
    else if (event === 'typing') {
      typing.textContent = `${d.name} is typing…`;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => { typing.textContent = ''; }, 6000);
    }
  }

  function forget() {
    token = null;
    try { localStorage.removeItem(storeKey); } catch { /* nothing kept */ }
    log.replaceChildren(el('div', { class: 'greeting' }, config.greeting));
    shown.clear();
    compose.hidden = true;
    if (user) start({}).catch(err => { errorLine.textContent = err.message; });
    else prechat.hidden = false;
  }

  prechat.addEventListener('submit', async e => {
    e.preventDefault();
    errorLine.textContent = '';
    const fields = Object.fromEntries(new FormData(prechat));
    try { await start(fields); } catch (err) { errorLine.textContent = err.message; }
  });

  let sending = 0;
  let typedAt = 0;
  compose.addEventListener('submit', async e => {
    e.preventDefault();
    const body = input.value.trim();
    const file = fileInput.files[0];
    if (!body && !file) return;
    errorLine.textContent = '';
    const clientId = Date.now().toString(36) + '-' + (++sending);
    let req = { body, client_id: clientId };
    if (file) {
      req = new FormData();
      req.append('body', body);
      req.append('client_id', clientId);
      req.append('file', file);
    }
    try {
      const m = await call('POST', '/widget/messages', req);
      input.value = '';
      fileInput.value = '';
      chosen.textContent = '';
      typedAt = 0; // the next words are a new message: tell the agents at once
      show(m);
    } catch (err) { errorLine.textContent = err.message; }
  });
  fileInput.addEventListener('change', () => {
    const f = fileInput.files[0];
    chosen.textContent = f ? `📎 ${f.name} (${sizeText(f.size)}) will be sent with your message` : '';
  });
  // Agents see "… is typing", at most one notice every 3 seconds.
  input.addEventListener('input', () => {
    if (!token || Date.now() - typedAt < 3000) return;
    typedAt = Date.now();
    call('POST', '/widget/typing').catch(() => {});
  });
  input.addEventListener('keydown', e => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); compose.requestSubmit(); }
  });

  launcher.addEventListener('click', () => {
    panel.hidden = !panel.hidden;
    if (!panel.hidden) (compose.hidden ? prechat.querySelector('input') : input)?.focus();
  });

  async function boot() {
    config = await call('GET', '/widget/config?key=' + encodeURIComponent(key));
    title.textContent = config.name;
    log.append(el('div', { class: 'greeting' }, config.greeting));
    buildPrechat();
    setAvailable(config.available);
    if (token) enterChat();
    else if (user) await start({});
    else prechat.hidden = false;
  }

  const mount = () => {
    document.body.append(host);
    boot().catch(err => { errorLine.textContent = err.message; panel.hidden = false; });
  };
  if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);
})();
