// One error type for everything a user can get wrong: what failed, where, and what to do.
#pragma once
#include <stdexcept>
#include <string>

namespace edgeseek {

class Error : public std::runtime_error {
public:
    // what: the problem; where: file/offset/key/tensor; hint: what the user can do about it.
    Error(std::string what, std::string where = {}, std::string hint = {})
        : std::runtime_error(compose(what, where, hint)),
          what_(std::move(what)), where_(std::move(where)), hint_(std::move(hint)) {}

    const std::string& problem() const { return what_; }
    const std::string& location() const { return where_; }
    const std::string& hint() const { return hint_; }

private:
    static std::string compose(const std::string& what, const std::string& where,
                               const std::string& hint) {
        std::string s = where.empty() ? what : where + ": " + what;
        if (!hint.empty()) s += " (" + hint + ")";
        return s;
    }
    std::string what_, where_, hint_;
};

// A name read from a file (a tensor's, a key's, a dtype), quoted for a message: control bytes
// escaped as \xNN, names longer than 96 bytes cut (and said so).
std::string printable_quoted(const std::string& s);

}  // namespace edgeseek
