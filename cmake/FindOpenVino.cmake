# Finds OpenVINO's C++ runtime as scripts/setup.sh unpacks it from PyPI's
# openvino wheel (MC_OPENVINO_ROOT: include/, lib/ with libopenvino, its CPU
# plugin, its ONNX front end and TBB), for INFERENCE_PRECISION=bf16. Optional:
# without it (MC_WITH_OPENVINO=OFF, or not installed) the program is built
# without, and bf16 logs one warning and runs fp32.
#
# The wheel's own CMake config (OpenVINOConfig.cmake) is not used: it checks
# that every library of the wheel exists, and only four are unpacked.
#
# libopenvino loads the CPU plugin and the ONNX front end from its own folder
# at run time; programs find libopenvino through their build RPATH, and the
# image copies the four libraries into one folder (scripts/image_payload.sh).
#
# Defines OpenVino::runtime (headers as SYSTEM) and OpenVino_FOUND.

set(MC_OPENVINO_ROOT "/opt/maskcomponent/openvino-2026.4.1" CACHE PATH
    "OpenVINO's runtime as scripts/setup.sh unpacks it (include/, lib/)")

find_path(OpenVino_INCLUDE_DIR openvino/openvino.hpp HINTS "${MC_OPENVINO_ROOT}/include" NO_DEFAULT_PATH)
find_library(OpenVino_LIBRARY NAMES libopenvino.so.2641 HINTS "${MC_OPENVINO_ROOT}/lib" NO_DEFAULT_PATH)
find_file(OpenVino_CPU_PLUGIN libopenvino_intel_cpu_plugin.so HINTS "${MC_OPENVINO_ROOT}/lib" NO_DEFAULT_PATH)
find_file(OpenVino_ONNX_FRONTEND libopenvino_onnx_frontend.so.2641 HINTS "${MC_OPENVINO_ROOT}/lib" NO_DEFAULT_PATH)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OpenVino
  REQUIRED_VARS OpenVino_LIBRARY OpenVino_INCLUDE_DIR OpenVino_CPU_PLUGIN OpenVino_ONNX_FRONTEND
  REASON_FAILURE_MESSAGE "run scripts/setup.sh (unpacks PyPI's openvino wheel) or set MC_OPENVINO_ROOT")

if(OpenVino_FOUND AND NOT TARGET OpenVino::runtime)
  add_library(OpenVino::runtime SHARED IMPORTED)
  set_target_properties(OpenVino::runtime PROPERTIES
    IMPORTED_LOCATION "${OpenVino_LIBRARY}"
    IMPORTED_SONAME "libopenvino.so.2641"
    INTERFACE_INCLUDE_DIRECTORIES "${OpenVino_INCLUDE_DIR}"
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${OpenVino_INCLUDE_DIR}")
endif()
mark_as_advanced(OpenVino_INCLUDE_DIR OpenVino_LIBRARY OpenVino_CPU_PLUGIN OpenVino_ONNX_FRONTEND)
