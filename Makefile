# jvs — top-level commands. Every target runs from a clean checkout.
MVN ?= mvn -B -ntp
JAR := build/jvs.jar
BENCH_JAR := bench/target/benchmarks.jar

.PHONY: all deps deps-build build test unit demo install deb bench bench-schedulers bench-engine bench-e2e bench-checkers clean
PREFIX ?= /usr/local
DESTDIR ?=

all: build

# What the tests and the demo need (keepalived, tshark, wrk...); a build needs only deps-build.
deps:
	@bash .ci/deps

deps-build:
	@bash .ci/deps build

build: deps-build
	$(MVN) -q install -DskipTests
	mkdir -p build
	cp director/target/jvs.jar $(JAR)
	@# The class-data-sharing archive the launcher maps (a faster start; bench/RESULTS.md).
	rm -f build/jvs.jsa
	java -XX:ArchiveClassesAtExit=build/jvs.jsa -Xlog:cds=off -Xlog:cds+dynamic=off -jar $(JAR) load-classes >/dev/null
	@echo "built: bin/jvs (over $(JAR), with build/jvs.jsa)"

# Every test of every module: unit tests (surefire), then the namespace tests (failsafe, tag netns; root).
test: deps
	$(MVN) install

# The fast tier alone: unit tests of every module, no namespaces, no root (a minute or so).
unit:
	$(MVN) -q test

# The launcher, the jar, jvs(8), the bash completion, the systemd unit and /etc/default/jvs under DESTDIR/PREFIX.
install: build
	sh director/packaging/install.sh $(JAR) "$(DESTDIR)" $(PREFIX)

# The Debian package (build/jvs_VERSION_all.deb), depending only on what the daemon runs.
deb: build
	sh director/packaging/build-deb.sh $(JAR) build

# Builds, brings a namespace testbed up, runs the director in NAT, DR and TUN with real HTTP traffic, then
# workers, a VRRP pair, a two-armed pair and three directors behind ECMP (BIRD), prints what happened, and tears
# everything down (needs root).
demo: deps build
	java -cp $(JAR):testbed/target/classes dev.jvs.testbed.Demo $(JAR)

# JMH benchmarks of the hot paths (see bench/RESULTS.md for the figures and how they were taken).
bench: bench-schedulers bench-engine

bench-schedulers: build
	mkdir -p bench/results
	java -jar $(BENCH_JAR) "SchedulerPickBenchmark|KernelScanBaselineBenchmark" -prof gc \
		-rf json -rff bench/results/schedulers.json | tee bench/results/schedulers.txt

bench-engine: build
	mkdir -p bench/results
	java -jar $(BENCH_JAR) "ForwardBenchmark|NewConnectionBenchmark|ConnectionLookupBenchmark|MemoryBaselineBenchmark" \
		-jvmArgsAppend -Dagrona.disable.bounds.checks=true -prof gc \
		-rf json -rff bench/results/engine.json | tee bench/results/engine.txt

# Health checkers at scale: 10,000 TCP_CHECKs every 6 s on one thread, in a namespace (needs root; ~40 s).
bench-checkers: build
	mkdir -p bench/results
	java -cp $(JAR):testbed/target/classes dev.jvs.testbed.CheckerBench 10000 6 5 | tee bench/results/checkers.txt

# End-to-end: HTTP through the namespace testbed with wrk against the alternatives (needs root; about 4 min).
bench-e2e: build
	@bash .ci/deps-bench
	mkdir -p bench/results
	java -cp $(JAR):testbed/target/classes dev.jvs.testbed.E2eBench $(JAR) bench/results 3 8 \
		| tee bench/results/e2e.txt
	java -cp $(JAR):testbed/target/classes dev.jvs.testbed.E2eBench $(JAR) bench/results gc 60 \
		| tee bench/results/e2e-gc.txt
	java -cp $(JAR):testbed/target/classes dev.jvs.testbed.E2eBench $(JAR) bench/results udp 10 \
		| tee bench/results/e2e-udp.txt

clean:
	$(MVN) -q clean
	rm -rf build bench/results
