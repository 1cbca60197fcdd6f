# CONDUIT_SANITIZE=address,undefined  or  CONDUIT_SANITIZE=thread
# Applied to every target of the build (library, tests, examples), so that all of conduit's
# code is instrumented; prebuilt system libraries (GoogleTest) are not, which both
# sanitizers tolerate.
if(CONDUIT_SANITIZE)
  add_compile_options(-fsanitize=${CONDUIT_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${CONDUIT_SANITIZE})
endif()
