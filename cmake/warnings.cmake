# One flag list for conduit's own targets. Warnings are errors here, never forced on users.
set(CONDUIT_WARNINGS -Wall -Wextra -Wpedantic -Werror -Wshadow -Wnon-virtual-dtor
    -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  list(APPEND CONDUIT_WARNINGS -Wthread-safety)
endif()

function(conduit_own_target target)
  target_compile_options(${target} PRIVATE ${CONDUIT_WARNINGS})
endfunction()
