// Picks the next token from logits: penalties, top-k, top-p, min-p, temperature, then a
// seeded draw (or argmax when temperature <= 0). Order as llama.cpp's default chain.
#pragma once
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

namespace edgeseek {

struct SamplingParams {
    float temperature = 0.6f;   // DeepSeek's recommendation for R1
    int32_t top_k = 40;         // 0 = off
    float top_p = 0.95f;        // 1 = off
    float min_p = 0.05f;        // 0 = off
    float repeat_penalty = 1.0f;    // 1 = off
    float presence_penalty = 0.0f;
    float frequency_penalty = 0.0f;
    int32_t penalty_last_n = 64;
    uint64_t seed = 0xFFFFFFFFu;  // 0xFFFFFFFF = random seed
};

class Sampler {
public:
    explicit Sampler(const SamplingParams& p);

    // Chooses a token from logits (n_vocab values; not modified).
    int32_t sample(const float* logits, int64_t n_vocab);
    // Records a token as part of the history the penalties look at (prompt and output).
    void accept(int32_t token);
    void reset();
    uint64_t seed() const { return seed_; }

    static int32_t argmax(const float* logits, int64_t n_vocab);

private:
    struct Candidate {
        int32_t id;
        float logit;
        float p;
    };
    void apply_penalties(std::vector<Candidate>& c) const;
    SamplingParams p_;
    uint64_t seed_;
    std::mt19937_64 rng_;
    std::deque<int32_t> history_;
    std::vector<Candidate> cand_;
};

}  // namespace edgeseek
