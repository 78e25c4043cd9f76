#include "engine/session.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace edgeseek {

Session::Session(const Model& model, int64_t n_ctx, int n_threads, int64_t n_batch)
    : model_(model), cache_(model.config(), n_ctx, 1), pool_(n_threads), n_batch_(std::max<int64_t>(1, n_batch)) {}

const std::vector<float>& Session::eval(const std::vector<int32_t>& tokens, bool all_logits) {
    if (tokens.empty()) throw Error("nothing to evaluate", "session");
    return eval_outputs(tokens, all_logits ? 0 : tokens.size() - 1);
}

const std::vector<float>& Session::eval_outputs(const std::vector<int32_t>& tokens, size_t first_output) {
    if (tokens.empty()) throw Error("nothing to evaluate", "session");
    if (first_output >= tokens.size()) throw Error("no token asks for logits", "session");
    if (n_past() + static_cast<int64_t>(tokens.size()) > n_ctx()) {
        throw Error("the context is full: " + std::to_string(n_past()) + " + " + std::to_string(tokens.size()) +
                        " tokens exceed the context size of " + std::to_string(n_ctx()),
                    "session", "use a larger --ctx-size or a shorter prompt");
    }
    logits_.clear();
    std::vector<BatchToken> batch;
    for (size_t start = 0; start < tokens.size(); start += static_cast<size_t>(n_batch_)) {
        const size_t end = std::min(tokens.size(), start + static_cast<size_t>(n_batch_));
        batch.clear();
        for (size_t i = start; i < end; ++i) {
            BatchToken bt;
            bt.token = tokens[i];
            bt.pos = static_cast<int32_t>(n_past());
            bt.seq = 0;
            bt.logits = i >= first_output;
            batch.push_back(bt);
            tokens_.push_back(tokens[i]);
        }
        try {
            model_.forward(batch, cache_, pool_, scratch_, chunk_logits_);
        } catch (...) {
            tokens_.resize(tokens_.size() - batch.size());
            throw;
        }
        logits_.insert(logits_.end(), chunk_logits_.begin(), chunk_logits_.end());
    }
    return logits_;
}

void Session::truncate(int64_t n) {
    if (n < n_past()) tokens_.resize(static_cast<size_t>(std::max<int64_t>(0, n)));
}

int64_t Session::common_prefix(const std::vector<int32_t>& tokens) const {
    size_t i = 0;
    while (i < tokens.size() && i < tokens_.size() && tokens[i] == tokens_[i]) ++i;
    return static_cast<int64_t>(i);
}

}  // namespace edgeseek
