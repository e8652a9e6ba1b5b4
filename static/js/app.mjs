// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "/static/govuk/govuk-frontend.min.js";
import { initBallots } from "/static/js/ballot.mjs";
import { dropAriaExpandedFromRadios } from "/static/js/radios.mjs";
import { initFilters } from "/static/js/filters.mjs";
import { initTasks } from "/static/js/task.mjs";

initAll();
dropAriaExpandedFromRadios();
initBallots();
initTasks();
initFilters();
