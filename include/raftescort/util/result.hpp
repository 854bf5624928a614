#pragma once

// A small result type: C++20 on g++ 12 lacks std::expected, and expected
// failures (bad input, unreachable peer) are values, not exceptions.

#include <raftescort/util/assert.hpp>

#include <string>
#include <utility>
#include <variant>

namespace raftescort::util {

enum class ErrorCode {
    invalid_argument,
    not_found,
    unavailable,
    corrupt,
    io_error,
    rejected,
};

struct Error {
    ErrorCode code;
    std::string message;
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_state(std::move(value)) { }
    Result(Error error) : m_state(std::move(error)) { }

    bool ok() const { return std::holds_alternative<T>(m_state); }
    explicit operator bool() const { return ok(); }

    T& value()
    {
        RE_ASSERT(ok());
        return std::get<T>(m_state);
    }
    const T& value() const
    {
        RE_ASSERT(ok());
        return std::get<T>(m_state);
    }
    const Error& error() const
    {
        RE_ASSERT(!ok());
        return std::get<Error>(m_state);
    }

private:
    std::variant<T, Error> m_state;
};

/// A result with no value: success or an Error.
struct Ok { };
using Status = Result<Ok>;

inline Error make_error(ErrorCode code, std::string message)
{
    return Error{code, std::move(message)};
}

} // namespace raftescort::util

/// Evaluates a Result expression; on failure returns its error from the caller.
#define RE_TRY(target, expression)                                                                 \
    auto target##_result_ = (expression);                                                          \
    if (!target##_result_.ok()) {                                                                  \
        return target##_result_.error();                                                           \
    }                                                                                              \
    auto target = std::move(target##_result_.value())
