// concur/detail/os_error.hpp -- private: the one place a failed system call
// becomes a Python-named exception.
//
// raise_os_error(error, context) throws the OSError subclass Python raises
// for that errno -- FileNotFoundError (ENOENT), FileExistsError (EEXIST),
// PermissionError (EACCES, EPERM), BrokenPipeError (EPIPE),
// ConnectionRefusedError, ConnectionResetError, ConnectionAbortedError -- else OSError,
// with Python's message: "[Errno 2] No such file or directory: '/psm_1a2b'".
// `context` is the file name (quoted) or the failing call (unquoted, as
// "fork"); empty for none.
#pragma once

#include <cerrno>
#include <string_view>

namespace concur::detail {

enum class OsErrorContext { call, filename };

[[noreturn]] void raise_os_error(int error, std::string_view context = {},
                                 OsErrorContext kind = OsErrorContext::call);

// raise_os_error(errno, call): for the line right after a failed call.
[[noreturn]] inline void raise_errno(std::string_view call) {
    raise_os_error(errno, call);
}

}  // namespace concur::detail
