#!/usr/bin/python3
"""Builds the tiny random sentence-transformers models in the layouts of all-MiniLM-L6-v2 and
bge-small-en-v1.5, and their reference embeddings from an independent numpy BERT forward pass.

    /usr/bin/python3 tests/data/make_layout_models.py      (needs numpy: apt install python3-numpy)

The outputs are committed, so the tests need no Python. What makes the references trustworthy:
  1. The numpy forward pass below is first run on tiny-bert-max and must reproduce the Hugging
     Face hidden states and the sentence-transformers embeddings in tiny-bert-max/reference
     (max abs diff <= 1e-5), or the script stops.
  2. The token ids fed to it come from tiny-bert-max/reference/tokens.jsonl, produced by
     transformers' BertTokenizer, so semsearch's tokenizer is not what makes the reference.
  3. The weights files are written here by hand from the format descriptions (safetensors; the
     torch zip layout through Python's own pickle module), not by semsearch.
Python's str.lower() is also recorded (bge's sentence_bert_config says do_lower_case: true, so
sentence-transformers lower-cases every text with it before tokenizing).
"""

import collections
import io
import json
import math
import os
import pickle
import struct
import sys
import types
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TINY = os.path.join(HERE, "tiny-bert-max")


# --- weights files -------------------------------------------------------------------------------

SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = data[8 + n + begin : 8 + n + end]
        dtype = SAFETENSORS_DTYPES[entry["dtype"]]
        tensors[name] = np.frombuffer(raw, dtype=dtype).reshape(entry["shape"])
    return tensors


def write_safetensors(path, tensors):
    """8-byte little-endian header length, JSON header (padded with spaces to a multiple of 8,
    as the safetensors library does), then the raw little-endian data in header order."""
    names = sorted(tensors)
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name in names:
        array = tensors[name]
        dtype = {np.dtype(v): k for k, v in SAFETENSORS_DTYPES.items()}[array.dtype]
        header[name] = {
            "dtype": dtype,
            "shape": list(array.shape),
            "data_offsets": [offset, offset + array.nbytes],
        }
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in names:
            f.write(np.ascontiguousarray(tensors[name]).astype("<" + tensors[name].dtype.str[1:]).tobytes())


def write_pytorch_bin(path, tensors):
    """torch.save(model.state_dict()) as torch >= 1.6 lays it out, without torch: an
    OrderedDict (with the _metadata attribute state_dict() sets) pickled with protocol 2 by
    Python's own pickler, through stand-ins for the torch globals; one stored zip record per
    storage under pytorch_model/."""
    torch = types.ModuleType("torch")
    torch_utils = types.ModuleType("torch._utils")
    storage_types = {}
    for dtype, name in ((np.float32, "FloatStorage"), (np.float16, "HalfStorage"), (np.int64, "LongStorage")):
        cls = type(name, (), {"__module__": "torch"})
        setattr(torch, name, cls)
        storage_types[np.dtype(dtype)] = cls

    def _rebuild_tensor_v2(*args):
        raise RuntimeError("never called")

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    torch_utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    torch._utils = torch_utils
    saved = {k: sys.modules.get(k) for k in ("torch", "torch._utils")}
    sys.modules["torch"] = torch
    sys.modules["torch._utils"] = torch_utils

    class Storage:
        def __init__(self, key, array):
            self.key, self.array = key, array

    class Tensor:
        def __init__(self, storage, shape):
            self.storage, self.shape = storage, shape

        def __reduce_ex__(self, protocol):
            stride = [1] * len(self.shape)
            for d in range(len(self.shape) - 2, -1, -1):
                stride[d] = stride[d + 1] * self.shape[d + 1]
            return (_rebuild_tensor_v2,
                    (self.storage, 0, tuple(self.shape), tuple(stride), False, collections.OrderedDict()))

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, Storage):
                return ("storage", storage_types[obj.array.dtype], obj.key, "cpu", obj.array.size)
            return None

    try:
        state = collections.OrderedDict()
        state._metadata = collections.OrderedDict([("", {"version": 1}), ("embeddings", {"version": 1})])
        storages = []
        for i, (name, array) in enumerate(tensors.items()):
            storage = Storage(str(i), np.ascontiguousarray(array))
            storages.append(storage)
            state[name] = Tensor(storage, list(array.shape))
        buffer = io.BytesIO()
        Pickler(buffer, protocol=2).dump(state)
    finally:
        for k, v in saved.items():
            if v is None:
                del sys.modules[k]
            else:
                sys.modules[k] = v
    records = [("data.pkl", buffer.getvalue())]
    records += [("data/" + s.key, s.array.astype("<" + s.array.dtype.str[1:]).tobytes()) for s in storages]
    records += [("version", b"3\n"), ("byteorder", b"little")]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in records:
            # A fixed date, as torch writes, so that the file is the same at every run.
            archive.writestr(zipfile.ZipInfo("pytorch_model/" + name, date_time=(1980, 1, 1, 0, 0, 0)), data)


# --- the independent BERT ------------------------------------------------------------------------

erf = np.frompyfunc(math.erf, 1, 1)


def gelu(x):  # the exact erf form, transformers' "gelu"
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)).astype(np.float64))


def layer_norm(x, weight, bias, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)  # biased, as torch.nn.LayerNorm
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def bert_hidden_states(w, config, batch):
    """All hidden states (embedding output, then each layer) of a padded batch, in float64,
    with the attention mask keeping padded keys out of every softmax."""
    get = lambda name: np.asarray(w[name], dtype=np.float64)
    h, heads = config["hidden_size"], config["num_attention_heads"]
    eps = config["layer_norm_eps"]
    size = h // heads
    t = max(len(ids) for ids in batch)
    ids = np.zeros((len(batch), t), dtype=np.int64)
    mask = np.zeros((len(batch), t))
    for i, row in enumerate(batch):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    x = get("embeddings.word_embeddings.weight")[ids]
    x = x + get("embeddings.position_embeddings.weight")[:t][None] + get("embeddings.token_type_embeddings.weight")[0]
    x = layer_norm(x, get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"), eps)
    states = [x]
    bias = (1.0 - mask)[:, None, None, :] * -1e30
    linear = lambda x, p: x @ get(p + ".weight").T + get(p + ".bias")
    for layer in range(config["num_hidden_layers"]):
        p = "encoder.layer.%d." % layer
        split = lambda y: y.reshape(len(batch), t, heads, size).transpose(0, 2, 1, 3)
        q = split(linear(x, p + "attention.self.query"))
        k = split(linear(x, p + "attention.self.key"))
        v = split(linear(x, p + "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size) + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probabilities = scores / scores.sum(axis=-1, keepdims=True)
        context = (probabilities @ v).transpose(0, 2, 1, 3).reshape(len(batch), t, h)
        x = layer_norm(linear(context, p + "attention.output.dense") + x,
                       get(p + "attention.output.LayerNorm.weight"), get(p + "attention.output.LayerNorm.bias"), eps)
        inner = gelu(linear(x, p + "intermediate.dense"))
        x = layer_norm(linear(inner, p + "output.dense") + x,
                       get(p + "output.LayerNorm.weight"), get(p + "output.LayerNorm.bias"), eps)
        states.append(x)
    return states, mask


def sentence_embeddings(w, config, pooling, normalize, batch):
    """sentence-transformers' Pooling (and Normalize) over the last hidden state."""
    states, mask = bert_hidden_states(w, config, batch)
    x = states[-1]
    if pooling == "max":
        pooled = np.where(mask[:, :, None] == 0, -1e9, x).max(axis=1)
    elif pooling == "mean":
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1)[:, None], 1e-9)
    else:
        pooled = x[:, 0]
    if normalize:
        pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return pooled


# --- checks against the Hugging Face reference ---------------------------------------------------

def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def check_against_tiny_reference():
    with open(os.path.join(TINY, "config.json")) as f:
        config = json.load(f)
    weights = read_safetensors(os.path.join(TINY, "model.safetensors"))
    tokens = read_jsonl(os.path.join(TINY, "reference", "tokens.jsonl"))
    expected = np.array([r["embedding"] for r in read_jsonl(os.path.join(TINY, "reference", "embeddings.jsonl"))])
    got = sentence_embeddings(weights, config, "max", False, [r["input_ids"] for r in tokens])
    embedding_diff = float(np.abs(got - expected).max())
    hidden_diff = 0.0
    for record in read_jsonl(os.path.join(TINY, "reference", "debug_hidden_states.jsonl")):
        states, _ = bert_hidden_states(weights, config, [record["input_ids"]])
        for state, reference in zip(states, record["hidden_states"]):
            hidden_diff = max(hidden_diff, float(np.abs(state[0] - np.array(reference)).max()))
    print("numpy BERT vs tiny-bert-max reference: embeddings %.3g, hidden states %.3g" % (embedding_diff, hidden_diff))
    if embedding_diff > 1e-5 or hidden_diff > 1e-5:
        sys.exit("the numpy BERT does not reproduce the Hugging Face reference; stopping")
    return {"embeddings": embedding_diff, "hidden_states": hidden_diff}


# --- the layouts ---------------------------------------------------------------------------------

def random_bert(config, seed, dtype):
    """Random weights with tiny-bert-max's recipe: embeddings and Linear weights N(0, 0.2^2),
    biases N(0, 0.1^2), LayerNorm weight 1 + N(0, 0.1^2) and bias N(0, 0.1^2)."""
    rng = np.random.RandomState(seed)
    h, inner = config["hidden_size"], config["intermediate_size"]
    w = collections.OrderedDict()
    normal = lambda shape, std, mean=0.0: (mean + std * rng.standard_normal(shape)).astype(dtype)
    w["embeddings.word_embeddings.weight"] = normal((config["vocab_size"], h), 0.2)
    w["embeddings.position_embeddings.weight"] = normal((config["max_position_embeddings"], h), 0.2)
    w["embeddings.token_type_embeddings.weight"] = normal((config["type_vocab_size"], h), 0.2)

    def norm(prefix):
        w[prefix + ".weight"] = normal((h,), 0.1, 1.0)
        w[prefix + ".bias"] = normal((h,), 0.1)

    def linear(prefix, out, inp):
        w[prefix + ".weight"] = normal((out, inp), 0.2)
        w[prefix + ".bias"] = normal((out,), 0.1)

    norm("embeddings.LayerNorm")
    for layer in range(config["num_hidden_layers"]):
        p = "encoder.layer.%d." % layer
        for part in ("query", "key", "value"):
            linear(p + "attention.self." + part, h, h)
        linear(p + "attention.output.dense", h, h)
        norm(p + "attention.output.LayerNorm")
        linear(p + "intermediate.dense", inner, h)
        linear(p + "output.dense", h, inner)
        norm(p + "output.LayerNorm")
    linear("pooler.dense", h, h)
    # The int64 buffer older transformers kept in checkpoints; a loader must ignore it.
    w["embeddings.position_ids"] = np.arange(config["max_position_embeddings"], dtype=np.int64)[None]
    return w


def bert_config(hidden, layers, heads, intermediate, extra):
    config = {
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": hidden,
        "initializer_range": 0.02,
        "intermediate_size": intermediate,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": 512,
        "model_type": "bert",
        "num_attention_heads": heads,
        "num_hidden_layers": layers,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "type_vocab_size": 2,
        "use_cache": True,
        "vocab_size": 30522,
    }
    config.update(extra)
    return config


# all-MiniLM-L6-v2: mean pooling, Normalize, max_seq_length 256, model.safetensors, the older
# tokenizer_config.json style.
MINILM = {
    "folder": "tiny-minilm-layout",
    "seed": 6,
    "config": bert_config(24, 2, 6, 96, {"gradient_checkpointing": False, "transformers_version": "4.8.2"}),
    "pooling": "mean",
    "normalize": True,
    "sentence_bert_config": {"max_seq_length": 256, "do_lower_case": False},
    "tokenizer_config": {
        "do_lower_case": True, "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
        "cls_token": "[CLS]", "mask_token": "[MASK]", "tokenize_chinese_chars": True,
        "strip_accents": None, "name_or_path": "nreimers/MiniLM-L6-H384-uncased",
        "do_basic_tokenize": True, "never_split": None, "tokenizer_class": "BertTokenizer",
        "model_max_length": 512,
    },
    "weights": "safetensors",
    "dtype": np.float32,
}

# bge-small-en-v1.5: CLS pooling, Normalize, max_seq_length 512 with do_lower_case true at the
# sentence-transformers level, the newer tokenizer_config.json style (added_tokens_decoder).
# Its weights are a pytorch_model.bin of float16 storages (Python-pickled OrderedDict).
BGE = {
    "folder": "tiny-bge-layout",
    "seed": 15,
    "config": bert_config(16, 3, 2, 64, {
        "id2label": {"0": "LABEL_0"}, "label2id": {"LABEL_0": 0}, "torch_dtype": "float32",
        "transformers_version": "4.30.0", "classifier_dropout": None}),
    "pooling": "cls",
    "normalize": True,
    "sentence_bert_config": {"max_seq_length": 512, "do_lower_case": True},
    "tokenizer_config": {
        "added_tokens_decoder": {
            str(i): {"content": t, "lstrip": False, "normalized": False, "rstrip": False,
                     "single_word": False, "special": True}
            for i, t in ((0, "[PAD]"), (100, "[UNK]"), (101, "[CLS]"), (102, "[SEP]"), (103, "[MASK]"))},
        "clean_up_tokenization_spaces": True, "cls_token": "[CLS]", "do_basic_tokenize": True,
        "do_lower_case": True, "mask_token": "[MASK]", "model_max_length": 512,
        "never_split": None, "pad_token": "[PAD]", "sep_token": "[SEP]", "strip_accents": None,
        "tokenize_chinese_chars": True, "tokenizer_class": "BertTokenizer", "unk_token": "[UNK]",
    },
    "weights": "bin",
    "dtype": np.float16,
}

SPECIAL_TOKENS = ("[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]")


def write_json(path, value, indent=2):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=indent, ensure_ascii=False)
        f.write("\n")


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")


def fed_ids(record, layout):
    """The ids sentence-transformers feeds this layout for a reference sentence, and whether
    they follow from Hugging Face's tokenization of the reference: BertTokenizer's ids for the
    whole text, cut to max_seq_length. With do_lower_case at the sentence-transformers level
    the text is lower-cased by str.lower() first, which gives the same ids unless the text holds
    a literal special token (no longer special once lower-cased) or a capital sigma (str.lower
    applies the final-sigma rule, BertTokenizer does not)."""
    length = layout["sentence_bert_config"]["max_seq_length"]
    ids = record["input_ids_full"]
    if len(ids) > length:
        ids = ids[: length - 1] + [ids[-1]]
    known = True
    if layout["sentence_bert_config"]["do_lower_case"]:
        text = record["text"]
        known = "\u03a3" not in text and not any(t in text for t in SPECIAL_TOKENS)
    return ids, known


def lowered_special_token_ids(tokens):
    """'hello[MASK]world' lower-cased is 'hello[mask]world': '[', 'mask' and ']' become plain
    word pieces. Their ids come from the reference tokens of '[mask] lowercase ...'."""
    by_text = {r["text"]: r for r in tokens}
    plain = by_text["[mask] lowercase special-looking token"]
    special = by_text["hello[MASK]world"]
    assert plain["tokens"][1:4] == ["[", "mask", "]"] and special["tokens"][2] == "[MASK]"
    ids = special["input_ids"]
    return special, ids[:2] + plain["input_ids"][1:4] + ids[3:]


def build_layout(layout, tokens, numpy_check):
    folder = os.path.join(HERE, layout["folder"])
    os.makedirs(folder, exist_ok=True)
    config = layout["config"]
    h = config["hidden_size"]
    write_json(os.path.join(folder, "config.json"), config)
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]
    if layout["normalize"]:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})
    write_json(os.path.join(folder, "modules.json"), modules)
    write_json(os.path.join(folder, "sentence_bert_config.json"), layout["sentence_bert_config"])
    write_json(os.path.join(folder, "1_Pooling", "config.json"), {
        "word_embedding_dimension": h,
        "pooling_mode_cls_token": layout["pooling"] == "cls",
        "pooling_mode_mean_tokens": layout["pooling"] == "mean",
        "pooling_mode_max_tokens": layout["pooling"] == "max",
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    })
    write_json(os.path.join(folder, "config_sentence_transformers.json"), {
        "__version__": {"sentence_transformers": "2.2.2", "transformers": "4.33.3", "pytorch": "1.13.0a0"},
        "prompts": {}, "default_prompt_name": None,
    })
    write_json(os.path.join(folder, "tokenizer_config.json"), layout["tokenizer_config"])
    write_json(os.path.join(folder, "special_tokens_map.json"), {
        "cls_token": "[CLS]", "mask_token": "[MASK]", "pad_token": "[PAD]", "sep_token": "[SEP]", "unk_token": "[UNK]"})
    with open(os.path.join(TINY, "vocab.txt"), "rb") as src, open(os.path.join(folder, "vocab.txt"), "wb") as dst:
        dst.write(src.read())

    weights = random_bert(config, layout["seed"], layout["dtype"])
    if layout["weights"] == "safetensors":
        write_safetensors(os.path.join(folder, "model.safetensors"), weights)
    else:
        write_pytorch_bin(os.path.join(folder, "pytorch_model.bin"), weights)

    records = []
    for record in tokens:
        ids, known = fed_ids(record, layout)
        records.append({"index": record["index"], "text": record["text"], "input_ids": ids, "text_gives_these_ids": known})
    if layout["sentence_bert_config"]["do_lower_case"]:
        special, ids = lowered_special_token_ids(tokens)
        records.append({"index": special["index"], "text": special["text"], "input_ids": ids, "text_gives_these_ids": True})
    pooled = sentence_embeddings(weights, config, layout["pooling"], layout["normalize"], [r["input_ids"] for r in records])
    reference = os.path.join(folder, "reference")
    os.makedirs(reference, exist_ok=True)
    for record, vector in zip(records, pooled):
        record["text_utf8_hex"] = record["text"].encode("utf-8").hex()
        record["embedding"] = [float("%.9g" % np.float32(v)) for v in vector]
    write_jsonl(os.path.join(reference, "embeddings.jsonl"), records)
    write_json(os.path.join(reference, "meta.json"), {
        "made_by": "tests/data/make_layout_models.py",
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "numpy_bert_vs_tiny_bert_max_reference_max_abs_diff": numpy_check,
        "layout_of": "all-MiniLM-L6-v2" if layout is MINILM else "bge-small-en-v1.5",
        "pooling": layout["pooling"],
        "normalize": layout["normalize"],
        "weights_file": "model.safetensors" if layout["weights"] == "safetensors" else "pytorch_model.bin",
        "weights_dtype": np.dtype(layout["dtype"]).name,
        "records": len(records),
    })
    print("%s: %d reference embeddings of %d dimensions" % (layout["folder"], len(records), h))


# --- Python's str.lower() ------------------------------------------------------------------------

def sigma_after(c):
    return ("A\u03a3" + c).lower()[1] == "\u03c2"


def sigma_before(c):
    return ("A" + c + "\u03a3").lower()[-1] == "\u03c2"


def write_lowercase_reference(tokens):
    """str.lower() of every reference sentence and of capital sigmas in many contexts, plus how
    str.lower() treats every code point next to a capital sigma: the final-sigma rule asks
    whether a character is 'cased' and whether it is 'case-ignorable' (Unicode's
    DerivedCoreProperties), which the two probes below tell apart:
        'A' 'Σ' c  gives a final sigma when c is case-ignorable or not cased
        'A' c 'Σ'  gives a final sigma when c is case-ignorable or cased."""
    folder = os.path.join(HERE, BGE["folder"], "reference")
    texts = [r["text"] for r in tokens] + [
        "ΟΔΟΣ", "Σ", "ΣΑ", "ΑΣ", "ΑΣΑ", "ΑΣ.", "ΑΣ'Α", "ΑΣ\u0301", "Α\u0301Σ", "1Σ", "Α1Σ", "ΑΣ1",
        "ΑΣ ΣΑ Σ", "ΑΣ\u00adΑ", "ΑΣ\u00ad", "ΑΣΣ", "İSTANBUL ΟΔΟΣ", "ǅΣ", "ᾼΣ", "ªΣ", "ⓐΣ", "ⅠΣ",
        "🄰Σ", "ʰΣ", "AΣ\U0001F130", "ÅΣ",
    ]
    write_jsonl(os.path.join(folder, "lowercase.jsonl"),
                [{"text_utf8_hex": t.encode("utf-8").hex(), "lower_utf8_hex": t.lower().encode("utf-8").hex()} for t in texts])

    def ranges(predicate):
        out, start = [], None
        for cp in range(0x110000 + 1):
            inside = cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF and predicate(chr(cp))
            if inside and start is None:
                start = cp
            elif not inside and start is not None:
                out.append([start, cp - 1])
                start = None
        return out

    after_is_final = ranges(sigma_after)
    before_is_final = ranges(sigma_before)
    write_json(os.path.join(folder, "final_sigma.json"), {
        "python": sys.version.split()[0],
        "unicodedata": __import__("unicodedata").unidata_version,
        "probe_after": "code points c for which ('A' + U+03A3 + c).lower()[1] is U+03C2",
        "after_is_final": after_is_final,
        "probe_before": "code points c for which ('A' + c + U+03A3).lower()[-1] is U+03C2",
        "before_is_final": before_is_final,
    }, indent=None)
    print("lowercase references: %d texts, %d + %d sigma ranges" % (len(texts), len(after_is_final), len(before_is_final)))


def main():
    numpy_check = check_against_tiny_reference()
    tokens = read_jsonl(os.path.join(TINY, "reference", "tokens.jsonl"))
    for layout in (MINILM, BGE):
        build_layout(layout, tokens, numpy_check)
    write_lowercase_reference(tokens)


if __name__ == "__main__":
    main()
