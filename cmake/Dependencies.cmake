# Third-party dependencies: Debian packages, plus DuckDB fetched by scripts/fetch-duckdb.sh.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
# cpp-httplib is a compiled library here; its pkg-config flags (OpenSSL, zlib, brotli) are ABI.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(SQLite3 REQUIRED)
find_package(ZLIB REQUIRED)

set(SHOAL_DUCKDB_DIR "${SHOAL_ROOT}/.deps/duckdb" CACHE PATH "DuckDB 1.4.4 headers and library")
if(NOT EXISTS "${SHOAL_DUCKDB_DIR}/lib/libduckdb.so")
  message(FATAL_ERROR "DuckDB not found in ${SHOAL_DUCKDB_DIR}: run scripts/setup.sh first")
endif()
add_library(duckdb SHARED IMPORTED)
set_target_properties(duckdb PROPERTIES
  IMPORTED_LOCATION "${SHOAL_DUCKDB_DIR}/lib/libduckdb.so"
  IMPORTED_NO_SONAME ON)
# SYSTEM: DuckDB's headers are not ours to keep warning-free.
target_include_directories(duckdb SYSTEM INTERFACE "${SHOAL_DUCKDB_DIR}/include")
# Binaries in the build folder find libduckdb.so without any environment (the installed binary
# finds its own copy: cmake/Install.cmake).
set(CMAKE_BUILD_RPATH "${SHOAL_DUCKDB_DIR}/lib")
