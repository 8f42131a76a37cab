# Builds the libFuzzer harnesses by configuring this same source tree again
# with clang and OSP_FUZZ_BUILD=ON (cmake/fuzz-targets.cmake), and
# registers a short smoke run of each as a ctest test (label fuzz).
# Outputs: ${CMAKE_BINARY_DIR}/fuzz-build/fuzz_{manifest,archive,sig,bundle,httpreq,rpc}
# and make_corpus.  docs/fuzzing.md says how to run a longer campaign.
include(ExternalProject)

option(OSP_FUZZ "Build the libFuzzer harnesses (nested clang build) and their smoke tests" ON)
if(NOT OSP_FUZZ)
  return()
endif()

# libFuzzer and the sanitizer runtimes: clang + libclang-rt-14-dev.
find_program(OSP_FUZZ_CC NAMES clang-14 clang REQUIRED)

set(OSP_FUZZ_DIR ${CMAKE_BINARY_DIR}/fuzz-build)
set(OSP_FUZZERS manifest archive sig bundle httpreq rpc)
set(OSP_FUZZ_TARGETS make_corpus)
foreach(name ${OSP_FUZZERS})
  list(APPEND OSP_FUZZ_TARGETS fuzz_${name})
endforeach()

cmake_host_system_information(RESULT OSP_FUZZ_NPROC QUERY NUMBER_OF_LOGICAL_CORES)

# RelWithDebInfo: optimised as a fuzzer should be, with line numbers in
# sanitizer reports.
ExternalProject_Add(osp_fuzz
  SOURCE_DIR ${CMAKE_SOURCE_DIR}
  BINARY_DIR ${OSP_FUZZ_DIR}
  CONFIGURE_COMMAND ${CMAKE_COMMAND} -S ${CMAKE_SOURCE_DIR} -B ${OSP_FUZZ_DIR}
    -G ${CMAKE_GENERATOR}
    -DCMAKE_C_COMPILER=${OSP_FUZZ_CC}
    -DCMAKE_BUILD_TYPE=RelWithDebInfo
    -DOSP_FUZZ_BUILD=ON
    -DOSP_WASM=OFF
    -DOSP_TESTS=OFF
    -DOSP_SANITIZE=OFF
    -DOSP_WERROR=${OSP_WERROR}
  BUILD_COMMAND ${CMAKE_COMMAND} --build ${OSP_FUZZ_DIR} --parallel ${OSP_FUZZ_NPROC}
    --target ${OSP_FUZZ_TARGETS}
  INSTALL_COMMAND ""
  BUILD_ALWAYS ON
  USES_TERMINAL_BUILD ON)

# Smoke runs: 20 s per harness from the committed seeds.  New inputs go to
# a scratch corpus in the build tree (libFuzzer writes only to the first
# directory), so the committed corpus never changes; crashes land in
# fuzz-artifacts/.  Any crash, leak, timeout or UBSan report fails the test.
set(OSP_FUZZ_DICT_manifest ${CMAKE_SOURCE_DIR}/tests/fuzz/manifest.dict)
set(OSP_FUZZ_DICT_sig ${CMAKE_SOURCE_DIR}/tests/fuzz/sig.dict)
set(OSP_FUZZ_DICT_httpreq ${CMAKE_SOURCE_DIR}/tests/fuzz/httpreq.dict)
set(OSP_FUZZ_DICT_rpc ${CMAKE_SOURCE_DIR}/tests/fuzz/rpc.dict)
foreach(name ${OSP_FUZZERS})
  set(scratch ${CMAKE_BINARY_DIR}/fuzz-scratch/${name})
  set(artifacts ${CMAKE_BINARY_DIR}/fuzz-artifacts)
  set(dict "")
  if(DEFINED OSP_FUZZ_DICT_${name})
    set(dict "-dict=${OSP_FUZZ_DICT_${name}}")
  endif()
  add_test(NAME fuzz.${name}
    COMMAND bash -c "rm -rf '${scratch}' && mkdir -p '${scratch}' '${artifacts}' && exec '${OSP_FUZZ_DIR}/fuzz_${name}' -max_total_time=20 -timeout=60 -rss_limit_mb=2048 -error_exitcode=1 -print_final_stats=1 -artifact_prefix='${artifacts}/${name}-' ${dict} '${scratch}' '${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${name}'")
  set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz TIMEOUT 120
    ENVIRONMENT "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1;ASAN_OPTIONS=detect_leaks=1")
endforeach()
