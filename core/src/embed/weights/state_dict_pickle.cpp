#include "embed/weights/state_dict_pickle.h"

#include <QString>

#include <cstring>
#include <optional>
#include <unordered_map>

// Opcode meanings from CPython's Lib/pickletools.py; the state dict layout from torch.save
// (torch/serialization.py, torch/_tensor.py __reduce_ex__).

namespace semsearch {

namespace {

enum class Global { OrderedDict, RebuildTensor, StorageType };

struct Value {
    enum class Kind { None, Bool, Int, Float, String, Tuple, List, Dict, Global, Storage, Tensor };
    Kind kind = Kind::None;
    std::int64_t number = 0;        // Bool, Int; Storage: element count; Tensor: its index
    std::string text;               // String; Global: "module.name"; Storage: its key
    std::vector<std::size_t> items; // Tuple, List; Dict: key, value, key, value, ...
    Global global = Global::StorageType;
    TensorDType dtype = TensorDType::F32; // a storage type Global, a Storage
    bool ordered = false;                 // a Dict made by collections.OrderedDict
};

struct StorageType {
    const char* name;
    TensorDType dtype;
};

constexpr StorageType kStorageTypes[] = {
    {"torch.FloatStorage", TensorDType::F32},     {"torch.HalfStorage", TensorDType::F16},
    {"torch.BFloat16Storage", TensorDType::BF16}, {"torch.DoubleStorage", TensorDType::F64},
    {"torch.LongStorage", TensorDType::I64},      {"torch.IntStorage", TensorDType::I32},
    {"torch.ShortStorage", TensorDType::I16},     {"torch.CharStorage", TensorDType::I8},
    {"torch.ByteStorage", TensorDType::U8},       {"torch.BoolStorage", TensorDType::Bool},
};

// Each opcode makes at most one value, so the pickle's size bounds the count; this bounds the
// memory a crafted pickle can make us spend (a bert-large state dict needs ~10 000 values).
constexpr std::size_t kMaxValues = std::size_t(1) << 21;
constexpr std::size_t kMaxGlobalNameBytes = 256;

class Unpickler {
public:
    Unpickler(const unsigned char* bytes, std::size_t size) : m_bytes(bytes), m_size(size) {}

    Result<std::vector<PickledTensor>> run() {
        for (;;) {
            if (m_pos >= m_size)
                return corrupt(QStringLiteral("the pickle ends before its STOP opcode; the file "
                                              "is truncated"));
            m_opcodeAt = m_pos;
            const unsigned char opcode = m_bytes[m_pos++];
            if (opcode == '.')
                return finish();
            if (auto done = step(opcode); !done)
                return done.error();
        }
    }

private:
    const unsigned char* m_bytes;
    std::size_t m_size;
    std::size_t m_pos = 0;
    std::size_t m_opcodeAt = 0;
    std::vector<Value> m_values;
    std::vector<std::size_t> m_stack; // indices into m_values
    std::vector<std::size_t> m_marks; // stack sizes at each MARK
    std::unordered_map<std::uint32_t, std::size_t> m_memo;
    std::vector<PickledTensor> m_tensors; // named in finish()

    Error error(ErrorCode code, const QString& problem) const {
        return makeError(code, QStringLiteral("byte %1: %2").arg(m_opcodeAt).arg(problem));
    }
    Error corrupt(const QString& problem) const { return error(ErrorCode::Corrupt, problem); }
    Error refused(const QString& problem) const { return error(ErrorCode::Unsupported, problem); }
    Error truncated() const {
        return corrupt(QStringLiteral("the pickle ends inside an opcode; the file is truncated"));
    }

    // The next `n` argument bytes of the current opcode, or nullptr past the end.
    const unsigned char* take(std::size_t n) {
        if (m_size - m_pos < n)
            return nullptr;
        const unsigned char* p = m_bytes + m_pos;
        m_pos += n;
        return p;
    }
    static std::uint32_t littleEndian(const unsigned char* p, int bytes) {
        std::uint32_t value = 0;
        for (int i = bytes - 1; i >= 0; --i)
            value = (value << 8) | p[i];
        return value;
    }

    Result<std::size_t> newValue(Value value) {
        if (m_values.size() >= kMaxValues)
            return corrupt(QStringLiteral("the pickle holds implausibly many objects"));
        m_values.push_back(std::move(value));
        return m_values.size() - 1;
    }
    Result<void> push(Value value) {
        auto id = newValue(std::move(value));
        if (!id)
            return id.error();
        m_stack.push_back(*id);
        return {};
    }
    // Items above the innermost MARK; Python's unpickler cannot see below it either.
    std::size_t available() const {
        return m_stack.size() - (m_marks.empty() ? 0 : m_marks.back());
    }
    Result<std::size_t> pop() {
        if (available() == 0)
            return corrupt(QStringLiteral("the pickle pops from an empty stack"));
        const std::size_t id = m_stack.back();
        m_stack.pop_back();
        return id;
    }
    Result<std::vector<std::size_t>> popToMark() {
        if (m_marks.empty())
            return corrupt(QStringLiteral("the pickle has no MARK to collect items up to"));
        const std::size_t mark = m_marks.back();
        m_marks.pop_back();
        std::vector<std::size_t> items(m_stack.begin() + static_cast<std::ptrdiff_t>(mark),
                                       m_stack.end());
        m_stack.resize(mark);
        return items;
    }
    Result<void> pushInteger(std::int64_t number) {
        Value value;
        value.kind = Value::Kind::Int;
        value.number = number;
        return push(std::move(value));
    }
    Result<void> pushString(std::size_t length) {
        const unsigned char* p = take(length);
        if (!p)
            return truncated();
        Value value;
        value.kind = Value::Kind::String;
        value.text.assign(reinterpret_cast<const char*>(p), length);
        return push(std::move(value));
    }
    Result<void> pushContainer(Value::Kind kind, std::vector<std::size_t> items) {
        Value value;
        value.kind = kind;
        value.items = std::move(items);
        return push(std::move(value));
    }
    // The top `count` items, in stack order.
    Result<std::vector<std::size_t>> popItems(std::size_t count) {
        if (available() < count)
            return corrupt(QStringLiteral("an opcode takes more items than the stack holds"));
        std::vector<std::size_t> items(m_stack.end() - static_cast<std::ptrdiff_t>(count),
                                       m_stack.end());
        m_stack.resize(m_stack.size() - count);
        return items;
    }
    // Adds `items` to the list, or key-value pairs to the dict, on top of the stack.
    Result<void> addTo(Value::Kind kind, const std::vector<std::size_t>& items) {
        const bool dict = kind == Value::Kind::Dict;
        if (available() == 0 || m_values[m_stack.back()].kind != kind)
            return corrupt(dict ? QStringLiteral("items are set on something that is not a dict")
                                : QStringLiteral("items are appended to something that is not a "
                                                 "list"));
        if (dict && items.size() % 2 != 0)
            return corrupt(QStringLiteral("a dict item has a key without a value"));
        std::vector<std::size_t>& into = m_values[m_stack.back()].items;
        into.insert(into.end(), items.begin(), items.end());
        return {};
    }
    // A signed little-endian integer of `length` bytes (LONG1/LONG4).
    Result<void> pushLong(std::size_t length) {
        if (length > 8)
            return refused(QStringLiteral("an integer of %1 bytes is too large").arg(length));
        const unsigned char* p = take(length);
        if (!p)
            return truncated();
        std::uint64_t bits = 0;
        for (std::size_t i = length; i > 0; --i)
            bits = (bits << 8) | p[i - 1];
        if (length > 0 && length < 8 && (p[length - 1] & 0x80))
            bits |= ~std::uint64_t(0) << (8 * length); // sign-extend
        return pushInteger(static_cast<std::int64_t>(bits));
    }

    Result<void> memoPut(std::uint32_t index) {
        if (available() == 0)
            return corrupt(QStringLiteral("the pickle memoizes from an empty stack"));
        m_memo[index] = m_stack.back();
        return {};
    }
    Result<void> memoGet(std::uint32_t index) {
        const auto it = m_memo.find(index);
        if (it == m_memo.end())
            return corrupt(
                QStringLiteral("the pickle reads memo entry %1, which was never set").arg(index));
        m_stack.push_back(it->second);
        return {};
    }

    Result<void> global() {
        std::string parts[2];
        for (std::string& part : parts) {
            const std::size_t limit = std::min(m_size - m_pos, kMaxGlobalNameBytes);
            const void* newline = std::memchr(m_bytes + m_pos, '\n', limit);
            if (!newline)
                return m_size - m_pos <= kMaxGlobalNameBytes
                           ? truncated()
                           : corrupt(QStringLiteral("a GLOBAL name is implausibly long"));
            const std::size_t length =
                static_cast<std::size_t>(static_cast<const unsigned char*>(newline) - m_bytes) -
                m_pos;
            part.assign(reinterpret_cast<const char*>(m_bytes + m_pos), length);
            m_pos += length + 1;
        }
        Value value;
        value.kind = Value::Kind::Global;
        value.text = parts[0] + '.' + parts[1];
        if (value.text == "collections.OrderedDict") {
            value.global = Global::OrderedDict;
        } else if (value.text == "torch._utils._rebuild_tensor_v2") {
            value.global = Global::RebuildTensor;
        } else {
            bool known = false;
            for (const StorageType& type : kStorageTypes)
                if (value.text == type.name) {
                    value.global = Global::StorageType;
                    value.dtype = type.dtype;
                    known = true;
                }
            if (!known)
                return refused(
                    QStringLiteral("refused the global '%1': a state dict may only name "
                                   "collections.OrderedDict, torch._utils._rebuild_tensor_v2 "
                                   "and torch's numeric storage types; nothing was run")
                        .arg(printableName(value.text)));
        }
        return push(std::move(value));
    }

    bool isInt(std::size_t id, std::int64_t minimum = 0) const {
        return m_values[id].kind == Value::Kind::Int && m_values[id].number >= minimum;
    }
    bool isEmptyDict(std::size_t id) const {
        return m_values[id].kind == Value::Kind::Dict && m_values[id].items.empty();
    }
    bool isIntTuple(std::size_t id) const {
        if (m_values[id].kind != Value::Kind::Tuple)
            return false;
        for (std::size_t item : m_values[id].items)
            if (!isInt(item))
                return false;
        return true;
    }

    // torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
    // backward_hooks[, metadata])
    Result<Value> rebuildTensor(const std::vector<std::size_t>& args) {
        const auto isTuple = [&](std::size_t id) {
            return m_values[id].kind == Value::Kind::Tuple;
        };
        if (args.size() < 6 || args.size() > 7 || !isTuple(args[2]) || !isTuple(args[3]))
            return corrupt(QStringLiteral("a tensor is described by malformed arguments"));
        // Before the shape is read: one huge shape tuple, memoized and reused by every tensor,
        // would otherwise be walked and copied once per tensor.
        const std::size_t rank = m_values[args[2]].items.size();
        if (rank > kMaxTensorRank)
            return refused(QStringLiteral("a tensor has %1 dimensions; at most %2 are supported")
                               .arg(rank)
                               .arg(kMaxTensorRank));
        const bool shaped = m_values[args[0]].kind == Value::Kind::Storage && isInt(args[1]) &&
                            isIntTuple(args[2]) && isIntTuple(args[3]) &&
                            m_values[args[3]].items.size() == rank &&
                            m_values[args[4]].kind == Value::Kind::Bool;
        if (!shaped)
            return corrupt(QStringLiteral("a tensor is described by malformed arguments"));
        if (!isEmptyDict(args[5]))
            return refused(QStringLiteral("a tensor carries backward hooks"));
        if (args.size() == 7 && !isEmptyDict(args[6]))
            return refused(QStringLiteral("a tensor carries metadata"));
        const Value& storage = m_values[args[0]];
        PickledTensor tensor;
        tensor.storageKey = storage.text;
        tensor.dtype = storage.dtype;
        tensor.storageElements = storage.number;
        tensor.offset = m_values[args[1]].number;
        for (std::size_t item : m_values[args[2]].items)
            tensor.shape.push_back(m_values[item].number);
        for (std::size_t item : m_values[args[3]].items)
            tensor.stride.push_back(m_values[item].number);
        m_tensors.push_back(std::move(tensor));
        Value value;
        value.kind = Value::Kind::Tensor;
        value.number = static_cast<std::int64_t>(m_tensors.size() - 1);
        return value;
    }

    Result<void> reduce() {
        auto args = pop();
        if (!args)
            return args.error();
        if (available() == 0 || m_values[m_stack.back()].kind != Value::Kind::Global ||
            m_values[*args].kind != Value::Kind::Tuple)
            return corrupt(QStringLiteral("REDUCE needs a global and a tuple of arguments"));
        const Value& callable = m_values[m_stack.back()];
        const std::vector<std::size_t> argItems = m_values[*args].items;
        Value result;
        switch (callable.global) {
        case Global::OrderedDict:
            if (!argItems.empty())
                return refused(QStringLiteral("collections.OrderedDict is called with arguments"));
            result.kind = Value::Kind::Dict;
            result.ordered = true;
            break;
        case Global::RebuildTensor: {
            auto tensor = rebuildTensor(argItems);
            if (!tensor)
                return tensor.error();
            result = std::move(*tensor);
            break;
        }
        case Global::StorageType:
            return refused(QStringLiteral("the storage type '%1' is called; storage types may "
                                          "only appear in persistent ids")
                               .arg(printableName(callable.text)));
        }
        auto id = newValue(std::move(result));
        if (!id)
            return id.error();
        m_stack.back() = *id;
        return {};
    }

    // BUILD sets an object's state. The only object a state dict builds is the OrderedDict
    // itself, whose state is its _metadata attribute (per-module versions): not needed here.
    Result<void> build() {
        auto state = pop();
        if (!state)
            return state.error();
        const Value::Kind stateKind = m_values[*state].kind;
        if (available() == 0 || m_values[m_stack.back()].kind != Value::Kind::Dict ||
            !m_values[m_stack.back()].ordered ||
            (stateKind != Value::Kind::Dict && stateKind != Value::Kind::None))
            return refused(
                QStringLiteral("BUILD is only accepted on an OrderedDict, with a dict as state"));
        return {};
    }

    // ('storage', storage type, key, location, element count)
    Result<void> persistentLoad() {
        auto id = pop();
        if (!id)
            return id.error();
        const Value& pid = m_values[*id];
        const bool valid = pid.kind == Value::Kind::Tuple && pid.items.size() == 5 &&
                           m_values[pid.items[0]].kind == Value::Kind::String &&
                           m_values[pid.items[0]].text == "storage" &&
                           m_values[pid.items[1]].kind == Value::Kind::Global &&
                           m_values[pid.items[1]].global == Global::StorageType &&
                           m_values[pid.items[2]].kind == Value::Kind::String &&
                           m_values[pid.items[3]].kind == Value::Kind::String &&
                           isInt(pid.items[4]);
        if (!valid)
            return refused(QStringLiteral("a persistent id is not a torch storage reference"));
        Value storage;
        storage.kind = Value::Kind::Storage;
        storage.dtype = m_values[pid.items[1]].dtype;
        storage.text = m_values[pid.items[2]].text;
        storage.number = m_values[pid.items[4]].number;
        return push(std::move(storage));
    }

    // The length of the fixed-size argument that follows `opcode`; 0 for none.
    static std::size_t argumentSize(unsigned char opcode) {
        switch (opcode) {
        case 0x80: // PROTO
        case 'K':  // BININT1
        case 0x8a: // LONG1
        case 'U':  // SHORT_BINSTRING
        case 'q':  // BINPUT
        case 'h':  // BINGET
            return 1;
        case 'M': // BININT2
            return 2;
        case 'J':  // BININT
        case 0x8b: // LONG4
        case 'X':  // BINUNICODE
        case 'T':  // BINSTRING
        case 'r':  // LONG_BINPUT
        case 'j':  // LONG_BINGET
            return 4;
        case 'G': // BINFLOAT
            return 8;
        default:
            return 0;
        }
    }

    Result<void> step(unsigned char opcode) {
        const unsigned char* p = take(argumentSize(opcode));
        if (!p)
            return truncated();
        switch (opcode) {
        case 0x80: // PROTO
            if (*p > 2)
                return refused(QStringLiteral("pickle protocol %1 is not supported (torch.save "
                                              "writes protocol 2)")
                                   .arg(*p));
            return {};
        case '(': // MARK
            m_marks.push_back(m_stack.size());
            return {};
        case ')': // EMPTY_TUPLE
            return pushContainer(Value::Kind::Tuple, {});
        case ']': // EMPTY_LIST
            return pushContainer(Value::Kind::List, {});
        case '}': // EMPTY_DICT
            return pushContainer(Value::Kind::Dict, {});
        case 0x85:   // TUPLE1
        case 0x86:   // TUPLE2
        case 0x87: { // TUPLE3
            auto items = popItems(std::size_t(opcode - 0x84));
            if (!items)
                return items.error();
            return pushContainer(Value::Kind::Tuple, std::move(*items));
        }
        case 't':   // TUPLE
        case 'l':   // LIST
        case 'd': { // DICT
            auto items = popToMark();
            if (!items)
                return items.error();
            if (opcode == 'd' && items->size() % 2 != 0)
                return corrupt(QStringLiteral("a dict has a key without a value"));
            return pushContainer(opcode == 't'   ? Value::Kind::Tuple
                                 : opcode == 'l' ? Value::Kind::List
                                                 : Value::Kind::Dict,
                                 std::move(*items));
        }
        case 'a':   // APPEND
        case 's':   // SETITEM
        case 'e':   // APPENDS
        case 'u': { // SETITEMS
            const bool dict = opcode == 's' || opcode == 'u';
            auto items = opcode == 'a' ? popItems(1) : opcode == 's' ? popItems(2) : popToMark();
            if (!items)
                return items.error();
            return addTo(dict ? Value::Kind::Dict : Value::Kind::List, *items);
        }
        case 'N': // NONE
            return push(Value{});
        case 0x88:   // NEWTRUE
        case 0x89: { // NEWFALSE
            Value value;
            value.kind = Value::Kind::Bool;
            value.number = opcode == 0x88;
            return push(std::move(value));
        }
        case 'K': // BININT1
            return pushInteger(*p);
        case 'M': // BININT2
            return pushInteger(littleEndian(p, 2));
        case 'J': // BININT
            return pushInteger(static_cast<std::int32_t>(littleEndian(p, 4)));
        case 0x8a: // LONG1
            return pushLong(*p);
        case 0x8b: // LONG4
            return pushLong(littleEndian(p, 4));
        case 'G': { // BINFLOAT, big-endian; its value is never needed, only its place
            Value value;
            value.kind = Value::Kind::Float;
            return push(std::move(value));
        }
        case 'X': // BINUNICODE
        case 'T': // BINSTRING
            return pushString(littleEndian(p, 4));
        case 'U': // SHORT_BINSTRING
            return pushString(*p);
        case 'q': // BINPUT
            return memoPut(*p);
        case 'r': // LONG_BINPUT
            return memoPut(littleEndian(p, 4));
        case 'h': // BINGET
            return memoGet(*p);
        case 'j': // LONG_BINGET
            return memoGet(littleEndian(p, 4));
        case 'c': // GLOBAL
            return global();
        case 'R': // REDUCE
            return reduce();
        case 'b': // BUILD
            return build();
        case 'Q': // BINPERSID
            return persistentLoad();
        default:
            return refused(QStringLiteral("pickle opcode 0x%1 is not accepted in a state dict")
                               .arg(opcode, 2, 16, QLatin1Char('0')));
        }
    }

    Result<std::vector<PickledTensor>> finish() {
        if (available() == 0 || m_values[m_stack.back()].kind != Value::Kind::Dict)
            return refused(QStringLiteral("the pickle does not hold a dict of tensors"));
        const std::vector<std::size_t>& items = m_values[m_stack.back()].items;
        std::vector<PickledTensor> tensors;
        std::unordered_map<std::string, std::size_t> positions;
        for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
            const Value& key = m_values[items[i]];
            const Value& value = m_values[items[i + 1]];
            if (key.kind != Value::Kind::String)
                return refused(QStringLiteral("the state dict has a key that is not a string"));
            if (value.kind != Value::Kind::Tensor)
                return refused(QStringLiteral("the state dict entry '%1' is not a tensor")
                                   .arg(printableName(key.text)));
            PickledTensor tensor = m_tensors[static_cast<std::size_t>(value.number)];
            tensor.name = key.text;
            const auto [it, added] = positions.emplace(key.text, tensors.size());
            if (added)
                tensors.push_back(std::move(tensor));
            else
                tensors[it->second] = std::move(tensor);
        }
        return tensors;
    }
};

} // namespace

Result<std::vector<PickledTensor>> readStateDictPickle(const unsigned char* bytes,
                                                       std::size_t size) {
    return Unpickler(bytes, size).run();
}

} // namespace semsearch
