# Runs COMMAND (a list) and checks that its standard output contains every
# line of EXPECT (a list), in that order, and that it exits 0.
execute_process(COMMAND ${COMMAND}
                OUTPUT_VARIABLE out
                ERROR_VARIABLE err
                RESULT_VARIABLE rc
                TIMEOUT 100)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "exit code ${rc}; stderr:\n${err}")
endif()
set(rest "${out}")
foreach(line IN LISTS EXPECT)
  string(FIND "${rest}" "${line}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "missing (in order): ${line}\nstderr:\n${err}")
  endif()
  string(LENGTH "${line}" len)
  math(EXPR next "${at} + ${len}")
  string(SUBSTRING "${rest}" ${next} -1 rest)
endforeach()
