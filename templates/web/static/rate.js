// The rating form, improved where scripts run (templates/web/rate.html works without it):
// when the rater leaves the page without pressing a button (closes the tab, follows a link,
// switches app on a phone), what they changed on this step is saved to the same address, as
// the "Save and come back later" button would. navigator.sendBeacon posts from this page, so
// the browser marks it same-origin and the server's cross-site check lets it through.
const form = document.querySelector('form.app-rating-form')

if (form && navigator.sendBeacon) {
  let changed = false
  let sent = false
  form.addEventListener('change', () => { changed = true })
  form.addEventListener('input', () => { changed = true })
  form.addEventListener('submit', () => { sent = true }) // a button saves it already

  const save = () => {
    if (!changed || sent) return
    const data = new URLSearchParams(new FormData(form))
    data.set('action', 'leave')
    // (form.action would be the buttons named "action": the attribute is the address)
    if (navigator.sendBeacon(form.getAttribute('action'), data)) changed = false
  }
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') save()
  })
  window.addEventListener('pagehide', save)
}
