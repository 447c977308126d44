# Finds the OpenCV modules maskcomponent uses: core, imgproc and dnn; imgcodecs
# when installed (only the tests and benchmarks use it, as a second codec
# implementation: the program decodes and encodes images with the codec
# libraries themselves, issue 27)
# from Debian's per-module -dev packages, which ship no OpenCVConfig.cmake
# (only the libopencv-dev meta package does, and it pulls in ~150 packages).
# Defines imported targets OpenCV::core, OpenCV::imgproc, OpenCV::imgcodecs, OpenCV::dnn.
find_path(OpenCVModules_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4)

set(_mc_opencv_required_modules core imgproc dnn)
set(_mc_opencv_modules ${_mc_opencv_required_modules})
set(_mc_opencv_required OpenCVModules_INCLUDE_DIR)
foreach(module IN LISTS _mc_opencv_required_modules)
  find_library(OpenCVModules_${module}_LIBRARY NAMES opencv_${module})
  list(APPEND _mc_opencv_required OpenCVModules_${module}_LIBRARY)
endforeach()
find_library(OpenCVModules_imgcodecs_LIBRARY NAMES opencv_imgcodecs)
if(OpenCVModules_imgcodecs_LIBRARY)
  list(APPEND _mc_opencv_modules imgcodecs)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OpenCVModules REQUIRED_VARS ${_mc_opencv_required})

if(OpenCVModules_FOUND)
  foreach(module IN LISTS _mc_opencv_modules)
    if(NOT TARGET OpenCV::${module})
      add_library(OpenCV::${module} UNKNOWN IMPORTED)
      set_target_properties(OpenCV::${module} PROPERTIES
        IMPORTED_LOCATION "${OpenCVModules_${module}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${OpenCVModules_INCLUDE_DIR}")
      # Mark as system headers so OpenCV's own warnings do not fail our build.
      set_target_properties(OpenCV::${module} PROPERTIES
        INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${OpenCVModules_INCLUDE_DIR}")
    endif()
  endforeach()
  set_property(TARGET OpenCV::imgproc APPEND PROPERTY INTERFACE_LINK_LIBRARIES OpenCV::core)
  if(TARGET OpenCV::imgcodecs)
    set_property(TARGET OpenCV::imgcodecs APPEND PROPERTY INTERFACE_LINK_LIBRARIES OpenCV::imgproc)
  endif()
  set_property(TARGET OpenCV::dnn APPEND PROPERTY INTERFACE_LINK_LIBRARIES OpenCV::imgproc)
endif()
mark_as_advanced(OpenCVModules_INCLUDE_DIR)
