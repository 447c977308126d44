# Finds Microsoft's ONNX Runtime (the C and C++ API headers and libonnxruntime.so)
# and, when present, its CUDA execution provider.
#
# Where from:
#   ONNXRUNTIME_ROOT (cache path) set: an official release folder
#     (onnxruntime-linux-x64[-gpu]-1.29.0: include/, lib/).
#   Otherwise the pinned npm package scripts/setup.sh installs
#     (scripts/onnxruntime/node_modules/com.github.asus4.onnxruntime: the Linux
#     library under Plugins/Linux/x64, the headers in its iOS framework folders,
#     which are the same headers on every platform), and the CUDA provider from
#     scripts/setup.sh --gpu (scripts/onnxruntime-gpu/...linux-x64-gpu).
#
# ONNX Runtime loads its execution providers (libonnxruntime_providers_*.so)
# from the folder libonnxruntime.so was loaded from, and the npm package names
# the library libonnxruntime.so while its SONAME is libonnxruntime.so.1. So the
# library and the providers are linked into one folder of the build tree,
# ${CMAKE_BINARY_DIR}/onnxruntime/lib, which every program finds through its
# build RPATH (the release and the ASan builds alike).
#
# Defines OnnxRuntime::onnxruntime (headers as SYSTEM) and
# OnnxRuntime_VERSION, OnnxRuntime_CUDA_PROVIDER (empty when not found).

set(ONNXRUNTIME_ROOT "" CACHE PATH "ONNX Runtime release folder (include/, lib/); empty: the npm package of scripts/setup.sh")

# A changed ONNXRUNTIME_ROOT looks again.
if(NOT "${ONNXRUNTIME_ROOT}" STREQUAL "${_MC_ORT_ROOT_SEARCHED}")
  unset(OnnxRuntime_INCLUDE_DIR CACHE)
  unset(OnnxRuntime_LIBRARY CACHE)
  unset(OnnxRuntime_CUDA_PROVIDER CACHE)
  set(_MC_ORT_ROOT_SEARCHED "${ONNXRUNTIME_ROOT}" CACHE INTERNAL "")
endif()

set(_mc_ort_npm "${PROJECT_SOURCE_DIR}/scripts/onnxruntime/node_modules/com.github.asus4.onnxruntime")
set(_mc_ort_npm_gpu
    "${PROJECT_SOURCE_DIR}/scripts/onnxruntime-gpu/node_modules/com.github.asus4.onnxruntime.linux-x64-gpu/Plugins/Linux/x64")
if(ONNXRUNTIME_ROOT)
  set(_mc_ort_header_hints "${ONNXRUNTIME_ROOT}/include" "${ONNXRUNTIME_ROOT}/include/onnxruntime")
  set(_mc_ort_library_hints "${ONNXRUNTIME_ROOT}/lib" "${ONNXRUNTIME_ROOT}/lib64")
  set(_mc_ort_provider_hints ${_mc_ort_library_hints})
else()
  set(_mc_ort_header_hints "${_mc_ort_npm}/Plugins/iOS~/onnxruntime.xcframework/ios-arm64/onnxruntime.framework/Headers")
  set(_mc_ort_library_hints "${_mc_ort_npm}/Plugins/Linux/x64")
  set(_mc_ort_provider_hints "${_mc_ort_npm_gpu}")
endif()

find_path(OnnxRuntime_INCLUDE_DIR onnxruntime_cxx_api.h HINTS ${_mc_ort_header_hints} NO_DEFAULT_PATH)
find_library(OnnxRuntime_LIBRARY NAMES onnxruntime HINTS ${_mc_ort_library_hints} NO_DEFAULT_PATH)
find_file(OnnxRuntime_CUDA_PROVIDER libonnxruntime_providers_cuda.so HINTS ${_mc_ort_provider_hints} NO_DEFAULT_PATH)

if(OnnxRuntime_INCLUDE_DIR AND EXISTS "${OnnxRuntime_INCLUDE_DIR}/onnxruntime_c_api.h")
  file(STRINGS "${OnnxRuntime_INCLUDE_DIR}/onnxruntime_c_api.h" _mc_ort_api REGEX "^#define ORT_API_VERSION [0-9]+")
  string(REGEX REPLACE "^#define ORT_API_VERSION ([0-9]+).*" "1.\\1" OnnxRuntime_VERSION "${_mc_ort_api}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OnnxRuntime
  REQUIRED_VARS OnnxRuntime_LIBRARY OnnxRuntime_INCLUDE_DIR
  VERSION_VAR OnnxRuntime_VERSION
  REASON_FAILURE_MESSAGE "run scripts/setup.sh (installs the pinned npm package) or set ONNXRUNTIME_ROOT to a release folder")

if(OnnxRuntime_FOUND AND NOT TARGET OnnxRuntime::onnxruntime)
  set(_mc_ort_stage "${CMAKE_BINARY_DIR}/onnxruntime/lib")
  file(REMOVE_RECURSE "${_mc_ort_stage}")
  file(MAKE_DIRECTORY "${_mc_ort_stage}")
  file(REAL_PATH "${OnnxRuntime_LIBRARY}" _mc_ort_real)
  file(CREATE_LINK "${_mc_ort_real}" "${_mc_ort_stage}/libonnxruntime.so.1" SYMBOLIC)
  file(CREATE_LINK "${_mc_ort_real}" "${_mc_ort_stage}/libonnxruntime.so" SYMBOLIC)
  get_filename_component(_mc_ort_dir "${_mc_ort_real}" DIRECTORY)
  if(EXISTS "${_mc_ort_dir}/libonnxruntime_providers_shared.so")
    file(CREATE_LINK "${_mc_ort_dir}/libonnxruntime_providers_shared.so"
         "${_mc_ort_stage}/libonnxruntime_providers_shared.so" SYMBOLIC)
  endif()
  if(OnnxRuntime_CUDA_PROVIDER)
    get_filename_component(_mc_ort_cuda_dir "${OnnxRuntime_CUDA_PROVIDER}" DIRECTORY)
    file(CREATE_LINK "${OnnxRuntime_CUDA_PROVIDER}" "${_mc_ort_stage}/libonnxruntime_providers_cuda.so" SYMBOLIC)
    if(NOT EXISTS "${_mc_ort_stage}/libonnxruntime_providers_shared.so"
       AND EXISTS "${_mc_ort_cuda_dir}/libonnxruntime_providers_shared.so")
      file(CREATE_LINK "${_mc_ort_cuda_dir}/libonnxruntime_providers_shared.so"
           "${_mc_ort_stage}/libonnxruntime_providers_shared.so" SYMBOLIC)
    endif()
    message(STATUS "ONNX Runtime CUDA execution provider: ${OnnxRuntime_CUDA_PROVIDER}")
  else()
    message(STATUS "ONNX Runtime CUDA execution provider: not installed (scripts/setup.sh --gpu); GPU_ID >= 0 falls back to the CPU")
  endif()

  add_library(OnnxRuntime::onnxruntime SHARED IMPORTED)
  set_target_properties(OnnxRuntime::onnxruntime PROPERTIES
    IMPORTED_LOCATION "${_mc_ort_stage}/libonnxruntime.so.1"
    IMPORTED_SONAME "libonnxruntime.so.1"
    INTERFACE_INCLUDE_DIRECTORIES "${OnnxRuntime_INCLUDE_DIR}"
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${OnnxRuntime_INCLUDE_DIR}")
  set(OnnxRuntime_LIBRARY_DIR "${_mc_ort_stage}")
endif()
mark_as_advanced(OnnxRuntime_INCLUDE_DIR OnnxRuntime_LIBRARY OnnxRuntime_CUDA_PROVIDER)
