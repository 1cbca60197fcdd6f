# One flag list for conduit's own targets. Warnings are errors here, never forced on users.
set(CONDUIT_WARNINGS -Wall -Wextra -Wpedantic -Werror -Wshadow -Wnon-virtual-dtor
    -Wimplicit-fallthrough)
# GCC's flow analysis gives false -Wmaybe-uninitialized on unions (result<T>) once the
# sanitizers' instrumentation is in; the plain build keeps the warning.
if(CONDUIT_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND CONDUIT_WARNINGS -Wno-maybe-uninitialized)
endif()
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  list(APPEND CONDUIT_WARNINGS -Wthread-safety)
endif()

function(conduit_own_target target)
  target_compile_options(${target} PRIVATE ${CONDUIT_WARNINGS})
endfunction()
