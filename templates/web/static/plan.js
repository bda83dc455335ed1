// The action plan saves as the leader goes: on each change, the form is posted as it would be
// by a save button, and a short status says whether it was saved. Without this script every
// save button does the same; nothing here is needed for the page to work.
const form = document.querySelector('form[data-autosave]')
if (form) {
  const status = document.getElementById('autosave-status')
  let pending = null
  const save = async () => {
    pending = null
    const body = new FormData(form)
    try {
      const reply = await fetch(form.action, {
        method: 'POST', body, credentials: 'same-origin', headers: { 'X-Autosave': '1' }
      })
      status.textContent = reply.ok ? form.dataset.saved : form.dataset.failed
    } catch (error) {
      status.textContent = form.dataset.failed
    }
  }
  form.addEventListener('change', () => {
    if (pending) clearTimeout(pending)
    pending = setTimeout(save, 300)
  })
}
