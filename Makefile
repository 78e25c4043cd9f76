# Entry points. `make run` and `make test` are the two commands the README opens with.
FIXTURES ?= $(abspath ../shared/fixtures)
MODEL ?= $(FIXTURES)/models/aidreams260K-f32.gguf
PROMPT ?= I dreamed
N ?= 64
JOBS ?= $(shell nproc)

.PHONY: deps release run test asan fuzz clean

deps:
	@bash scripts/install-deps.sh

release: deps
	@cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release > /dev/null
	@cmake --build build/release -j $(JOBS)

run: release
	./build/release/edgeseek run -m "$(MODEL)" -p "$(PROMPT)" -n $(N)

test: release
	ctest --test-dir build/release --output-on-failure -j $(JOBS)

# One instrumented build (clang, ASan + UBSan, libFuzzer coverage of the library, -O1 with
# assertions) serves both the sanitized test suite and the fuzzers: a second full build of the
# library cost CI ~10 minutes on a 2-core host, and -O1 runs the suite several times faster than
# -O0. (The SIMD kernel files and the CLI's own code are built at -O0 there: CMakeLists.txt.)
SANITIZED = @cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
	-DCMAKE_CXX_COMPILER=clang++ -DEDGESEEK_SANITIZE=ON -DEDGESEEK_FUZZ=ON > /dev/null && \
	cmake --build build/asan -j $(JOBS)

asan: deps
	$(SANITIZED)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir build/asan --output-on-failure -j $(JOBS)

FUZZ_SECONDS ?= 60
fuzz: deps
	$(SANITIZED)
	bash scripts/run-fuzzers.sh build/asan $(FUZZ_SECONDS)

clean:
	rm -rf build
