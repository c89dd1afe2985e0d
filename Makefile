# jvs — top-level commands. Every target runs from a clean checkout.
MVN ?= mvn -B -ntp
JAR := build/jvs.jar
BENCH_JAR := bench/target/benchmarks.jar

.PHONY: all build test demo bench bench-schedulers clean

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

# JMH benchmarks of every scheduler's pick (see bench/RESULTS.md for the figures).
bench: bench-schedulers

bench-schedulers: build
	mkdir -p bench/results
	java -jar $(BENCH_JAR) SchedulerPickBenchmark -prof gc -rf json -rff bench/results/schedulers.json \
		| tee bench/results/schedulers.txt

clean:
	$(MVN) -q clean
	rm -rf build bench/results
