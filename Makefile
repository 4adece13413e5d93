# A thin wrapper over meson: `make` builds build/rgtg; demo, test and bench install what they need first.
BUILD ?= build
MESON_FLAGS ?=
DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all deps demo test bench fuzz clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)
	@ln -sf $(BUILD)/rgtg rgtg 2>/dev/null || true

$(BUILD)/build.ninja: meson.build meson_options.txt
	@command -v meson >/dev/null || bash tools/install-deps.sh
	meson setup $(BUILD) $(MESON_FLAGS) --reconfigure 2>/dev/null || meson setup $(BUILD) $(MESON_FLAGS)

deps:
	bash tools/install-deps.sh

demo: deps all
	bash experiments/demo.sh $(BUILD)/rgtg runs/demo

test: deps all
	meson test -C $(BUILD) --print-errorlogs --num-processes 2 $(TEST_ARGS)

# every libFuzzer target for FUZZ_SECONDS each (make test runs them for 10-20 s)
FUZZ_SECONDS ?= 300
fuzz: deps
	@for target in readers safetensors hf_config config generations; do \
	  bash tests/run_fuzz.sh $$target $(FUZZ_SECONDS) || exit 1; \
	done

bench: deps all
	bash tools/bench.sh

clean:
	rm -rf $(BUILD) rgtg
