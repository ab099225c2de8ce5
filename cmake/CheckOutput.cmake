# CheckOutput.cmake -- run a program and check what it prints.
#
# Script mode only:
#
#   cmake -DCMD=<program>
#         [-DARGS=<;-list of arguments>]
#         [-DEXPECT=<;-list of regexes that must appear IN ORDER in stdout>]
#         [-DFORBID=<;-list of regexes that must not match stdout nor stderr>]
#         [-DENV=<;-list of VAR=VALUE set for the program>]
#         [-DTIMEOUT=<seconds>]
#         [-DSPEC=<file>]
#         -P CheckOutput.cmake
#
# Fails (non-zero exit, whole output printed) when the program exits non-zero
# (or crashes / times out), when an EXPECT regex is missing or out of order,
# or when a FORBID regex matches. On success the output is printed as well.
#
# SPEC: instead of passing ARGS/EXPECT/FORBID/ENV as ;-lists on the command
# line (where CMake list splitting gets in the way of arbitrary strings), they
# can be given in a file that defines indexed variables, which is what
# concur_add_checked_example() (ConcurTesting.cmake) generates:
#
#   set(EXPECT_COUNT 2)
#   set(EXPECT_0 "first regex")
#   set(EXPECT_1 "second regex")
#   (likewise ARGS_COUNT/ARGS_<i>, FORBID_COUNT/FORBID_<i>, ENV_COUNT/ENV_<i>)
#
# Matching rules:
#   * CMake regular expressions (string(REGEX)), with one change to make them
#     behave like grep: '.' does not match a newline, so e.g. "Thread-1 \(.*\):"
#     stays on one line instead of swallowing the rest of the output.
#   * EXPECT regexes are searched in stdout in the given order, each one
#     starting right after the end of the previous match.
#   * FORBID regexes are searched in stdout and stderr.

cmake_minimum_required(VERSION 3.25)

if(NOT DEFINED CMD OR CMD STREQUAL "")
    message(FATAL_ERROR "CheckOutput: -DCMD=<program> is required")
endif()

# ---------------------------------------------------------------------------
# Normalise inputs into <KIND>_COUNT / <KIND>_<i> variables.
# ---------------------------------------------------------------------------
set(_kinds ARGS EXPECT FORBID ENV)
if(DEFINED SPEC AND NOT SPEC STREQUAL "")
    if(NOT EXISTS "${SPEC}")
        message(FATAL_ERROR "CheckOutput: spec file '${SPEC}' does not exist")
    endif()
    include("${SPEC}")
endif()
foreach(_kind IN LISTS _kinds)
    if(NOT DEFINED ${_kind}_COUNT)
        set(${_kind}_COUNT 0)
        if(DEFINED ${_kind})
            foreach(_item IN LISTS ${_kind})
                set(${_kind}_${${_kind}_COUNT} "${_item}")
                math(EXPR ${_kind}_COUNT "${${_kind}_COUNT} + 1")
            endforeach()
        endif()
    endif()
endforeach()

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

# Rewrite every unescaped '.' outside a bracket expression into "[^\n]".
function(_check_output_dot_no_newline regex out_var)
    set(_out "")
    string(LENGTH "${regex}" _len)
    set(_i 0)
    while(_i LESS _len)
        string(SUBSTRING "${regex}" ${_i} 1 _c)
        if(_c STREQUAL "\\")
            # Escape: copy it together with the escaped character.
            string(SUBSTRING "${regex}" ${_i} 2 _c)
            string(APPEND _out "${_c}")
            math(EXPR _i "${_i} + 2")
        elseif(_c STREQUAL "[")
            # Bracket expression: copy verbatim up to the closing ']'
            # (a ']' right after '[' or '[^' is a literal member).
            set(_start ${_i})
            math(EXPR _i "${_i} + 1")
            string(SUBSTRING "${regex}" ${_i} 1 _c)
            if(_c STREQUAL "^")
                math(EXPR _i "${_i} + 1")
                string(SUBSTRING "${regex}" ${_i} 1 _c)
            endif()
            if(_c STREQUAL "]")
                math(EXPR _i "${_i} + 1")
            endif()
            while(_i LESS _len)
                string(SUBSTRING "${regex}" ${_i} 1 _c)
                math(EXPR _i "${_i} + 1")
                if(_c STREQUAL "]")
                    break()
                endif()
            endwhile()
            math(EXPR _n "${_i} - ${_start}")
            string(SUBSTRING "${regex}" ${_start} ${_n} _c)
            string(APPEND _out "${_c}")
        elseif(_c STREQUAL ".")
            string(APPEND _out "[^\n]")
            math(EXPR _i "${_i} + 1")
        else()
            string(APPEND _out "${_c}")
            math(EXPR _i "${_i} + 1")
        endif()
    endwhile()
    set(${out_var} "${_out}" PARENT_SCOPE)
endfunction()

function(_check_output_dump)
    message(NOTICE "---------------- command ----------------")
    message(NOTICE "${_cmdline}")
    if(ENV_COUNT GREATER 0)
        message(NOTICE "---------------- environment ------------")
        math(EXPR _last "${ENV_COUNT} - 1")
        foreach(_i RANGE ${_last})
            message(NOTICE "${ENV_${_i}}")
        endforeach()
    endif()
    message(NOTICE "---------------- stdout -----------------")
    message(NOTICE "${_stdout}")
    message(NOTICE "---------------- stderr -----------------")
    message(NOTICE "${_stderr}")
    message(NOTICE "---------------- exit: ${_rc} -----------")
endfunction()

# ---------------------------------------------------------------------------
# Environment
# ---------------------------------------------------------------------------
if(ENV_COUNT GREATER 0)
    math(EXPR _last "${ENV_COUNT} - 1")
    foreach(_i RANGE ${_last})
        string(FIND "${ENV_${_i}}" "=" _eq)
        if(_eq LESS 1)
            message(FATAL_ERROR "CheckOutput: ENV entry '${ENV_${_i}}' is not VAR=VALUE")
        endif()
        string(SUBSTRING "${ENV_${_i}}" 0 ${_eq} _var)
        math(EXPR _vstart "${_eq} + 1")
        string(SUBSTRING "${ENV_${_i}}" ${_vstart} -1 _value)
        set("ENV{${_var}}" "${_value}")
    endforeach()
endif()

# ---------------------------------------------------------------------------
# Run. Each argument is passed as one quoted argument (evaluated code), so it
# reaches the program byte for byte whatever ';' or brackets it contains.
# ---------------------------------------------------------------------------
set(_cmdline "${CMD}")
set(_call "execute_process(COMMAND \"\${CMD}\"")
if(ARGS_COUNT GREATER 0)
    math(EXPR _last "${ARGS_COUNT} - 1")
    foreach(_i RANGE ${_last})
        string(APPEND _call " \"\${ARGS_${_i}}\"")
        string(APPEND _cmdline " '${ARGS_${_i}}'")
    endforeach()
endif()
string(APPEND _call " RESULT_VARIABLE _rc OUTPUT_VARIABLE _stdout ERROR_VARIABLE _stderr")
if(DEFINED TIMEOUT AND NOT TIMEOUT STREQUAL "")
    string(APPEND _call " TIMEOUT ${TIMEOUT}")
endif()
string(APPEND _call ")")
cmake_language(EVAL CODE "${_call}")

set(_failures "")

if(NOT "${_rc}" STREQUAL "0")
    string(APPEND _failures "  program failed: exit status '${_rc}'\n")
endif()

# EXPECT, in order, on stdout.
set(_rest "${_stdout}")
set(_pos 0)
if(EXPECT_COUNT GREATER 0)
    math(EXPR _last "${EXPECT_COUNT} - 1")
    foreach(_i RANGE ${_last})
        _check_output_dot_no_newline("${EXPECT_${_i}}" _re)
        if(NOT "${_rest}" MATCHES "${_re}")
            # Distinguish "missing" from "out of order" for the message.
            if("${_stdout}" MATCHES "${_re}")
                string(APPEND _failures
                    "  EXPECT #${_i} out of order (only found before offset ${_pos}): ${EXPECT_${_i}}\n")
            else()
                string(APPEND _failures "  EXPECT #${_i} not found in stdout: ${EXPECT_${_i}}\n")
            endif()
            # Keep checking the remaining expectations from the same place.
            continue()
        endif()
        set(_m "${CMAKE_MATCH_0}")
        # The leftmost match of an unanchored regex is the first occurrence of
        # the matched text, so FIND recovers its position.
        string(FIND "${_rest}" "${_m}" _at)
        string(LENGTH "${_m}" _mlen)
        math(EXPR _cut "${_at} + ${_mlen}")
        string(SUBSTRING "${_rest}" ${_cut} -1 _rest)
        math(EXPR _pos "${_pos} + ${_cut}")
    endforeach()
endif()

# FORBID, anywhere in stdout or stderr.
if(FORBID_COUNT GREATER 0)
    math(EXPR _last "${FORBID_COUNT} - 1")
    foreach(_i RANGE ${_last})
        _check_output_dot_no_newline("${FORBID_${_i}}" _re)
        foreach(_stream IN ITEMS stdout stderr)
            if("${_${_stream}}" MATCHES "${_re}")
                string(APPEND _failures
                    "  FORBID #${_i} matched in ${_stream} ('${CMAKE_MATCH_0}'): ${FORBID_${_i}}\n")
            endif()
        endforeach()
    endforeach()
endif()

_check_output_dump()
if(NOT _failures STREQUAL "")
    message(FATAL_ERROR "CheckOutput: FAILED\n${_failures}")
endif()
message(NOTICE "CheckOutput: OK (${EXPECT_COUNT} expected pattern(s) found in order, "
    "${FORBID_COUNT} forbidden pattern(s) absent)")
