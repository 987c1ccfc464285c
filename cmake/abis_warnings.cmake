# Warning and sanitizer flags for every target of the project (not for dependencies' headers,
# which are included as system headers by their imported targets).
add_compile_options(-Wall -Wextra -Wpedantic -Wnon-virtual-dtor)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # -Wrestrict has false positives on std::string concatenation in GCC 12 (GCC bug 105329).
  add_compile_options(-Wshadow=local -Wno-restrict)
endif()
if(ABIS_WERROR)
  add_compile_options(-Werror)
endif()
if(ABIS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
# Fuzzing builds instrument every library for coverage (the harnesses add -fsanitize=fuzzer).
if(ABIS_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
