# Warnings on for every project target; MC_WARNINGS_AS_ERRORS keeps them clean in CI.
option(MC_WARNINGS_AS_ERRORS "Treat compiler warnings as errors" ON)

function(mc_set_project_warnings target)
  set(warnings
      -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
      -Wcast-align -Wunused -Woverloaded-virtual -Wconversion -Wsign-conversion
      # -Wnull-dereference is left out: GCC 12 reports false positives inside libstdc++.
      -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
      -Wmisleading-indentation -Wduplicated-cond -Wduplicated-branches -Wlogical-op)
  if(MC_WARNINGS_AS_ERRORS)
    list(APPEND warnings -Werror)
  endif()
  target_compile_options(${target} INTERFACE ${warnings})
endfunction()
