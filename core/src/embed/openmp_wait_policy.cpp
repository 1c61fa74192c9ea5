// Linked into every semsearch program (an object of its own, see core/CMakeLists.txt): makes
// OpenMP put its idle threads to sleep instead of spinning.
//
// Why: LibTorch and oneDNN run each operation of the model in an OpenMP parallel region, a few
// hundred per query. By default libgomp's threads spin between regions. On a desktop where
// other programs want the cores too (a browser, a compiler), a spinning thread takes the core
// that the thread it waits for needs: query embeddings took 1.27 s instead of 0.055 s (p50)
// with the machine's load at 4 on 2 cores (bench_search, 2026-12-06). Sleeping costs a wake-up
// per region, too little to see in a query or in indexing.
//
// How: libgomp reads OMP_WAIT_POLICY once, in its constructor, before main(), and nothing can
// change it afterwards. The program's .preinit_array runs before every library's constructor,
// but the environment set there is replaced when the C library starts. So when the variable is
// not set, the program starts itself again at once (same process id, same arguments) with
// OMP_WAIT_POLICY=PASSIVE added: a second pass of the dynamic loader, about 50 ms, before any
// constructor or main() has run. A value the user set is kept. Should exec fail (no /proc),
// the program simply runs with OpenMP's default.

#include <unistd.h>

#include <cstring>

namespace {

// It runs before the sanitizers' runtime may be ready (in their builds), so it allocates
// nothing and is not instrumented; an environment of more than 4094 variables is left as is.
__attribute__((no_sanitize("address", "undefined"))) void
preferPassiveOpenMpThreads(int, char** argv, char** envp) {
    static char passive[] = "OMP_WAIT_POLICY=PASSIVE";
    static char* environment[4096];
    std::size_t count = 0;
    for (; envp && envp[count]; ++count) {
        if (std::strncmp(envp[count], "OMP_WAIT_POLICY=", 16) == 0 || count + 2 >= 4096)
            return;
        environment[count] = envp[count];
    }
    environment[count] = passive;
    environment[count + 1] = nullptr;
    execve("/proc/self/exe", argv, environment);
}

// Only an executable may have a .preinit_array; this object is linked into executables only.
__attribute__((section(".preinit_array"),
               used)) void (*const kPreinit)(int, char**, char**) = preferPassiveOpenMpThreads;

} // namespace
