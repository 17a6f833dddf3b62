// Identifiers: random UUIDs (version 4) and the prefixed IDs built from them: jobs "j-<uuid>",
// executions "e-<uuid>", nodes "n-<uuid>".
//
// Randomness comes from a RandomSource so tests can make IDs deterministic. A RandomSource is
// not thread-safe; the argument-less overloads use a per-thread generator seeded from
// std::random_device and may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace shoal::models {

// Returns 64 random bits per call.
using RandomSource = std::function<uint64_t()>;

// A source seeded from std::random_device. Owns its generator; not thread-safe.
RandomSource MakeRandomSource();
// A deterministic source for tests.
RandomSource MakeSeededRandomSource(uint64_t seed);

// "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx", lower-case hex.
std::string NewUuid(const RandomSource& random);
std::string NewJobId(const RandomSource& random);        // "j-<uuid>"
std::string NewExecutionId(const RandomSource& random);  // "e-<uuid>"
std::string NewNodeId(const RandomSource& random);       // "n-<uuid>"

// Thread-safe conveniences using a per-thread generator.
std::string NewUuid();
std::string NewJobId();
std::string NewExecutionId();

// True for the canonical 36-character lower- or upper-case form of any UUID version.
bool IsUuid(std::string_view text);
// True for "j-<uuid>".
bool IsJobId(std::string_view text);
bool IsExecutionId(std::string_view text);

}  // namespace shoal::models
