# jvs — top-level commands. Every target runs from a clean checkout.
MVN ?= mvn -B -ntp
JAR := build/jvs.jar
BENCH_JAR := bench/target/benchmarks.jar

.PHONY: all build test demo bench bench-schedulers bench-engine clean

all: build

build:
	$(MVN) -q install -DskipTests
	mkdir -p build
	cp director/target/jvs.jar $(JAR)
	@echo "built: bin/jvs (over $(JAR))"

# Every test of every module, namespace tests included (they need root).
test:
	$(MVN) install

# Until the live director lands, the demo replays a scheduler trace through bin/jvs sim.
demo: build
	@echo "== wrr, servers added A=4 B=3 C=2: the kernel scans newest first (C B A)"
	@bin/jvs sim --scheduler wrr --trace schedulers/traces/wrr-432.jsonl | awk '{printf "%s ", $$2} END {print ""}'
	@echo "== wlc with the same servers, connections that establish and stay open"
	@bin/jvs sim --scheduler wlc --trace schedulers/traces/wlc-mixed.jsonl | awk '{print "   " $$0}'

# JMH benchmarks of the hot paths (see bench/RESULTS.md for the figures and how they were taken).
bench: bench-schedulers bench-engine

bench-schedulers: build
	mkdir -p bench/results
	java -jar $(BENCH_JAR) "SchedulerPickBenchmark|KernelScanBaselineBenchmark" -prof gc \
		-rf json -rff bench/results/schedulers.json | tee bench/results/schedulers.txt

bench-engine: build
	mkdir -p bench/results
	java -jar $(BENCH_JAR) "ForwardBenchmark|NewConnectionBenchmark|ConnectionLookupBenchmark" -p flows=1024 \
		-jvmArgsAppend -Dagrona.disable.bounds.checks=true -prof gc \
		-rf json -rff bench/results/engine.json | tee bench/results/engine.txt

clean:
	$(MVN) -q clean
	rm -rf build bench/results
