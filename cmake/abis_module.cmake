# Each library publishes only the headers it owns, so that a target sees exactly the headers of the
# libraries it links (through PUBLIC dependencies, transitively) and the compiler enforces the
# layering of the architecture (DESIGN.md, "modules") (issue 17). The headers stay in include/abis/<folder>/; a library's
# include root is a folder of the build tree, ${ABIS_INCLUDE_ROOTS}/<library>/abis/, holding
# symbolic links to the folders (or single headers) it owns. Never add ${CMAKE_SOURCE_DIR}/include
# as an include directory: tests/layering checks that it stays so.
set(ABIS_INCLUDE_ROOTS ${CMAKE_BINARY_DIR}/include-roots)

# abis_publish_headers(TARGET SCOPE ENTRY...): links each ENTRY of include/abis/ into TARGET's include
# root and adds that root to TARGET's include directories with SCOPE (PUBLIC or INTERFACE). An ENTRY
# is a folder ("finger": every header in it, including headers added later) or one header
# ("mosip/stomp_frame.h") for a folder whose headers several libraries implement.
function(abis_publish_headers target scope)
  set(root ${ABIS_INCLUDE_ROOTS}/${target})
  # Links left from an earlier configure that no longer lists them would still be visible: remove
  # every link (never what it points to) and make the current ones again.
  file(GLOB old_links LIST_DIRECTORIES true ${root}/abis/* ${root}/abis/*/*)
  foreach(link ${old_links})
    if(IS_SYMLINK ${link})
      file(REMOVE ${link})
    endif()
  endforeach()
  foreach(entry ${ARGN})
    set(source ${CMAKE_SOURCE_DIR}/include/abis/${entry})
    if(NOT EXISTS ${source})
      message(FATAL_ERROR "${target}: HEADERS ${entry}: include/abis/${entry} does not exist")
    endif()
    get_filename_component(parent ${root}/abis/${entry} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${source} ${root}/abis/${entry} SYMBOLIC)
  endforeach()
  target_include_directories(${target} ${scope} ${root})
endfunction()

# abis_add_library(NAME [HEADERS entry...] [SOURCES ...] [DEPS ...]): a static library of the
# project (an INTERFACE library when it has no SOURCES, e.g. header-only types) that owns the
# headers named by HEADERS (see abis_publish_headers) and links DEPS publicly.
function(abis_add_library name)
  cmake_parse_arguments(ARG "" "" "HEADERS;SOURCES;DEPS" ${ARGN})
  if(ARG_SOURCES)
    add_library(${name} STATIC ${ARG_SOURCES})
    set(scope PUBLIC)
  else()
    add_library(${name} INTERFACE)
    set(scope INTERFACE)
  endif()
  if(ARG_HEADERS)
    abis_publish_headers(${name} ${scope} ${ARG_HEADERS})
  endif()
  target_link_libraries(${name} ${scope} ${ARG_DEPS})
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
