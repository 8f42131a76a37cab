# Builds osp-core.wasm by configuring this same source tree again with
# Emscripten's toolchain (Debian's emscripten package).  Outputs:
#   ${CMAKE_BINARY_DIR}/wasm/osp-core.{js,wasm}            browser (ES module)
#   ${CMAKE_BINARY_DIR}/wasm-node/osp-core-node.{js,wasm}  Node, for the vectors
include(ExternalProject)

find_program(EMCC emcc REQUIRED)
set(OSP_EMSCRIPTEN_TOOLCHAIN /usr/share/emscripten/cmake/Modules/Platform/Emscripten.cmake
    CACHE FILEPATH "Emscripten's CMake toolchain file")
# Debian's emcc finds acorn only through NODE_PATH (TOOLCHAIN.md).
set(OSP_EMENV ${CMAKE_COMMAND} -E env NODE_PATH=/usr/share/nodejs)

cmake_host_system_information(RESULT OSP_NPROC QUERY NUMBER_OF_LOGICAL_CORES)

ExternalProject_Add(osp_wasm
  SOURCE_DIR ${CMAKE_SOURCE_DIR}
  BINARY_DIR ${CMAKE_BINARY_DIR}/wasm-build
  CONFIGURE_COMMAND ${OSP_EMENV} ${CMAKE_COMMAND} -S ${CMAKE_SOURCE_DIR}
    -B ${CMAKE_BINARY_DIR}/wasm-build -G ${CMAKE_GENERATOR}
    -DCMAKE_TOOLCHAIN_FILE=${OSP_EMSCRIPTEN_TOOLCHAIN}
    -DCMAKE_BUILD_TYPE=Release
    -DOSP_WERROR=${OSP_WERROR}
    -DOSP_WASM_WEB_OUT=${CMAKE_BINARY_DIR}/wasm
    -DOSP_WASM_NODE_OUT=${CMAKE_BINARY_DIR}/wasm-node
    -DOSP_DEBIAN_SRC=${CMAKE_BINARY_DIR}/debian-src
  BUILD_COMMAND ${OSP_EMENV} ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR}/wasm-build
    --parallel ${OSP_NPROC}
  INSTALL_COMMAND ""
  BUILD_ALWAYS ON
  USES_TERMINAL_BUILD ON)
