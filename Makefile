# A thin wrapper over meson: `make` builds build/rgtg; demo, test and bench install what they need first.
BUILD ?= build
MESON_FLAGS ?=
DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all programs deps demo test bench fuzz clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)
	@ln -sf $(BUILD)/rgtg rgtg 2>/dev/null || true

# what the commands run, without the test programs (the demo's build: about 20 s less from cold)
PROGRAMS = rgtg rgtg-torch core/librgtg_spm.so
programs: $(BUILD)/build.ninja
	ninja -C $(BUILD) $(PROGRAMS)
	@ln -sf $(BUILD)/rgtg rgtg 2>/dev/null || true

$(BUILD)/build.ninja: meson.build meson_options.txt
	@command -v meson >/dev/null || bash tools/install-deps.sh
	meson setup $(BUILD) $(MESON_FLAGS) --reconfigure 2>/dev/null || meson setup $(BUILD) $(MESON_FLAGS)

deps:
	bash tools/install-deps.sh

# the paper's Table 1 and Table 12 at small size on the define-long task, judged by its gold reward
# (experiments/README.md); the two share their models through one store
# two stages at once, one thread each (on 2 cores more work per second than one stage on 2 threads);
# the decoders whose time per token is a column run alone, on 2 threads (table1.yaml, `alone`)
DEMO_RUN = --size small --store runs/demo/store --jobs 2 --set side_threads=1
demo: deps programs
	$(BUILD)/rgtg experiment experiments/table1.yaml $(DEMO_RUN) --out runs/demo/table1
	$(BUILD)/rgtg experiment experiments/table12.yaml $(DEMO_RUN) --out runs/demo/table12
	@for t in table1/table1-demo table1/table9-gold table1/table1-rm table12/table table12/table-gold-order; do \
	  echo; echo "== runs/demo/$$t.md"; cat runs/demo/$$t.md; done

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
