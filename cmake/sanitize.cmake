# Builds the native tree a second time with AddressSanitizer and UBSan
# (OSP_SANITIZE=ON; no wasm, no fuzzers) and registers one ctest test,
# sanitize.native, that runs that build's unit and integration tests: a
# memory error, leak or undefined behaviour anywhere they reach fails the
# suite.  The crash test (kill -9 loops) is left out: killing the process
# is its point.  Output: ${CMAKE_BINARY_DIR}/sanitize-build.
include(ExternalProject)

option(OSP_SANITIZE_TESTS "Also run the unit and integration tests under ASan and UBSan (nested build)" ON)
if(NOT OSP_SANITIZE_TESTS OR OSP_SANITIZE)
  return()
endif()

set(OSP_SAN_DIR ${CMAKE_BINARY_DIR}/sanitize-build)
cmake_host_system_information(RESULT OSP_SAN_NPROC QUERY NUMBER_OF_LOGICAL_CORES)

ExternalProject_Add(osp_sanitize
  SOURCE_DIR ${CMAKE_SOURCE_DIR}
  BINARY_DIR ${OSP_SAN_DIR}
  CONFIGURE_COMMAND ${CMAKE_COMMAND} -S ${CMAKE_SOURCE_DIR} -B ${OSP_SAN_DIR}
    -G ${CMAKE_GENERATOR}
    -DCMAKE_BUILD_TYPE=RelWithDebInfo
    -DOSP_SANITIZE=ON
    -DOSP_SANITIZE_TESTS=OFF
    -DOSP_WASM=OFF
    -DOSP_FUZZ=OFF
    -DOSP_WERROR=${OSP_WERROR}
  BUILD_COMMAND ${CMAKE_COMMAND} --build ${OSP_SAN_DIR} --parallel ${OSP_SAN_NPROC}
  INSTALL_COMMAND ""
  BUILD_ALWAYS ON
  USES_TERMINAL_BUILD ON)

# Serial inside: the outer ctest already runs this beside other tests.
add_test(NAME sanitize.native
  COMMAND ${CMAKE_CTEST_COMMAND} --test-dir ${OSP_SAN_DIR} -L "unit|integration" -E crash
          --output-on-failure)
set_tests_properties(sanitize.native PROPERTIES LABELS sanitize TIMEOUT 900
  ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
