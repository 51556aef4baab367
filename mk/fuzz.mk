# fuzz.mk - libFuzzer targets (tests/fuzz/fuzz_*.c), included by the Makefile.
#
#   make fuzz [FUZZ_TIME=60] [FUZZ_TARGETS="image bundle"] [FUZZ_MERGE=1]
#       run each target for FUZZ_TIME seconds, starting from its committed
#       seed corpus tests/fuzz/corpus/NAME/; new inputs go to
#       build/fuzz/corpus/NAME/, crashes to build/fuzz/artifacts/NAME/.
#       FUZZ_MERGE=1 then merges the inputs that add coverage into the
#       committed corpus (libFuzzer -merge=1).
#   make fuzz-build
#       only build the binaries (build/fuzz/fuzz_NAME).  `make check` depends
#       on this; tests/e2e/fuzz_corpus.sh replays every committed corpus
#       once under the sanitizers.
#
# The binaries are built with clang from the lib/ sources and the host
# tools the targets need (simulator, packer), in their own object directory:
# libFuzzer's coverage instrumentation must not leak into the normal build.

FUZZ_CC		?= clang
FUZZ_TIME	?= 60
FUZZ_DIR	:= $(B)/fuzz
FUZZ_ALL	:= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS	?= $(FUZZ_ALL)
FUZZ_BINS	:= $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_ALL))
FUZZ_SRCS	:= $(LIB_SRCS) tools/sim.c tools/sim_exec.c tools/pack.c
FUZZ_OBJS	:= $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_SRCS))
FUZZ_CFLAGS	:= $(COMMON_CFLAGS) -Itools -Itests/fuzz -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all -D_DEFAULT_SOURCE

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)
check: fuzz-build
.SECONDARY: $(FUZZ_OBJS)

$(FUZZ_DIR)/obj/%.o: %.c | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJS) | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP $< $(FUZZ_OBJS) $(HOST_LDLIBS) -o $@

# Each target: FUZZ_TIME seconds from the committed seeds plus what earlier
# runs found; stop at the first crash or hang (an input running over 10 s;
# it is saved in artifacts/ like a crash).
fuzz: $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/artifacts/$$t tests/fuzz/corpus/$$t; \
		echo "fuzz: $$t for $(FUZZ_TIME)s"; \
		$(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_TIME) -timeout=10 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_DIR)/artifacts/$$t/ \
			$(FUZZ_DIR)/corpus/$$t tests/fuzz/corpus/$$t \
			2>$(FUZZ_DIR)/fuzz_$$t.log || { tail -n 40 $(FUZZ_DIR)/fuzz_$$t.log; \
			echo "fuzz: $$t FAILED (log $(FUZZ_DIR)/fuzz_$$t.log)"; exit 1; }; \
		grep -E '^(stat::|Done|#[0-9]+ +DONE)' $(FUZZ_DIR)/fuzz_$$t.log || true; \
		if [ "$(FUZZ_MERGE)" = 1 ]; then \
			$(FUZZ_DIR)/fuzz_$$t -merge=1 tests/fuzz/corpus/$$t \
				$(FUZZ_DIR)/corpus/$$t 2>>$(FUZZ_DIR)/fuzz_$$t.log; \
			echo "fuzz: merged into tests/fuzz/corpus/$$t"; \
		fi; \
	done
