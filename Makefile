# tdpmmu top-level Makefile: builds and tests the project grafted into a
# copy of a Linux 6.12 tree.  `make help` lists the targets.
SHELL := /bin/bash
CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/tdpmmu
# Debian's python3 (has matplotlib) even when a pyenv/venv python3 comes first.
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
export CACHE KDIR KUNIT_FILTER V PYTHON

# Test steps: each writes $(CACHE)/results/<step>.tap (scripts/step.sh).
step_harness   := scripts/harness.sh
step_kunit-um  := scripts/kunit.sh um
step_kunit-x86 := scripts/kunit.sh x86_64
step_lint      := scripts/lint.sh
step_docs      := scripts/docs.sh
step_vtd-dma   := scripts/vtd-dma.sh
step_iommufd-iopf := scripts/iommufd-iopf.sh
step_iommufd-upstream := scripts/iommufd-upstream.sh
step_kvm-selftests := scripts/kvm-selftests.sh
STEPS       := harness kunit-um kunit-x86 vtd-dma iommufd-iopf iommufd-upstream \
	       kvm-selftests lint docs
# bench-smoke joins CHECK_STEPS when it lands.
CHECK_STEPS := harness kunit-um lint docs
RUN_STEPS   := kunit-x86 vtd-dma iommufd-iopf iommufd-upstream kvm-selftests

# Run every step even if one fails, then print one numbered TAP stream.
run_steps = $(foreach s,$(1),scripts/step.sh $(s) $(step_$(s)) || true;)

.PHONY: help tree graft check run bench clean distclean $(STEPS)

## help        this list
help:
	@sed -n 's/^## /  make /p' $(MAKEFILE_LIST)
	@echo "  variables: KDIR=/path/to/linux-6.12  KUNIT_FILTER=suite.*  V=1 (show logs)  CACHE=$(CACHE)"

## check       all tests (harness, KUnit under UML, lint, docs); last line "N passed, N failed"
check:
	@$(call run_steps,$(CHECK_STEPS)) scripts/summarize.sh $(CHECK_STEPS)

## run         main job: x86_64 kernel in QEMU with an emulated VT-d; last line "tdpmmu run: ..."
run:
	@echo "== run: x86_64 kernel under QEMU TCG (q35, intel-iommu, interrupt remapping), KUnit suites" >&2
	@$(call run_steps,$(RUN_STEPS)) scripts/summarize.sh --prefix 'tdpmmu run: ' $(RUN_STEPS)

## harness     userspace harness (selftests/harness) against the grafted tree
## kunit-um    KUnit under UML (kunit/um.kunitconfig)
## kunit-x86   KUnit on x86_64 under QEMU with intel-iommu (kunit/x86_64.kunitconfig)
## vtd-dma     real DMA (virtio-blk) through QEMU's VT-d on lib/tdpmmu tables, 4 IOMMU set-ups
## iommufd-iopf  fault-driven HWPT kselftests (selftests/iommufd-iopf) in an x86_64 guest
## iommufd-upstream  tools/testing/selftests/iommu on our kernel and on stock 6.12 (same config)
## kvm-selftests  KVM's MMU selftests on KVM on lib/tdpmmu and on stock 6.12 (table in the log)
## lint        checkpatch --strict and kernel-doc on every project C file
## docs        htmldocs of docs/ (Documentation/core-api/tdpmmu) with the tree's Sphinx; any warning fails
$(STEPS):
	@$(call run_steps,$@) scripts/summarize.sh $@

## check-debug  KUnit under debug kernels: lockdep and KASAN (UML), KCSAN (x86_64 SMP, QEMU); slow, not in check
.PHONY: check-debug
check-debug:
	@scripts/check-debug.sh

## fuzz        the differential fuzzer (libFuzzer) for FUZZ_SECONDS (600); crashes in selftests/harness/build/fuzz-run
.PHONY: fuzz
fuzz:
	@src=$$(scripts/graft.sh | tail -n 1) && \
		$(MAKE) -C selftests/harness KSRC="$$src" FUZZ_SECONDS=$(or $(FUZZ_SECONDS),600) fuzz

## bench       results/bench.json, bench.txt, bench.png: harness, KUnit under UML, and (x86_64 guest) intel-iommu, iopf, kvm rows
bench:
	@mkdir -p results
	@src=$$(scripts/graft.sh | tail -n 1) && \
		$(MAKE) -C selftests/harness KSRC="$$src" BENCH_JSON=$(CURDIR)/results/bench.json bench
	@KUNIT_FILTER='tdpmmu_bench.*' scripts/step.sh uml-bench scripts/kunit.sh um || \
		rm -f $(CACHE)/results/kunit-um-bench.jsonl
	@if [[ -f $(CACHE)/build-x86_64/arch/x86/boot/bzImage ]]; then \
		KUNIT_FILTER='intel_tdpmmu_bench.*' scripts/step.sh intel-bench \
			scripts/kunit.sh x86_64 || true; \
		scripts/step.sh iommufd-iopf scripts/iommufd-iopf.sh || true; \
		scripts/kvm-bench.sh || rm -f $(CACHE)/results/kvm-bench.jsonl; \
	else \
		echo "bench: no x86_64 kernel yet (make kunit-x86): no iopf or kvm rows" >&2; \
		rm -f $(CACHE)/results/iopf-bench.jsonl $(CACHE)/results/kvm-bench.jsonl \
			$(CACHE)/results/kunit-x86-bench.jsonl; \
	fi
	@$(PYTHON) scripts/bench-report.py results/bench.json \
		$$(ls $(CACHE)/results/kunit-um-bench.jsonl $(CACHE)/results/kunit-x86-bench.jsonl \
			$(CACHE)/results/iopf-bench.jsonl \
			$(CACHE)/results/kvm-bench.jsonl 2>/dev/null)

## bench-readme  the README's Benchmarks summary from results/bench.txt (run make bench first)
.PHONY: bench-readme
bench-readme:
	@$(PYTHON) scripts/bench-report.py --readme README.md results/bench.txt

## series      results/series/: the project as a patch series on the base tree; checks each patch (SERIES_VERIFY=0: checkpatch only)
.PHONY: series
series:
	@scripts/step.sh series scripts/series.sh || true; scripts/summarize.sh series

## tree        print the pristine base tree (extracting Debian's linux-source-6.12 once)
tree:
	@scripts/kernel-tree.sh

## graft       create/update the build copy of the tree with the project grafted in
graft:
	@scripts/graft.sh

## clean       remove kernel build dirs and results in the cache (keeps the tree copies)
clean:
	rm -rf $(CACHE)/build-* $(CACHE)/results $(CACHE)/kunit-*.json

## distclean   clean, and remove the grafted tree copies too
distclean: clean
	rm -rf $(CACHE)/src-*
