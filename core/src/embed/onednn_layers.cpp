#include "embed/onednn_layers.h"

#include "embed/int8_rows.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <QString>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <new>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace semsearch {

namespace {

using Memory = dnnl::memory;
using Dims = dnnl::memory::dims;
using Tag = dnnl::memory::format_tag;
using Type = dnnl::memory::data_type;

// The row count whose primitive picks the weight layout. Any would do: for every row count from
// 1 to 16384 and the bert-base shapes (K, N in 768, 2304, 3072) oneDNN 2.6 chose the same
// layout (BA16a64b for its brgemm kernel); later primitives are created with that layout fixed.
constexpr std::int64_t kLayoutRows = 1024;

// One matmul primitive per row count (batch x padded length), cached. Measured with bert-base
// shapes at 256-4096 rows on 2 threads: matmul with fixed rows (oneDNN's brgemm kernel) ran at
// 300-330 GFLOP/s, inner_product at 293-321, and one matmul with runtime rows
// (DNNL_RUNTIME_DIM_VAL, which gets the older gemm:jit kernel) at 260-335, slowest on the
// 768 -> 3072 layer. Creating a primitive for a new row count costs 0.1-0.3 ms, against ~150 ms
// for the 12 layers of even a small batch (32 texts of 8 tokens), so the cache only needs to
// stop unbounded growth: padded texts give up to batch size x max positions row counts.
constexpr std::size_t kMaxCachedPrimitives = 64;
constexpr std::size_t kMaxCachedShapes = 64; // the same for attention, by (batch, tokens)

const dnnl::engine& cpuEngine() {
    static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return engine;
}

Error dnnlError(const char* what, const std::exception& e) {
    return makeError(ErrorCode::Internal,
                     QStringLiteral("oneDNN failed %1: %2")
                         .arg(QLatin1String(what), QString::fromUtf8(e.what())));
}

// oneDNN always has reference kernels, far slower than LibTorch's own path (Debian's OpenBLAS);
// on a CPU oneDNN has no optimised kernel for, the caller keeps that path.
bool isReference(const std::string& kernel) {
    return kernel.rfind("ref", 0) == 0;
}

Error referenceOnly(const std::string& kernel) {
    return makeError(ErrorCode::Unsupported,
                     QStringLiteral("oneDNN has only its reference kernel (%1) for this CPU")
                         .arg(QString::fromStdString(kernel)));
}

// Every primitive leaves its scratchpad to the caller (OneDnnScratchpad says why).
dnnl::primitive_attr withUserScratchpad(dnnl::primitive_attr attributes = {}) {
    attributes.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    return attributes;
}

// Adds the scratchpad `desc` asks for to `args`, from `scratchpad`.
void addScratchpad(std::unordered_map<int, Memory>& args, const Memory::desc& desc,
                   OneDnnScratchpad& scratchpad) {
    if (const std::size_t bytes = desc.get_size(); bytes > 0)
        args[DNNL_ARG_SCRATCHPAD] = Memory(desc, cpuEngine(), scratchpad.reserve(bytes));
}

constexpr std::size_t kScratchpadAlignment = 64; // a cache line, as oneDNN aligns its own

} // namespace

void* OneDnnScratchpad::reserve(std::size_t bytes, Block block) {
    auto& data = m_data[static_cast<int>(block)];
    std::size_t& size = m_bytes[static_cast<int>(block)];
    if (bytes > size || !data) {
        const std::size_t rounded = (std::max<std::size_t>(bytes, 1) + kScratchpadAlignment - 1) /
                                    kScratchpadAlignment * kScratchpadAlignment;
        data.reset(); // the old block first: never both at once
        size = 0;
        void* fresh = std::aligned_alloc(kScratchpadAlignment, rounded);
        if (!fresh)
            throw std::bad_alloc();
        data.reset(fresh);
        size = rounded;
    }
    return data.get();
}

void OneDnnScratchpad::Free::operator()(void* data) const {
    std::free(data);
}

struct OneDnnLinear::Impl {
    std::int64_t in = 0;
    std::int64_t out = 0;
    Precision precision = Precision::Fp32;
    PostOp postOp = PostOp::None;
    Activations input = Activations::Fp32;  // of x
    Activations output = Activations::Fp32; // of y
    std::vector<float> weightScales;        // int8: per output channel
    std::vector<float> biasData;
    Memory bias;   // over biasData: [1, out]; unused in int8, where the epilogue adds it
    Memory weight; // in the blocked layout, owned by oneDNN
    dnnl::stream stream;
    std::shared_ptr<OneDnnScratchpad> scratchpad;

    // What one row count needs, cached by row count.
    struct Step {
        dnnl::matmul product;
        Memory::desc productScratchpad;
        dnnl::reorder toBf16; // bf16 with fp32 input: x into bfloat16
    };
    std::unordered_map<std::int64_t, Step> steps;

    bool int8() const { return precision == Precision::Int8; }
    Type inputType() const {
        return int8() ? Type::s8 : precision == Precision::Bf16 ? Type::bf16 : Type::f32;
    }

    // int8 is the bare product into int32, with no scales and no post-op: what oneDNN 2.6 runs
    // with its fast kernel on weights in the blocked layout it chose once. The per-row scale it
    // cannot take as a scale, and as a binary post-op it got the reference kernel in two
    // dimensions and, in three, a kernel on plain weights that it repacked at every call (seen
    // with DNNL_VERBOSE=1: wei_s8::blocked:abc). dequantizeRows does the rest.
    dnnl::matmul::primitive_desc describe(std::int64_t rows, const Memory::desc& weightDesc) const {
        const Memory::desc src({rows, in}, inputType(), Tag::ab);
        const Type dstType = int8()                        ? Type::s32
                             : output == Activations::Bf16 ? Type::bf16
                                                           : Type::f32;
        const Memory::desc dst({rows, out}, dstType, Tag::ab);
        const dnnl::matmul::desc product =
            int8() ? dnnl::matmul::desc(src, weightDesc, dst)
                   : dnnl::matmul::desc(src, weightDesc, bias.get_desc(), dst);
        return dnnl::matmul::primitive_desc(product, attributes(), cpuEngine());
    }

    Step makeStep(std::int64_t rows) const {
        Step step;
        const auto described = describe(rows, weight.get_desc());
        step.product = dnnl::matmul(described);
        step.productScratchpad = described.scratchpad_desc();
        if (precision == Precision::Bf16 && input == Activations::Fp32)
            step.toBf16 = dnnl::reorder(dnnl::reorder::primitive_desc(
                cpuEngine(), Memory::desc({rows, in}, Type::f32, Tag::ab), cpuEngine(),
                Memory::desc({rows, in}, Type::bf16, Tag::ab)));
        return step;
    }

    dnnl::primitive_attr attributes() const;
    void prepareWeight(const float* weight, const Memory::desc& blocked);
    void forward(Step& step, const void* x, std::int64_t rows, void* y);
    void forwardInt8(Step& step, const float* x, std::int64_t rows, float* y);
};

// y = act(x W^T + b) (+ y) in fp32 and bf16: the bias goes into the product and the post-op
// follows. int8 has neither (describe() says why).
dnnl::primitive_attr OneDnnLinear::Impl::attributes() const {
    dnnl::primitive_attr attributes = withUserScratchpad();
    if (int8())
        return attributes;
    dnnl::post_ops ops;
    if (postOp == PostOp::GeluErf)
        ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_gelu_erf, 0.0f, 0.0f);
    else if (postOp == PostOp::AddToOutput)
        ops.append_sum(1.0f);
    attributes.set_post_ops(ops);
    return attributes;
}

// Reorders the weight into `blocked`: fp32 as is (bf16: the reorder rounds it), int8 quantized
// per output channel first, its scales kept for the epilogue.
void OneDnnLinear::Impl::prepareWeight(const float* w, const Memory::desc& blocked) {
    const dnnl::engine& engine = cpuEngine();
    weight = Memory(blocked, engine);
    // W is [out, in] row-major, i.e. the [in, out] matrix oneDNN multiplies by, column-major.
    if (!int8()) {
        Memory plain({{in, out}, Type::f32, Tag::ba}, engine, const_cast<float*>(w));
        dnnl::reorder(plain, weight).execute(stream, plain, weight);
        stream.wait();
        return;
    }
    std::vector<std::int8_t> quantized(static_cast<std::size_t>(in * out));
    std::vector<float> scales(static_cast<std::size_t>(out));
    quantizeRows(w, out, in, quantized.data(), scales.data());
    Memory plain({{in, out}, Type::s8, Tag::ba}, engine, quantized.data());
    dnnl::reorder(plain, weight).execute(stream, plain, weight);
    stream.wait();
    weightScales = std::move(scales);
}

void OneDnnLinear::Impl::forward(Step& step, const void* x, std::int64_t rows, void* y) {
    if (int8())
        return forwardInt8(step, static_cast<const float*>(x), rows, static_cast<float*>(y));
    const dnnl::engine& engine = cpuEngine();
    const auto typeOf = [](Activations a) {
        return a == Activations::Bf16 ? Type::bf16 : Type::f32;
    };
    Memory src({{rows, in}, typeOf(input), Tag::ab}, engine, const_cast<void*>(x));
    std::unordered_map<int, Memory> args{{DNNL_ARG_WEIGHTS, weight}, {DNNL_ARG_BIAS, bias}};
    if (precision == Precision::Bf16 && input == Activations::Fp32) {
        // In the shared scratchpad: a buffer per layer took 48 of them, up to 25 MB each, and
        // each first touch of a page faulted (OneDnnScratchpad).
        const Memory::desc roundedDesc({rows, in}, Type::bf16, Tag::ab);
        Memory rounded(roundedDesc, engine,
                       scratchpad->reserve(roundedDesc.get_size(), OneDnnScratchpad::Block::Input));
        step.toBf16.execute(stream, src, rounded);
        src = rounded;
    }
    args[DNNL_ARG_SRC] = src;
    args[DNNL_ARG_DST] = Memory({{rows, out}, typeOf(output), Tag::ab}, engine, y);
    addScratchpad(args, step.productScratchpad, *scratchpad);
    step.product.execute(stream, args);
    stream.wait();
}

// x quantized per row, the bare int32 product, then dequantizeRows with the bias and post-op.
void OneDnnLinear::Impl::forwardInt8(Step& step, const float* x, std::int64_t rows, float* y) {
    using Block = OneDnnScratchpad::Block;
    const dnnl::engine& engine = cpuEngine();
    const auto count = static_cast<std::size_t>(rows);
    auto* xInt8 = static_cast<std::int8_t*>(
        scratchpad->reserve(count * static_cast<std::size_t>(in), Block::Input));
    auto* rowScales =
        static_cast<float*>(scratchpad->reserve(count * sizeof(float), Block::RowScales));
    auto* accumulators = static_cast<std::int32_t*>(scratchpad->reserve(
        count * static_cast<std::size_t>(out) * sizeof(std::int32_t), Block::Accumulators));
    quantizeRows(x, rows, in, xInt8, rowScales);
    std::unordered_map<int, Memory> args{
        {DNNL_ARG_SRC, Memory({{rows, in}, Type::s8, Tag::ab}, engine, xInt8)},
        {DNNL_ARG_WEIGHTS, weight},
        {DNNL_ARG_DST, Memory({{rows, out}, Type::s32, Tag::ab}, engine, accumulators)}};
    addScratchpad(args, step.productScratchpad, *scratchpad);
    step.product.execute(stream, args);
    stream.wait();
    const Int8Product product{accumulators,    rowScales, weightScales.data(),
                              biasData.data(), rows,      out};
    dequantizeRows(product,
                   postOp == PostOp::GeluErf       ? Int8Epilogue::GeluErf
                   : postOp == PostOp::AddToOutput ? Int8Epilogue::AddToOutput
                                                   : Int8Epilogue::None,
                   y);
}

OneDnnLinear::OneDnnLinear(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
OneDnnLinear::OneDnnLinear(OneDnnLinear&&) noexcept = default;
OneDnnLinear& OneDnnLinear::operator=(OneDnnLinear&&) noexcept = default;
OneDnnLinear::~OneDnnLinear() = default;

Result<OneDnnLinear> OneDnnLinear::create(const float* weight, const float* bias, std::int64_t out,
                                          std::int64_t in, PostOp postOp, Precision precision,
                                          std::shared_ptr<OneDnnScratchpad> scratchpad,
                                          Activations input, Activations output) {
    if (precision == Precision::Auto)
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("a dense layer needs a resolved precision, not auto"));
    const bool bfloat16Activations = input == Activations::Bf16 || output == Activations::Bf16;
    if (bfloat16Activations && precision != Precision::Bf16)
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("bfloat16 activations need a bf16 layer, not %1")
                             .arg(precisionName(precision)));
    if (output == Activations::Bf16 && postOp == PostOp::AddToOutput)
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("a bfloat16 output cannot hold the residual sum"));
    try {
        const dnnl::engine& engine = cpuEngine();
        auto impl = std::make_unique<Impl>();
        impl->in = in;
        impl->out = out;
        impl->precision = precision;
        impl->stream = dnnl::stream(engine);
        impl->postOp = postOp;
        impl->input = input;
        impl->output = output;
        impl->scratchpad =
            scratchpad ? std::move(scratchpad) : std::make_shared<OneDnnScratchpad>();
        impl->biasData.assign(bias, bias + out);
        impl->bias = Memory({{1, out}, Type::f32, Tag::ab}, engine, impl->biasData.data());

        const auto layout =
            impl->describe(kLayoutRows, Memory::desc({in, out}, impl->inputType(), Tag::any));
        if (const std::string kernel = layout.impl_info_str(); isReference(kernel))
            return referenceOnly(kernel);
        impl->prepareWeight(weight, layout.weights_desc());
        return OneDnnLinear(std::move(impl));
    } catch (const std::exception& e) {
        return dnnlError("to prepare a dense layer", e);
    }
}

Result<void> OneDnnLinear::forward(const void* x, std::int64_t rows, void* y) {
    if (rows < 1)
        return {};
    Impl& d = *m_impl;
    try {
        auto step = d.steps.find(rows);
        if (step == d.steps.end()) {
            if (d.steps.size() >= kMaxCachedPrimitives)
                d.steps.clear();
            step = d.steps.emplace(rows, d.makeStep(rows)).first;
        }
        d.forward(step->second, x, rows, y);
        return {};
    } catch (const std::exception& e) {
        return dnnlError("in a dense layer", e);
    }
}

struct OneDnnAttention::Impl {
    std::int64_t heads = 0;
    std::int64_t headSize = 0;
    float sqrtHeadSize = 0.0f;    // the scores are divided by it, exactly as in transformers
    Type productType = Type::f32; // of Q, K, V and the probabilities
    dnnl::stream stream;
    std::shared_ptr<OneDnnScratchpad> scratchpad;

    bool bf16() const { return productType == Type::bf16; }

    // For one batch shape: Q K^T / sqrt(headSize) + mask, softmax, P V.
    struct Shape {
        Memory::desc query, keyTransposed, value, scores, probabilities, mask, context;
        dnnl::matmul scoresProduct;
        dnnl::softmax_v2_forward softmax;
        dnnl::matmul contextProduct;
        Memory::desc scoresScratchpad, softmaxScratchpad, contextScratchpad;
        std::string referenceKernel; // the first of the three that is a reference kernel, if any
    };
    std::map<std::pair<std::int64_t, std::int64_t>, Shape> shapes; // by (batch, tokens)

    // Builds the primitives for one batch shape; throws dnnl::error.
    Shape describe(std::int64_t batch, std::int64_t tokens) const {
        const dnnl::engine& engine = cpuEngine();
        const std::int64_t hidden = heads * headSize;
        const std::int64_t qkvRow = 3 * hidden;
        Shape s;
        // Head h of token j of text i starts at qkv[(i * tokens + j) * qkvRow + h * headSize]
        // (+ hidden for the key, + 2 hidden for the value): [batch, heads, tokens, headSize]
        // with these strides. The key is read transposed by swapping its last two strides.
        s.query = Memory::desc({batch, heads, tokens, headSize}, productType,
                               Dims{tokens * qkvRow, headSize, qkvRow, 1});
        s.keyTransposed = Memory::desc({batch, heads, headSize, tokens}, productType,
                                       Dims{tokens * qkvRow, headSize, 1, qkvRow});
        s.value = s.query;
        s.scores = Memory::desc({batch, heads, tokens, tokens}, Type::f32, Tag::abcd);
        s.probabilities = Memory::desc({batch, heads, tokens, tokens}, productType, Tag::abcd);
        s.mask = Memory::desc({batch, 1, 1, tokens}, Type::f32, Tag::abcd);
        // The context in [batch, tokens, heads, headSize] order, i.e. [batch * tokens, hidden].
        s.context = Memory::desc({batch, heads, tokens, headSize}, productType,
                                 Dims{tokens * hidden, headSize, hidden, 1});

        dnnl::post_ops ops;
        ops.append_binary(dnnl::algorithm::binary_div,
                          Memory::desc({1, 1, 1, 1}, Type::f32, Tag::abcd));
        ops.append_binary(dnnl::algorithm::binary_add, s.mask);
        dnnl::primitive_attr attributes = withUserScratchpad();
        attributes.set_post_ops(ops);
        const dnnl::matmul::primitive_desc scoresDesc(
            dnnl::matmul::desc(s.query, s.keyTransposed, s.scores), attributes, engine);
        const dnnl::softmax_v2_forward::primitive_desc softmaxDesc(
            dnnl::softmax_v2_forward::desc(dnnl::prop_kind::forward_inference,
                                           dnnl::algorithm::softmax_accurate, s.scores,
                                           s.probabilities, 3),
            withUserScratchpad(), engine);
        const dnnl::matmul::primitive_desc contextDesc(
            dnnl::matmul::desc(s.probabilities, s.value, s.context), withUserScratchpad(), engine);
        for (const char* kernel : {scoresDesc.impl_info_str(), softmaxDesc.impl_info_str(),
                                   contextDesc.impl_info_str()}) {
            if (s.referenceKernel.empty() && isReference(kernel))
                s.referenceKernel = kernel;
        }
        s.scoresProduct = dnnl::matmul(scoresDesc);
        s.softmax = dnnl::softmax_v2_forward(softmaxDesc);
        s.contextProduct = dnnl::matmul(contextDesc);
        s.scoresScratchpad = scoresDesc.scratchpad_desc();
        s.softmaxScratchpad = softmaxDesc.scratchpad_desc();
        s.contextScratchpad = contextDesc.scratchpad_desc();
        return s;
    }

    const Shape& shape(std::int64_t batch, std::int64_t tokens) {
        auto found = shapes.find({batch, tokens});
        if (found == shapes.end()) {
            if (shapes.size() >= kMaxCachedShapes)
                shapes.clear();
            found = shapes.emplace(std::make_pair(batch, tokens), describe(batch, tokens)).first;
        }
        return found->second;
    }

    void forward(const Shape& s, const void* qkv, const float* maskBias, float* scores,
                 void* context);
};

// The three steps run one after the other, so they share one scratchpad.
void OneDnnAttention::Impl::forward(const Shape& s, const void* qkv, const float* maskBias,
                                    float* scores, void* context) {
    const dnnl::engine& engine = cpuEngine();
    const std::int64_t hidden = heads * headSize;
    Memory probabilities(s.probabilities, engine, scores); // fp32: the softmax runs in place
    if (bf16())
        probabilities = Memory(s.probabilities, engine,
                               scratchpad->reserve(s.probabilities.get_size(),
                                                   OneDnnScratchpad::Block::Probabilities));
    auto* rows = static_cast<char*>(const_cast<void*>(qkv));
    const std::size_t element = bf16() ? 2 : sizeof(float);
    Memory query(s.query, engine, rows);
    Memory key(s.keyTransposed, engine, rows + hidden * element);
    Memory value(s.value, engine, rows + 2 * hidden * element);
    Memory divisor({{1, 1, 1, 1}, Type::f32, Tag::abcd}, engine, &sqrtHeadSize);
    Memory mask(s.mask, engine, const_cast<float*>(maskBias));
    Memory rawScores(s.scores, engine, scores);
    Memory out(s.context, engine, context);
    std::unordered_map<int, Memory> scoresArgs{
        {DNNL_ARG_SRC, query},
        {DNNL_ARG_WEIGHTS, key},
        {DNNL_ARG_DST, rawScores},
        {DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, divisor},
        {DNNL_ARG_ATTR_MULTIPLE_POST_OP(1) | DNNL_ARG_SRC_1, mask}};
    std::unordered_map<int, Memory> softmaxArgs{{DNNL_ARG_SRC, rawScores},
                                                {DNNL_ARG_DST, probabilities}};
    std::unordered_map<int, Memory> contextArgs{
        {DNNL_ARG_SRC, probabilities}, {DNNL_ARG_WEIGHTS, value}, {DNNL_ARG_DST, out}};
    addScratchpad(scoresArgs, s.scoresScratchpad, *scratchpad);
    s.scoresProduct.execute(stream, scoresArgs);
    addScratchpad(softmaxArgs, s.softmaxScratchpad, *scratchpad);
    s.softmax.execute(stream, softmaxArgs);
    addScratchpad(contextArgs, s.contextScratchpad, *scratchpad);
    s.contextProduct.execute(stream, contextArgs);
    stream.wait();
}

OneDnnAttention::OneDnnAttention(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
OneDnnAttention::OneDnnAttention(OneDnnAttention&&) noexcept = default;
OneDnnAttention& OneDnnAttention::operator=(OneDnnAttention&&) noexcept = default;
OneDnnAttention::~OneDnnAttention() = default;

Result<OneDnnAttention> OneDnnAttention::create(std::int64_t heads, std::int64_t headSize,
                                                std::shared_ptr<OneDnnScratchpad> scratchpad,
                                                Precision products) {
    if (products != Precision::Fp32 && products != Precision::Bf16)
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("attention computes in fp32 or bf16, not %1")
                             .arg(precisionName(products)));
    auto impl = std::make_unique<Impl>();
    impl->scratchpad = scratchpad ? std::move(scratchpad) : std::make_shared<OneDnnScratchpad>();
    impl->heads = heads;
    impl->headSize = headSize;
    impl->sqrtHeadSize = static_cast<float>(std::sqrt(static_cast<double>(headSize)));
    impl->productType = products == Precision::Bf16 ? Type::bf16 : Type::f32;
    try {
        impl->stream = dnnl::stream(cpuEngine());
        // A small shape shows which kernels oneDNN has for this CPU.
        if (const auto probe = impl->describe(2, 8); !probe.referenceKernel.empty())
            return referenceOnly(probe.referenceKernel);
        return OneDnnAttention(std::move(impl));
    } catch (const std::exception& e) {
        return dnnlError("to prepare attention", e);
    }
}

Result<void> OneDnnAttention::forward(const void* qkv, const float* maskBias, std::int64_t batch,
                                      std::int64_t tokens, float* scores, void* context) {
    if (batch < 1 || tokens < 1)
        return {};
    try {
        m_impl->forward(m_impl->shape(batch, tokens), qkv, maskBias, scores, context);
        return {};
    } catch (const std::exception& e) {
        return dnnlError("in attention", e);
    }
}

} // namespace semsearch
