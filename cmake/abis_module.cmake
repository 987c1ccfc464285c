# abis_add_library(NAME SOURCES ... DEPS ...): a static library of the project with public
# headers under include/.
function(abis_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR}/include)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# abis_add_test(NAME SOURCES ... DEPS ... [TIMEOUT seconds] [NO_SANITIZE]): a GoogleTest
# executable whose tests are registered with CTest one by one. ABIS_DATA is passed through (tests
# skip when absent). Tests are labelled `sanitize` (run again in the ASan/UBSan build by
# `make test`) unless NO_SANITIZE is given (for tests too slow under the sanitizers), which labels
# them `release_only`. One label per test: gtest_discover_tests cannot pass a list.
function(abis_add_test name)
  cmake_parse_arguments(ARG "NO_SANITIZE" "TIMEOUT" "SOURCES;DEPS" ${ARGN})
  set(labels sanitize)
  if(ARG_NO_SANITIZE)
    set(labels release_only)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR}
    PROPERTIES TIMEOUT ${ARG_TIMEOUT} ENVIRONMENT "ABIS_CLI=${CMAKE_BINARY_DIR}/abis" LABELS ${labels}
    DISCOVERY_TIMEOUT 60)
endfunction()
