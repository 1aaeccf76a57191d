# The README's commands. Everything real is in meson.build and scripts/.
BUILD ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan

.PHONY: run test test-asan test-tsan test-fresh test-fresh-full bench build asan tsan clean format docs fuzz screenshots

run: ## install what is missing, build, start the dev server on :8080
	@scripts/deps.sh run
	@$(MAKE) --no-print-directory build
	AUTHGATE_DEV=true ./$(BUILD)/authgate serve

test: ## install what is missing, build, run every suite
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory build MESON_ARGS=-Dtests=enabled
	@tests/run_all.sh $(BUILD)

test-asan: ## the whole suite against an ASan+UBSan build
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory asan
	@AUTHGATE_TEST_SANITIZE=1 tests/run_all.sh $(ASAN_BUILD)

test-tsan: ## the whole suite against a ThreadSanitizer build (tests/tsan.supp: reasons)
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory tsan
	@AUTHGATE_TEST_SANITIZE=thread TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp second_deadlock_stack=1 $(TSAN_OPTIONS)" \
	  tests/run_all.sh $(TSAN_BUILD)

test-fresh: ## as root: `make run` in a new minimal Debian 12 root (debootstrap) until /healthz answers
	@scripts/fresh-root.sh

test-fresh-full: ## as root: the same, then `make test` there (run it before every release)
	@scripts/fresh-root.sh --test

bench: ## optimized build, measured side by side with nginx
	@scripts/deps.sh bench
	@bench/run.sh

# The test tree is built when cmocka is there (-Dtests=auto); `make test` requires it.
build:
	@scripts/build.sh $(BUILD) $(MESON_ARGS)

asan:
	@scripts/build.sh $(ASAN_BUILD) -Dtests=enabled -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug

tsan:
	@scripts/build.sh $(TSAN_BUILD) -Dtests=enabled -Db_sanitize=thread -Db_lundef=false -Db_pie=true

screenshots: ## the dashboard's browser tests, writing their screenshots into docs/img/ (a test run never does)
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory build MESON_ARGS=-Dtests=enabled
	@PATH="$(CURDIR)/.tools/node/bin:$$PATH" AUTHGATE_TEST_SCREENSHOTS=1 AUTHGATE_TEST_BIN=$(CURDIR)/$(BUILD)/authgate \
	  node --test --test-concurrency=1 tests/browser/dashboard*.test.mjs
	@git status --short docs/img

docs: build ## regenerate README's configuration table
	@scripts/readme-config.py $(BUILD)/authgate

fuzz: ## build the libFuzzer targets with clang, run each for FUZZ_SECONDS (default 30), print each one's coverage
	@[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
	@ninja -C build-fuzz >/dev/null
	@tests/fuzz/run.sh build-fuzz $${FUZZ_SECONDS:-30}

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) build-bench
