# Installs troupe from BUILD_DIR into a fresh prefix under WORK_DIR, builds
# examples/consumer against it with find_package(troupe) only, and runs it.
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -P consumer_test.cmake
foreach(var BUILD_DIR SOURCE_DIR WORK_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "${var} is not set")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${step} failed (${rc}):\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(install ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
run(configure ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/consumer
    -B ${WORK_DIR}/build -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_BUILD_TYPE=Release)
run(build ${CMAKE_COMMAND} --build ${WORK_DIR}/build -j2)
run(consumer ${WORK_DIR}/build/troupe_consumer)
if(NOT last_output MATCHES "consumer: OK hello, troupe")
  message(FATAL_ERROR "unexpected consumer output: ${last_output}")
endif()
# The troupe executable is installed too and runs.
run(cli ${prefix}/bin/troupe --version)
message(STATUS "consumer built against ${prefix} and ran: ${last_output}")
