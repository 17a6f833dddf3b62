# Sanitizer and fuzzing builds (CMakePresets.json: asan, tsan; docs/development.md).
#
# SHOAL_SANITIZE=address  AddressSanitizer + UndefinedBehaviorSanitizer, every UB check fatal.
# SHOAL_SANITIZE=thread   ThreadSanitizer.
# SHOAL_LIBFUZZER=ON      (clang only) the fuzz/ targets become libFuzzer binaries; every other
#                         target gets the coverage instrumentation libFuzzer steers by.
# DuckDB stays the prebuilt, uninstrumented libduckdb.so: the sanitizers watch Shoal's code and
# what it hands to DuckDB, not DuckDB's own.
set(SHOAL_SANITIZE "" CACHE STRING "Sanitizer build: address (ASan+UBSan), thread (TSan) or empty")
option(SHOAL_LIBFUZZER "Build fuzz/ targets as libFuzzer binaries (clang)" OFF)

if(SHOAL_SANITIZE STREQUAL "address")
  set(SHOAL_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
                            -fno-omit-frame-pointer)
elseif(SHOAL_SANITIZE STREQUAL "thread")
  set(SHOAL_SANITIZER_FLAGS -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT SHOAL_SANITIZE STREQUAL "")
  message(FATAL_ERROR "SHOAL_SANITIZE must be address, thread or empty, not '${SHOAL_SANITIZE}'")
endif()
if(SHOAL_SANITIZER_FLAGS)
  add_compile_options(${SHOAL_SANITIZER_FLAGS})
  add_link_options(${SHOAL_SANITIZER_FLAGS})
endif()

if(SHOAL_LIBFUZZER)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SHOAL_LIBFUZZER needs clang (the asan preset sets it)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
