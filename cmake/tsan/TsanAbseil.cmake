# -DLOGDEX_TSAN=ON: every executable of the project gets absl_mutex_tsan.cc,
# which makes absl::Mutex (from Debian's uninstrumented abseil) visible to
# ThreadSanitizer (see that file). Included at the end of the top-level
# CMakeLists.txt, once all targets exist.
function(logdex_tsan_executables dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  set(found "")
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(type STREQUAL "EXECUTABLE")
      list(APPEND found ${t})
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    logdex_tsan_executables(${sub} sub_found)
    list(APPEND found ${sub_found})
  endforeach()
  set(${out} ${found} PARENT_SCOPE)
endfunction()

logdex_tsan_executables(${CMAKE_SOURCE_DIR} LOGDEX_TSAN_EXECUTABLES)
foreach(exe IN LISTS LOGDEX_TSAN_EXECUTABLES)
  target_sources(${exe} PRIVATE ${CMAKE_CURRENT_LIST_DIR}/absl_mutex_tsan.cc)
  # The library must find our definitions first: export them from the
  # executable (it would only if a shared library referred to them).
  set_property(TARGET ${exe} PROPERTY ENABLE_EXPORTS ON)
  target_link_libraries(${exe} PRIVATE absl::synchronization absl::time absl::status ${CMAKE_DL_LIBS})
endforeach()
message(STATUS "logdex: TSan: absl::Mutex annotated in ${LOGDEX_TSAN_EXECUTABLES}")
