// The NHS design system's JavaScript, started from a file (the Content-Security-Policy allows
// no inline script). Every page works without it: it only improves some components.
import { initAll } from '/assets/nhsuk-frontend.min.js'

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported')
initAll()
