// Turn on GOV.UK Frontend's JavaScript (skip link focus, error summary focus).
// A file of its own because the staff pages' Content-Security-Policy allows no inline script.
import { initAll } from "./govuk/govuk-frontend.min.js";

document.body.classList.add("govuk-frontend-supported");
initAll();
