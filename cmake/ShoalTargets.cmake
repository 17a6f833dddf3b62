# Helpers that give every Shoal target the same flags: one library per module, tests with labels.
include(GoogleTest)

function(shoal_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()

# shoal_add_library(NAME SOURCES ... DEPS ...): library shoal_NAME, includes rooted at src/.
function(shoal_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(shoal_${name} STATIC ${ARG_SOURCES})
  target_include_directories(shoal_${name} PUBLIC "${SHOAL_ROOT}/src")
  target_link_libraries(shoal_${name} PUBLIC ${ARG_DEPS})
  shoal_set_warnings(shoal_${name})
endfunction()

# shoal_add_test(NAME SOURCES ... DEPS ... LABELS ...): one gtest binary, each case a ctest entry.
# Each case is also labelled with NAME, so `ctest -L '^orchestrator_test$'` runs one binary's
# cases (the sanitizer runs build and run a chosen set of binaries).
# OPTIMIZED keeps the build type's optimisation for a test whose own code does heavy work.
# UNSANITIZED leaves a `process` test out of the ASan run (make test-asan-process): whole clusters
# killed and restarted, whose processes run code the in-process ASan run covers already, and
# which cost minutes there (CI's time, docs/development.md). make test runs it as any other.
# SLOW CASE SECONDS ... names the cases that take long with their seconds (measured in CI): ctest
# starts costlier cases first when it has no timings of its own (a clean clone), so that a long
# case does not start last and run on alone while the other core idles.
function(shoal_add_test name)
  cmake_parse_arguments(ARG "OPTIMIZED;UNSANITIZED" "TIMEOUT" "SOURCES;DEPS;LABELS;SLOW" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  shoal_set_warnings(${name})
  # The code under test is in the libraries, compiled as the build type says. A test's own code
  # (gtest cases, fixtures) does little work but is half of what CI compiles, and compiles about
  # twice as fast unoptimised (docs/development.md): -O0 comes after the build type's -O2/-O1.
  if(NOT SHOAL_OPTIMIZE_TESTS AND NOT ARG_OPTIMIZED)
    target_compile_options(${name} PRIVATE -O0)
  endif()
  if(ARG_UNSANITIZED)
    list(APPEND ARG_LABELS unsanitized)
  elseif("process" IN_LIST ARG_LABELS)
    add_dependencies(shoal_process_tests ${name})
  else()
    add_dependencies(shoal_in_process_tests ${name})
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  gtest_discover_tests(${name}
    PROPERTIES TIMEOUT ${ARG_TIMEOUT}
               ENVIRONMENT "SHOAL_BINARY=$<TARGET_FILE:shoal>"
    DISCOVERY_TIMEOUT 60)
  # Labels (and the skip pattern: a case that calls GTEST_SKIP is reported skipped, not passed)
  # go on in a script ctest reads after the discovered cases: through
  # gtest_discover_tests' PROPERTIES a list of labels ("e2e;chaos") would be split into separate
  # properties.
  set(labels_file "${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake")
  file(WRITE "${labels_file}"
       "if(${name}_TESTS)\n"
       "  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS \"${ARG_LABELS};${name}\"\n"
       "                       SKIP_REGULAR_EXPRESSION \"\\\\[  SKIPPED \\\\]\")\n"
       "endif()\n")
  # Matched as a prefix: a parameterized case's ctest name goes on with "  # GetParam() = ...".
  while(ARG_SLOW)
    list(POP_FRONT ARG_SLOW case seconds)
    file(APPEND "${labels_file}"
         "foreach(test IN LISTS ${name}_TESTS)\n"
         "  string(FIND \"\${test}\" \"${case}\" at)\n"
         "  if(at EQUAL 0)\n"
         "    set_tests_properties(\"\${test}\" PROPERTIES COST ${seconds})\n"
         "  endif()\n"
         "endforeach()\n")
  endwhile()
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${labels_file}")
endfunction()
