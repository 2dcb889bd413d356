// Progressive enhancement only: every page works without this file.
import { initAll } from "../vendor/govuk-frontend/js/govuk-frontend.min.js";

initAll();
