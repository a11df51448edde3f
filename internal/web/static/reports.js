// Reports and the live dashboard: the weekly-summary opt-in, and on the
// dashboard, live numbers. The server renders every number; this file only
// asks it again when the event stream says a conversation changed (at
// most every few seconds), and every 30 s for what time alone changes
// (waiting times, SLA due times).

const csrf = document.querySelector('meta[name="csrf-token"]').content;

// ---- weekly summary opt-in ----

const optin = document.getElementById('weekly-report');
if (optin) {
  optin.addEventListener('change', async () => {
    const want = optin.checked;
    const res = await fetch('/api/v1/users/' + optin.dataset.user, {
      method: 'PATCH', credentials: 'same-origin',
      headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' },
      body: JSON.stringify({ weekly_report: want }),
    });
    const status = document.getElementById('live-status') || document.getElementById('report-status');
    if (!res.ok) {
      optin.checked = !want;
      let msg = 'Could not save the weekly summary setting.';
      try { const e = (await res.json()).error; msg = Object.values(e.fields || {})[0] || e.message; } catch { /* keep the default */ }
      if (status) status.textContent = msg;
      return;
    }
    if (status) status.textContent = want ? 'You will get the weekly summary by email.' : 'Weekly summary email turned off.';
  });
}

// ---- live dashboard ----

const live = document.getElementById('live');
if (live) {
  const status = document.getElementById('live-status');
  let timer = null, last = 0, busy = false;
  const minGap = 3000;

  async function refresh() {
    timer = null;
    if (busy) { schedule(); return; }
    busy = true; last = Date.now();
    try {
      const res = await fetch(live.dataset.src, { credentials: 'same-origin' });
      if (res.ok) {
        live.innerHTML = await res.text();
        live.dataset.refreshed = String(Number(live.dataset.refreshed || 0) + 1);
      }
    } finally { busy = false; }
  }

  function schedule() {
    if (timer) return;
    timer = setTimeout(refresh, Math.max(300, minGap - (Date.now() - last)));
  }

  const stream = new EventSource('/api/v1/events/stream');
  stream.addEventListener('conversation', schedule);
  stream.addEventListener('open', () => { status.textContent = 'Live: updates as conversations change.'; schedule(); });
  stream.addEventListener('error', () => { status.textContent = 'Reconnecting…'; });
  setInterval(schedule, 30000);
}
