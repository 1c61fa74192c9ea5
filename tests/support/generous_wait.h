#pragma once

// How long a test waits for something that should happen (a signal, a process to end, a file to
// appear) before calling it a failure. Generous on purpose: CI's 2 cores are shared and a
// sanitizer build is several times slower, and every wait ends as soon as what it waits for
// happens, so only a real failure ever waits this long. No test asserts on how long anything
// took.

namespace semsearch::test {

constexpr int kGenerousWaitMs = 120000;

} // namespace semsearch::test
