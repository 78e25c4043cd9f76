// An error the HTTP API answers with: status code and OpenAI's error object
// {"error": {"message", "type", "param", "code"}}. Thrown by request parsing and handlers;
// the HTTP layer turns it into the response.
#pragma once
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace edgeseek {

class ApiError : public std::runtime_error {
public:
    ApiError(int status, std::string message, std::string type, std::string code, std::string param = {})
        : std::runtime_error(message), status_(status), message_(std::move(message)), type_(std::move(type)),
          code_(std::move(code)), param_(std::move(param)) {}

    // 400 naming the request field that is wrong.
    static ApiError invalid(const std::string& param, const std::string& message) {
        return ApiError(400, message, "invalid_request_error", "invalid_value", param);
    }

    int status() const { return status_; }
    const std::string& message() const { return message_; }
    const std::string& type() const { return type_; }
    const std::string& code() const { return code_; }
    const std::string& param() const { return param_; }

    nlohmann::json to_json() const {
        nlohmann::json e = {{"message", message_},
                            {"type", type_},
                            {"param", param_.empty() ? nlohmann::json() : nlohmann::json(param_)},
                            {"code", code_.empty() ? nlohmann::json() : nlohmann::json(code_)}};
        return {{"error", e}};
    }

private:
    int status_;
    std::string message_, type_, code_, param_;
};

}  // namespace edgeseek
