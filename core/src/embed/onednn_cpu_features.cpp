// The CPU probe, through oneDNN's own ISA detection: it knows which instructions the CPU has,
// whether the OS saves their registers, and whether Linux lets this process use AMX; and it
// honours DNNL_MAX_CPU_ISA, so oneDNN's kernels and this probe always agree.

#include "semsearch/precision.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <QStringList>

namespace semsearch {

namespace {

// oneDNN's ISA values are sets of feature bits: an ISA includes another when it holds all of
// its bits.
bool includes(dnnl::cpu_isa isa, dnnl::cpu_isa part) {
    const auto bits = static_cast<unsigned>(isa);
    const auto partBits = static_cast<unsigned>(part);
    return (bits & partBits) == partBits;
}

CpuFeatures detect() {
    CpuFeatures f;
    dnnl::cpu_isa isa = dnnl::cpu_isa::all;
    try {
        isa = dnnl::get_effective_cpu_isa();
    } catch (const std::exception&) {
        return f; // no answer: claim nothing, fp32 always works
    }
    const bool amx = includes(isa, dnnl::cpu_isa::avx512_core_amx);
    f.amxBf16 = amx;
    f.amxInt8 = amx;
    f.avx512Bf16 = includes(isa, dnnl::cpu_isa::avx512_core_bf16);
    f.avx512Vnni = includes(isa, dnnl::cpu_isa::avx512_core_vnni);
    f.avxVnni = includes(isa, dnnl::cpu_isa::avx2_vnni);
    return f;
}

// Keeps only the features the environment allows.
CpuFeatures narrowed(CpuFeatures f) {
    if (!qEnvironmentVariableIsSet("SEMSEARCH_CPU_FEATURES"))
        return f;
    const QStringList allowed = qEnvironmentVariable("SEMSEARCH_CPU_FEATURES")
                                    .toLower()
                                    .split(QLatin1Char(','), Qt::SkipEmptyParts);
    auto keep = [&](bool& feature, const char* name) {
        feature = feature && allowed.contains(QLatin1String(name));
    };
    keep(f.avx512Bf16, "avx512_bf16");
    keep(f.amxBf16, "amx_bf16");
    keep(f.avx512Vnni, "avx512_vnni");
    keep(f.avxVnni, "avx_vnni");
    keep(f.amxInt8, "amx_int8");
    return f;
}

} // namespace

CpuFeatures probeCpuFeatures() {
    static const CpuFeatures detected = detect();
    return narrowed(detected);
}

} // namespace semsearch
