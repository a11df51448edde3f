// Logging a phone call by hand from a conversation's side panel. The pane
// refreshes itself from the live event the new call raises.
const csrf = document.querySelector('meta[name="csrf-token"]').content;

document.addEventListener('submit', async e => {
  const form = e.target;
  if (form.id !== 'call-form') return;
  e.preventDefault();
  const f = form.elements;
  const body = {
    direction: f.direction.value,
    outcome: f.outcome.value,
    duration_seconds: Math.round(Number(f.minutes.value || 0) * 60),
    notes: f.notes.value,
  };
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    const res = await fetch(`/api/v1/conversations/${form.dataset.conversation}/calls`, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body),
    });
    if (!res.ok) {
      const data = await res.json().catch(() => null);
      alert(data?.error?.message || 'The call could not be logged.');
      return;
    }
    form.reset();
    form.closest('details').open = false;
  } finally {
    button.disabled = false;
  }
});
