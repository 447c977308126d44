# MC_SANITIZE=ON builds everything with AddressSanitizer and UndefinedBehaviorSanitizer.
option(MC_SANITIZE "Build with ASan + UBSan" OFF)

function(mc_enable_sanitizers target)
  if(MC_SANITIZE)
    set(flags -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    # GCC 12 with the sanitizers reports "may be used uninitialized" inside
    # libstdc++'s <regex> and <functional>; the release build keeps the warning.
    target_compile_options(${target} INTERFACE ${flags} -Wno-maybe-uninitialized)
    target_link_options(${target} INTERFACE ${flags})
  endif()
endfunction()
