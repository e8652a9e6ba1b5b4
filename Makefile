# The two commands: `make run` and `make test`. Everything else is what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app brokerage

.PHONY: run test bench setup assets migrate demo worker lint clean translations extract-messages

run: setup migrate
	@$(FLASK) demo load-if-empty
	@echo "Starting the app at http://127.0.0.1:5000 (web and worker; Ctrl+C to stop)"
	@APP_ENV=$${APP_ENV:-development} $(FLASK) dev

test: setup
	@bash scripts/test.sh

bench: setup $(VENV)/.bench-installed
	@$(BIN)/python -m bench

$(VENV)/.bench-installed: pyproject.toml
	@$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@touch $@

setup: $(VENV)/.installed static/build/app.css translations

# The interface's languages (README, "Languages"): each .po compiled to the .mo Flask-Babel reads.
CATALOGUES := $(wildcard brokerage/translations/*/LC_MESSAGES/messages.po)
translations: $(CATALOGUES:.po=.mo)

%.mo: %.po $(VENV)/.installed
	@$(BIN)/pybabel compile --statistics -i $< -o $@

# Refresh the template and every catalogue after marking strings (then translate, then `make translations`).
extract-messages: $(VENV)/.installed
	@$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o brokerage/translations/messages.pot --no-location --sort-output .
	@$(BIN)/pybabel update -i brokerage/translations/messages.pot -d brokerage/translations --no-fuzzy-matching

$(VENV)/.installed: pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# GOV.UK Frontend, built with the council's settings (no GDS Transport font, no crown).
static/build/app.css: node_modules/.installed static/src/app.scss
	@npm run --silent build
	@rm -rf static/govuk && mkdir -p static/govuk
	@cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/govuk/
	@cp -r node_modules/govuk-frontend/dist/govuk/assets static/govuk/assets

assets: static/build/app.css

migrate: setup
	@APP_ENV=$${APP_ENV:-development} $(FLASK) db upgrade

demo: migrate
	@APP_ENV=$${APP_ENV:-development} $(FLASK) demo load

worker: setup
	@$(FLASK) worker

clean:
	rm -rf $(VENV) node_modules static/build static/govuk instance/*.db
