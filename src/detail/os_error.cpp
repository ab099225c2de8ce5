// Turning an errno into the OSError subclass Python raises for it.
#include <concur/detail/os_error.hpp>

#include <cstring>
#include <string>

#include <concur/exceptions.hpp>

namespace concur::detail {

void raise_os_error(int error, std::string_view context, OsErrorContext kind) {
    char buffer[256];
    // GNU strerror_r: returns the text (maybe not in `buffer`); thread-safe.
    const char* text = ::strerror_r(error, buffer, sizeof buffer);
    std::string message = "[Errno " + std::to_string(error) + "] " + text;
    if (!context.empty()) {
        if (kind == OsErrorContext::filename)
            message += ": '" + std::string(context) + "'";
        else
            message = std::string(context) + ": " + message;
    }
    switch (error) {
        case ENOENT:
            throw FileNotFoundError(message);
        case EEXIST:
            throw FileExistsError(message);
        case EACCES:
        case EPERM:
            throw PermissionError(message, error);
        case EPIPE:
            throw BrokenPipeError(message);
        case ECONNREFUSED:
            throw ConnectionRefusedError(message);
        case ECONNRESET:
            throw ConnectionResetError(message);
        case ECONNABORTED:
            throw ConnectionAbortedError(message);
        default:
            throw OSError(message, error);
    }
}

}  // namespace concur::detail
