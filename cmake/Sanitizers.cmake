# MC_SANITIZE=ON builds everything with AddressSanitizer and UndefinedBehaviorSanitizer.
option(MC_SANITIZE "Build with ASan + UBSan" OFF)

function(mc_enable_sanitizers target)
  if(MC_SANITIZE)
    set(flags -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_compile_options(${target} INTERFACE ${flags})
    target_link_options(${target} INTERFACE ${flags})
  endif()
endfunction()
