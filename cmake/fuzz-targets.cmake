# The libFuzzer harnesses (tests/fuzz/, docs/fuzzing.md), for the nested
# clang build that cmake/fuzz.cmake configures with OSP_FUZZ_BUILD=ON.
# The existing libosp targets are instrumented in place, so the harnesses
# run exactly the sources the other builds compile, wherever they live.
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "OSP_FUZZ_BUILD needs clang (libFuzzer); got ${CMAKE_C_COMPILER_ID}")
endif()

set(OSP_FUZZ_SANITIZERS address,undefined)
# Undefined behaviour must stop the run, or libFuzzer would not record it.
set(OSP_FUZZ_COMPILE_OPTIONS -fsanitize=fuzzer-no-link,${OSP_FUZZ_SANITIZERS}
  -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g)

foreach(lib osp osp_native)
  target_compile_options(${lib} PRIVATE ${OSP_FUZZ_COMPILE_OPTIONS})
  # Whatever links an instrumented library needs the sanitizer runtimes.
  target_link_options(${lib} INTERFACE -fsanitize=${OSP_FUZZ_SANITIZERS})
endforeach()

set(OSP_FUZZERS manifest archive sig bundle httpreq rpc)
foreach(name ${OSP_FUZZERS})
  add_executable(fuzz_${name} ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_${name}.c)
  target_compile_options(fuzz_${name} PRIVATE ${OSP_WARNINGS} ${OSP_FUZZ_COMPILE_OPTIONS})
  target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,${OSP_FUZZ_SANITIZERS})
  target_link_libraries(fuzz_${name} PRIVATE osp_native)
endforeach()

# Regenerates the seed corpora: make_corpus <source-tree> tests/fuzz/corpus.
add_executable(make_corpus ${PROJECT_SOURCE_DIR}/tests/fuzz/make_corpus.c)
target_compile_options(make_corpus PRIVATE ${OSP_WARNINGS})
target_link_libraries(make_corpus PRIVATE osp_native)
