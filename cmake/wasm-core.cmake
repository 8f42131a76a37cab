# The Emscripten side of the tree (included from CMakeLists.txt when
# EMSCRIPTEN is set): libsodium's verification subset and cJSON, compiled
# from Debian's source packages, and the core linked into osp-core.wasm.
include(${CMAKE_CURRENT_LIST_DIR}/debian-source.cmake)
osp_debian_source(libsodium SODIUM_SRC)
osp_debian_source(cjson CJSON_SRC)
osp_debian_source(brotli BROTLI_SRC)

# libsodium: only what verification needs (SHA-256/512, BLAKE2b, Ed25519
# verify, constant-time compare, base64).  The linker drops the rest.
set(S ${SODIUM_SRC}/src/libsodium)
configure_file(${S}/include/sodium/version.h.in ${CMAKE_BINARY_DIR}/gen/sodium/version.h @ONLY)
add_library(sodium_wasm STATIC
  ${S}/crypto_sign/ed25519/ref10/open.c
  ${S}/crypto_sign/ed25519/ref10/sign.c
  ${S}/crypto_core/ed25519/ref10/ed25519_ref10.c
  ${S}/crypto_hash/sha512/cp/hash_sha512_cp.c
  ${S}/crypto_hash/sha256/cp/hash_sha256_cp.c
  ${S}/crypto_generichash/blake2b/ref/blake2b-ref.c
  ${S}/crypto_generichash/blake2b/ref/blake2b-compress-ref.c
  ${S}/crypto_generichash/blake2b/ref/generichash_blake2b.c
  ${S}/crypto_verify/sodium/verify.c
  ${S}/sodium/codecs.c
  ${S}/sodium/utils.c
  ${S}/sodium/core.c)
target_include_directories(sodium_wasm PUBLIC ${S}/include ${CMAKE_BINARY_DIR}/gen
  PRIVATE ${S}/include/sodium)
target_compile_definitions(sodium_wasm PRIVATE CONFIGURED=1 NATIVE_LITTLE_ENDIAN=1)
target_compile_options(sodium_wasm PRIVATE -Wno-everything)

# cJSON: one file; the core includes it as <cjson/cJSON.h>, as on Debian.
file(COPY ${CJSON_SRC}/cJSON.h DESTINATION ${CMAKE_BINARY_DIR}/gen/cjson)
add_library(cjson_wasm STATIC ${CJSON_SRC}/cJSON.c)
target_include_directories(cjson_wasm PUBLIC ${CMAKE_BINARY_DIR}/gen)
target_compile_options(cjson_wasm PRIVATE -Wno-everything)

# brotli: the archive reader needs the decoder (and pack the encoder).  The
# browser build never references the archive, so none of it is linked
# there; the Node build used by the vectors links all of it.
file(GLOB BROTLI_C ${BROTLI_SRC}/c/common/*.c ${BROTLI_SRC}/c/dec/*.c ${BROTLI_SRC}/c/enc/*.c)
add_library(brotli_wasm STATIC ${BROTLI_C})
target_include_directories(brotli_wasm SYSTEM PUBLIC ${BROTLI_SRC}/c/include)
target_compile_options(brotli_wasm PRIVATE -Wno-everything)

add_library(osp_core_wasm STATIC ${OSP_CORE_SOURCES})
target_include_directories(osp_core_wasm PUBLIC include)
target_compile_options(osp_core_wasm PRIVATE ${OSP_WARNINGS})
target_link_libraries(osp_core_wasm PUBLIC sodium_wasm cjson_wasm brotli_wasm)

# Everything JavaScript may call: the JSON API (include/osp/api.h).
set(OSP_WASM_EXPORTS
  _osp_api_manifest_check _osp_api_verify _osp_api_csp _osp_api_frame
  _osp_api_relay_new _osp_api_relay_check _osp_api_relay_reply _osp_api_relay_free
  _osp_api_relay_inbound _osp_api_relay_request_size _osp_api_relay_refusal _osp_api_rpc_methods
  _osp_api_file_check
  _osp_api_errors _osp_api_info _osp_api_free _malloc _free)
list(JOIN OSP_WASM_EXPORTS "," OSP_WASM_EXPORT_LIST)
set(OSP_WASM_LINK
  -sMODULARIZE=1 -sEXPORT_NAME=createOspCore -sFILESYSTEM=0
  -sALLOW_MEMORY_GROWTH=1 -sDYNAMIC_EXECUTION=0 -sTOTAL_STACK=1048576
  "-sEXPORTED_FUNCTIONS=[${OSP_WASM_EXPORT_LIST}]"
  "-sEXPORTED_RUNTIME_METHODS=[UTF8ToString,stringToUTF8,lengthBytesUTF8]")

file(WRITE ${CMAKE_BINARY_DIR}/empty.c "")
add_executable(osp_core_web ${CMAKE_BINARY_DIR}/empty.c)
target_link_libraries(osp_core_web PRIVATE osp_core_wasm)
target_link_options(osp_core_web PRIVATE ${OSP_WASM_LINK} -O2 -sENVIRONMENT=web -sEXPORT_ES6=1)
set_target_properties(osp_core_web PROPERTIES OUTPUT_NAME osp-core SUFFIX .js
  RUNTIME_OUTPUT_DIRECTORY ${OSP_WASM_WEB_OUT})

add_executable(osp_core_node ${CMAKE_BINARY_DIR}/empty.c)
target_link_libraries(osp_core_node PRIVATE osp_core_wasm)
# The Node build also exports the whole-bundle verifier for the vectors.
target_link_options(osp_core_node PRIVATE ${OSP_WASM_LINK} -O2 -sENVIRONMENT=node
  "-sEXPORTED_FUNCTIONS=[${OSP_WASM_EXPORT_LIST},_osp_api_bundle_verify]")
set_target_properties(osp_core_node PROPERTIES OUTPUT_NAME osp-core-node SUFFIX .js
  RUNTIME_OUTPUT_DIRECTORY ${OSP_WASM_NODE_OUT})
